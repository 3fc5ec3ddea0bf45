// LocalData: the index (<db folder>/gphotos.sqlite) on node:sqlite. It keeps
// gphotos-sync 5.7's tables and their meaning, so an existing gphotos-sync
// index is adopted in place and gphotos-sync can still read what we write,
// and adds our own columns through numbered migrations (migrations.ts).
//
// The class is built in layers, one concern each: the connection, opening
// and transactions (index_connection.ts), the SyncFiles items
// (sync_files.ts), and here the tables around them: Globals, the content
// hashes and aliases, Takeout's ItemExtras, Albums and AlbumFiles, and the
// writes that span tables (an item renamed or deleted with its rows).

import {
  ALBUM_SELECT,
  type AlbumEntry,
  type AlbumFile,
  type IndexedItem,
  integer,
  ITEM_SELECT,
  type NewAlbum,
  type Row,
  toAlbum,
  toItem,
} from "./rows.ts";
import { formatIndexDate, parseIndexDate } from "./dates.ts";
import type { LocalDataOptions } from "./index_connection.ts";
import { SyncFilesTable } from "./sync_files.ts";

export type {
  AlbumEntry,
  AlbumFile,
  IndexCounts,
  IndexedItem,
  ItemFilter,
  ItemMetadata,
  ItemPlacement,
  NewAlbum,
  NewItem,
  SourceCounts,
} from "./rows.ts";
export { newItemFromRecord } from "./rows.ts";
export type { LocalDataOptions } from "./index_connection.ts";
export { IndexConflictError } from "./sync_files.ts";

/** What ItemExtras holds for an item (Takeout's metadata). */
export interface ItemExtras {
  people: string[];
  favorite: boolean;
  archived: boolean;
  trashed: boolean;
  /** The sidecar's photos.google.com URL. */
  photoUrl?: string;
  /** The archive entry the bytes came from. */
  archiveEntry?: string;
  /** The sidecar matching rule that applied. */
  matchedBy?: string;
  /** Where the date came from: sidecar, exif, filename, entry. */
  dateSource?: string;
  /** RemoteId of the original this is an edited copy of. */
  editOf?: string;
  /** RemoteId of the still this is the video half of. */
  pairOf?: string;
}

export class LocalData extends SyncFilesTable {
  /**
   * Opens (or creates) `<dbFolder>/gphotos.sqlite`: a new file gets the full
   * schema, a gphotos-sync 5.7 index is migrated in place, anything else is
   * refused with an IndexFileError and left untouched.
   */
  static open(dbFolder: string, opts: LocalDataOptions = {}): LocalData {
    return new LocalData(dbFolder, opts);
  }

  // ---- Globals ----------------------------------------------------------

  /** Globals.LastIndex: where the next incremental Library scan starts. */
  getLastIndex(): Date | undefined {
    const row = this.get("SELECT LastIndex FROM Globals WHERE Id IS 1");
    return parseIndexDate(row?.LastIndex);
  }

  setLastIndex(date: Date): void {
    this.change(
      "UPDATE Globals SET LastIndex = ? WHERE Id IS 1",
      formatIndexDate(date),
    );
  }

  // ---- across tables --------------------------------------------------

  /**
   * Gives an item a new RemoteId (the API's id of an item a Takeout import
   * stored first), with its extras, hashes and album memberships. The old
   * id stays an alias of the item (itemByAlias), so what knew it finds it.
   * False when `from` is not indexed or `to` already is.
   */
  renameItem(from: string, to: string): boolean {
    return this.transaction(() => {
      if (this.getItem(from) === undefined || this.getItem(to) !== undefined) {
        return false;
      }
      this.change(
        "UPDATE SyncFiles SET RemoteId = ? WHERE RemoteId = ?",
        to,
        from,
      );
      this.change("DELETE FROM ItemExtras WHERE RemoteId = ?", to);
      this.change(
        "UPDATE ItemExtras SET RemoteId = ? WHERE RemoteId = ?",
        to,
        from,
      );
      this.change(
        "UPDATE ItemExtras SET EditOf = ? WHERE EditOf = ?",
        to,
        from,
      );
      this.change(
        "UPDATE ItemExtras SET PairOf = ? WHERE PairOf = ?",
        to,
        from,
      );
      this.change(
        "UPDATE OR IGNORE AlbumFiles SET DriveRec = ? WHERE DriveRec = ?",
        to,
        from,
      );
      this.change("DELETE FROM AlbumFiles WHERE DriveRec = ?", from);
      const hash = this.get(
        "SELECT Sha256, Size FROM ContentHashes WHERE RemoteId = ?",
        from,
      );
      if (hash !== undefined) {
        this.putContentHash(to, String(hash.Sha256), Number(hash.Size));
      }
      return true;
    });
  }

