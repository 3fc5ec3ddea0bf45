// gphotos-sync's LocalFiles table (the files found by a --compare-folder
// scan) and the queries that match it against SyncFiles, in gphotos-sync's
// stages:
//   1. same ImageUniqueID and same name and capture time, or the same
//      32-character ImageUniqueID whatever the name (such ids are unique);
//   2. same name and capture time, among items no earlier stage took;
//   3. same name, among items no earlier stage took.
// Within a stage several local files may take the same item: they are the
// duplicates. The item's capture time is the one read from its downloaded
// copy where the caller supplies it (gphotos-sync overwrote
// SyncFiles.CreateDate with it; we keep Google's date in the index and hold
// the file's in a temporary table), else SyncFiles.CreateDate.
//
// Column meanings are gphotos-sync's: Path is the absolute folder of the
// file, OriginalFileName its name without a " (n)" suffix, RemoteId the
// matched SyncFiles item (NULL: missing from the library), Uid the EXIF
// ImageUniqueID or a stand-in. Callers run writes inside
// LocalData.transaction().

import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import { diskErrorOr } from "./sqlite_errors.ts";
import { formatIndexDate } from "./dates.ts";
import { integer, text } from "./rows.ts";

export interface NewLocalFile {
  /** Absolute folder of the file. */
  folder: string;
  fileName: string;
  originalFileName: string;
  duplicateNo: number;
  uid: string;
  mimeType: string;
  description: string;
  fileSize: number;
  createDate: Date;
}

/** A LocalFiles row as the comparison reads it back. */
export interface LocalFileEntry {
  id: number;
  folder: string;
  fileName: string;
  remoteId: string | undefined;
}

/** An index item whose file under ROOT the comparison reads. */
export interface IndexedFile {
  remoteId: string;
  /** Folder relative to ROOT, as stored. */
  path: string;
  fileName: string;
  mimeType: string;
  /** SyncFiles.Uid; undefined until a comparison has read the file. */
  uid: string | undefined;
}

export interface DuplicateEntry {
  /** The index item the files all matched. */
  remoteId: string;
  folder: string;
  fileName: string;
}

/** Local files matched after each stage (cumulative). */
export interface MatchCounts {
  byUidAndDate: number;
  byNameAndDate: number;
  byName: number;
}

const DATES_TABLE = "temp.CompareFileDates";
const TAKEN_TABLE = "temp.CompareTakenIds";
/**
 * Freezes the items taken so far before a stage runs: the stage must not
 * see the matches it makes itself, or it could not give one item to several
 * same-named files (which is how duplicates are found).
 */
const takeMatched = `INSERT OR IGNORE INTO ${TAKEN_TABLE} (RemoteId)
  SELECT RemoteId FROM LocalFiles WHERE RemoteId IS NOT NULL`;

export class LocalFilesTable {
  readonly #db: DatabaseSync;
  readonly #now: () => Date;
  readonly #statements = new Map<string, StatementSync>();

  constructor(db: DatabaseSync, opts: { now?: () => Date } = {}) {
    this.#db = db;
    this.#now = opts.now ?? (() => new Date());
  }

  /** Forgets the previous scan (gphotos-sync's local_erase). */
  clear(): void {
    this.#run("DELETE FROM LocalFiles");
  }

