// Moving items' files to other places under ROOT, as a journal the index
// keeps (ItemMoves). A Takeout import moves an item it stored when facts
// it did not have arrive (a sidecar in a later part dates it in another
// month; duplicate names are numbered by capture time, not by the order
// files came in). The index rows change in the same transaction that
// writes the journal; then every file is renamed to a name of its own
// beside it, the journal says so, and only then does each take its new
// place. A run killed at any point leaves a journal the next run finishes
// (finishItemMoves, under the lock, before anything else), so no file is
// lost or left under a name the index does not give it, whatever the
// order of the moves (two items may trade places).

import { dirname, join } from "node:path";
import type { LocalData } from "../db/local_data.ts";
import { writeStreamAtomic } from "../fs/atomic_write.ts";
import { resolveInside } from "../fs/confine.ts";
import { clampFileTime } from "../fs/times.ts";
import { xmpSidecarPath } from "../media/naming.ts";
import type { Logger } from "../log.ts";

/** One item's file going from one place to another (or staying, renewed). */
export interface ItemMove {
  remoteId: string;
  /** ROOT-relative path of the media file now. */
  from: string;
  /** ROOT-relative path it takes (`from` when only renewed). */
  to: string;
  /** The file's new time (its capture time). */
  mtime?: Date;
  /**
   * The XMP sidecar beside `to`: a new document, or undefined to carry the
   * one beside `from` along as it is.
   */
  xmp?: string;
}

/** Prefix of the name a file waits under between its two places. */
const VIA_PREFIX = ".gphotos-move-";

interface Journal {
  remoteId: string;
  from: string;
  via: string | undefined;
  to: string;
  mtime: number | undefined;
  xmp: string | undefined;
  phase: number;
}

/**
 * Moves the files of `moves` and, in the same transaction as the journal,
 * applies `updateRows` (the index rows saying where each item now is).
 * `minTime` is the earliest file time the filesystem keeps.
 */
export async function moveItems(
  db: LocalData,
  root: string,
  moves: readonly ItemMove[],
  updateRows: () => void,
  options: { minTime?: Date; logger?: Logger } = {},
): Promise<void> {
  if (moves.length === 0) {
    db.transaction(updateRows);
    return;
  }
  const journal: Journal[] = moves.map((m, i) => ({
    remoteId: m.remoteId,
    from: m.from,
    via: m.from === m.to
      ? undefined
      : join(dirname(m.from), `${VIA_PREFIX}${Date.now().toString(36)}-${i}`),
    to: m.to,
    mtime: m.mtime === undefined
      ? undefined
      : clampFileTime(m.mtime, options.minTime ?? new Date(0)).getTime(),
    xmp: m.xmp,
    phase: 1,
  }));
  const sql = db.database();
  db.transaction(() => {
    const insert = sql.prepare(
      `INSERT OR REPLACE INTO ItemMoves
         (RemoteId, FromPath, ViaPath, ToPath, Mtime, Xmp, Phase)
       VALUES (?, ?, ?, ?, ?, ?, 1)`,
    );
    for (const j of journal) {
      insert.run(
        j.remoteId,
        j.from,
        j.via ?? null,
        j.to,
        j.mtime ?? null,
        j.xmp ?? null,
      );
    }
    updateRows();
  });
  await runJournal(db, root, journal, options.logger);
}

/** Finishes the moves a killed run left in the journal. */
export async function finishItemMoves(
  db: LocalData,
  root: string,
  logger?: Logger,
): Promise<number> {
  const rows = db.database().prepare(
    "SELECT RemoteId, FromPath, ViaPath, ToPath, Mtime, Xmp, Phase FROM ItemMoves",
  ).all();
  if (rows.length === 0) return 0;
  const journal: Journal[] = rows.map((r) => ({
    remoteId: String(r.RemoteId),
    from: String(r.FromPath),
    via: r.ViaPath === null ? undefined : String(r.ViaPath),
    to: String(r.ToPath),
    mtime: r.Mtime === null ? undefined : Number(r.Mtime),
    xmp: r.Xmp === null ? undefined : String(r.Xmp),
    phase: Number(r.Phase),
  }));
  logger?.warn(
    `Finishing ${journal.length} file moves a stopped run left half-done.`,
  );
  await runJournal(db, root, journal, logger);
  return journal.length;
}

async function runJournal(
  db: LocalData,
  root: string,
  journal: Journal[],
  logger: Logger | undefined,
): Promise<void> {
  const abs = (rel: string) => resolveInside(root, rel);
  if (journal.some((j) => j.phase < 2)) {
    // Every file to its waiting name first: none takes a place another
    // still holds.
    for (const j of journal) {
      if (j.via === undefined) continue;
      const via = await abs(j.via);
      if (await exists(via)) continue;
      const from = await abs(j.from);
      if (!await exists(from)) {
        logger?.error(
          `Cannot move ${j.from} to ${j.to}: it is not there any more.`,
        );
        continue;
      }
      await Deno.rename(from, via);
      const xmp = xmpSidecarPath(from);
      if (await exists(xmp)) await Deno.rename(xmp, xmpSidecarPath(via));
    }
    db.transaction(() => {
      db.database().prepare("UPDATE ItemMoves SET Phase = 2").run();
    });
  }
  for (const j of journal) {
    const to = await abs(j.to);
    if (j.via !== undefined) {
      const via = await abs(j.via);
      if (await exists(via)) {
        await Deno.mkdir(dirname(to), { recursive: true });
        await Deno.rename(via, to);
      }
      const viaXmp = xmpSidecarPath(via);
      if (await exists(viaXmp)) {
        if (j.xmp === undefined) await Deno.rename(viaXmp, xmpSidecarPath(to));
        else await Deno.remove(viaXmp);
      }
    }
    const mtime = j.mtime === undefined ? undefined : new Date(j.mtime);
    if (j.xmp !== undefined) {
      const bytes = new TextEncoder().encode(j.xmp);
      await writeStreamAtomic(
        xmpSidecarPath(to),
        ReadableStream.from([bytes]),
        {
          expectedSize: bytes.length,
          mtime,
        },
      );
    }
    if (mtime !== undefined && await exists(to)) {
      await Deno.utime(to, mtime, mtime);
    }
  }
  db.transaction(() => {
    const remove = db.database().prepare(
      "DELETE FROM ItemMoves WHERE RemoteId = ?",
    );
    for (const j of journal) remove.run(j.remoteId);
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}
