// `gphotos-sync takeout ROOT --from DIR`: the scheduled side of Takeout.
// Google Takeout can export the whole library every two months and deliver
// the parts to a cloud drive, from which a sync client copies them into
// DIR. Each run (a timer, cron) imports the parts that arrived whole since
// the last one, export by export, oldest first; parts still arriving are
// left for a later run (said once, never reported as damaged); each part
// imported is recorded in the index, so it is read once. A part is planned
// with the parts of its export imported before (src/takeout/set.ts),
// so an export imported part by part, in any order, ends as one import of
// all its parts. With --delete-imported, an export's parts are deleted
// once all of them are imported and recorded.

import { basename } from "node:path";
import type { TakeoutOptions } from "../options.ts";
import type { LocalData } from "../db/local_data.ts";
import {
  isComplete,
  type PartRecord,
  TakeoutParts,
} from "../db/takeout_parts.ts";
import { ExitCode, GphotosError } from "../errors.ts";
import type { FsProfile } from "../fs/fs_profile.ts";
import { ArchiveSet } from "../archive/archive_set.ts";
import { describeError } from "../archive/archive_errors.ts";
import { type ArrivedPart, scanInbox } from "./inbox.ts";
import { parsePartName } from "../archive/part_names.ts";
import { withBackup } from "../backup/session.ts";
import type { CommandResult, RunContext } from "../backup/context.ts";
import { count, formatBytes } from "../text/format.ts";
import { importParts } from "./import.ts";
import { writeReport } from "./import_report.ts";

/** A part left for a later run, and why. */
interface Waiting {
  set: string;
  part: string;
  path: string;
  reason: string;
  size: number;
  mtime: Date | undefined;
}

/** Why a part read to its end and found cut short waits. */
const ENDS_EARLY = "it ends early: still being copied";

/** What one export's import in this run did. */
interface SetResult {
  set: string;
  parts: string[];
  code: number;
  summary: string;
  report: Record<string, unknown>;
}

export async function runTakeoutInbox(
  options: TakeoutOptions,
  ctx: RunContext,
): Promise<CommandResult> {
  const dir = options.from!;
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(dir);
  } catch (err) {
    throw new GphotosError(
      `Cannot read the folder ${dir} given with --from: ${
        describeError(err)
      }. Check that the sync client's folder is there (mounted) and readable.`,
      ExitCode.failed,
      { cause: err },
    );
  }
  if (!info.isDirectory) {
    throw new GphotosError(
      `${dir} given with --from is not a folder: give the folder the Takeout parts arrive in.`,
      ExitCode.failed,
    );
  }
  if (options.dryRun) return await inboxDryRun(options, ctx);
  return await withBackup<CommandResult>(
    options,
    ctx,
    { busy: { failed: 0 } },
    ({ db, profile }) => pickUp(options, db, profile, ctx),
  );
}

async function pickUp(
  options: TakeoutOptions,
  db: LocalData,
  profile: FsProfile,
  ctx: RunContext,
): Promise<CommandResult> {
  const started = ctx.now().getTime();
  const records = new TakeoutParts(db);
  const scan = await scanInbox(options.from!, {
    now: ctx.now(),
    settleMs: options.settleMinutes * 60_000,
  });
  for (const u of scan.unreadable) {
    ctx.logger.warn(`Cannot read ${u.path}: ${u.reason}`);
  }
  const { byName, waiting, ready } = sortArrivals(scan.parts, records);
  const results: SetResult[] = [];
  // Oldest export first: its time is in its name.
  for (const set of [...ready.keys()].sort()) {
    const parts = ready.get(set)!.sort((a, b) => a.number - b.number);
    const result = await importSet(set, parts, waiting, {
      options,
      db,
      profile,
      ctx,
    });
    if (result !== undefined) results.push(result);
  }

  recordWaiting(db, records, waiting, ctx);
  const deleted = options.deleteImported
    ? await deleteImported(records, byName, waiting, ctx)
    : [];
  return await inboxResult(options, ctx, started, results, waiting, deleted);
}

/** The parts found in the folder, sorted. */
interface Arrivals {
  /** One file per part name. */
  byName: Map<string, ArrivedPart>;
  /** Parts left for a later run. */
  waiting: Waiting[];
  /** Parts to read now, by export. */
  ready: Map<string, ArrivedPart[]>;
}

/**
 * One file per part name: the first found (a sync client's conflict copy
 * keeps another name); each part to read now, to leave for a later run,
 * or read already (the very file an earlier run recorded).
 */
