// The albums of a Takeout import: each album folder of the export becomes
// an album of the index, of the items its files are and of those its lone
// sidecars name (GPTH Neo #133: Takeout may store an album's media only in
// its year folder), found by photo URL, else by upload name and capture
// time, in this import or already in the backup, whatever source stored
// them.

import type { IndexedItem, LocalData } from "../db/local_data.ts";
import type { FsProfile } from "../fs/fs_profile.ts";
import { findSameUpload } from "../backup/placement.ts";
import { type AlbumReference, photoIdOf, type TakeoutPlan } from "./plan.ts";

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
 * Writes the albums of the export (of `setName`, when it is a scheduled
 * export's); returns how many have members. The other Takeout albums that
 * hold an item of `changed` (items whose date this import corrected) get
 * their order and dates again.
 */
export function recordAlbums(
  plan: TakeoutPlan,
  done: StoredKeys,
  db: LocalData,
  resolved: ResolvedReferences["resolved"],
  setName?: string,
  changed: ReadonlySet<string> = new Set(),
): number {
  const sql = db.database();
  const writtenBy = sql.prepare(
    "SELECT SetName FROM TakeoutAlbums WHERE AlbumId = ?",
  );
  const writes = sql.prepare(
    "INSERT OR REPLACE INTO TakeoutAlbums (AlbumId, SetName) VALUES (?, ?)",
  );
  let count = 0;
  const members = plan.albums.map(() => new Set<string>());
  for (let row = 0; row < plan.fileCount; row++) {
    const a = plan.albumOf(row);
    if (a < 0 || plan.skip(row) !== undefined) continue;
    const id = done.get(plan.key(row));
    if (id !== undefined) members[a].add(id);
  }
  for (const { ref, id } of resolved) members[ref.album].add(id);
  const written = new Set<string>();
  db.transaction(() => {
    plan.albums.forEach(({ album, meta }, a) => {
      // By folder, not title: two albums may share a title (Takeout names
      // their folders "Trip" and "Trip(1)"), and each keeps its own items.
      const folderName = album.folder.split("/").pop() ?? album.title;
      const albumId = `takeout-album:${folderName.normalize("NFC")}`;
      // A later export said last what the album holds (its parts came
      // first): it keeps the album, as if it had come after this one.
      const by = writtenBy.get(albumId)?.SetName;
      if (setName !== undefined && typeof by === "string" && by > setName) {
        count++;
        return;
      }
      if (
        writeAlbum(db, albumId, album.title, meta?.description, members[a])
      ) {
        written.add(albumId);
        if (setName !== undefined) writes.run(albumId, setName);
        count++;
      }
    });
    if (changed.size === 0) return;
    const albumsOf = sql.prepare(
      "SELECT DISTINCT AlbumRec FROM AlbumFiles WHERE DriveRec = ?",
    );
    const again = new Set<string>();
    for (const id of changed) {
      for (const row of albumsOf.all(id)) {
        const albumId = String(row.AlbumRec);
        if (albumId.startsWith("takeout-album:") && !written.has(albumId)) {
          again.add(albumId);
        }
      }
    }
    for (const albumId of again) {
      const album = db.getAlbum(albumId);
      if (album === undefined) continue;
      writeAlbum(
        db,
        albumId,
        album.albumName,
        album.description,
        new Set(db.albumFiles(albumId).map((f) => f.item.remoteId)),
      );
    }
  });
  return count;
}

/**
 * An album of these items, in the order of their capture time (then id),
 * dated by its first and last; false when none of them is indexed.
 */
function writeAlbum(
  db: LocalData,
  albumId: string,
  title: string,
  description: string | undefined,
  ids: ReadonlySet<string>,
): boolean {
  const items = [...ids]
    .map((id) => db.getItem(id))
    .filter((i): i is IndexedItem => i !== undefined)
    .sort((a, b) =>
      a.createDate.getTime() - b.createDate.getTime() ||
      (a.remoteId < b.remoteId ? -1 : a.remoteId > b.remoteId ? 1 : 0)
    );
  if (items.length === 0) return false;
  const album = db.getAlbum(albumId);
  const now = db.albumFiles(albumId).map((f) => f.item.remoteId);
  if (
    album !== undefined && album.albumName === title &&
    album.description === description && album.size === items.length &&
    album.startDate?.getTime() === items[0].createDate.getTime() &&
    album.endDate?.getTime() === items[items.length - 1].createDate.getTime() &&
    now.length === items.length &&
    now.every((id, i) => id === items[i].remoteId)
  ) {
    // As it is: a later export of the same album writes nothing.
    return true;
  }
  db.putAlbum({
    remoteId: albumId,
    albumName: title,
    size: items.length,
    description,
    startDate: items[0].createDate,
    endDate: items[items.length - 1].createDate,
    isShared: false,
  });
  db.clearAlbumFiles(albumId);
  items.forEach((m, i) => db.putAlbumFile(albumId, m.remoteId, i));
  return true;
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
