// `gphotos-sync status ROOT`: what the index holds, for people and (with
// --json) for monitoring.

import { formatBytes } from "../text/format.ts";
import type { CommandResult } from "./result.ts";
import { join } from "node:path";
import type { StatusOptions } from "../options.ts";
import { ExitCode, GphotosError } from "../errors.ts";
import { LocalData } from "../db/local_data.ts";
import { SOURCES } from "../db/rows.ts";
import { BadIds } from "../backup/bad_ids.ts";
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
  return lines;
}
