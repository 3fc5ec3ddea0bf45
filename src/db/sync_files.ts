// The SyncFiles table: one row per item of the backup, whatever its source,
// in gphotos-sync's columns (Path, FileName and DuplicateNo place its file
// under ROOT/photos; Downloaded says the file is there), with ours added by
// migrations (Source, SourceRef, FailCount, BadReason, sizes, camera). The
// lookups that find an item again (by id, by path, by original name and
// capture time), gphotos-sync's duplicate numbering, the writes of a
// download's progress, and the paged iteration the steps walk. LocalData
// (local_data.ts) adds the tables around it.

import { ExitCode, GphotosError } from "../errors.ts";
import { SQLITE_CONSTRAINT, sqliteCode } from "./sqlite_errors.ts";
import type { MediaSource, VideoStatus } from "../media/record.ts";
import { formatIndexDate } from "./dates.ts";
import { GPHOTOS_MINIMUM_DATE } from "../media/date_path.ts";
import { IndexConnection, type Named } from "./index_connection.ts";
import {
  type IndexCounts,
  type IndexedItem,
  integer,
  ITEM_SELECT,
  type ItemFilter,
  type ItemMetadata,
  type NewItem,
  type SourceCounts,
  SOURCES,
  text,
  toItem,
} from "./rows.ts";

/** Rows fetched per query by the item iterators. */
const PAGE_SIZE = 500;

/** A write the index refused: a row that clashes with one already there. */
export class IndexConflictError extends GphotosError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, ExitCode.failed, options);
  }
}

function isAscii(s: string): boolean {
  // deno-lint-ignore no-control-regex
  return /^[\x00-\x7f]*$/.test(s);
}

export class SyncFilesTable extends IndexConnection {
  getItem(remoteId: string): IndexedItem | undefined {
    const row = this.get(
      `SELECT ${ITEM_SELECT} FROM SyncFiles WHERE RemoteId = ?`,
      remoteId,
    );
    return row === undefined ? undefined : toItem(row, this.warn);
  }

  /**
   * Whether the index holds item `remoteId`: getItem without reading the
   * row (an album's members are mostly items the library listing just
   * recorded).
   */
  hasItem(remoteId: string): boolean {
    return this.get("SELECT 1 FROM SyncFiles WHERE RemoteId = ?", remoteId) !==
      undefined;
  }

  /** The item stored under ROOT/<path>/<fileName>, if any. */
  itemByPath(path: string, fileName: string): IndexedItem | undefined {
    const row = this.get(
      `SELECT ${ITEM_SELECT} FROM SyncFiles WHERE Path = ? AND FileName = ? ` +
        "ORDER BY Id LIMIT 1",
      path,
      fileName,
    );
    return row === undefined ? undefined : toItem(row, this.warn);
  }

  /**
   * An item with this original name (as placement computes it) and this
   * capture time, whatever its id: the same photo reached through another
   * source (a Takeout import, a Library listing under another id). The
   * lowest SyncFiles.Id wins when there are several.
   */
  itemByOriginalName(
    origFileName: string,
    createDate: Date,
    caseInsensitive: boolean,
  ): IndexedItem | undefined {
    const sql = caseInsensitive
      ? `SELECT ${ITEM_SELECT} FROM SyncFiles WHERE lower(OrigFileName) = ? ` +
        "AND CreateDate = ? ORDER BY Id LIMIT 1"
      : `SELECT ${ITEM_SELECT} FROM SyncFiles WHERE OrigFileName = ? ` +
        "AND CreateDate = ? ORDER BY Id LIMIT 1";
    const row = this.get(
      sql,
      caseInsensitive ? origFileName.toLowerCase() : origFileName,
      formatIndexDate(createDate),
    );
    return row === undefined ? undefined : toItem(row, this.warn);
  }

