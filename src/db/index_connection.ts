// The open index: the connection to gphotos.sqlite and what every query
// module shares. Opening prepares the folder, refuses links and files that
// are not a gphotos-sync index, and creates, adopts or migrates the schema;
// then transactions (nested ones as savepoints), group commits for many
// small writes, the cache of prepared statements, and disk trouble turned
// into a DiskError. The queries of each table are in the classes built on
// this one (sync_files.ts, local_data.ts) and in the modules given the
// connection (local_files.ts, picker_sessions.ts, takeout_parts.ts).
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
import { DiskError, GphotosError } from "../errors.ts";
import { diskErrorOr } from "./sqlite_errors.ts";
import { type Logger, silentLogger } from "../log.ts";
import { formatIndexDate } from "./dates.ts";
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
import type { Row } from "./rows.ts";

export interface LocalDataOptions {
  /** Move an existing index aside to gphotos.sqlite.previous and start empty. */
  flush?: boolean;
  logger?: Logger;
  /** Clock for SyncDate and migration records. */
  now?: () => Date;
}

export class IndexConnection implements Disposable {
  /** Absolute path of the index file. */
  readonly file: string;
  protected readonly db: DatabaseSync;
  protected readonly now: () => Date;
  readonly #logger: Logger;
  readonly #statements = new Map<string, StatementSync>();
  #depth = 0;
  #closed = false;
  #batch:
    | { maxOps: number; maxMs: number; ops: number; since: number }
    | undefined;
  /** Where a row that cannot be read as it should is reported. */
  protected readonly warn = (message: string) => this.#logger.warn(message);

