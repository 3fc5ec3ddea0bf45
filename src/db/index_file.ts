// The index file on disk: where it lives, moving it aside for --flush-index,
// and deciding, before anything is written, whether a file is ours to open:
// new, a gphotos-sync 5.7 index to adopt, or something to refuse untouched.

import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { ExitCode, GphotosError } from "../errors.ts";
import { GPHOTOS_REQUIRED_COLUMNS, GPHOTOS_SCHEMA_VERSION } from "./schema.ts";
import { appliedMigrations, LATEST_MIGRATION } from "./migrations.ts";

export const DB_FILE_NAME = "gphotos.sqlite";
export const PREVIOUS_SUFFIX = ".previous";
/** Files SQLite keeps beside the database; they travel with it. */
const COMPANION_SUFFIXES = ["-journal", "-wal", "-shm"] as const;

export type IndexProblem = "older" | "newer" | "corrupt" | "foreign";

/** The index file cannot be used as it is; nothing in it was changed. */
export class IndexFileError extends GphotosError {
  readonly problem: IndexProblem;
  readonly path: string;
  constructor(
    problem: IndexProblem,
    path: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, ExitCode.failed, options);
    this.problem = problem;
    this.path = path;
  }
}

export function indexFilePath(dbFolder: string): string {
  return join(dbFolder, DB_FILE_NAME);
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * Renames the index (and any journal beside it, so a hot journal stays with
 * the file it belongs to) to `<name>.previous`, replacing an older one.
 * Returns the new path, or undefined when there was no index.
 */
export function moveIndexAside(file: string): string | undefined {
  if (!exists(file)) return undefined;
  const previous = file + PREVIOUS_SUFFIX;
  for (const suffix of ["", ...COMPANION_SUFFIXES]) {
    if (exists(previous + suffix)) Deno.removeSync(previous + suffix);
  }
  for (const suffix of COMPANION_SUFFIXES) {
    if (exists(file + suffix)) {
      Deno.renameSync(file + suffix, previous + suffix);
    }
  }
  Deno.renameSync(file, previous);
  return previous;
}

const SQLITE_MAGIC = "SQLite format 3\0";

/**
 * Looks at the file without opening it as a database, so a file that is not
 * one is never touched. A zero-length file holds nothing and counts as new.
 */
export function fileState(file: string): "new" | "sqlite" {
  let handle: Deno.FsFile;
  try {
    handle = Deno.openSync(file, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "new";
    throw error;
  }
  try {
    const size = handle.statSync().size;
    if (size === 0) return "new";
    const header = new Uint8Array(SQLITE_MAGIC.length);
    let read = 0;
    while (read < header.length) {
      const n = handle.readSync(header.subarray(read));
      if (n === null) break;
      read += n;
    }
    if (new TextDecoder().decode(header.subarray(0, read)) !== SQLITE_MAGIC) {
      throw foreign(file, "it is not an SQLite database");
    }
    return "sqlite";
  } finally {
    handle.close();
  }
}

function foreign(file: string, why: string): IndexFileError {
  return new IndexFileError(
    "foreign",
    file,
    `${file} is not a gphotos-sync index (${why}). Nothing was changed. ` +
      `Use another --db-path, or run with --flush-index to move it aside to ` +
      `${DB_FILE_NAME}${PREVIOUS_SUFFIX} and start a new index.`,
  );
}

function corrupt(file: string, why: string, cause?: unknown): IndexFileError {
  return new IndexFileError(
    "corrupt",
    file,
    `The index ${file} is damaged (${why}). Nothing was changed. Restore it ` +
      `from a backup, or run with --flush-index to move it aside to ` +
      `${DB_FILE_NAME}${PREVIOUS_SUFFIX} and build a new index.`,
    cause === undefined ? undefined : { cause },
  );
}

/** SQLite result codes (the low byte of node:sqlite's `errcode`). */
const SQLITE_CORRUPT = 11;
const SQLITE_NOTADB = 26;

function sqliteCode(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { errcode?: unknown }).errcode;
  return typeof code === "number" ? code & 0xff : undefined;
}

export type InspectedIndex =
  | { kind: "blank" }
  | { kind: "index"; version: string; migrations: number[] };

/**
 * Reads (never writes) an opened SQLite file and says what it is: blank
 * (no schema at all), or an index we can open. Throws IndexFileError for
 * everything we must refuse.
 */
export function inspectIndex(db: DatabaseSync, file: string): InspectedIndex {
  try {
    return inspect(db, file);
  } catch (error) {
    if (error instanceof IndexFileError) throw error;
    const code = sqliteCode(error);
    const message = error instanceof Error ? error.message : String(error);
    if (code === SQLITE_NOTADB) throw foreign(file, message);
    if (code === SQLITE_CORRUPT) throw corrupt(file, message, error);
    throw error;
  }
}

function inspect(db: DatabaseSync, file: string): InspectedIndex {
  // quick_check reads every page: damage in a table or index nobody queried
  // yet shows up now, not halfway through a sync.
  const check = db.prepare("PRAGMA quick_check(1)").get();
  const verdict = check === undefined ? "no answer" : String(check.quick_check);
  if (verdict !== "ok") throw corrupt(file, `SQLite reports: ${verdict}`);

  const tables = new Set(
    db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all()
      .map((row) => String(row.name)),
  );
  const anything = db.prepare("SELECT count(*) AS n FROM sqlite_schema").get();
  if (Number(anything?.n ?? 0) === 0) return { kind: "blank" };

  if (!tables.has("Globals")) {
    if (tables.has("SyncFiles") || tables.has("DriveFiles")) {
      throw older(file, "from before schema versions were recorded");
    }
    throw foreign(file, "it has no Globals table");
  }
  const hasVersion = db.prepare(
    "SELECT 1 AS present FROM pragma_table_info('Globals') WHERE name = 'Version'",
  ).get();
  if (hasVersion === undefined) {
    throw older(file, "from before schema versions were recorded");
  }
  const row = db.prepare("SELECT Version FROM Globals WHERE Id IS 1").get();
  const text = row?.Version;
  const version = typeof text === "number" ? String(text) : text;
  if (typeof version !== "string" || version.trim() === "") {
    throw foreign(file, "it records no schema version");
  }
  // gphotos-sync compared versions as floats; so do we.
  const number = Number.parseFloat(version);
  if (Number.isNaN(number)) {
    throw foreign(file, `its schema version "${version}" is not a number`);
  }
  const known = Number.parseFloat(GPHOTOS_SCHEMA_VERSION);
  if (number < known) throw older(file, `schema ${version}`);
  if (number > known) {
    throw new IndexFileError(
      "newer",
      file,
      `The index ${file} was written by a newer gphotos-sync (schema ` +
        `${version}; this program knows ${GPHOTOS_SCHEMA_VERSION}). Nothing ` +
        `was changed. Use that gphotos-sync, or run with --flush-index to ` +
        `move it aside to ${DB_FILE_NAME}${PREVIOUS_SUFFIX} and start a new index.`,
    );
  }

  const lacking = missingColumns(db, GPHOTOS_REQUIRED_COLUMNS);
  if (lacking !== undefined) throw corrupt(file, lacking);

  const migrations = appliedMigrations(db);
  const unknown = migrations.filter((n) => n > LATEST_MIGRATION);
  if (unknown.length > 0) {
    throw new IndexFileError(
      "newer",
      file,
      `The index ${file} was updated by a newer version of this program ` +
        `(index migration ${Math.max(...unknown)}; this one knows up to ` +
        `${LATEST_MIGRATION}). Nothing was changed. Upgrade gphotos-sync, or ` +
        `run with --flush-index to move it aside to ` +
        `${DB_FILE_NAME}${PREVIOUS_SUFFIX} and start a new index.`,
    );
  }
  return { kind: "index", version, migrations };
}

/**
 * Says which of the wanted tables or columns the file lacks, e.g.
 * "table Albums lacks Size"; undefined when all are there.
 */
export function missingColumns(
  db: DatabaseSync,
  wanted: Readonly<Record<string, readonly string[]>>,
): string | undefined {
  for (const [table, columns] of Object.entries(wanted)) {
    const present = new Set(
      db.prepare("SELECT name FROM pragma_table_info(?)").all(table)
        .map((c) => String(c.name).toLowerCase()),
    );
    if (present.size === 0) return `table ${table} is missing`;
    const missing = columns.filter((c) => !present.has(c.toLowerCase()));
    if (missing.length > 0) return `table ${table} lacks ${missing.join(", ")}`;
  }
  return undefined;
}

/** The file's tables do not match what its migration records promise. */
export function damagedIndexError(file: string, why: string): IndexFileError {
  return corrupt(file, why);
}

function older(file: string, what: string): IndexFileError {
  return new IndexFileError(
    "older",
    file,
    `The index ${file} is from an older gphotos-sync (${what}); this program ` +
      `carries on only from schema ${GPHOTOS_SCHEMA_VERSION}. Nothing was ` +
      `changed. Run again with --flush-index to rebuild the index (the old ` +
      `file is kept as ${DB_FILE_NAME}${PREVIOUS_SUFFIX}).`,
  );
}
