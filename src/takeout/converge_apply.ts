// The writes of converge (converge.ts): what differs between each target
// and its stored item goes to the index, and its file is moved, re-dated
// or given a new XMP sidecar through the ItemMoves journal
// (src/backup/item_moves.ts).

import { join } from "node:path";
import type { ItemExtras, LocalData } from "../db/local_data.ts";
import { formatIndexDate } from "../db/dates.ts";
import { localFileName } from "../media/naming.ts";
import { type ItemMove, moveItems } from "../backup/item_moves.ts";
import { isTakeoutKey } from "../backup/placement.ts";
import type {
  ConvergeInput,
  ConvergeResult,
  Target,
} from "./converge_target.ts";

/** What differs, found by changesOf. */
interface Changes {
  changed: Target[];
  moves: ItemMove[];
  /** Targets unchanged whose bytes other files of the export are. */
  unchangedWithAliases: Target[];
}

/** Writes what differs: index rows, then files (moved, re-dated, new XMP). */
export async function applyTargets(
  targets: Map<string, Target>,
  input: ConvergeInput,
  result: ConvergeResult,
): Promise<void> {
  const { changed, moves, unchangedWithAliases } = changesOf(
    targets,
    input,
    result,
  );
  // The other files of the export that are these bytes find them by key
  // (they are recorded so when they are read; an earlier run of the
  // export may have known them otherwise).
  if (unchangedWithAliases.length > 0) {
    keepAliases(input.db, unchangedWithAliases);
  }
  if (changed.length === 0) return;
  await moveItems(
    input.db,
    input.options.root,
    moves,
    () => updateRows(changed, input, result),
    { minTime: input.profile.minTime, logger: input.logger },
  );
}

/** The targets that differ from their stored item, and the moves of files. */
function changesOf(
  targets: Map<string, Target>,
  input: ConvergeInput,
  result: ConvergeResult,
): Changes {
  const out: Changes = { changed: [], moves: [], unchangedWithAliases: [] };
  for (const t of targets.values()) {
    const s = t.stored;
    const fileName = localFileName(
      t.origFileName,
      t.duplicateNo,
      input.profile,
    );
    const place = s.path !== t.path || s.fileName !== fileName;
    const dated = s.createDate.getTime() !== t.createDate.getTime();
    // (The file's time is its capture time: set again whenever it moves.)
    const was = t.extras;
    const now = t.newExtras;
    // What the XMP sidecar says and the file's time.
    const described = dated || s.description !== t.description ||
      (s.location ?? "") !== (t.location ?? "") || was === undefined ||
      JSON.stringify(was.people) !== JSON.stringify(now.people) ||
      was.favorite !== now.favorite || was.dateSource !== now.dateSource;
    const renamed = isTakeoutKey(s.remoteId) && s.remoteId !== t.key;
    if (
      !place && !described && !renamed && s.sourceRef === t.sourceRef &&
      s.origFileName === t.origFileName && sameExtras(was, now) &&
      s.mimeType === t.mimeType && s.isVideo === t.isVideo
    ) {
      if (t.aliases.length > 0) out.unchangedWithAliases.push(t);
      continue;
    }
    out.changed.push(t);
    if (was?.dateSource !== "sidecar" && now.dateSource === "sidecar") {
      result.completed++;
      const entry = t.file?.entry.name;
      if (entry !== undefined) result.dated.add(entry);
    }
    if (place || described) {
      out.moves.push({
        remoteId: renamed ? t.key : s.remoteId,
        from: join(s.path, s.fileName),
        to: join(t.path, fileName),
        mtime: t.createDate,
        xmp: described ? t.xmp : undefined,
      });
      if (place) result.moved++;
    }
  }
  return out;
}

/** The aliases of unchanged targets that have no content hash yet get theirs. */
function keepAliases(db: LocalData, targets: readonly Target[]): void {
  db.transaction(() => {
    for (const t of targets) {
      const content = db.contentHashOf(t.id);
      if (content === undefined) continue;
      for (const alias of t.aliases) {
        if (db.contentHashOf(alias) === undefined) {
          db.putContentHash(alias, content.sha256, content.size);
        }
      }
    }
  });
}

/**
 * The changed targets' rows, in the transaction of their moves: parked out
 * of the way first (two items may trade places), then each written, its
 * key taken when it had another, its aliases recorded.
 */
function updateRows(
  changed: readonly Target[],
  input: ConvergeInput,
  result: ConvergeResult,
): void {
  const { db, profile, done, plan } = input;
  const sql = db.database();
  const park = sql.prepare(
    "UPDATE SyncFiles SET DuplicateNo = ? WHERE RemoteId = ?",
  );
  for (const t of changed) park.run(-1 - t.stored.id, t.stored.remoteId);
  const update = sql.prepare(
    `UPDATE SyncFiles SET Path = ?, FileName = ?, OrigFileName = ?,
       DuplicateNo = ?, CreateDate = ?, Description = ?, Location = ?,
       SourceRef = ?, MimeType = ?, IsVideo = ? WHERE RemoteId = ?`,
  );
  for (const t of changed) {
    const id = t.stored.remoteId;
    const final = takeKey(t, input);
    update.run(
      t.path,
      localFileName(t.origFileName, t.duplicateNo, profile),
      t.origFileName,
      t.duplicateNo,
      formatIndexDate(t.createDate),
      t.description,
      t.location ?? "",
      t.sourceRef ?? null,
      t.mimeType,
      t.isVideo ? 1 : 0,
      final,
    );
    db.putItemExtras(final, t.newExtras);
    const content = sql.prepare(
      "SELECT Sha256, Size FROM ContentHashes WHERE RemoteId = ?",
    ).get(final);
    for (const alias of t.aliases) {
      if (content !== undefined && alias !== final) {
        db.putContentHash(alias, String(content.Sha256), Number(content.Size));
      }
      done.set(alias, final);
    }
    if (t.item >= 0) done.set(plan.itemKey(t.item), final);
    result.changed.add(final);
    sql.prepare("UPDATE TakeoutEntries SET Item = ? WHERE Item = ?").run(
      final,
      id,
    );
  }
}

/**
 * The RemoteId a changed target ends with: an item stored under a Takeout
 * key takes the key of the file it is (when no item has it).
 */
function takeKey(t: Target, input: ConvergeInput): string {
  const { db, plan } = input;
  const id = t.stored.remoteId;
  if (!isTakeoutKey(id) || id === t.key || db.getItem(t.key) !== undefined) {
    return id;
  }
  db.renameItem(id, t.key);
  // The old key stays an alias only while a file of the export is it.
  if (!t.aliases.includes(id) && plan.itemOfKey(id) < 0) {
    db.database().prepare("DELETE FROM ContentHashes WHERE RemoteId = ?")
      .run(id);
  }
  return t.key;
}

function sameExtras(a: ItemExtras | undefined, b: ItemExtras): boolean {
  if (a === undefined) return false;
  return JSON.stringify(a.people) === JSON.stringify(b.people) &&
    a.favorite === b.favorite && a.archived === b.archived &&
    a.trashed === b.trashed && a.photoUrl === b.photoUrl &&
    a.archiveEntry === b.archiveEntry && a.matchedBy === b.matchedBy &&
    a.dateSource === b.dateSource && a.editOf === b.editOf &&
    a.pairOf === b.pairOf;
}
