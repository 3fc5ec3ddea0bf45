// Builds an index the way gphotos-sync 5.7 left it: its own creation script
// (sql/gphotos_create.sql as published, which predates Albums.IsSharedAlbum)
// and rows in the text formats its Python sqlite3 adapter wrote.

import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

const GPHOTOS_CREATE_SQL = `
drop table if exists Albums;
create table Albums
(
	RemoteId TEXT
		primary key,
	AlbumName TEXT,
	Size INT,
	Description TEXT,
	StartDate INT,
	EndDate INT,
	SyncDate INT,
  Downloaded INT DEFAULT 0
)
;
create unique index Albums_RemoteId_uindex on Albums (RemoteId);
create index Albums_AlbumName_index on Albums (AlbumName);
create index Albums_StartDate_index on Albums (StartDate);

drop table if exists LocalFiles;
create table LocalFiles
(
	Id INTEGER
		primary key,
	RemoteId TEXT default '',
	Uid Text,
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
create index LocalRemoteIdIdx on LocalFiles (RemoteId);
create index LocalUidIdx on LocalFiles (Uid);
create index LocalNameIdx on LocalFiles (FileName);
create index LocalCreatedIdx on LocalFiles (CreateDate);
create index LocalMatchIdx on LocalFiles (OriginalFileName, DuplicateNo, Description);
create unique index LocalFiles_Path_FileName_DuplicateNo_uindex
	on LocalFiles (Path, FileName, DuplicateNo);

drop table if exists SyncFiles;
create table SyncFiles
(
	Id INTEGER
		primary key,
	RemoteId TEXT,
	Uid Text,
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
  Location Text
);
create unique index RemoteIdIdx on SyncFiles (RemoteId);
create index FileNameIdx on SyncFiles (FileName);
create index UidIdx on SyncFiles (Uid);
create index FileSizeIdx on SyncFiles (FileSize);
create index FileSizeAndSizeIdx on SyncFiles (FileName, FileSize);
create index CreatedIdx on SyncFiles (CreateDate);
create index ModifyDateIdx on SyncFiles (ModifyDate);
create index SyncMatchIdx on SyncFiles (OrigFileName, DuplicateNo, Description);
create unique index SyncFiles_Path_FileName_DuplicateNo_uindex
	on SyncFiles (Path, FileName, DuplicateNo);

drop table if exists AlbumFiles;
create table AlbumFiles
(
	Id INTEGER
		primary key,
	AlbumRec INT,
	DriveRec INT,
	Position INT,
	foreign key (AlbumRec) references Albums (RemoteId)
			on delete cascade,
	foreign key (DriveRec) references SyncFiles (Id)
			on update cascade on delete cascade)
;
create unique index AlbumFiles_AlbumRec_DriveRec_uindex
	on AlbumFiles (AlbumRec, DriveRec);

drop table if exists Globals;
CREATE TABLE Globals
(
  Id INTEGER,
  Version TEXT,
  Albums INTEGER,
  Files INTEGER,
  LastIndex INT -- Date of last sync
);
CREATE UNIQUE INDEX Globals_Id_uindex ON Globals (Id);
`;

/** Three items, two albums, a last-scan date: a small real-looking index. */
export const FIXTURE = {
  items: [
    {
      remoteId: "AF1QipA",
      path: "photos/2017/09",
      fileName: "IMG_0001.jpg",
      origFileName: "IMG_0001.jpg",
      duplicateNo: 0,
      mimeType: "image/jpeg",
      createDate: "2017-09-26 15:29:44",
      downloaded: 1,
    },
    {
      remoteId: "AF1QipB",
      path: "photos/2017/09",
      fileName: "IMG_0001 (2).jpg",
      origFileName: "IMG_0001.jpg",
      duplicateNo: 1,
      mimeType: "image/jpeg",
      createDate: "2017-09-27 08:00:00",
      downloaded: 1,
    },
    {
      remoteId: "AF1QipC",
      path: "photos/2018/01",
      fileName: "VID_0002.mp4",
      origFileName: "VID_0002.mp4",
      duplicateNo: 0,
      mimeType: "video/mp4",
      createDate: "2018-01-02 03:04:05",
      downloaded: 0,
    },
  ],
  lastIndex: "2018-01-02 03:04:05",
} as const;

