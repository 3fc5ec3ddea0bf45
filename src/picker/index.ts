// Indexing what the person picked: each picked item becomes a SyncFiles row
// with source "picker" and the session id as SourceRef, placed by the same
// rules as `sync` (date folder, sanitized name, duplicate number). An item
// the index already holds (same id, or the same original name and capture
// time under another id, e.g. from a Takeout import) gets no new row: it is
// fetched only if its file is not there yet, and an album still lists it.

import type { Logger } from "../log.ts";
import type { LocalData } from "../db/local_data.ts";
import { type IndexedItem, newItemFromRecord } from "../db/rows.ts";
import type { FsProfile } from "../fs/fs_profile.ts";
import type { MediaRecord } from "../media/record.ts";
import { type PickedMediaItem, pickedToMediaRecord } from "../google/picker.ts";
import {
  adoptSameUpload,
  findSameUpload,
  placeRecord,
} from "../backup/placement.ts";

export interface PickedEntry {
  /** The index row the bytes go to. */
  item: IndexedItem;
  /** As the Picker listed it: baseUrl, processing status. */
  picked: PickedMediaItem;
}

export interface PickPlan {
  /** Items the listing returned. */
  listed: number;
  /** New rows in the index. */
  added: number;
  /** Picked items the backup already has on disk (by id, or by name and time). */
  alreadyBackedUp: number;
  /** Of those not downloaded yet, the ones found by name and capture time. */
  matchedByName: number;
  /** Videos left out by --skip-video. */
  skippedVideos: number;
  /** Rows to download, each once. */
  toFetch: PickedEntry[];
  /** Index ids of the picked items in picking order, each once (for --album). */
  members: string[];
}

export interface PickIndexOptions {
  photosPath: string;
  useFlatPath: boolean;
  skipVideo: boolean;
}

export function indexPicked(
  picked: readonly PickedMediaItem[],
  sessionId: string,
  options: PickIndexOptions,
  deps: { db: LocalData; profile: FsProfile; logger: Logger },
): PickPlan {
  const plan: PickPlan = {
    listed: picked.length,
    added: 0,
    alreadyBackedUp: 0,
    matchedByName: 0,
    skippedVideos: 0,
    toFetch: [],
    members: [],
  };
  const members = new Set<string>();
  const fetching = new Set<string>();
  const take = (item: IndexedItem, p: PickedMediaItem) => {
    if (!members.has(item.remoteId)) {
      members.add(item.remoteId);
      plan.members.push(item.remoteId);
    }
    if (item.downloaded) {
      plan.alreadyBackedUp++;
      return;
    }
    if (fetching.has(item.remoteId)) return;
    fetching.add(item.remoteId);
    plan.toFetch.push({ item, picked: p });
  };
  deps.db.transaction(() => {
    for (const p of picked) {
      const record = pickedToMediaRecord(p);
      if (options.skipVideo && record.isVideo) {
        plan.skippedVideos++;
        continue;
      }
      take(indexOne(record, sessionId, options, deps, plan), p);
    }
  });
  return plan;
}

/**
 * The index row of one picked item: the row the index holds under its id,
 * the same upload from another source, or a new row placed as `sync`
 * places it. Counts the last two in `plan`.
 */
function indexOne(
  record: MediaRecord,
  sessionId: string,
  options: PickIndexOptions,
  deps: { db: LocalData; profile: FsProfile; logger: Logger },
  plan: PickPlan,
): IndexedItem {
  const { db, profile, logger } = deps;
  const existing = db.getItem(record.remoteId);
  if (existing) {
    // A row of another source keeps its SourceRef; a picker row is
    // now this session's, so --resume of this session finds it.
    if (existing.source === "picker" && !existing.downloaded) {
      db.updateItemMetadata(record.remoteId, {
        sourceRef: sessionId,
        videoStatus: record.videoStatus,
      });
    }
    return db.getItem(record.remoteId) ?? existing;
  }
  // The same upload from another source: a Takeout import's record
  // takes the picked id; another API id stays its own row.
  const same = adoptSameUpload(db, record, profile) ??
    findSameUpload(
      db,
      record.filename || record.remoteId,
      record.createTime,
      profile,
    );
  if (same) {
    logger.debug(
      `Picked ${record.remoteId} is ${same.path}/${same.fileName} (same name and capture time).`,
    );
    if (!same.downloaded) plan.matchedByName++;
    return same;
  }
  const placement = placeRecord(db, record, profile, options);
  db.insertItem({
    ...newItemFromRecord(record, placement),
    sourceRef: sessionId,
  });
  plan.added++;
  logger.debug(
    `Indexed ${placement.path}/${placement.fileName} (${record.remoteId}, picked)`,
  );
  return db.getItem(record.remoteId)!;
}