  /**
   * The items with this capture time, lowest SyncFiles.Id first: what the
   * search for the same upload from another source starts from
   * (src/backup/placement.ts compares their names).
   */
  itemsTakenAt(createDate: Date): IndexedItem[] {
    return this.all(
      `SELECT ${ITEM_SELECT} FROM SyncFiles WHERE CreateDate = ? ORDER BY Id`,
      formatIndexDate(createDate),
    ).map((row) => toItem(row, this.warn));
  }

  /**

  /**
   * gphotos-sync's duplicate numbering: one more than the highest
   * DuplicateNo among items in `path` with the same original name (compared
   * lower-cased when caseInsensitive), or 0 when there is none.
   */
  nextDuplicateNo(
    path: string,
    origFileName: string,
    caseInsensitive: boolean,
  ): number {
    let highest: number | undefined;
    if (!caseInsensitive) {
      highest = integer(
        this.get(
          "SELECT MAX(DuplicateNo) AS n FROM SyncFiles " +
            "WHERE Path = ? AND OrigFileName = ?",
          path,
          origFileName,
        )?.n,
      );
    } else if (isAscii(origFileName)) {
      // SQLite's lower() folds ASCII only, which is exact for ASCII names
      // and lets SyncFilesPathLowerNameIdx answer.
      highest = integer(
        this.get(
          "SELECT MAX(DuplicateNo) AS n FROM SyncFiles " +
            "WHERE Path = ? AND lower(OrigFileName) = ?",
          path,
          origFileName.toLowerCase(),
        )?.n,
      );
    } else {
      const wanted = origFileName.toLowerCase();
      for (
        const row of this.all(
          "SELECT OrigFileName, DuplicateNo FROM SyncFiles WHERE Path = ?",
          path,
        )
      ) {
        if (text(row.OrigFileName)?.toLowerCase() !== wanted) continue;
        const n = integer(row.DuplicateNo) ?? 0;
        highest = highest === undefined ? n : Math.max(highest, n);
      }
    }
    return highest === undefined ? 0 : highest + 1;
  }

  /**
   * Adds an item; returns its SyncFiles.Id. Throws IndexConflictError when
   * the RemoteId is already indexed or the Path/FileName/DuplicateNo is taken.
   */
  insertItem(item: NewItem): number {
    if (!SOURCES.includes(item.source)) {
      throw new TypeError(`Unknown media source "${item.source}".`);
    }
    try {
      // Positional parameters: node:sqlite binds them about twice as fast
      // as named ones, which shows when indexing a whole library.
      const result = this.stmt(
        `INSERT INTO SyncFiles (RemoteId, Uid, Url, Path, FileName,
           OrigFileName, DuplicateNo, MimeType, Description, FileSize,
           ModifyDate, CreateDate, SyncDate, Downloaded, Location, Source,
           IsVideo, VideoStatus, FailCount, BadReason, SourceRef, Width,
           Height, CameraMake, CameraModel)
         VALUES (?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0,
           NULL, ?, ?, ?, ?, ?)`,
      ).run(
        item.remoteId,
        item.url ?? null,
        item.path,
        item.fileName,
        item.origFileName,
        item.duplicateNo,
        item.mimeType,
        item.description,
        item.fileSize ?? 0,
        formatIndexDate(item.modifyDate ?? GPHOTOS_MINIMUM_DATE),
        formatIndexDate(item.createDate),
        formatIndexDate(this.now()),
        item.downloaded ? 1 : 0,
        // gphotos-sync wrote "" for "no location".
        item.location ?? "",
        item.source,
        item.isVideo ? 1 : 0,
        item.videoStatus ?? null,
        item.sourceRef ?? null,
        item.width ?? null,
        item.height ?? null,
        item.cameraMake ?? null,
        item.cameraModel ?? null,
      );
      return Number(result.lastInsertRowid);
    } catch (error) {
      if (sqliteCode(error) === SQLITE_CONSTRAINT) {
        const clash = this.getItem(item.remoteId) !== undefined
          ? `item ${item.remoteId} is already indexed`
          : `${item.path}/${item.fileName} (duplicate ${item.duplicateNo}) ` +
            `is already taken by another item`;
        throw new IndexConflictError(
          `Cannot add ${item.remoteId} to the index: ${clash}.`,
          { cause: error },
        );
      }
      throw this.diskOr(error, "write");
    }
  }