function sortArrivals(
  found: readonly ArrivedPart[],
  records: TakeoutParts,
): Arrivals {
  const byName = new Map<string, ArrivedPart>();
  for (const p of found) {
    const seen = byName.get(p.name);
    if (seen === undefined || (seen.waiting !== undefined && !p.waiting)) {
      byName.set(p.name, p);
    }
  }
  const waiting: Waiting[] = [];
  const ready = new Map<string, ArrivedPart[]>();
  for (const p of byName.values()) {
    const known = records.get(p.name);
    if (p.waiting === undefined && isRecorded(known, p)) continue;
    // Found cut short by a run, and not changed since: cut still (a .tgz
    // is read to its end to know).
    const stillCut = known?.state === "waiting" &&
      known.reason === ENDS_EARLY && known.size === p.size &&
      known.mtime?.getTime() === p.mtime?.getTime();
    const reason = p.waiting ?? (stillCut ? ENDS_EARLY : undefined);
    if (reason !== undefined) {
      waiting.push(waitingOf(p.set, p, reason));
      continue;
    }
    const list = ready.get(p.set);
    if (list === undefined) ready.set(p.set, [p]);
    else list.push(p);
  }
  return { byName, waiting, ready };
}

function waitingOf(set: string, p: ArrivedPart, reason: string): Waiting {
  return {
    set,
    part: p.name,
    path: p.path,
    reason,
    size: p.size,
    mtime: p.mtime,
  };
}

/** What importing an export's parts needs. */
interface SetDeps {
  options: TakeoutOptions;
  db: LocalData;
  profile: FsProfile;
  ctx: RunContext;
}

/**
 * Imports the parts of one export that arrived. Parts found cut short
 * while listed are still being written: they join `waiting`, and the
 * others are imported without them. Undefined when none is left.
 */
async function importSet(
  set: string,
  arrived: ArrivedPart[],
  waiting: Waiting[],
  { options, db, profile, ctx }: SetDeps,
): Promise<SetResult | undefined> {
  let parts = arrived;
  while (parts.length > 0) {
    const opened = await ArchiveSet.open(parts.map((p) => p.path));
    let outcome;
    try {
      outcome = await importParts({
        options: { ...options, archives: parts.map((p) => p.path) },
        set: opened,
        setName: set,
        db,
        profile,
        ctx,
        holdIncomplete: true,
        stats: new Map(parts.map((p) => [p.path, p])),
      });
    } finally {
      await opened.close();
    }
    if (outcome.incomplete !== undefined) {
      // Cut short: still being written. Read again by a later run.
      const cut = new Set(outcome.incomplete);
      for (const p of parts.filter((p) => cut.has(p.path))) {
        waiting.push(waitingOf(set, p, ENDS_EARLY));
      }
      parts = parts.filter((p) => !cut.has(p.path));
      continue;
    }
    ctx.tell(`${set}: ${outcome.summary}`);
    for (const p of outcome.problems) ctx.tell(p);
    return {
      set,
      parts: parts.map((p) => p.name),
      code: outcome.code,
      summary: outcome.summary,
      report: outcome.report,
    };
  }
  return undefined;
}

/** The run's report (written when an export was imported), summary and result. */
async function inboxResult(
  options: TakeoutOptions,
  ctx: RunContext,
  started: number,
  results: readonly SetResult[],
  waiting: readonly Waiting[],
  deleted: readonly string[],
): Promise<CommandResult> {
  const dir = options.from!;
  const seconds = (ctx.now().getTime() - started) / 1000;
  const report = {
    from: dir,
    finished: ctx.now().toISOString(),
    seconds,
    sets: results.map((r) => ({
      set: r.set,
      parts: r.parts,
      exitCode: r.code,
      ...r.report,
    })),
    waiting,
    deleted,
  };
  let reportPath: string | undefined;
  if (results.length > 0) reportPath = await writeReport(options.root, report);
  const summary = `${inboxSummary(dir, results, waiting, deleted, seconds)}${
    reportPath ? ` Report: ${reportPath}` : ""
  }`;
  return {
    // An export with a problem, an entry refused or an item failed.
    failed: results.filter((r) => r.code !== ExitCode.ok).length,
    summary,
    report: () => ({
      from: dir,
      seconds,
      sets: results.map((r) => ({
        set: r.set,
        parts: r.parts,
        exitCode: r.code,
        counts: r.report.counts,
      })),
      waiting,
      deleted,
      ...(reportPath ? { report: reportPath } : {}),
    }),
  };
}

