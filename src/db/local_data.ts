// LocalData: the index (<db folder>/gphotos.sqlite) on node:sqlite. It keeps
// gphotos-sync 5.7's tables and their meaning, so an existing gphotos-sync
// index is adopted in place and gphotos-sync can still read what we write,
// and adds our own columns through numbered migrations (migrations.ts).
//
// Journal mode: the classic rollback journal (DELETE), not WAL. One process
// writes at a time (the lock file sees to that), so WAL's concurrent readers
// buy nothing, while it needs shared memory that NAS and network mounts
// (common homes for a backup root) do not provide, and it keeps recent
// commits in a -wal file that a user copying only gphotos.sqlite would lose.
// gphotos-sync used the same mode. Writes are batched in transactions, so
// synchronous=FULL costs one fsync per batch, not per row.

import { mkdirSync } from "node:fs";
import {
  DatabaseSync,
  type SQLInputValue,
  type StatementResultingChanges,
  type StatementSync,
} from "node:sqlite";
import { DiskError, ExitCode, GphotosError } from "../errors.ts";
import { diskErrorOr, SQLITE_CONSTRAINT, sqliteCode } from "./sqlite_errors.ts";
import { type Logger, silentLogger } from "../log.ts";
import type { MediaSource, VideoStatus } from "../media/record.ts";
import { formatIndexDate, parseIndexDate } from "./dates.ts";
import { GPHOTOS_MINIMUM_DATE } from "../media/date_path.ts";
import { fixedFile } from "../fs/confine.ts";
import {
  damagedIndexError,
  DB_FILE_NAME,
  fileState,
  indexFilePath,
  inspectIndex,
  missingColumns,
  moveIndexAside,
} from "./index_file.ts";
import {
  applyPendingMigrations,
  MIGRATED_COLUMNS,
  MIGRATIONS,
} from "./migrations.ts";
import {
  GPHOTOS_BASE_DDL,
  GPHOTOS_REQUIRED_COLUMNS,
  GPHOTOS_SCHEMA_VERSION,
} from "./schema.ts";
import {
  ALBUM_SELECT,
  type AlbumEntry,
  type AlbumFile,
  type IndexCounts,
  type IndexedItem,
  integer,
  ITEM_SELECT,
  type ItemFilter,
  type ItemMetadata,
  type NewAlbum,
  type NewItem,
  type Row,
  type SourceCounts,
  SOURCES,
  text,
  toAlbum,
  toItem,
} from "./rows.ts";

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

/** Rows fetched per query by the item iterators. */
const PAGE_SIZE = 500;

export interface LocalDataOptions {
  /** Move an existing index aside to gphotos.sqlite.previous and start empty. */
  flush?: boolean;
  logger?: Logger;
  /** Clock for SyncDate and migration records. */
  now?: () => Date;
}

/** A write the index refused: a row that clashes with one already there. */
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

export class IndexConflictError extends GphotosError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, ExitCode.failed, options);
  }
}

function isAscii(s: string): boolean {
  // deno-lint-ignore no-control-regex
  return /^[\x00-\x7f]*$/.test(s);
}

export class LocalData implements Disposable {
  /** Absolute path of the index file. */
  readonly file: string;
  readonly #db: DatabaseSync;
  readonly #logger: Logger;
  readonly #now: () => Date;
  readonly #statements = new Map<string, StatementSync>();
  #depth = 0;
  #closed = false;
  readonly #warn = (message: string) => this.#logger.warn(message);

  private constructor(
    file: string,
    db: DatabaseSync,
    logger: Logger,
    now: () => Date,
  ) {
    this.file = file;
    this.#db = db;
    this.#logger = logger;
    this.#now = now;
  }