  /**
   * Updates an item's metadata. Path, FileName, DuplicateNo, OrigFileName,
   * Downloaded and Source never change here: the file on disk stays where
   * it is. Returns false when the item is not indexed.
   */
  updateItemMetadata(remoteId: string, meta: ItemMetadata): boolean {
    const columns: [string, string | number | null][] = [];
    const set = (column: string, value: string | number | null) =>
      columns.push([column, value]);
    if (meta.url !== undefined) set("Url", meta.url);
    if (meta.mimeType !== undefined) set("MimeType", meta.mimeType);
    if (meta.description !== undefined) set("Description", meta.description);
    if (meta.createDate !== undefined) {
      set("CreateDate", formatIndexDate(meta.createDate));
    }
    if (meta.modifyDate !== undefined) {
      set("ModifyDate", formatIndexDate(meta.modifyDate));
    }
    if (meta.isVideo !== undefined) set("IsVideo", meta.isVideo ? 1 : 0);
    if (meta.videoStatus !== undefined) set("VideoStatus", meta.videoStatus);
    if (meta.location !== undefined) set("Location", meta.location);
    if (meta.sourceRef !== undefined) set("SourceRef", meta.sourceRef);
    if (meta.width !== undefined) set("Width", meta.width);
    if (meta.height !== undefined) set("Height", meta.height);
    if (meta.cameraMake !== undefined) set("CameraMake", meta.cameraMake);
    if (meta.cameraModel !== undefined) set("CameraModel", meta.cameraModel);
    set("SyncDate", formatIndexDate(this.now()));
    const sql = `UPDATE SyncFiles SET ${
      columns.map(([c]) => `${c} = ?`).join(", ")
    } WHERE RemoteId = ?`;
    return this.change(sql, ...columns.map(([, v]) => v), remoteId);
  }

  /** The file is on disk with this size: clears any failure record. */
  markDownloaded(remoteId: string, fileSize: number): boolean {
    return this.change(
      "UPDATE SyncFiles SET Downloaded = 1, FileSize = ?, FailCount = 0, " +
        "BadReason = NULL WHERE RemoteId = ?",
      fileSize,
      remoteId,
    );
  }

  /** The file is not on disk (any more): download it again. */
  markNotDownloaded(remoteId: string): boolean {
    return this.change(
      "UPDATE SyncFiles SET Downloaded = 0 WHERE RemoteId = ?",
      remoteId,
    );
  }

  /** A download attempt failed: count it and keep the reason for `status`. */
  markFailed(remoteId: string, reason: string): boolean {
    return this.change(
      "UPDATE SyncFiles SET FailCount = FailCount + 1, BadReason = ? " +
        "WHERE RemoteId = ?",
      reason,
      remoteId,
    );
  }

  setVideoStatus(remoteId: string, status: VideoStatus | undefined): boolean {
    return this.change(
      "UPDATE SyncFiles SET VideoStatus = ? WHERE RemoteId = ?",
      status ?? null,
      remoteId,
    );
  }

