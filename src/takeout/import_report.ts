// What an import tells: every entry of the parts counted where it ended,
// the summary line, the report written beside the index, and --progress.

import { writeStreamAtomic } from "../fs/atomic_write.ts";
import { resolveInside } from "../fs/confine.ts";
import type { RunContext } from "../backup/context.ts";
import { formatBytes } from "../text/format.ts";
import {
  COPY,
  FAILED,
  IDENTICAL,
  IMPORTED,
  type ImportState,
  PRESENT,
  REPLACED,
  type TakeoutCounts,
} from "./import_state.ts";
import type { TakeoutPlan } from "./plan.ts";

export const REPORT_FILE = "gphotos.takeout-report.json";

/**
 * Every file entry of the parts, counted where it ended: each entry is in
 * exactly one of these, and they add up to `listed`.
 */
export interface EntryReport {
  listed: number;
  /** Media written as new items. */
  imported: number;
  /** Media written over an API copy of the same item. */
  replacedApiCopies: number;
  /** Bytes the backup holds already under another name. */
  identical: number;
  /** Another copy of an item of this export (album folders, parts). */
  copies: number;
  alreadyPresent: number;
  skippedTrash: number;
  skippedArchived: number;
  skippedVideos: number;
  failed: number;
  /** In a part that could not be read that far (see problems). */
  notRead: number;
  /** Sidecars used by the files they describe. */
  sidecars: number;
  /** Sidecars in album folders that made their item a member. */
  albumMemberships: number;
  unclaimedSidecars: number;
  unreadableJson: number;
  albumMetadata: number;
  otherFiles: number;
  /** The same name in several parts, after the first. */
  repeated: number;
  refused: number;
}

/** Writes the report whole or not at all (a kill keeps the last one). */
export async function writeReport(
  root: string,
  report: object,
): Promise<string> {
  const reportPath = await resolveInside(root, REPORT_FILE);
  const reportBytes = new TextEncoder().encode(
    JSON.stringify(report, null, 2) + "\n",
  );
  await writeStreamAtomic(reportPath, ReadableStream.from([reportBytes]), {
    expectedSize: reportBytes.length,
  });
  return reportPath;
}

/**
 * Items (not copies) left out, by reason: an item counts when no copy is
 * imported. Also the items to import and their bytes (first copy's size),
 * for --progress.
 */
export function countSkipped(
  plan: TakeoutPlan,
  counts: TakeoutCounts,
): { total: number; totalBytes: number } {
  let total = 0;
  let totalBytes = 0;
  for (let item = 0; item < plan.itemCount; item++) {
    // Parts an earlier run imported are counted already.
    const copies = plan.copies(item).filter((r) => !plan.silent(r));
    if (copies.length === 0) continue;
    const imported = copies.find((r) => plan.skip(r) === undefined);
    if (imported !== undefined) {
      total++;
      totalBytes += plan.size(imported);
      continue;
    }
    const reason = plan.skip(copies[0]);
    if (reason === "trashed") counts.skippedTrash++;
    else if (reason === "archived") counts.skippedArchived++;
    else if (reason === "video") counts.skippedVideos++;
  }
  return { total, totalBytes };
}

/**
 * Where every file entry of the parts ended, counted: media entries by
 * their row's outcome, the rest as the plan sorted them.
 */
export function entryReport(
  plan: TakeoutPlan,
  state: ImportState,
  albumMemberships: number,
  unclaimedSidecars: readonly string[],
): EntryReport {
  const e: EntryReport = {
    listed: plan.entryCounts.listed,
    imported: 0,
    replacedApiCopies: 0,
    identical: 0,
    copies: 0,
    alreadyPresent: 0,
    skippedTrash: 0,
    skippedArchived: 0,
    skippedVideos: 0,
    failed: 0,
    notRead: 0,
    sidecars: plan.entryCounts.sidecars,
    albumMemberships,
    unclaimedSidecars: unclaimedSidecars.length,
    unreadableJson: plan.badJson.length,
    albumMetadata: plan.entryCounts.albumMetadata,
    otherFiles: plan.otherFiles.reduce((n, o) => n + (o.entries ?? 1), 0),
    repeated: plan.entryCounts.repeated,
    refused: plan.refused.length,
  };
  for (let row = 0; row < plan.fileCount; row++) {
    if (plan.silent(row)) continue;
    const skip = plan.skip(row);
    if (skip === "trashed") e.skippedTrash++;
    else if (skip === "archived") e.skippedArchived++;
    else if (skip === "video") e.skippedVideos++;
    else countOutcome(e, state, plan.key(row), state.outcome[row]);
  }
  return e;
}

/** Counts a media entry read (or not) by the data pass. */
function countOutcome(
  e: EntryReport,
  state: ImportState,
  key: string,
  outcome: number,
): void {
  switch (outcome) {
    case IMPORTED:
      e.imported++;
      break;
    case REPLACED:
      e.replacedApiCopies++;
      break;
    case IDENTICAL:
      e.identical++;
      break;
    case COPY:
      e.copies++;
      break;
    case PRESENT:
      e.alreadyPresent++;
      break;
    case FAILED:
      // A copy that failed while another copy of its item did not.
      if (state.done.has(key)) e.copies++;
      else e.failed++;
      break;
    default:
      e.notRead++;
  }
}

/** The import's summary line (without the report's path). */
export function summaryLine(c: TakeoutCounts, seconds: number): string {
  const skipped = [
    c.skippedTrash ? `${c.skippedTrash} in the trash` : "",
    c.skippedArchived ? `${c.skippedArchived} archived` : "",
    c.skippedVideos ? `${c.skippedVideos} videos` : "",
  ].filter((s) => s !== "").join(", ");
  return `gphotos-sync takeout: ${c.imported} imported (${
    formatBytes(c.bytes)
  }), ${c.alreadyPresent} already present, ${c.identical} identical copies, ${c.replacedApiCopies} API copies replaced by originals, ${c.editedCopies} edited copies, ${c.livePairs} live/motion video halves, ${
    c.forgottenDuplicates
      ? `${c.forgottenDuplicates} numbered copies dated by their first copy's sidecar, `
      : ""
  }${
    c.completed
      ? `${c.completed} items completed by a sidecar that came later, `
      : ""
  }${c.unmatched} without metadata, ${
    skipped ? `skipped ${skipped}, ` : ""
  }${c.refused} entries refused, ${c.failed} failed, ${c.albums} albums, in ${
    seconds.toFixed(1)
  } s.`;
}

/** --progress for an import: items and bytes with an estimate of the time left. */
export function takeoutProgress(
  ctx: RunContext,
  totalItems: number,
  totalBytes: number,
): (state: ImportState) => void {
  const start = ctx.now().getTime();
  let last = 0;
  return (state) => {
    const now = ctx.now().getTime();
    const done = state.progressItems;
    if (now - last < (ctx.isTty ? 200 : 10_000) && done < totalItems) return;
    last = now;
    const bytes = state.progressBytes;
    const rate = bytes / Math.max(1, now - start);
    const eta = rate > 0 ? Math.round((totalBytes - bytes) / rate / 1000) : 0;
    const line = `Importing: ${done}/${totalItems} items, ${
      formatBytes(bytes)
    } of ${formatBytes(totalBytes)}, about ${eta} s left`;
    ctx.stderr(ctx.isTty ? `\r\x1b[2K${line}` : `${line}\n`);
  };
}