  /**
   * Opens (or creates) `<dbFolder>/gphotos.sqlite`: a new file gets the full
   * schema, a gphotos-sync 5.7 index is migrated in place, anything else is
   * refused with an IndexFileError and left untouched.
   */
  static open(dbFolder: string, opts: LocalDataOptions = {}): LocalData {
    const logger = opts.logger ?? silentLogger;
    const now = opts.now ?? (() => new Date());
    const file = indexFilePath(dbFolder);
    try {
      mkdirSync(dbFolder, { recursive: true });
      // SQLite follows links: none of its files may lead out of the folder.
      for (const suffix of ["", "-wal", "-shm", "-journal"]) {
        fixedFile(dbFolder, DB_FILE_NAME + suffix);
      }
      if (opts.flush) {
        const previous = moveIndexAside(file);
        if (previous !== undefined) {
          logger.warn(`Flushed the index: the old one is kept as ${previous}.`);
        }
      }
    } catch (error) {
      if (error instanceof GphotosError) throw error;
      throw new DiskError(
        `Cannot prepare the index folder ${dbFolder}: ${messageOf(error)}. ` +
          `Check that it exists and is writable.`,
        { cause: error },
      );
    }

    let state: "new" | "sqlite";
    try {
      state = fileState(file);
    } catch (error) {
      if (error instanceof GphotosError) throw error;
      throw new DiskError(
        `Cannot read the index ${file}: ${messageOf(error)}. Check its ` +
          `permissions.`,
        { cause: error },
      );
    }
    let db: DatabaseSync;
    try {
      // Foreign keys stay off: gphotos-sync's AlbumFiles clauses point at
      // SyncFiles.Id while its rows hold RemoteIds, and Python never
      // enforced them.
      db = new DatabaseSync(file, {
        enableForeignKeyConstraints: false,
        timeout: 5000,
      });
    } catch (error) {
      throw new DiskError(
        `Cannot open the index ${file}: ${messageOf(error)}. Check that the ` +
          `folder is writable.`,
        { cause: error },
      );
    }
    const local = new LocalData(file, db, logger, now);
    try {
      const found = state === "new"
        ? { kind: "blank" as const }
        : inspectIndex(db, file);
      db.exec("PRAGMA journal_mode = DELETE");
      db.exec("PRAGMA synchronous = FULL");
      if (found.kind === "blank") {
        local.transaction(() => {
          db.exec(GPHOTOS_BASE_DDL);
          db.prepare(
            "INSERT INTO Globals (Id, Version, Albums, Files) VALUES (1, ?, 0, 0)",
          ).run(GPHOTOS_SCHEMA_VERSION);
          applyPendingMigrations(db, formatIndexDate(now()));
        });
        logger.info(`Created a new index at ${file}.`);
      } else if (
        MIGRATIONS.some((m) => !found.migrations.includes(m.number))
      ) {
        const applied = local.transaction(() =>
          applyPendingMigrations(db, formatIndexDate(now()))
        );
        logger.info(
          found.migrations.length === 0
            ? `Adopted the gphotos-sync ${found.version} index at ${file} ` +
              `(added migrations ${applied.join(", ")}).`
            : `Updated the index at ${file} (migrations ${
              applied.join(", ")
            }).`,
        );
      }
      local.#checkColumns();
    } catch (error) {
      db.close();
      if (error instanceof GphotosError) throw error;
      throw local.#diskOr(error, "open");
    }
    return local;
  }

  /** Every table has the columns we read and write (ours included). */
  #checkColumns(): void {
    const wanted: Record<string, string[]> = {};
    for (const [table, columns] of Object.entries(GPHOTOS_REQUIRED_COLUMNS)) {
      wanted[table] = [...columns, ...(MIGRATED_COLUMNS[table] ?? [])];
    }
    const lacking = missingColumns(this.#db, wanted);
    if (lacking !== undefined) {
      throw damagedIndexError(
        this.file,
        `${lacking}, though its migrations are recorded as done`,
      );
    }
  }

