// The index schema: gphotos-sync's 5.7 tables exactly as it created them
// (names, declared types, indexes), which every index starts from, and the
// columns an index must have for this program to adopt it. Our own
// additions live in migrations.ts.

/** Globals.Version of the gphotos-sync schema this program reads and writes. */
export const GPHOTOS_SCHEMA_VERSION = "5.7";

/**
 * gphotos-sync 5.7's tables. Dates are text in INT columns (SQLite keeps
 * such text as text); AlbumFiles.AlbumRec and DriveRec hold the album's and
 * the media item's RemoteId, whatever the foreign key clauses say, so
 * foreign keys must stay off (as Python's sqlite3 left them).
 */
export const GPHOTOS_BASE_DDL = `
CREATE TABLE Albums
(
  RemoteId TEXT PRIMARY KEY,
  AlbumName TEXT,
  Size INT,
  Description TEXT,
  StartDate INT,
  EndDate INT,
  SyncDate INT,
  Downloaded INT DEFAULT 0,
  IsSharedAlbum BOOL
);
CREATE UNIQUE INDEX Albums_RemoteId_uindex ON Albums (RemoteId);
CREATE INDEX Albums_AlbumName_index ON Albums (AlbumName);
CREATE INDEX Albums_StartDate_index ON Albums (StartDate);

CREATE TABLE LocalFiles
(
  Id INTEGER PRIMARY KEY,
  RemoteId TEXT DEFAULT '',
  Uid TEXT,
  Path TEXT,
  FileName TEXT,
  OriginalFileName TEXT,
  DuplicateNo INT,
  MimeType TEXT,
  Description TEXT,
  FileSize INT,
  ModifyDate INT,
  CreateDate INT,
  SyncDate INT
);
CREATE INDEX LocalRemoteIdIdx ON LocalFiles (RemoteId);
CREATE INDEX LocalUidIdx ON LocalFiles (Uid);
CREATE INDEX LocalNameIdx ON LocalFiles (FileName);
CREATE INDEX LocalCreatedIdx ON LocalFiles (CreateDate);
CREATE INDEX LocalMatchIdx ON LocalFiles (OriginalFileName, DuplicateNo, Description);
CREATE UNIQUE INDEX LocalFiles_Path_FileName_DuplicateNo_uindex
  ON LocalFiles (Path, FileName, DuplicateNo);

CREATE TABLE SyncFiles
(
  Id INTEGER PRIMARY KEY,
  RemoteId TEXT,
  Uid TEXT,
  Url TEXT,
  Path TEXT,
  FileName TEXT,
  OrigFileName TEXT,
  DuplicateNo INT,
  MimeType TEXT,
  Description TEXT,
  FileSize INT,
  ModifyDate INT,
  CreateDate INT,
  SyncDate INT,
  Downloaded INT DEFAULT 0,
  Location TEXT
);
CREATE UNIQUE INDEX RemoteIdIdx ON SyncFiles (RemoteId);
CREATE INDEX FileNameIdx ON SyncFiles (FileName);
CREATE INDEX UidIdx ON SyncFiles (Uid);
CREATE INDEX FileSizeIdx ON SyncFiles (FileSize);
CREATE INDEX FileSizeAndSizeIdx ON SyncFiles (FileName, FileSize);
CREATE INDEX CreatedIdx ON SyncFiles (CreateDate);
CREATE INDEX ModifyDateIdx ON SyncFiles (ModifyDate);
CREATE INDEX SyncMatchIdx ON SyncFiles (OrigFileName, DuplicateNo, Description);
CREATE UNIQUE INDEX SyncFiles_Path_FileName_DuplicateNo_uindex
  ON SyncFiles (Path, FileName, DuplicateNo);

CREATE TABLE AlbumFiles
(
  Id INTEGER PRIMARY KEY,
  AlbumRec INT,
  DriveRec INT,
  Position INT,
  FOREIGN KEY (AlbumRec) REFERENCES Albums (RemoteId) ON DELETE CASCADE,
  FOREIGN KEY (DriveRec) REFERENCES SyncFiles (Id)
    ON UPDATE CASCADE ON DELETE CASCADE
);
CREATE UNIQUE INDEX AlbumFiles_AlbumRec_DriveRec_uindex
  ON AlbumFiles (AlbumRec, DriveRec);

CREATE TABLE Globals
(
  Id INTEGER,
  Version TEXT,
  Albums INTEGER,
  Files INTEGER,
  LastIndex INT -- date of the last scan
);
CREATE UNIQUE INDEX Globals_Id_uindex ON Globals (Id);
`;

/**
 * The gphotos-sync columns every adopted index must already have; anything
 * less is not a 5.7 index, whatever Globals.Version says.
 * (Albums.IsSharedAlbum is missing from some 5.7 files: a migration adds it.)
 */
export const GPHOTOS_REQUIRED_COLUMNS: Readonly<Record<string, string[]>> = {
  SyncFiles: [
    "Id",
    "RemoteId",
    "Uid",
    "Url",
    "Path",
    "FileName",
    "OrigFileName",
    "DuplicateNo",
    "MimeType",
    "Description",
    "FileSize",
    "ModifyDate",
    "CreateDate",
    "SyncDate",
    "Downloaded",
    "Location",
  ],
  Albums: [
    "RemoteId",
    "AlbumName",
    "Size",
    "Description",
    "StartDate",
    "EndDate",
    "SyncDate",
    "Downloaded",
  ],
  AlbumFiles: ["Id", "AlbumRec", "DriveRec", "Position"],
  LocalFiles: [
    "Id",
    "RemoteId",
    "Uid",
    "Path",
    "FileName",
    "OriginalFileName",
    "DuplicateNo",
    "MimeType",
    "Description",
    "FileSize",
    "ModifyDate",
    "CreateDate",
    "SyncDate",
  ],
  Globals: ["Id", "Version", "Albums", "Files", "LastIndex"],
};
