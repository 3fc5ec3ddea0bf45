// --album NAME for `pick`: the picked items are filed as a local album,
// recorded like Google's albums (an Albums row under a synthetic id, and
// AlbumFiles positions), so the album folder of links is made by the same
// reconcile as every other album. Picking into the same NAME again adds to
// it; items already in it keep their place.

import type { LocalData } from "../db/local_data.ts";

/** Albums from picks are told apart from Google's by this id prefix. */
export const PICKER_ALBUM_PREFIX = "picker-album:";

export function pickerAlbumId(name: string): string {
  return PICKER_ALBUM_PREFIX + name;
}

export interface PickAlbumResult {
  albumId: string;
  /** Items the album holds now. */
  items: number;
  /** Items this pick added to it. */
  added: number;
}

/** Files `members` (index ids, in picking order) under the album NAME. */
export function fileInAlbum(
  db: LocalData,
  name: string,
  members: readonly string[],
): PickAlbumResult {
  const albumId = pickerAlbumId(name);
  return db.transaction(() => {
    const current = db.albumFiles(albumId);
    const present = new Set(current.map((f) => f.item.remoteId));
    let position = current.reduce((m, f) => Math.max(m, f.position + 1), 0);
    let added = 0;
    for (const id of members) {
      if (present.has(id) || db.getItem(id) === undefined) continue;
      present.add(id);
      db.putAlbumFile(albumId, id, position++);
      added++;
    }
    const files = db.albumFiles(albumId);
    const times = files.map((f) => f.item.createDate.getTime());
    db.putAlbum({
      remoteId: albumId,
      albumName: name,
      size: files.length,
      startDate: times.length > 0 ? new Date(Math.min(...times)) : undefined,
      endDate: times.length > 0 ? new Date(Math.max(...times)) : undefined,
      isShared: false,
    });
    return { albumId, items: files.length, added };
  });
}
