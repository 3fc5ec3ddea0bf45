// The albums of a Takeout import: each album folder of the export becomes
// an album of the index, of the items its files are and of those its lone
// sidecars name (GPTH Neo #133: Takeout may store an album's media only in
// its year folder), found by photo URL, else by upload name and capture
// time, in this import or already in the backup, whatever source stored
// them.

import type { IndexedItem, LocalData } from "../db/local_data.ts";
import type { FsProfile } from "../fs/fs_profile.ts";
import { findSameUpload } from "./placement.ts";
import {
  type AlbumReference,
  photoIdOf,
  type TakeoutPlan,
} from "./takeout_plan.ts";

/** What the import has stored for each key. */
export interface StoredKeys {
  get(key: string): string | undefined;
}

export interface ResolvedReferences {
  /** Each lone sidecar with the RemoteId of the item it names. */
  resolved: { ref: AlbumReference; id: string }[];
  /** Lone sidecars whose item is neither in the export nor in the backup. */
  unresolved: AlbumReference[];
}

/** The items the albums' lone sidecars name. */
export function resolveReferences(
  plan: TakeoutPlan,
  done: StoredKeys,
  db: LocalData,
  profile: FsProfile,
): ResolvedReferences {
  const out: ResolvedReferences = { resolved: [], unresolved: [] };
  for (const ref of plan.albumReferences) {
    const id = referencedItem(ref, done, db, profile);
    if (id === undefined) out.unresolved.push(ref);
    else out.resolved.push({ ref, id });
  }
  return out;
}

/**
 * Writes the albums of the export; returns how many have members.
 * `byRow` names the items of files stored under a key of their own (bytes
 * of their own among files of one key).
 */
export function recordAlbums(
  plan: TakeoutPlan,
  done: StoredKeys,
  db: LocalData,
  resolved: ResolvedReferences["resolved"],
  byRow: ReadonlyMap<number, string> = new Map(),
): number {
  let count = 0;
  const members = plan.albums.map(() => new Set<string>());
  for (let row = 0; row < plan.fileCount; row++) {
    const a = plan.albumOf(row);
    if (a < 0 || plan.skip(row) !== undefined) continue;
    const id = byRow.get(row) ?? done.get(plan.key(row));
    if (id !== undefined) members[a].add(id);
  }
  for (const { ref, id } of resolved) members[ref.album].add(id);
  db.transaction(() => {
    plan.albums.forEach(({ album, meta }, a) => {
      const ids = members[a];
      const items = [...ids]
        .map((id) => db.getItem(id))
        .filter((i): i is IndexedItem => i !== undefined)
        .sort((a, b) =>
          a.createDate.getTime() - b.createDate.getTime() ||
          (a.remoteId < b.remoteId ? -1 : a.remoteId > b.remoteId ? 1 : 0)
        );
      if (items.length === 0) return;
      // By folder, not title: two albums may share a title (Takeout names
      // their folders "Trip" and "Trip(1)"), and each keeps its own items.
      const folderName = album.folder.split("/").pop() ?? album.title;
      const albumId = `takeout-album:${folderName.normalize("NFC")}`;
      db.putAlbum({
        remoteId: albumId,
        albumName: album.title,
        size: items.length,
        description: meta?.description,
        startDate: items[0].createDate,
        endDate: items[items.length - 1].createDate,
        isShared: false,
      });
      db.clearAlbumFiles(albumId);
      items.forEach((m, i) => db.putAlbumFile(albumId, m.remoteId, i));
      count++;
    });
  });
  return count;
}

/** The RemoteId of the item an album's lone sidecar names, if it is held. */
function referencedItem(
  ref: AlbumReference,
  done: StoredKeys,
  db: LocalData,
  profile: FsProfile,
): string | undefined {
  const id = photoIdOf(ref.url);
  const stored = id === undefined ? undefined : done.get(`takeout:${id}`);
  if (stored !== undefined) return stored;
  if (ref.url !== undefined) {
    const byUrl = db.itemByPhotoUrl(ref.url);
    if (byUrl !== undefined) return byUrl.remoteId;
  }
  if (ref.title === undefined || Number.isNaN(ref.takenMs)) return undefined;
  return findSameUpload(db, ref.title, new Date(ref.takenMs), profile)
    ?.remoteId;
}
