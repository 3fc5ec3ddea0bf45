// Our additions to gphotos-sync's schema, as numbered migrations recorded in
// SchemaMigrations. Globals.Version stays "5.7" so gphotos-sync can still
// open the file: everything here only adds nullable or defaulted columns,
// indexes and tables, which its INSERTs (named columns) and SELECTs ignore.
// Every step checks before it changes, so running one twice is harmless; the
// caller runs the pending ones inside one transaction.

import type { DatabaseSync } from "node:sqlite";

export interface Migration {
  /** Order of application; never reused, never renumbered. */
  readonly number: number;
  readonly name: string;
  apply(db: DatabaseSync): void;
}

export const MIGRATIONS_TABLE = "SchemaMigrations";

export const MIGRATIONS_TABLE_DDL = `
CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE}
(
  Number INTEGER PRIMARY KEY,
  Name TEXT NOT NULL,
  AppliedAt TEXT NOT NULL
)`;

export function hasColumn(
  db: DatabaseSync,
  table: string,
  column: string,
): boolean {
  const row = db.prepare(
    "SELECT 1 AS present FROM pragma_table_info(?) WHERE name = ? COLLATE NOCASE",
  ).get(table, column);
  return row !== undefined;
}

function addColumn(
  db: DatabaseSync,
  table: string,
  column: string,
  declaration: string,
): void {
  if (!hasColumn(db, table, column)) {
    db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${declaration}`);
  }
}

export const MIGRATIONS: readonly Migration[] = [
  {
    number: 1,
    name: "Albums.IsSharedAlbum",
    // gphotos-sync 5.7's final code reads Albums.IsSharedAlbum, but indexes
    // created from its earlier 5.7 script lack the column.
    apply(db) {
      addColumn(db, "Albums", "IsSharedAlbum", "BOOL");
    },
  },
  {
    number: 2,
    name: "SyncFiles source, video and failure columns",
    apply(db) {
      // Rows gphotos-sync wrote all came from the Library API.
      addColumn(db, "SyncFiles", "Source", "TEXT NOT NULL DEFAULT 'library'");
      const hadIsVideo = hasColumn(db, "SyncFiles", "IsVideo");
      addColumn(db, "SyncFiles", "IsVideo", "INT NOT NULL DEFAULT 0");
      if (!hadIsVideo) {
        // gphotos-sync decided "video" from the MIME type (BaseMedia.is_video).
        db.exec(
          "UPDATE SyncFiles SET IsVideo = 1 WHERE MimeType LIKE 'video/%'",
        );
      }
      addColumn(db, "SyncFiles", "VideoStatus", "TEXT");
      addColumn(db, "SyncFiles", "FailCount", "INT NOT NULL DEFAULT 0");
      addColumn(db, "SyncFiles", "BadReason", "TEXT");
      addColumn(db, "SyncFiles", "SourceRef", "TEXT");
      addColumn(db, "SyncFiles", "Width", "INT");
      addColumn(db, "SyncFiles", "Height", "INT");
      addColumn(db, "SyncFiles", "CameraMake", "TEXT");
      addColumn(db, "SyncFiles", "CameraModel", "TEXT");
    },
  },
  {
    number: 3,
    name: "indexes for duplicate numbering, downloads and album links",
    apply(db) {
      // lower() is SQLite's built-in, so gphotos-sync and the sqlite3 shell
      // can still write to SyncFiles with this index present.
      db.exec(`
        CREATE INDEX IF NOT EXISTS SyncFilesPathLowerNameIdx
          ON SyncFiles (Path, lower(OrigFileName));
        CREATE INDEX IF NOT EXISTS SyncFilesDownloadedIdx
          ON SyncFiles (Downloaded, Id);
        CREATE INDEX IF NOT EXISTS AlbumFilesDriveRecIdx
          ON AlbumFiles (DriveRec);
      `);
    },
  },
  {
    number: 4,
    name: "PickerSessions, and a SyncFiles index by name and capture time",
    // `pick --resume` finds the session a stopped run left behind here; the
    // index answers pick's "same original name and capture time" check.
    apply(db) {
      db.exec(`
        CREATE TABLE IF NOT EXISTS PickerSessions
        (
          Id TEXT PRIMARY KEY,
          PickerUri TEXT NOT NULL,
          CreateTime TEXT NOT NULL,
          ExpireTime TEXT,
          State TEXT NOT NULL,
          AlbumName TEXT,
          MaxItems INT,
          ItemCount INT,
          UpdateTime TEXT
        );
        CREATE INDEX IF NOT EXISTS SyncFilesOrigNameCreateIdx
          ON SyncFiles (OrigFileName, CreateDate);
      `);
    },
  },
  {
    number: 5,
    name: "ContentHashes and ItemExtras (Takeout metadata)",
    apply(db) {
      // Separate tables, so gphotos-sync's SyncFiles stays as it knows it.
      db.exec(`
        CREATE TABLE IF NOT EXISTS ContentHashes
        (
          RemoteId TEXT PRIMARY KEY,
          Sha256 TEXT NOT NULL,
          Size INT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS ContentHashesSha256Idx
          ON ContentHashes (Sha256, Size);
        CREATE TABLE IF NOT EXISTS ItemExtras
        (
          RemoteId TEXT PRIMARY KEY,
          People TEXT,
          Favorite INT NOT NULL DEFAULT 0,
          Archived INT NOT NULL DEFAULT 0,
          Trashed INT NOT NULL DEFAULT 0,
          PhotoUrl TEXT,
          ArchiveEntry TEXT,
          MatchedBy TEXT,
          DateSource TEXT,
          EditOf TEXT,
          PairOf TEXT
        );
        CREATE INDEX IF NOT EXISTS ItemExtrasPhotoUrlIdx
          ON ItemExtras (PhotoUrl);
      `);
    },
  },
  {
    number: 6,
    name:
      "TakeoutParts, TakeoutEntries, TakeoutJson, TakeoutAlbums and ItemMoves",
    // The parts of each Takeout export imported (or seen arriving), the
    // listing of each imported part (so that a part arriving later is
    // planned with the parts before it, as one export), the export each
    // album was last written from, and the journal of items whose files an
    // import moves (finished by the next run if one is killed half-way).
    apply(db) {
      db.exec(`
        CREATE TABLE IF NOT EXISTS TakeoutParts
        (
          Name TEXT PRIMARY KEY,
          SetName TEXT NOT NULL,
          Number INT NOT NULL,
          Path TEXT NOT NULL,
          Size INT NOT NULL,
          Mtime TEXT,
          Checksum TEXT,
          Entries INT,
          State TEXT NOT NULL,
          Reason TEXT,
          SeenAt TEXT,
          ImportedAt TEXT,
          DeletedAt TEXT
        );
        CREATE INDEX IF NOT EXISTS TakeoutPartsSetIdx
          ON TakeoutParts (SetName, Number);
        CREATE TABLE IF NOT EXISTS TakeoutEntries
        (
          Part TEXT NOT NULL,
          Idx INT NOT NULL,
          Name TEXT NOT NULL,
          Size INT NOT NULL,
          Mtime INT,
          JsonChunk INT,
          JsonOffset INT,
          JsonLength INT,
          ContentError TEXT,
          Item TEXT,
          Key TEXT,
          PRIMARY KEY (Part, Idx)
        );
        CREATE TABLE IF NOT EXISTS TakeoutJson
        (
          Part TEXT NOT NULL,
          Chunk INT NOT NULL,
          Data BLOB NOT NULL,
          PRIMARY KEY (Part, Chunk)
        );
        CREATE TABLE IF NOT EXISTS TakeoutAlbums
        (
          AlbumId TEXT PRIMARY KEY,
          SetName TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS ItemMoves
        (
          RemoteId TEXT PRIMARY KEY,
          FromPath TEXT NOT NULL,
          ViaPath TEXT,
          ToPath TEXT NOT NULL,
          Mtime INT,
          Xmp TEXT,
          Phase INT NOT NULL
        );
      `);
    },
  },
];

/** The highest migration number this program knows. */
export const LATEST_MIGRATION = Math.max(...MIGRATIONS.map((m) => m.number));

/** The columns our migrations add, checked after every open. */
export const MIGRATED_COLUMNS: Readonly<Record<string, string[]>> = {
  Albums: ["IsSharedAlbum"],
  SyncFiles: [
    "Source",
    "IsVideo",
    "VideoStatus",
    "FailCount",
    "BadReason",
    "SourceRef",
    "Width",
    "Height",
    "CameraMake",
    "CameraModel",
  ],
  ContentHashes: ["RemoteId", "Sha256", "Size"],
  ItemExtras: [
    "RemoteId",
    "People",
    "Favorite",
    "Archived",
    "Trashed",
    "PhotoUrl",
    "ArchiveEntry",
    "MatchedBy",
    "DateSource",
    "EditOf",
    "PairOf",
  ],
  TakeoutParts: [
    "Name",
    "SetName",
    "Number",
    "Path",
    "Size",
    "Mtime",
    "Checksum",
    "Entries",
    "State",
    "Reason",
    "SeenAt",
    "ImportedAt",
    "DeletedAt",
  ],
  TakeoutEntries: [
    "Part",
    "Idx",
    "Name",
    "Size",
    "Mtime",
    "JsonChunk",
    "JsonOffset",
    "JsonLength",
    "ContentError",
    "Item",
    "Key",
  ],
  TakeoutJson: ["Part", "Chunk", "Data"],
  TakeoutAlbums: ["AlbumId", "SetName"],
  ItemMoves: [
    "RemoteId",
    "FromPath",
    "ViaPath",
    "ToPath",
    "Mtime",
    "Xmp",
    "Phase",
  ],
  PickerSessions: [
    "Id",
    "PickerUri",
    "CreateTime",
    "ExpireTime",
    "State",
    "AlbumName",
    "MaxItems",
    "ItemCount",
    "UpdateTime",
  ],
};

/** Migration numbers recorded in the file (empty when it has no table yet). */
export function appliedMigrations(db: DatabaseSync): number[] {
  const table = db.prepare(
    "SELECT 1 AS present FROM sqlite_schema WHERE type = 'table' AND name = ?",
  ).get(MIGRATIONS_TABLE);
  if (table === undefined) return [];
  return db.prepare(`SELECT Number FROM ${MIGRATIONS_TABLE} ORDER BY Number`)
    .all().map((row) => Number(row.Number));
}

/**
 * Applies every migration not yet recorded, in order, recording each one.
 * The caller holds the transaction. Returns the numbers applied.
 */
export function applyPendingMigrations(
  db: DatabaseSync,
  appliedAt: string,
): number[] {
  db.exec(MIGRATIONS_TABLE_DDL);
  const done = new Set(appliedMigrations(db));
  const record = db.prepare(
    `INSERT INTO ${MIGRATIONS_TABLE} (Number, Name, AppliedAt) VALUES (?, ?, ?)`,
  );
  const applied: number[] = [];
  for (const migration of MIGRATIONS) {
    if (done.has(migration.number)) continue;
    migration.apply(db);
    record.run(migration.number, migration.name, appliedAt);
    applied.push(migration.number);
  }
  return applied;
}