  /**
   * Items matching the filter in SyncFiles.Id order. Rows are read a page at
   * a time (no statement stays open between items), so the caller may write
   * to the index as it goes: mark or delete the item in hand and the
   * iteration neither repeats nor skips one. Changes to items further on may
   * not be seen until the next page.
   */
  *items(filter: ItemFilter = {}): Generator<IndexedItem> {
    const where = ["Id > :after"];
    const params: Named = {};
    if (filter.downloaded !== undefined) {
      where.push("Downloaded = :downloaded");
      params.downloaded = filter.downloaded ? 1 : 0;
    }
    if (filter.source !== undefined) {
      where.push("Source = :source");
      params.source = filter.source;
    }
    if (filter.skipVideo) where.push("IsVideo = 0");
    if (filter.failed) where.push("FailCount > 0");
    // Dates are stored as fixed-width UTC text, so text order is time order.
    const dates: string[] = [];
    if (filter.createdFrom !== undefined) {
      dates.push("CreateDate >= :from");
      params.from = formatIndexDate(filter.createdFrom);
    }
    if (filter.createdBefore !== undefined) {
      dates.push("CreateDate < :before");
      params.before = formatIndexDate(filter.createdBefore);
    }
    if (dates.length > 0) {
      let clause = dates.join(" AND ");
      if (filter.orInAlbums) {
        const own = filter.orInAlbums.shared
          ? ""
          : "WHERE IFNULL(Albums.IsSharedAlbum, 0) = 0";
        clause = `(${clause}) OR RemoteId IN (
          SELECT CAST(AlbumFiles.DriveRec AS TEXT) FROM AlbumFiles
          JOIN Albums ON Albums.RemoteId = AlbumFiles.AlbumRec ${own})`;
      }
      where.push(`(${clause})`);
    }
    const sql = `SELECT ${ITEM_SELECT} FROM SyncFiles WHERE ${
      where.join(" AND ")
    } ORDER BY Id LIMIT ${PAGE_SIZE}`;
    let after = -1;
    while (true) {
      const rows = this.all(sql, { ...params, after });
      for (const row of rows) {
        const item = toItem(row, this.warn);
        after = item.id;
        yield item;
      }
      if (rows.length < PAGE_SIZE) return;
    }
  }

  /** Items still to download (Downloaded = 0), in a stable order. */
  itemsToDownload(
    filter: Omit<ItemFilter, "downloaded"> = {},
  ): Generator<IndexedItem> {
    return this.items({ ...filter, downloaded: false });
  }

  /** Items marked downloaded (for --retry-download's check of the disk). */
  downloadedItems(
    filter: Omit<ItemFilter, "downloaded"> = {},
  ): Generator<IndexedItem> {
    return this.items({ ...filter, downloaded: true });
  }

  counts(): IndexCounts {
    const bySource: Record<MediaSource, SourceCounts> = {
      library: { total: 0, downloaded: 0 },
      picker: { total: 0, downloaded: 0 },
      takeout: { total: 0, downloaded: 0 },
    };
    const counts: IndexCounts = {
      total: 0,
      downloaded: 0,
      pending: 0,
      failed: 0,
      videosPending: 0,
      albums: 0,
      bySource,
    };
    const rows = this.all(
      `SELECT Source, COUNT(*) AS total,
         TOTAL(Downloaded != 0) AS downloaded,
         TOTAL(Downloaded = 0) AS pending,
         TOTAL(Downloaded = 0 AND FailCount > 0) AS failed,
         TOTAL(Downloaded = 0 AND IsVideo != 0) AS videosPending
       FROM SyncFiles GROUP BY Source`,
    );
    for (const row of rows) {
      const total = integer(row.total) ?? 0;
      const downloaded = integer(row.downloaded) ?? 0;
      counts.total += total;
      counts.downloaded += downloaded;
      counts.pending += integer(row.pending) ?? 0;
      counts.failed += integer(row.failed) ?? 0;
      counts.videosPending += integer(row.videosPending) ?? 0;
      const source = text(row.Source) as MediaSource;
      if (SOURCES.includes(source)) {
        bySource[source].total += total;
        bySource[source].downloaded += downloaded;
      }
    }
    counts.albums = integer(
      this.get("SELECT COUNT(*) AS n FROM Albums")?.n,
    ) ?? 0;
    return counts;
  }
}