/**
 * Writes `<folder>/gphotos.sqlite` as gphotos-sync would have. `version` is
 * bound as Python bound LocalData.VERSION (a float, so SQLite stores the
 * text "5.7" in the TEXT column).
 */
export function writeGphotosIndex(
  folder: string,
  version: number | string = 5.7,
): string {
  const file = join(folder, "gphotos.sqlite");
  // Python's sqlite3 leaves foreign keys off, and gphotos-sync relies on it:
  // its AlbumFiles rows hold RemoteIds where the clause says SyncFiles.Id.
  const db = new DatabaseSync(file, { enableForeignKeyConstraints: false });
  try {
    db.exec(GPHOTOS_CREATE_SQL);
    db.prepare(
      "INSERT INTO Globals(Id, Version, Albums, Files) VALUES(1, ?, 0, 0)",
    ).run(version);
    db.exec("BEGIN");
    const insert = db.prepare(
      `INSERT INTO SyncFiles (RemoteId, Url, Uid, Path, FileName, OrigFileName,
         DuplicateNo, FileSize, MimeType, Description, ModifyDate, CreateDate,
         SyncDate, Downloaded, Location)
       SELECT :RemoteId, :Url, :Uid, :Path, :FileName, :OrigFileName,
         :DuplicateNo, :FileSize, :MimeType, :Description, :ModifyDate,
         :CreateDate, :SyncDate, :Downloaded, :Location
       WHERE NOT EXISTS (SELECT * FROM SyncFiles WHERE RemoteId = :RemoteId)`,
    );
    for (const item of FIXTURE.items) {
      insert.run({
        RemoteId: item.remoteId,
        Url: `https://photos.google.com/lr/photo/${item.remoteId}`,
        Uid: null,
        Path: item.path,
        FileName: item.fileName,
        OrigFileName: item.origFileName,
        DuplicateNo: item.duplicateNo,
        FileSize: 0,
        MimeType: item.mimeType,
        Description: "",
        // GooglePhotosMedia.modify_date is always Utils.MINIMUM_DATE.
        ModifyDate: "1900-01-01 00:00:00",
        CreateDate: item.createDate,
        // strftime("%Y-%m-%d %H:%M:%S") of datetime.now()
        SyncDate: "2023-05-01 10:11:12",
        Downloaded: item.downloaded,
        Location: "",
      });
    }
    const album = db.prepare(
      `INSERT INTO Albums (RemoteId, AlbumName, Size, StartDate, EndDate,
         SyncDate, Downloaded) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    album.run(
      "ALB1",
      "Holiday",
      2,
      "2017-09-26 15:29:44",
      "2017-09-27 08:00:00",
      "2023-05-01 10:11:12",
      1,
    );
    // An empty album: gphotos-sync's first/last dates stay at datetime.max
    // and MINIMUM_DATE, written by sqlite3's isoformat(" ") adapter.
    album.run(
      "ALB2",
      "Nothing here",
      0,
      "9999-12-31 23:59:59.999999",
      "1900-01-01 00:00:00",
      "2023-05-01 10:11:12",
      0,
    );
    const member = db.prepare(
      "INSERT OR REPLACE INTO AlbumFiles(AlbumRec, DriveRec, Position) VALUES(?,?,?)",
    );
    member.run("ALB1", "AF1QipB", 1);
    member.run("ALB1", "AF1QipA", 0);
    db.prepare("UPDATE Globals SET LastIndex=? WHERE Id IS 1").run(
      FIXTURE.lastIndex,
    );
    db.exec("COMMIT");
  } finally {
    db.close();
  }
  return file;
}
