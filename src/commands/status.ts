// `gphotos-sync status ROOT`: what the index holds, for people and (with
// --json) for monitoring.

import { count, formatBytes } from "../text/format.ts";
import type { CommandResult } from "../backup/context.ts";
import { join } from "node:path";
import type { StatusOptions } from "../options.ts";
import { ExitCode, GphotosError } from "../errors.ts";
import { LocalData } from "../db/local_data.ts";
import { SOURCES } from "../db/rows.ts";
import { BadIds } from "../backup/bad_ids.ts";
import {
  isComplete,
  type PartRecord,
  TakeoutParts,
  wholeAt,
} from "../db/takeout_parts.ts";
import type { RunContext } from "../backup/context.ts";

export interface StatusReport {
  root: string;
  index: string;
  lastScan: string | null;
  items: {
    total: number;
    downloaded: number;
    pending: number;
    failed: number;
    videosPending: number;
    missingOnDisk: number;
  };
  bySource: Record<string, { total: number; downloaded: number }>;
  albums: number;
  badIds: number;
  bytesOnDisk: number;
  /** The Takeout exports whose parts an import read or saw arriving. */
  takeout: {
    sets: TakeoutSetStatus[];
    /** When a part was last imported. */
    lastImport: string | null;
  };
}

export interface TakeoutSetStatus {
  set: string;
  /** Parts read whole. */
  imported: number;
  /** Parts read with entries that could not be (download them again). */
  damaged: number[];
  /** Parts seen still arriving, and why they wait. */
  waiting: { part: string; reason: string; since: string | null }[];
  /** Parts --delete-imported removed. */
  deleted: number;
  /**
   * Every part from 1 to the highest seen imported whole, and no new part
   * for a day (more may come until then).
   */
  complete: boolean;
  /** When it is taken for whole, if no part is missing; null otherwise. */
  wholeAt: string | null;
  lastImport: string | null;
}

export async function runStatus(
  options: StatusOptions,
  ctx: RunContext,
): Promise<CommandResult> {
  const dbFile = join(options.dbPath, "gphotos.sqlite");
  try {
    Deno.statSync(dbFile);
  } catch {
    throw new GphotosError(
      `No index at ${dbFile}: nothing has been backed up to ${options.root} yet (or --db-path names another folder).`,
      ExitCode.failed,
    );
  }
  const db = LocalData.open(options.dbPath, { logger: ctx.logger });
  try {
    const counts = db.counts();
    let bytes = 0;
    let missing = 0;
    for (const item of db.downloadedItems()) {
      try {
        bytes += Deno.statSync(join(options.root, item.path, item.fileName))
          .size;
      } catch {
        missing++;
      }
    }
    const last = db.getLastIndex();
    const report: StatusReport = {
      root: options.root,
      index: dbFile,
      lastScan: last ? last.toISOString() : null,
      items: {
        total: counts.total,
        downloaded: counts.downloaded,
        pending: counts.pending,
        failed: counts.failed,
        videosPending: counts.videosPending,
        missingOnDisk: missing,
      },
      bySource: Object.fromEntries(
        SOURCES.map((s) => [s, { ...counts.bySource[s] }]),
      ),
      albums: counts.albums,
      badIds: (await BadIds.load(options.root, ctx.logger)).size,
      bytesOnDisk: bytes,
      takeout: takeoutStatus(new TakeoutParts(db).all(), ctx.now()),
    };
    return { failed: 0, lines: formatStatus(report), report: () => report };
  } finally {
    db.close();
  }
}

function formatStatus(r: StatusReport): string[] {
  const lines = [
    `Backup:      ${r.root}`,
    `Index:       ${r.index}`,
    `Last scan:   ${r.lastScan ?? "never"}`,
    `Items:       ${r.items.total} indexed, ${r.items.downloaded} downloaded, ${r.items.pending} to download`,
  ];
  for (const [source, c] of Object.entries(r.bySource)) {
    if (c.total > 0) {
      lines.push(
        `  ${source.padEnd(10)} ${c.total} indexed, ${c.downloaded} downloaded`,
      );
    }
  }
  lines.push(
    `Failed:      ${r.items.failed} with failed downloads, ${r.badIds} in gphotos.bad_ids.yaml`,
    `Videos:      ${r.items.videosPending} waiting (processing at Google or not downloaded yet)`,
    `Missing:     ${r.items.missingOnDisk} marked downloaded but not on disk (run with --retry-download)`,
    `Albums:      ${r.albums}`,
    `On disk:     ${formatBytes(r.bytesOnDisk)}`,
  );
  const t = r.takeout;
  if (t.sets.length > 0) {
    lines.push(
      `Takeout:     ${count(t.sets.length, "export")} seen, ${
        t.sets.filter((s) => s.complete).length
      } imported whole; last import ${t.lastImport ?? "never"}`,
    );
    for (const s of t.sets) {
      const parts = [`${count(s.imported, "part")} imported`];
      if (s.complete) parts.push("complete");
      else if (s.wholeAt !== null) {
        parts.push(
          `none missing; whole if no other part comes by ${s.wholeAt}`,
        );
      }
      if (s.deleted > 0) parts.push(`${s.deleted} deleted`);
      if (s.damaged.length > 0) {
        parts.push(
          `part ${s.damaged.join(", ")} damaged (download it again)`,
        );
      }
      lines.push(`  ${s.set}  ${parts.join(", ")}`);
      for (const w of s.waiting) {
        lines.push(`    waiting: ${w.part}: ${w.reason}`);
      }
    }
  }
  return lines;
}

/** The Takeout exports of the index's record, oldest first. */
export function takeoutStatus(
  parts: readonly PartRecord[],
  now: Date,
): StatusReport["takeout"] {
  const bySet = new Map<string, PartRecord[]>();
  for (const p of parts) {
    const list = bySet.get(p.set);
    if (list === undefined) bySet.set(p.set, [p]);
    else list.push(p);
  }
  const iso = (d: Date | undefined) => d?.toISOString() ?? null;
  const latest = (ds: (Date | undefined)[]) =>
    ds.reduce<Date | undefined>(
      (a, d) => d !== undefined && (a === undefined || d > a) ? d : a,
      undefined,
    );
  const sets = [...bySet.keys()].sort().map((set): TakeoutSetStatus => {
    const list = bySet.get(set)!;
    return {
      set,
      imported: list.filter((p) => p.state === "imported").length,
      damaged: list.filter((p) => p.state === "damaged").map((p) => p.number),
      waiting: list.filter((p) => p.state === "waiting").map((p) => ({
        part: p.name,
        reason: p.reason ?? "",
        since: iso(p.seenAt),
      })),
      deleted: list.filter((p) => p.deletedAt !== undefined).length,
      complete: isComplete(list, now),
      wholeAt: iso(wholeAt(list)),
      lastImport: iso(latest(list.map((p) => p.importedAt))),
    };
  });
  return {
    sets,
    lastImport: iso(latest(parts.map((p) => p.importedAt))),
  };
}
