// `gphotos-sync takeout --dry-run`: the plan of an export on stdout, an
// item per line (or per JSON object), worked out as it is printed; nothing
// is written.

import type { TakeoutOptions } from "../options.ts";
import type { ArchiveSet } from "../archive/archive_set.ts";
import type { CommandResult, RunContext } from "../backup/context.ts";
import { mediaFolder } from "../media/date_path.ts";
import type { BestDate } from "./best_date.ts";
import { dateFor } from "./item.ts";
import type { PlannedFile, TakeoutPlan } from "./plan.ts";
import { planSet } from "./set.ts";

/** An item the import would write, and where. */
interface DryTarget {
  item: number;
  copies: readonly number[];
  f: PlannedFile;
  date: BestDate;
  folder: string;
}

/** --dry-run: the plan on stdout; nothing is written. */
export async function dryRun(
  options: TakeoutOptions,
  set: ArchiveSet,
  ctx: RunContext,
): Promise<CommandResult> {
  const { problems, plan } = await planSet({
    set,
    earlier: [],
    options: {
      includeTrashed: options.includeTrashed,
      skipArchived: options.skipArchived,
      skipVideo: options.skipVideo,
      keepNames: true,
    },
    record: false,
    signal: ctx.signal,
  });
  const { count, skipped } = countItems(plan);
  const albums = albumsOf(plan);
  const message =
    `Dry run: ${count} items would be imported (before checking the index), ${skipped} skipped, ${albums.length} albums, ${plan.refused.length} entries refused. Nothing was written.`;
  const failed = problems.length + plan.refused.length;
  const targets = () => dryTargets(plan, options, ctx);
  if (options.json) {
    // The plan is a generator: main writes it an item per line as it is
    // worked out, so 100,000 items are not held again as text.
    return {
      failed,
      message,
      report: () => ({
        dryRun: true,
        items: count,
        skipped,
        albums,
        refused: plan.refused,
        problems: problems.map((p) => p.message),
        plan: jsonPlan(plan, targets()),
      }),
    };
  }
  return {
    failed,
    lines: textPlan(targets(), message),
    notes: problems.map((p) => p.message),
  };
}

/**
 * Items that would be imported, and copies left out. Counted first, so
 * that each item is printed as it is worked out: the plan of 100,000 items
 * is not held twice more as lines or objects.
 */
function countItems(plan: TakeoutPlan): { count: number; skipped: number } {
  let count = 0;
  let skipped = 0;
  for (let item = 0; item < plan.itemCount; item++) {
    const copies = plan.copies(item);
    const kept = copies.filter((r) => plan.skip(r) === undefined).length;
    skipped += copies.length - kept;
    if (kept > 0) count++;
  }
  return { count, skipped };
}

/**
 * Albums of files, and albums of sidecars only (their items may be found
 * in the backup), by title.
 */
function albumsOf(plan: TakeoutPlan): string[] {
  const referenced = new Set(plan.albumReferences.map((r) => r.album));
  return plan.albums.filter((a, i) => a.keys.length > 0 || referenced.has(i))
    .map((a) => a.album.title);
}

function* dryTargets(
  plan: TakeoutPlan,
  options: TakeoutOptions,
  ctx: RunContext,
): Generator<DryTarget> {
  for (let item = 0; item < plan.itemCount; item++) {
    const copies = plan.copies(item);
    const row = copies.find((r) => plan.skip(r) === undefined);
    if (row === undefined) continue;
    const f = plan.file(row);
    // Without a sidecar date the import reads the file's EXIF or video
    // header, which a dry run does not: its folder here is provisional.
    const date = dateFor(f, {}, ctx.now());
    const folder = mediaFolder(date.date, options);
    yield { item, copies, f, date, folder };
  }
}

function* jsonPlan(plan: TakeoutPlan, targets: Iterable<DryTarget>) {
  for (const { item, copies, f, date, folder } of targets) {
    yield {
      key: plan.itemKey(item),
      entry: f.entry.name,
      part: f.entry.part,
      target: `${folder}/${f.match.originalName}`,
      sidecar: f.match.sidecar ?? null,
      matchedBy: f.match.matchedBy,
      date: date.date.toISOString(),
      dateFrom: date.source,
      copies: copies.length,
    };
  }
}

function* textPlan(
  targets: Iterable<DryTarget>,
  message: string,
): Generator<string> {
  for (const { f, date, folder } of targets) {
    const from = date.source === "sidecar"
      ? "date from the sidecar"
      : `no sidecar date: from the file's EXIF or video header if it has one, else ${date.source}`;
    yield `${folder}/${f.match.originalName} <- ${f.entry.name} (${f.match.matchedBy}, ${from})`;
  }
  yield message;
}