  /**
   * Opens (or creates) `<dbFolder>/gphotos.sqlite`: a new file gets the full
   * schema, a gphotos-sync 5.7 index is migrated in place, anything else is
   * refused with an IndexFileError and left untouched.
   */
  protected constructor(dbFolder: string, opts: LocalDataOptions) {
    this.#logger = opts.logger ?? silentLogger;
    this.now = opts.now ?? (() => new Date());
    const opened = openIndexFile(dbFolder, opts.flush === true, this.#logger);
    this.file = opened.file;
    this.db = opened.db;
    try {
      this.#prepareSchema(opened.state);
    } catch (error) {
      this.db.close();
      if (error instanceof GphotosError) throw error;
      throw this.diskOr(error, "open");
    }
  }

  /** Creates the schema of a new file, or adopts and migrates an old one. */
  #prepareSchema(state: "new" | "sqlite"): void {
    const db = this.db;
    const file = this.file;
    const found = state === "new"
      ? { kind: "blank" as const }
      : inspectIndex(db, file);
    db.exec("PRAGMA journal_mode = DELETE");
    db.exec("PRAGMA synchronous = FULL");
    if (found.kind === "blank") {
      this.transaction(() => {
        db.exec(GPHOTOS_BASE_DDL);
        db.prepare(
          "INSERT INTO Globals (Id, Version, Albums, Files) VALUES (1, ?, 0, 0)",
        ).run(GPHOTOS_SCHEMA_VERSION);
        applyPendingMigrations(db, formatIndexDate(this.now()));
      });
      this.#logger.info(`Created a new index at ${file}.`);
    } else if (
      MIGRATIONS.some((m) => !found.migrations.includes(m.number))
    ) {
      const applied = this.transaction(() =>
        applyPendingMigrations(db, formatIndexDate(this.now()))
      );
      this.#logger.info(
        found.migrations.length === 0
          ? `Adopted the gphotos-sync ${found.version} index at ${file} ` +
            `(added migrations ${applied.join(", ")}).`
          : `Updated the index at ${file} (migrations ${applied.join(", ")}).`,
      );
    }
    this.#checkColumns();
  }

  /** Every table has the columns we read and write (ours included). */
  #checkColumns(): void {
    const wanted: Record<string, string[]> = {};
    for (const [table, columns] of Object.entries(GPHOTOS_REQUIRED_COLUMNS)) {
      wanted[table] = [...columns, ...(MIGRATED_COLUMNS[table] ?? [])];
    }
    const lacking = missingColumns(this.db, wanted);
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
    if (this.db.isTransaction) this.db.exec("ROLLBACK");
    this.#statements.clear();
    this.db.close();
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
    return this.db;
  }

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
    this.write("BEGIN IMMEDIATE");
    this.#depth = 1;
    this.#batch = { maxOps, maxMs, ops: 0, since: Date.now() };
  }

  /** Commits what the batch holds and returns to one commit per write. */
  endBatch(): void {
    if (!this.#batch) return;
    this.#batch = undefined;
    this.#depth = 0;
    if (this.db.isTransaction) this.write("COMMIT");
  }

  /** In a batch: counts a write at the top level and commits when due. */
  #batched(): void {
    const b = this.#batch;
    if (!b || this.#depth !== 1) return;
    b.ops++;
    if (b.ops < b.maxOps && Date.now() - b.since < b.maxMs) return;
    this.write("COMMIT");
    this.write("BEGIN IMMEDIATE");
    b.ops = 0;
    b.since = Date.now();
  }

  /**
   * Runs fn in one transaction and commits when it returns; any throw rolls
   * everything back and is rethrown. A nested call joins the outer
   * transaction (as a savepoint: if it throws, only its own writes are
   * undone, and the outer one decides what happens next).
   */
  transaction<T>(fn: () => T): T {
    const depth = this.#depth;
    const savepoint = `gs_nested_${depth}`;
    this.write(depth === 0 ? "BEGIN IMMEDIATE" : `SAVEPOINT ${savepoint}`);
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
      this.write(depth === 0 ? "COMMIT" : `RELEASE ${savepoint}`);
      this.#depth = depth;
      this.#batched();
      return result;
    } catch (error) {
      try {
        if (depth === 0) {
          if (this.db.isTransaction) this.db.exec("ROLLBACK");
        } else {
          this.db.exec(`ROLLBACK TO ${savepoint}`);
          this.db.exec(`RELEASE ${savepoint}`);
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

  // ---- for the query classes ---------------------------------------------

  /** The prepared statement of `sql`, prepared once per connection. */
  protected stmt(sql: string): StatementSync {
    if (this.#closed) {
      throw new Error(`The index ${this.file} is already closed.`);
    }
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  protected get(sql: string, ...params: Params): Row | undefined {
    const statement = this.stmt(sql);
    return (isNamed(params)
      ? statement.get(params[0])
      : statement.get(...params)) as Row | undefined;
  }

  protected all(sql: string, ...params: Params): Row[] {
    const statement = this.stmt(sql);
    return (isNamed(params)
      ? statement.all(params[0])
      : statement.all(...params)) as Row[];
  }

  protected run(sql: string, ...params: Params): StatementResultingChanges {
    const statement = this.stmt(sql);
    let result: StatementResultingChanges;
    try {
      result = isNamed(params)
        ? statement.run(params[0])
        : statement.run(...params);
    } catch (error) {
      throw this.diskOr(error, "write");
    }
    this.#batched();
    return result;
  }

  /** Runs a write; true when it changed at least one row. */
  protected change(sql: string, ...params: Params): boolean {
    return Number(this.run(sql, ...params).changes) > 0;
  }

  protected write(sql: string): void {
    try {
      this.db.exec(sql);
    } catch (error) {
      throw this.diskOr(error, "write");
    }
  }

  /** Disk trouble (full, read-only, I/O) becomes a DiskError; the rest passes. */
  protected diskOr(error: unknown, what: "open" | "write"): unknown {
    return diskErrorOr(error, `${what} the index ${this.file}`);
  }
}

/** Named parameters (`:name`), for queries built from optional filters. */
export type Named = Record<string, SQLInputValue>;
type Params = SQLInputValue[] | [Named];

function isNamed(params: Params): params is [Named] {
  const first = params[0];
  return params.length === 1 && typeof first === "object" && first !== null &&
    !(first instanceof Uint8Array);
}

/**
 * Prepares the folder (moving the old index aside for --flush-index) and
 * opens the file, saying whether it is new; what it holds is not read yet.
 */
function openIndexFile(
  dbFolder: string,
  flush: boolean,
  logger: Logger,
): { file: string; db: DatabaseSync; state: "new" | "sqlite" } {
  const file = indexFilePath(dbFolder);
  try {
    mkdirSync(dbFolder, { recursive: true });
    // SQLite follows links: none of its files may lead out of the folder.
    for (const suffix of ["", "-wal", "-shm", "-journal"]) {
      fixedFile(dbFolder, DB_FILE_NAME + suffix);
    }
    if (flush) {
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
  try {
    // Foreign keys stay off: gphotos-sync's AlbumFiles clauses point at
    // SyncFiles.Id while its rows hold RemoteIds, and Python never
    // enforced them.
    const db = new DatabaseSync(file, {
      enableForeignKeyConstraints: false,
      timeout: 5000,
    });
    return { file, db, state };
  } catch (error) {
    throw new DiskError(
      `Cannot open the index ${file}: ${messageOf(error)}. Check that the ` +
        `folder is writable.`,
      { cause: error },
    );
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