  /** Removes an item and its album memberships. */
  deleteItem(remoteId: string): boolean {
    return this.transaction(() => {
      this.change("DELETE FROM AlbumFiles WHERE DriveRec = ?", remoteId);
      this.change("DELETE FROM ContentHashes WHERE RemoteId = ?", remoteId);
      this.change("DELETE FROM ItemExtras WHERE RemoteId = ?", remoteId);
      return this.change("DELETE FROM SyncFiles WHERE RemoteId = ?", remoteId);
    });
  }

  // ---- ContentHashes ----------------------------------------------------

  /** Records the SHA-256 of an item's bytes on disk. */
  putContentHash(remoteId: string, sha256: string, size: number): void {
    this.run(
      "INSERT OR REPLACE INTO ContentHashes (RemoteId, Sha256, Size) VALUES (?, ?, ?)",
      remoteId,
      sha256,
      size,
    );
  }

  /** The SHA-256 and size recorded for an item (or an alias), if any. */
  contentHashOf(
    remoteId: string,
  ): { sha256: string; size: number } | undefined {
    const row = this.get(
      "SELECT Sha256, Size FROM ContentHashes WHERE RemoteId = ?",
      remoteId,
    );
    return row === undefined
      ? undefined
      : { sha256: String(row.Sha256), size: Number(row.Size) };
  }

  /** The item whose bytes have this hash and size, if one was recorded. */
  itemByContentHash(sha256: string, size: number): IndexedItem | undefined {
    const row = this.get(
      `SELECT ${ITEM_SELECT} FROM SyncFiles WHERE RemoteId IN (
         SELECT RemoteId FROM ContentHashes WHERE Sha256 = ? AND Size = ?)
       ORDER BY Id LIMIT 1`,
      sha256,
      size,
    );
    return row === undefined ? undefined : toItem(row, this.warn);
  }

  /**
   * The item stored for `key` when `key` was recorded as an alias (a copy
   * whose bytes turned out identical to an item already stored).
   */
  itemByAlias(key: string): IndexedItem | undefined {
    const hash = this.get(
      "SELECT Sha256, Size FROM ContentHashes WHERE RemoteId = ?",
      key,
    );
    if (hash === undefined) return undefined;
    return this.itemByContentHash(String(hash.Sha256), Number(hash.Size));
  }

  // ---- ItemExtras -------------------------------------------------------

  /** The item a Takeout sidecar URL was imported as (re-imports find it). */
  itemByPhotoUrl(url: string): IndexedItem | undefined {
    const row = this.get(
      `SELECT ${ITEM_SELECT} FROM SyncFiles WHERE RemoteId = (
         SELECT RemoteId FROM ItemExtras WHERE PhotoUrl = ? LIMIT 1)`,
      url,
    );
    return row === undefined ? undefined : toItem(row, this.warn);
  }

  /**
   * itemByPhotoUrl for many URLs in one query (a later export of a whole
   * library asks for every item): `found` gets each URL's tag and item.
   */
  itemsByPhotoUrls(
    urls: Iterable<[tag: number, url: string]>,
    found: (tag: number, item: IndexedItem) => void,
  ): void {
    this.write(
      "CREATE TEMP TABLE IF NOT EXISTS LookupUrls (LookupTag INT, LookupUrl TEXT)",
    );
    try {
      this.transaction(() => {
        const add = this.stmt(
          "INSERT INTO temp.LookupUrls (LookupTag, LookupUrl) VALUES (?, ?)",
        );
        for (const [tag, url] of urls) add.run(tag, url);
      });
      const rows = this.stmt(
        `SELECT LookupTag, ${ITEM_SELECT} FROM temp.LookupUrls JOIN SyncFiles
           ON SyncFiles.RemoteId = (SELECT RemoteId FROM ItemExtras
             WHERE PhotoUrl = LookupUrl LIMIT 1)`,
      ).iterate() as Iterable<Row>;
      for (const row of rows) {
        found(Number(row.LookupTag), toItem(row, this.warn));
      }
    } finally {
      this.write("DELETE FROM temp.LookupUrls");
    }
  }