  add(file: NewLocalFile): void {
    const created = formatIndexDate(file.createDate);
    // ModifyDate = CreateDate, as gphotos-sync wrote it for local files.
    this.#run(
      `INSERT INTO LocalFiles (RemoteId, Uid, Path, FileName,
         OriginalFileName, DuplicateNo, MimeType, Description, FileSize,
         ModifyDate, CreateDate, SyncDate)
       VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      file.uid,
      file.folder,
      file.fileName,
      file.originalFileName,
      file.duplicateNo,
      file.mimeType,
      file.description,
      file.fileSize,
      created,
      created,
      formatIndexDate(this.#now()),
    );
  }

  count(): number {
    return integer(this.#get("SELECT COUNT(*) AS n FROM LocalFiles")?.n) ?? 0;
  }

  /**
   * Index items whose files the comparison needs to read: those it has
   * never read (SyncFiles.Uid is NULL, as gphotos-sync chose), and those
   * with the name of a local file (their capture time decides the match).
   */
  filesToRead(caseInsensitive: boolean): IndexedFile[] {
    const names = caseInsensitive
      ? "SELECT OriginalFileName FROM LocalFiles UNION " +
        "SELECT lower(OriginalFileName) FROM LocalFiles"
      : "SELECT OriginalFileName FROM LocalFiles";
    return this.#all(
      `SELECT RemoteId, Path, FileName, MimeType, Uid FROM SyncFiles
       WHERE Uid IS NULL OR OrigFileName IN (${names})
       ORDER BY Id`,
    ).map((row) => ({
      remoteId: text(row.RemoteId) ?? "",
      path: text(row.Path) ?? "",
      fileName: text(row.FileName) ?? "",
      mimeType: text(row.MimeType) ?? "",
      uid: text(row.Uid),
    }));
  }

  /** Records the ImageUniqueID (or stand-in) read from an item's file. */
  setItemUid(remoteId: string, uid: string): void {
    this.#run("UPDATE SyncFiles SET Uid = ? WHERE RemoteId = ?", uid, remoteId);
  }

  /**
   * Runs the match stages. `fileDates` holds the capture times read from
   * downloaded copies; items without one are judged by their index date.
   * Dates are compared to the second: EXIF has no finer unit.
   */
  match(
    fileDates: ReadonlyMap<string, Date>,
    opts: { caseInsensitive: boolean },
  ): MatchCounts {
    this.#db.exec(
      `CREATE TEMP TABLE IF NOT EXISTS CompareFileDates
         (RemoteId TEXT PRIMARY KEY, CreateDate TEXT);
       CREATE TEMP TABLE IF NOT EXISTS CompareTakenIds
         (RemoteId TEXT PRIMARY KEY);
       DELETE FROM ${DATES_TABLE};
       DELETE FROM ${TAKEN_TABLE};`,
    );
    // Statements on the temporary tables are not cached: the tables are
    // dropped at the end of every match.
    const run = (sql: string) => this.#runOnce(sql);
    try {
      const insert = this.#db.prepare(
        `INSERT OR REPLACE INTO ${DATES_TABLE} (RemoteId, CreateDate) VALUES (?, ?)`,
      );
      for (const [remoteId, date] of fileDates) {
        insert.run(remoteId, formatIndexDate(date));
      }
      // SQLite's lower() folds ASCII only; the indexer stored
      // OrigFileName lower-cased on case-insensitive filesystems.
      const sameName = opts.caseInsensitive
        ? "S.OrigFileName IN (L.OriginalFileName, lower(L.OriginalFileName))"
        : "S.OrigFileName = L.OriginalFileName";
      const sameDate =
        "substr(COALESCE(D.CreateDate, S.CreateDate), 1, 19) = " +
        "substr(L.CreateDate, 1, 19)";
      const candidates = `FROM SyncFiles AS S
        LEFT JOIN ${DATES_TABLE} AS D ON D.RemoteId = S.RemoteId`;
      const notTaken =
        `S.RemoteId NOT IN (SELECT RemoteId FROM ${TAKEN_TABLE})`;

      run("UPDATE LocalFiles SET RemoteId = NULL");
      // Stage 1 in two statements, so that each can use an index (names,
      // then Uid); a same-named match is preferred, as it is the surer.
      run(
        `UPDATE LocalFiles AS L SET RemoteId = (
           SELECT S.RemoteId ${candidates}
           WHERE ${sameName} AND S.Uid = L.Uid AND ${sameDate}
           ORDER BY S.Id LIMIT 1)
         WHERE L.Uid IS NOT NULL AND L.Uid != 'not_supported'`,
      );
      run(
        `UPDATE LocalFiles AS L SET RemoteId = (
           SELECT S.RemoteId FROM SyncFiles AS S WHERE S.Uid = L.Uid
           ORDER BY S.Id LIMIT 1)
         WHERE L.RemoteId IS NULL AND length(L.Uid) = 32`,
      );
      const byUidAndDate = this.#matched();
      run(takeMatched);
      run(
        `UPDATE LocalFiles AS L SET RemoteId = (
           SELECT S.RemoteId ${candidates}
           WHERE ${sameName} AND ${sameDate} AND ${notTaken}
           ORDER BY S.Id LIMIT 1)
         WHERE L.RemoteId IS NULL`,
      );
      const byNameAndDate = this.#matched();
      run(takeMatched);
      run(
        `UPDATE LocalFiles AS L SET RemoteId = (
           SELECT S.RemoteId ${candidates}
           WHERE ${sameName} AND ${notTaken}
           ORDER BY S.Id LIMIT 1)
         WHERE L.RemoteId IS NULL`,
      );
      return { byUidAndDate, byNameAndDate, byName: this.#matched() };
    } finally {
      this.#db.exec(
        `DROP TABLE IF EXISTS ${DATES_TABLE}; DROP TABLE IF EXISTS ${TAKEN_TABLE};`,
      );
    }
  }

  /** Local files that matched no index item: missing from the library. */
  missing(): LocalFileEntry[] {
    return this.#all(
      `SELECT Id, Path, FileName, RemoteId FROM LocalFiles
       WHERE RemoteId IS NULL ORDER BY Path, FileName`,
    ).map(toEntry);
  }

  /** Local files that matched some index item. */
  matchedCount(): number {
    return this.#matched();
  }

  /** Index items no local file matched: in the library, not in the folder. */
  extra(): IndexedFile[] {
    return this.#all(
      `SELECT RemoteId, Path, FileName, MimeType, Uid FROM SyncFiles AS S
       WHERE NOT EXISTS
         (SELECT 1 FROM LocalFiles AS L WHERE L.RemoteId = S.RemoteId)
       ORDER BY Path, FileName, Id`,
    ).map((row) => ({
      remoteId: text(row.RemoteId) ?? "",
      path: text(row.Path) ?? "",
      fileName: text(row.FileName) ?? "",
      mimeType: text(row.MimeType) ?? "",
      uid: text(row.Uid),
    }));
  }

  /**
   * Local files that share their index item with another local file,
   * grouped by item (in the item's folder and name order).
   */
  duplicates(): DuplicateEntry[] {
    return this.#all(
      `SELECT L.RemoteId, L.Path, L.FileName FROM LocalFiles AS L
       JOIN SyncFiles AS S ON S.RemoteId = L.RemoteId
       WHERE L.RemoteId IN (
         SELECT RemoteId FROM LocalFiles WHERE RemoteId IS NOT NULL
         GROUP BY RemoteId HAVING COUNT(*) > 1)
       ORDER BY S.Path, S.FileName, S.Id, L.Path, L.FileName`,
    ).map((row) => ({
      remoteId: text(row.RemoteId) ?? "",
      folder: text(row.Path) ?? "",
      fileName: text(row.FileName) ?? "",
    }));
  }

  #matched(): number {
    return integer(
      this.#get(
        "SELECT COUNT(*) AS n FROM LocalFiles WHERE RemoteId IS NOT NULL",
      )?.n,
    ) ?? 0;
  }

  #stmt(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #get(
    sql: string,
    ...params: SQLInputValue[]
  ): Record<string, unknown> | undefined {
    return this.#stmt(sql).get(...params) as
      | Record<string, unknown>
      | undefined;
  }

  #all(sql: string, ...params: SQLInputValue[]): Record<string, unknown>[] {
    return this.#stmt(sql).all(...params) as Record<string, unknown>[];
  }

  #run(sql: string, ...params: SQLInputValue[]): void {
    this.#guard(() => this.#stmt(sql).run(...params));
  }

  /** A statement prepared for this one run (temporary tables come and go). */
  #runOnce(sql: string): void {
    this.#guard(() => this.#db.prepare(sql).run());
  }

  #guard(write: () => unknown): void {
    try {
      write();
    } catch (error) {
      throw diskErrorOr(error, "write the comparison scan to the index");
    }
  }
}

function toEntry(row: Record<string, unknown>): LocalFileEntry {
  return {
    id: integer(row.Id) ?? 0,
    folder: text(row.Path) ?? "",
    fileName: text(row.FileName) ?? "",
    remoteId: text(row.RemoteId),
  };
}