/** The summary line of a run (without the report's path). */
function inboxSummary(
  dir: string,
  results: readonly SetResult[],
  waiting: readonly Waiting[],
  deleted: readonly string[],
  seconds: number,
): string {
  const imported = results.reduce((n, r) => n + r.parts.length, 0);
  const counts = results.reduce(
    (sum, r) => {
      const c = r.report.counts as Record<string, number>;
      sum.items += c.imported;
      sum.present += c.alreadyPresent;
      sum.bytes += c.bytes;
      return sum;
    },
    { items: 0, present: 0, bytes: 0 },
  );
  return `gphotos-sync takeout --from ${dir}: ${count(imported, "part")} of ${
    count(results.length, "export")
  } imported (${counts.items} items, ${
    formatBytes(counts.bytes)
  }; ${counts.present} already present), ${
    count(waiting.length, "part")
  } waiting, ${deleted.length} deleted, in ${seconds.toFixed(1)} s.`;
}

/** Whether a part is the very file an earlier run read. */
function isRecorded(
  known: PartRecord | undefined,
  p: { size: number; mtime: Date | undefined },
): boolean {
  return known !== undefined &&
    (known.state === "imported" || known.state === "damaged") &&
    known.size === p.size &&
    known.mtime?.getTime() === p.mtime?.getTime();
}

/**
 * Records the parts still arriving, and says each once (again only when
 * why changes); forgets those gone from the folder.
 */
function recordWaiting(
  db: LocalData,
  records: TakeoutParts,
  waiting: readonly Waiting[],
  ctx: RunContext,
): void {
  const now = ctx.now();
  const names = new Set(waiting.map((w) => w.part));
  // The same part may be waiting twice (a copy under a temporary name
  // beside an older one): one record.
  const byName = new Map(waiting.map((w) => [w.part, w]));
  ctx.logger.info(`${byName.size} Takeout parts still arriving.`);
  db.transaction(() => {
    for (const w of byName.values()) {
      const known = records.get(w.part);
      if (known !== undefined && known.state !== "waiting") continue;
      if (known?.reason !== w.reason) {
        ctx.tell(
          `${w.part} is not read yet: ${w.reason}. A later run imports it.`,
        );
      }
      records.put({
        name: w.part,
        set: w.set,
        number: parsePartName(w.part)?.number ?? 0,
        path: w.path,
        size: w.size,
        mtime: w.mtime,
        state: "waiting",
        reason: w.reason,
        seenAt: known?.seenAt ?? now,
      });
    }
    for (const r of records.all()) {
      if (r.state === "waiting" && !names.has(r.name)) records.remove(r.name);
    }
  });
}

/**
 * Deletes the parts of every export whose parts are all imported: numbers
 * 1 to the highest seen, none damaged, none still arriving, and no new
 * part for a day (EXPORT_QUIET_MS: more may still come); only files that
 * are the very files imported (same size and time).
 */
async function deleteImported(
  records: TakeoutParts,
  inFolder: ReadonlyMap<string, ArrivedPart>,
  waiting: readonly Waiting[],
  ctx: RunContext,
): Promise<string[]> {
  const deleted: string[] = [];
  const arriving = new Set(waiting.map((w) => w.set));
  const sets = new Map<string, PartRecord[]>();
  for (const r of records.all()) {
    const list = sets.get(r.set);
    if (list === undefined) sets.set(r.set, [r]);
    else list.push(r);
  }
  for (const [set, parts] of sets) {
    if (arriving.has(set) || !isComplete(parts, ctx.now())) continue;
    for (const r of parts) {
      const file = inFolder.get(r.name);
      if (file === undefined || !isRecorded(r, file)) continue;
      try {
        await Deno.remove(file.path);
      } catch (err) {
        ctx.logger.warn(`Cannot delete ${file.path}: ${describeError(err)}`);
        continue;
      }
      records.put({ ...r, path: file.path, deletedAt: ctx.now() });
      deleted.push(file.path);
      ctx.logger.info(`Deleted ${file.path}: its export is imported.`);
    }
  }
  return deleted;
}

/** --from --dry-run: what a run would read, leave and skip; nothing written. */
async function inboxDryRun(
  options: TakeoutOptions,
  ctx: RunContext,
): Promise<CommandResult> {
  const scan = await scanInbox(options.from!, {
    now: ctx.now(),
    settleMs: options.settleMinutes * 60_000,
  });
  const parts = scan.parts.map((p) => ({
    set: p.set,
    part: p.name,
    path: p.path,
    size: p.size,
    ...(p.waiting ? { waiting: p.waiting } : {}),
  }));
  const message = `Dry run: ${
    parts.filter((p) => !p.waiting).length
  } parts look whole, ${
    parts.filter((p) => p.waiting).length
  } are still arriving (parts an earlier run imported are skipped by the run itself). Nothing was written.`;
  return {
    failed: 0,
    lines: [
      ...parts.map((p) =>
        `${basename(p.path)} (${p.set}, ${formatBytes(p.size)}): ${
          p.waiting ? `waiting: ${p.waiting}` : "would be read"
        }`
      ),
      message,
    ],
    message,
    report: () => ({ dryRun: true, from: options.from, parts }),
  };
}