  close(): void {
    if (this.#closed) return;
    // A batch holds only facts (files already on disk): keep them.
    try {
      this.endBatch();
    } catch {
      // The disk refused the commit; the next run finds the files.
    }
    this.#closed = true;
    if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
    this.#statements.clear();
    this.#db.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * The open connection, for the query modules of tables this class does
   * not cover (LocalFiles: src/db/local_files.ts). Their writes belong
   * inside transaction(), like ours.
   */
  database(): DatabaseSync {
    if (this.#closed) {
      throw new Error(`The index ${this.file} is already closed.`);
    }
    return this.#db;
  }

  /**
   * Runs fn in one transaction and commits when it returns; any throw rolls
   * everything back and is rethrown. A nested call joins the outer
   * transaction (as a savepoint: if it throws, only its own writes are
   * undone, and the outer one decides what happens next).
   */
  /**
   * Group commit for many small writes (marking downloads): until
   * endBatch(), writes share one transaction, committed every `maxOps`
   * writes or `maxMs` milliseconds. A crash loses at most the writes since
   * the last commit: files written but not yet marked are found on disk
   * and taken as they are by the next run. One commit per item would cost
   * a journal flush per item.
   */
  beginBatch(maxOps = 200, maxMs = 2000): void {
    if (this.#batch || this.#depth > 0) {
      throw new Error("beginBatch() inside a transaction or another batch");
    }
    this.#write("BEGIN IMMEDIATE");
    this.#depth = 1;
    this.#batch = { maxOps, maxMs, ops: 0, since: Date.now() };
  }

  /** Commits what the batch holds and returns to one commit per write. */
  endBatch(): void {
    if (!this.#batch) return;
    this.#batch = undefined;
    this.#depth = 0;
    if (this.#db.isTransaction) this.#write("COMMIT");
  }

  /** In a batch: counts a write at the top level and commits when due. */
  #batched(): void {
    const b = this.#batch;
    if (!b || this.#depth !== 1) return;
    b.ops++;
    if (b.ops < b.maxOps && Date.now() - b.since < b.maxMs) return;
    this.#write("COMMIT");
    this.#write("BEGIN IMMEDIATE");
    b.ops = 0;
    b.since = Date.now();
  }

  #batch:
    | { maxOps: number; maxMs: number; ops: number; since: number }
    | undefined;

  transaction<T>(fn: () => T): T {
    const depth = this.#depth;
    const savepoint = `gs_nested_${depth}`;
    this.#write(depth === 0 ? "BEGIN IMMEDIATE" : `SAVEPOINT ${savepoint}`);
    this.#depth = depth + 1;
    try {
      const result = fn();
      if (
        typeof (result as { then?: unknown } | null)?.then === "function"
      ) {
        throw new TypeError(
          "LocalData.transaction() takes a synchronous function; an async one " +
            "would write after the commit.",
        );
      }
      this.#write(depth === 0 ? "COMMIT" : `RELEASE ${savepoint}`);
      this.#depth = depth;
      this.#batched();
      return result;
    } catch (error) {
      try {
        if (depth === 0) {
          if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
        } else {
          this.#db.exec(`ROLLBACK TO ${savepoint}`);
          this.#db.exec(`RELEASE ${savepoint}`);
        }
      } catch {
        // SQLite may have rolled back already (a full disk at COMMIT); the
        // first error is the one to report.
      }
      throw error;
    } finally {
      this.#depth = depth;
    }
  }

  // ---- Globals ----------------------------------------------------------

  /** Globals.LastIndex: where the next incremental Library scan starts. */
  getLastIndex(): Date | undefined {
    const row = this.#get("SELECT LastIndex FROM Globals WHERE Id IS 1");
    return parseIndexDate(row?.LastIndex);
  }

  setLastIndex(date: Date): void {
    this.#change(
      "UPDATE Globals SET LastIndex = ? WHERE Id IS 1",
      formatIndexDate(date),
    );
  }

  // ---- SyncFiles --------------------------------------------------------

  getItem(remoteId: string): IndexedItem | undefined {
    const row = this.#get(
      `SELECT ${ITEM_SELECT} FROM SyncFiles WHERE RemoteId = ?`,
      remoteId,
    );
    return row === undefined ? undefined : toItem(row, this.#warn);
  }

  /** The item stored under ROOT/<path>/<fileName>, if any. */
  itemByPath(path: string, fileName: string): IndexedItem | undefined {
    const row = this.#get(
      `SELECT ${ITEM_SELECT} FROM SyncFiles WHERE Path = ? AND FileName = ? ` +
        "ORDER BY Id LIMIT 1",
      path,
      fileName,
    );
    return row === undefined ? undefined : toItem(row, this.#warn);
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
    const row = this.#get(
      sql,
      caseInsensitive ? origFileName.toLowerCase() : origFileName,
      formatIndexDate(createDate),
    );
    return row === undefined ? undefined : toItem(row, this.#warn);
  }

  /**
   * The items with this capture time, lowest SyncFiles.Id first: what the
   * search for the same upload from another source starts from
   * (src/backup/placement.ts compares their names).
   */
  itemsTakenAt(createDate: Date): IndexedItem[] {
    return this.#all(
      `SELECT ${ITEM_SELECT} FROM SyncFiles WHERE CreateDate = ? ORDER BY Id`,
      formatIndexDate(createDate),
    ).map((row) => toItem(row, this.#warn));
  }

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
      this.#change(
        "UPDATE SyncFiles SET RemoteId = ? WHERE RemoteId = ?",
        to,
        from,
      );
      this.#change("DELETE FROM ItemExtras WHERE RemoteId = ?", to);
      this.#change(
        "UPDATE ItemExtras SET RemoteId = ? WHERE RemoteId = ?",
        to,
        from,
      );
      this.#change(
        "UPDATE ItemExtras SET EditOf = ? WHERE EditOf = ?",
        to,
        from,
      );
      this.#change(
        "UPDATE ItemExtras SET PairOf = ? WHERE PairOf = ?",
        to,
        from,
      );
      this.#change(
        "UPDATE OR IGNORE AlbumFiles SET DriveRec = ? WHERE DriveRec = ?",
        to,
        from,
      );
      this.#change("DELETE FROM AlbumFiles WHERE DriveRec = ?", from);
      const hash = this.#get(
        "SELECT Sha256, Size FROM ContentHashes WHERE RemoteId = ?",
        from,
      );
      if (hash !== undefined) {
        this.putContentHash(to, String(hash.Sha256), Number(hash.Size));
      }
      return true;
    });
  }

  /** Records the SHA-256 of an item's bytes on disk. */
  putContentHash(remoteId: string, sha256: string, size: number): void {
    this.#run(
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
    const row = this.#get(
      "SELECT Sha256, Size FROM ContentHashes WHERE RemoteId = ?",
      remoteId,
    );
    return row === undefined
      ? undefined
      : { sha256: String(row.Sha256), size: Number(row.Size) };
  }

  /** The item whose bytes have this hash and size, if one was recorded. */
  itemByContentHash(sha256: string, size: number): IndexedItem | undefined {
    const row = this.#get(
      `SELECT ${ITEM_SELECT} FROM SyncFiles WHERE RemoteId IN (
         SELECT RemoteId FROM ContentHashes WHERE Sha256 = ? AND Size = ?)
       ORDER BY Id LIMIT 1`,
      sha256,
      size,
    );
    return row === undefined ? undefined : toItem(row, this.#warn);
  }

  /**
   * The item stored for `key` when `key` was recorded as an alias (a copy
   * whose bytes turned out identical to an item already stored).
   */
  itemByAlias(key: string): IndexedItem | undefined {
    const hash = this.#get(
      "SELECT Sha256, Size FROM ContentHashes WHERE RemoteId = ?",
      key,
    );
    if (hash === undefined) return undefined;
    return this.itemByContentHash(String(hash.Sha256), Number(hash.Size));
  }

  /** The item a Takeout sidecar URL was imported as (re-imports find it). */
  itemByPhotoUrl(url: string): IndexedItem | undefined {
    const row = this.#get(
      `SELECT ${ITEM_SELECT} FROM SyncFiles WHERE RemoteId = (
         SELECT RemoteId FROM ItemExtras WHERE PhotoUrl = ? LIMIT 1)`,
      url,
    );
    return row === undefined ? undefined : toItem(row, this.#warn);
  }

  /**
   * itemByPhotoUrl for many URLs in one query (a later export of a whole
   * library asks for every item): `found` gets each URL's tag and item.
   */
  itemsByPhotoUrls(
    urls: Iterable<[tag: number, url: string]>,
    found: (tag: number, item: IndexedItem) => void,
  ): void {
    this.#write(
      "CREATE TEMP TABLE IF NOT EXISTS LookupUrls (LookupTag INT, LookupUrl TEXT)",
    );
    try {
      this.transaction(() => {
        const add = this.#stmt(
          "INSERT INTO temp.LookupUrls (LookupTag, LookupUrl) VALUES (?, ?)",
        );
        for (const [tag, url] of urls) add.run(tag, url);
      });
      const rows = this.#stmt(
        `SELECT LookupTag, ${ITEM_SELECT} FROM temp.LookupUrls JOIN SyncFiles
           ON SyncFiles.RemoteId = (SELECT RemoteId FROM ItemExtras
             WHERE PhotoUrl = LookupUrl LIMIT 1)`,
      ).iterate() as Iterable<Row>;
      for (const row of rows) {
        found(Number(row.LookupTag), toItem(row, this.#warn));
      }
    } finally {
      this.#write("DELETE FROM temp.LookupUrls");
    }
  }

  /** Removes an album and its memberships (not its items). */
  deleteAlbum(remoteId: string): boolean {
    return this.transaction(() => {
      this.#change("DELETE FROM AlbumFiles WHERE AlbumRec = ?", remoteId);
      return this.#change("DELETE FROM Albums WHERE RemoteId = ?", remoteId);
    });
  }

  /** Takeout's metadata that SyncFiles has no column for. */
  putItemExtras(remoteId: string, extras: ItemExtras): void {
    this.#run(
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
    const row = this.#get(
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
        this.#get(
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
        this.#get(
          "SELECT MAX(DuplicateNo) AS n FROM SyncFiles " +
            "WHERE Path = ? AND lower(OrigFileName) = ?",
          path,
          origFileName.toLowerCase(),
        )?.n,
      );
    } else {
      const wanted = origFileName.toLowerCase();
      for (
        const row of this.#all(
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
      const result = this.#stmt(
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
        formatIndexDate(this.#now()),
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
      throw this.#diskOr(error, "write");
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
    set("SyncDate", formatIndexDate(this.#now()));
    const sql = `UPDATE SyncFiles SET ${
      columns.map(([c]) => `${c} = ?`).join(", ")
    } WHERE RemoteId = ?`;
    return this.#change(sql, ...columns.map(([, v]) => v), remoteId);
  }

  /** The file is on disk with this size: clears any failure record. */
  markDownloaded(remoteId: string, fileSize: number): boolean {
    return this.#change(
      "UPDATE SyncFiles SET Downloaded = 1, FileSize = ?, FailCount = 0, " +
        "BadReason = NULL WHERE RemoteId = ?",
      fileSize,
      remoteId,
    );
  }

  /** The file is not on disk (any more): download it again. */
  markNotDownloaded(remoteId: string): boolean {
    return this.#change(
      "UPDATE SyncFiles SET Downloaded = 0 WHERE RemoteId = ?",
      remoteId,
    );
  }

  /** A download attempt failed: count it and keep the reason for `status`. */
  markFailed(remoteId: string, reason: string): boolean {
    return this.#change(
      "UPDATE SyncFiles SET FailCount = FailCount + 1, BadReason = ? " +
        "WHERE RemoteId = ?",
      reason,
      remoteId,
    );
  }

  setVideoStatus(remoteId: string, status: VideoStatus | undefined): boolean {
    return this.#change(
      "UPDATE SyncFiles SET VideoStatus = ? WHERE RemoteId = ?",
      status ?? null,
      remoteId,
    );
  }

  /** Removes an item and its album memberships. */
  deleteItem(remoteId: string): boolean {
    return this.transaction(() => {
      this.#change("DELETE FROM AlbumFiles WHERE DriveRec = ?", remoteId);
      this.#change("DELETE FROM ContentHashes WHERE RemoteId = ?", remoteId);
      this.#change("DELETE FROM ItemExtras WHERE RemoteId = ?", remoteId);
      return this.#change("DELETE FROM SyncFiles WHERE RemoteId = ?", remoteId);
    });
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
      const rows = this.#all(sql, { ...params, after });
      for (const row of rows) {
        const item = toItem(row, this.#warn);
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
    const rows = this.#all(
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
      this.#get("SELECT COUNT(*) AS n FROM Albums")?.n,
    ) ?? 0;
    return counts;
  }

  // ---- Albums -----------------------------------------------------------

  /**
   * Adds or updates an album. Like gphotos-sync, re-indexing an album clears
   * its Downloaded flag so its links are made again.
   */
  putAlbum(album: NewAlbum): void {
    this.#change(
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
        syncDate: formatIndexDate(this.#now()),
        isShared: album.isShared ? 1 : 0,
      },
    );
  }

  getAlbum(remoteId: string): AlbumEntry | undefined {
    const row = this.#get(
      `SELECT ${ALBUM_SELECT} FROM Albums WHERE RemoteId = ?`,
      remoteId,
    );
    return row === undefined ? undefined : toAlbum(row);
  }

  /** Every album, in RemoteId order (gphotos-sync's link order). */
  albums(): AlbumEntry[] {
    return this.#all(`SELECT ${ALBUM_SELECT} FROM Albums ORDER BY RemoteId`)
      .map(toAlbum);
  }

  /** Records that the album's links are made (or must be made again). */
  markAlbumDownloaded(remoteId: string, downloaded = true): boolean {
    return this.#change(
      "UPDATE Albums SET Downloaded = ? WHERE RemoteId = ?",
      downloaded ? 1 : 0,
      remoteId,
    );
  }

  /** Records that the item is at `position` in the album (0-based). */
  putAlbumFile(albumId: string, remoteId: string, position: number): void {
    this.#change(
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
    return this.#all(
      `SELECT AlbumFiles.Position AS AlbumPosition, ${ITEM_SELECT}
       FROM AlbumFiles JOIN SyncFiles
         ON SyncFiles.RemoteId = CAST(AlbumFiles.DriveRec AS TEXT)
       WHERE AlbumFiles.AlbumRec = ?
       ORDER BY AlbumFiles.Position ${order}, SyncFiles.CreateDate`,
      albumId,
    ).map((row) => ({
      position: integer(row.AlbumPosition) ?? 0,
      item: toItem(row, this.#warn),
    }));
  }

  /** Forgets album memberships: of one album, or of all albums. */
  clearAlbumFiles(albumId?: string): number {
    const result = albumId === undefined
      ? this.#run("DELETE FROM AlbumFiles")
      : this.#run("DELETE FROM AlbumFiles WHERE AlbumRec = ?", albumId);
    return Number(result.changes);
  }

  // ---- plumbing ---------------------------------------------------------

  #stmt(sql: string): StatementSync {
    if (this.#closed) {
      throw new Error(`The index ${this.file} is already closed.`);
    }
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #get(sql: string, ...params: Params): Row | undefined {
    const statement = this.#stmt(sql);
    return (isNamed(params)
      ? statement.get(params[0])
      : statement.get(...params)) as Row | undefined;
  }

  #all(sql: string, ...params: Params): Row[] {
    const statement = this.#stmt(sql);
    return (isNamed(params)
      ? statement.all(params[0])
      : statement.all(...params)) as Row[];
  }

  #run(sql: string, ...params: Params): StatementResultingChanges {
    const statement = this.#stmt(sql);
    let result: StatementResultingChanges;
    try {
      result = isNamed(params)
        ? statement.run(params[0])
        : statement.run(...params);
    } catch (error) {
      throw this.#diskOr(error, "write");
    }
    this.#batched();
    return result;
  }

  /** Runs a write; true when it changed at least one row. */
  #change(sql: string, ...params: Params): boolean {
    return Number(this.#run(sql, ...params).changes) > 0;
  }

  #write(sql: string): void {
    try {
      this.#db.exec(sql);
    } catch (error) {
      throw this.#diskOr(error, "write");
    }
  }

  /** Disk trouble (full, read-only, I/O) becomes a DiskError; the rest passes. */
  #diskOr(error: unknown, what: "open" | "write"): unknown {
    return diskErrorOr(error, `${what} the index ${this.file}`);
  }
}

type Named = Record<string, SQLInputValue>;
type Params = SQLInputValue[] | [Named];

function isNamed(params: Params): params is [Named] {
  const first = params[0];
  return params.length === 1 && typeof first === "object" && first !== null &&
    !(first instanceof Uint8Array);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