  /** Takeout's metadata that SyncFiles has no column for. */
  putItemExtras(remoteId: string, extras: ItemExtras): void {
    this.run(
      `INSERT OR REPLACE INTO ItemExtras (RemoteId, People, Favorite, Archived,
         Trashed, PhotoUrl, ArchiveEntry, MatchedBy, DateSource, EditOf, PairOf)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      remoteId,
      extras.people.length > 0 ? JSON.stringify(extras.people) : null,
      extras.favorite ? 1 : 0,
      extras.archived ? 1 : 0,
      extras.trashed ? 1 : 0,
      extras.photoUrl ?? null,
      extras.archiveEntry ?? null,
      extras.matchedBy ?? null,
      extras.dateSource ?? null,
      extras.editOf ?? null,
      extras.pairOf ?? null,
    );
  }

  getItemExtras(remoteId: string): ItemExtras | undefined {
    const row = this.get(
      "SELECT * FROM ItemExtras WHERE RemoteId = ?",
      remoteId,
    );
    if (row === undefined) return undefined;
    const str = (v: unknown) => typeof v === "string" ? v : undefined;
    return {
      people: typeof row.People === "string" ? JSON.parse(row.People) : [],
      favorite: row.Favorite === 1,
      archived: row.Archived === 1,
      trashed: row.Trashed === 1,
      photoUrl: str(row.PhotoUrl),
      archiveEntry: str(row.ArchiveEntry),
      matchedBy: str(row.MatchedBy),
      dateSource: str(row.DateSource),
      editOf: str(row.EditOf),
      pairOf: str(row.PairOf),
    };
  }

  // ---- Albums -----------------------------------------------------------

  /**
   * Adds or updates an album. Like gphotos-sync, re-indexing an album clears
   * its Downloaded flag so its links are made again.
   */
  putAlbum(album: NewAlbum): void {
    this.change(
      `INSERT INTO Albums (RemoteId, AlbumName, Size, Description, StartDate,
         EndDate, SyncDate, Downloaded, IsSharedAlbum)
       VALUES (:remoteId, :albumName, :size, :description, :startDate,
         :endDate, :syncDate, 0, :isShared)
       ON CONFLICT (RemoteId) DO UPDATE SET AlbumName = excluded.AlbumName,
         Size = excluded.Size, Description = excluded.Description,
         StartDate = excluded.StartDate, EndDate = excluded.EndDate,
         SyncDate = excluded.SyncDate, Downloaded = 0,
         IsSharedAlbum = excluded.IsSharedAlbum`,
      {
        remoteId: album.remoteId,
        albumName: album.albumName,
        size: album.size,
        description: album.description ?? null,
        startDate: album.startDate === undefined
          ? null
          : formatIndexDate(album.startDate),
        endDate: album.endDate === undefined
          ? null
          : formatIndexDate(album.endDate),
        syncDate: formatIndexDate(this.now()),
        isShared: album.isShared ? 1 : 0,
      },
    );
  }

  getAlbum(remoteId: string): AlbumEntry | undefined {
    const row = this.get(
      `SELECT ${ALBUM_SELECT} FROM Albums WHERE RemoteId = ?`,
      remoteId,
    );
    return row === undefined ? undefined : toAlbum(row);
  }

  /** Every album, in RemoteId order (gphotos-sync's link order). */
  albums(): AlbumEntry[] {
    return this.all(`SELECT ${ALBUM_SELECT} FROM Albums ORDER BY RemoteId`)
      .map(toAlbum);
  }

  /** Records that the album's links are made (or must be made again). */
  markAlbumDownloaded(remoteId: string, downloaded = true): boolean {
    return this.change(
      "UPDATE Albums SET Downloaded = ? WHERE RemoteId = ?",
      downloaded ? 1 : 0,
      remoteId,
    );
  }

  /** Records that the item is at `position` in the album (0-based). */
  putAlbumFile(albumId: string, remoteId: string, position: number): void {
    this.change(
      "INSERT OR REPLACE INTO AlbumFiles (AlbumRec, DriveRec, Position) " +
        "VALUES (?, ?, ?)",
      albumId,
      remoteId,
      position,
    );
  }

  /**
   * The indexed items of an album, by position (reversed with invert, for
   * --album-invert), then capture time. Members not in SyncFiles are left
   * out, as gphotos-sync's join did.
   */
  albumFiles(albumId: string, opts: { invert?: boolean } = {}): AlbumFile[] {
    const order = opts.invert ? "DESC" : "ASC";
    return this.all(
      `SELECT AlbumFiles.Position AS AlbumPosition, ${ITEM_SELECT}
       FROM AlbumFiles JOIN SyncFiles
         ON SyncFiles.RemoteId = CAST(AlbumFiles.DriveRec AS TEXT)
       WHERE AlbumFiles.AlbumRec = ?
       ORDER BY AlbumFiles.Position ${order}, SyncFiles.CreateDate`,
      albumId,
    ).map((row) => ({
      position: integer(row.AlbumPosition) ?? 0,
      item: toItem(row, this.warn),
    }));
  }

  /** Forgets album memberships: of one album, or of all albums. */
  clearAlbumFiles(albumId?: string): number {
    const result = albumId === undefined
      ? this.run("DELETE FROM AlbumFiles")
      : this.run("DELETE FROM AlbumFiles WHERE AlbumRec = ?", albumId);
    return Number(result.changes);
  }

  /** Removes an album and its memberships (not its items). */
  deleteAlbum(remoteId: string): boolean {
    return this.transaction(() => {
      this.change("DELETE FROM AlbumFiles WHERE AlbumRec = ?", remoteId);
      return this.change("DELETE FROM Albums WHERE RemoteId = ?", remoteId);
    });
  }
}
