import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { ExitCode, GphotosError } from "../../src/errors.ts";
import { memoryLogger } from "../../src/log.ts";
import type { MediaRecord } from "../../src/media/record.ts";
import {
  IndexConflictError,
  LocalData,
  type NewItem,
  newItemFromRecord,
} from "../../src/db/local_data.ts";
import { IndexFileError } from "../../src/db/index_file.ts";
import { LATEST_MIGRATION, MIGRATIONS } from "../../src/db/migrations.ts";
import { FIXTURE, writeGphotosIndex } from "./gphotos_fixture.ts";

const FIXED_NOW = new Date("2025-06-01T12:00:00Z");

async function withFolder(fn: (dir: string) => void | Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "gphotos_db_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function open(dir: string, flush = false): LocalData {
  return LocalData.open(dir, { flush, now: () => FIXED_NOW });
}

function item(n: number, overrides: Partial<NewItem> = {}): NewItem {
  return {
    remoteId: `id-${n}`,
    source: "library",
    path: "photos/2020/05",
    fileName: `IMG_${n}.jpg`,
    origFileName: `IMG_${n}.jpg`,
    duplicateNo: 0,
    mimeType: "image/jpeg",
    description: "",
    createDate: new Date(Date.UTC(2020, 4, 1, 0, 0, n % 60)),
    isVideo: false,
    ...overrides,
  };
}

function sha256(file: string): string {
  return createHash("sha256").update(Deno.readFileSync(file)).digest("hex");
}

/** Reads the file with a plain connection, as another program would. */
function rawQuery(file: string, sql: string): Record<string, unknown>[] {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return db.prepare(sql).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

function columnsOf(file: string, table: string): string[] {
  return rawQuery(file, `SELECT name FROM pragma_table_info('${table}')`)
    .map((r) => String(r.name));
}

function indexNames(file: string): string[] {
  return rawQuery(
    file,
    "SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL",
  ).map((r) => String(r.name)).sort();
}

const GPHOTOS_INDEXES = [
  "AlbumFiles_AlbumRec_DriveRec_uindex",
  "Albums_AlbumName_index",
  "Albums_RemoteId_uindex",
  "Albums_StartDate_index",
  "CreatedIdx",
  "FileNameIdx",
  "FileSizeAndSizeIdx",
  "FileSizeIdx",
  "Globals_Id_uindex",
  "LocalCreatedIdx",
  "LocalFiles_Path_FileName_DuplicateNo_uindex",
  "LocalMatchIdx",
  "LocalNameIdx",
  "LocalRemoteIdIdx",
  "LocalUidIdx",
  "ModifyDateIdx",
  "RemoteIdIdx",
  "SyncFiles_Path_FileName_DuplicateNo_uindex",
  "SyncMatchIdx",
  "UidIdx",
];

Deno.test("a new index gets gphotos-sync's 5.7 tables plus our migrations", async () => {
  await withFolder((dir) => {
    const logger = memoryLogger();
    const db = LocalData.open(join(dir, "nested", "db"), { logger });
    const file = db.file;
    db.close();
    assert.equal(file, join(dir, "nested", "db", "gphotos.sqlite"));
    assert.ok(logger.lines.some((l) => l.includes("Created a new index")));

    const globals = rawQuery(
      file,
      "SELECT Id, Version, typeof(Version) AS t, Albums, Files, LastIndex FROM Globals",
    );
    assert.deepEqual(globals.map((r) => ({ ...r })), [
      {
        Id: 1,
        Version: "5.7",
        t: "text",
        Albums: 0,
        Files: 0,
        LastIndex: null,
      },
    ]);
    assert.deepEqual(columnsOf(file, "SyncFiles").slice(0, 16), [
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
    ]);
    assert.deepEqual(columnsOf(file, "Albums"), [
      "RemoteId",
      "AlbumName",
      "Size",
      "Description",
      "StartDate",
      "EndDate",
      "SyncDate",
      "Downloaded",
      "IsSharedAlbum",
    ]);
    assert.deepEqual(columnsOf(file, "AlbumFiles"), [
      "Id",
      "AlbumRec",
      "DriveRec",
      "Position",
    ]);
    assert.deepEqual(columnsOf(file, "Globals"), [
      "Id",
      "Version",
      "Albums",
      "Files",
      "LastIndex",
    ]);
    assert.equal(columnsOf(file, "LocalFiles").length, 13);
    const indexes = indexNames(file);
    for (const name of GPHOTOS_INDEXES) assert.ok(indexes.includes(name), name);
    const migrations = rawQuery(file, "SELECT Number FROM SchemaMigrations")
      .map((r) => r.Number);
    assert.deepEqual(migrations, MIGRATIONS.map((m) => m.number));
    const mode = rawQuery(file, "PRAGMA journal_mode")[0].journal_mode;
    assert.equal(mode, "delete");
  });
});

/** Tables, columns (name and declared type) and indexes, for comparison. */
function schemaOf(file: string, tables: string[]) {
  const out: Record<string, unknown> = {};
  for (const table of tables) {
    out[table] = rawQuery(
      file,
      `SELECT name, upper(type) AS type, pk, dflt_value FROM pragma_table_info('${table}')`,
    ).map((r) => ({ ...r }));
    out[`${table} indexes`] = rawQuery(
      file,
      `SELECT name, "unique" AS u FROM pragma_index_list('${table}') ORDER BY name`,
    ).map((r) => ({
      name: r.name,
      unique: r.u,
      columns: rawQuery(
        file,
        `SELECT name FROM pragma_index_info('${r.name}') ORDER BY seqno`,
      ).map((c) => c.name),
    }));
  }
  return out;
}

Deno.test("a new index matches gphotos-sync's own tables, types and indexes", async () => {
  await withFolder((dir) => {
    const theirs = writeGphotosIndex(join(dir, ""));
    const oursDir = join(dir, "ours");
    const ours = LocalData.open(oursDir);
    ours.close();
    const tables = [
      "SyncFiles",
      "Albums",
      "AlbumFiles",
      "LocalFiles",
      "Globals",
    ];
    const a = schemaOf(join(oursDir, "gphotos.sqlite"), tables);
    const b = schemaOf(theirs, tables);
    // Our additions come after gphotos-sync's columns; compare its part.
    const theirColumns = (t: string) => (b[t] as unknown[]).length;
    for (const table of tables) {
      assert.deepEqual(
        (a[table] as unknown[]).slice(0, theirColumns(table)),
        b[table],
        table,
      );
      const oursOnly = [
        "SyncFilesPathLowerNameIdx",
        "SyncFilesDownloadedIdx",
        "AlbumFilesDriveRecIdx",
        "SyncFilesOrigNameCreateIdx",
      ];
      assert.deepEqual(
        (a[`${table} indexes`] as { name: string }[]).filter((i) =>
          !oursOnly.includes(i.name)
        ),
        b[`${table} indexes`],
        `${table} indexes`,
      );
    }
  });
});

Deno.test("a zero-length index file is treated as new", async () => {
  await withFolder((dir) => {
    Deno.writeFileSync(join(dir, "gphotos.sqlite"), new Uint8Array());
    const db = open(dir);
    assert.equal(db.counts().total, 0);
    db.close();
  });
});

Deno.test("a gphotos-sync 5.7 index is adopted in place with names and Downloaded flags kept", async () => {
  await withFolder((dir) => {
    const file = writeGphotosIndex(dir);
    assert.ok(!columnsOf(file, "Albums").includes("IsSharedAlbum"));
    const logger = memoryLogger();
    const db = LocalData.open(dir, { logger });
    try {
      assert.ok(
        logger.lines.some((l) =>
          l.includes("Adopted the gphotos-sync 5.7 index")
        ),
      );
      const counts = db.counts();
      assert.equal(counts.total, 3);
      assert.equal(counts.downloaded, 2);
      assert.equal(counts.videosPending, 1);
      assert.equal(counts.bySource.library.total, 3);
      assert.equal(counts.albums, 2);

      const dup = db.getItem("AF1QipB");
      assert.ok(dup);
      assert.equal(dup.path, "photos/2017/09");
      assert.equal(dup.fileName, "IMG_0001 (2).jpg");
      assert.equal(dup.origFileName, "IMG_0001.jpg");
      assert.equal(dup.duplicateNo, 1);
      assert.equal(dup.downloaded, true);
      assert.equal(dup.source, "library");
      assert.equal(dup.isVideo, false);
      assert.equal(dup.url, "https://photos.google.com/lr/photo/AF1QipB");
      assert.equal(dup.uid, undefined);
      assert.equal(dup.location, undefined);
      assert.deepEqual(dup.createDate, new Date("2017-09-27T08:00:00Z"));
      assert.deepEqual(dup.modifyDate, new Date("1900-01-01T00:00:00Z"));
      assert.deepEqual(dup.syncDate, new Date("2023-05-01T10:11:12Z"));
      assert.equal(dup.failCount, 0);

      const pending = [...db.itemsToDownload()];
      assert.deepEqual(pending.map((i) => i.remoteId), ["AF1QipC"]);
      assert.equal(pending[0].isVideo, true);
      assert.equal(pending[0].fileName, "VID_0002.mp4");
      assert.deepEqual(
        [...db.downloadedItems()].map((i) => i.remoteId),
        ["AF1QipA", "AF1QipB"],
      );
      assert.deepEqual(db.getLastIndex(), new Date("2018-01-02T03:04:05Z"));
      // The next item in that folder continues gphotos-sync's numbering.
      assert.equal(
        db.nextDuplicateNo("photos/2017/09", "IMG_0001.jpg", false),
        2,
      );

      const holiday = db.getAlbum("ALB1");
      assert.ok(holiday);
      assert.equal(holiday.albumName, "Holiday");
      assert.equal(holiday.downloaded, true);
      assert.equal(holiday.isShared, false);
      assert.deepEqual(holiday.endDate, new Date("2017-09-27T08:00:00Z"));
      const empty = db.getAlbum("ALB2");
      assert.deepEqual(empty?.startDate, new Date("9999-12-31T23:59:59.999Z"));
      assert.deepEqual(
        db.albumFiles("ALB1").map((f) => [f.position, f.item.fileName]),
        [[0, "IMG_0001.jpg"], [1, "IMG_0001 (2).jpg"]],
      );
    } finally {
      db.close();
    }
    assert.ok(columnsOf(file, "Albums").includes("IsSharedAlbum"));
    assert.ok(columnsOf(file, "SyncFiles").includes("Source"));
    assert.equal(
      rawQuery(file, "SELECT Version FROM Globals")[0].Version,
      "5.7",
    );
    // Rows keep their original text, so gphotos-sync still reads them.
    assert.deepEqual(
      rawQuery(file, "SELECT CreateDate FROM SyncFiles ORDER BY Id")
        .map((r) => r.CreateDate),
      FIXTURE.items.map((i) => i.createDate),
    );
  });
});

Deno.test("opening an adopted index again changes nothing in the file", async () => {
  await withFolder((dir) => {
    const file = writeGphotosIndex(dir);
    open(dir).close();
    const before = sha256(file);
    const logger = memoryLogger();
    LocalData.open(dir, { logger }).close();
    assert.equal(sha256(file), before);
    assert.deepEqual(logger.lines, []);
    assert.equal(
      rawQuery(file, "SELECT COUNT(*) AS n FROM SchemaMigrations")[0].n,
      LATEST_MIGRATION,
    );
  });
});

Deno.test("an index from an older gphotos-sync is refused untouched, pointing at --flush-index", async () => {
  await withFolder((dir) => {
    const file = writeGphotosIndex(dir, 5.6);
    const before = sha256(file);
    assert.throws(
      () => open(dir),
      (e: unknown) =>
        e instanceof IndexFileError && e.problem === "older" &&
        e.exitCode === ExitCode.failed &&
        /older gphotos-sync \(schema 5\.6\)/.test(e.message) &&
        e.message.includes("--flush-index"),
    );
    assert.equal(sha256(file), before);
    assert.deepEqual([...Deno.readDirSync(dir)].map((f) => f.name), [
      "gphotos.sqlite",
    ]);
  });
});

Deno.test("an index from a newer gphotos-sync is refused untouched", async () => {
  await withFolder((dir) => {
    const file = writeGphotosIndex(dir, 5.8);
    const before = sha256(file);
    assert.throws(
      () => open(dir),
      (e: unknown) =>
        e instanceof IndexFileError && e.problem === "newer" &&
        e.exitCode === ExitCode.failed && /newer gphotos-sync/.test(e.message),
    );
    assert.equal(sha256(file), before);
  });
});

Deno.test("a 5.7 index without a column gphotos-sync always had is refused as damaged", async () => {
  await withFolder((dir) => {
    const file = writeGphotosIndex(dir);
    const raw = new DatabaseSync(file);
    raw.exec("ALTER TABLE SyncFiles DROP COLUMN Location");
    raw.close();
    const before = sha256(file);
    assert.throws(
      () => open(dir),
      (e: unknown) =>
        e instanceof IndexFileError && e.problem === "corrupt" &&
        e.message.includes("table SyncFiles lacks Location"),
    );
    assert.equal(sha256(file), before);
  });
});

Deno.test("an index whose recorded migrations do not match its tables is refused", async () => {
  await withFolder((dir) => {
    open(dir).close();
    const raw = new DatabaseSync(join(dir, "gphotos.sqlite"));
    raw.exec("DROP INDEX SyncFilesDownloadedIdx");
    raw.exec("ALTER TABLE SyncFiles DROP COLUMN BadReason");
    raw.close();
    assert.throws(
      () => open(dir),
      (e: unknown) =>
        e instanceof IndexFileError && e.problem === "corrupt" &&
        e.message.includes("lacks BadReason"),
    );
  });
});

Deno.test("an index with a migration this program does not know is refused", async () => {
  await withFolder((dir) => {
    open(dir).close();
    const file = join(dir, "gphotos.sqlite");
    const raw = new DatabaseSync(file);
    raw.prepare(
      "INSERT INTO SchemaMigrations (Number, Name, AppliedAt) VALUES (?, 'future', '2030-01-01 00:00:00')",
    ).run(LATEST_MIGRATION + 1);
    raw.close();
    const before = sha256(file);
    assert.throws(
      () => open(dir),
      (e: unknown) =>
        e instanceof IndexFileError && e.problem === "newer" &&
        e.message.includes(`index migration ${LATEST_MIGRATION + 1}`),
    );
    assert.equal(sha256(file), before);
  });
});

Deno.test("a file that is not a database is refused and left untouched", async () => {
  await withFolder((dir) => {
    const file = join(dir, "gphotos.sqlite");
    Deno.writeTextFileSync(
      file,
      "these are my holiday notes, not a database\n",
    );
    const before = sha256(file);
    assert.throws(
      () => open(dir),
      (e: unknown) =>
        e instanceof IndexFileError && e.problem === "foreign" &&
        e.message.includes("not a gphotos-sync index"),
    );
    assert.equal(sha256(file), before);
    assert.equal([...Deno.readDirSync(dir)].length, 1);
  });
});

Deno.test("an SQLite database of another program is refused", async () => {
  await withFolder((dir) => {
    const file = join(dir, "gphotos.sqlite");
    const other = new DatabaseSync(file);
    other.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)");
    other.close();
    const before = sha256(file);
    assert.throws(
      () => open(dir),
      (e: unknown) => e instanceof IndexFileError && e.problem === "foreign",
    );
    assert.equal(sha256(file), before);
  });
});

Deno.test("a damaged index is refused and left untouched", async () => {
  await withFolder((dir) => {
    const db = open(dir);
    db.transaction(() => {
      for (let n = 0; n < 2000; n++) db.insertItem(item(n));
    });
    db.close();
    const file = join(dir, "gphotos.sqlite");
    const bytes = Deno.readFileSync(file);
    const pageSize = (bytes[16] << 8) | bytes[17];
    // Scribble over a page in the middle: a table or index page.
    const page = Math.floor(bytes.length / pageSize / 2);
    for (let i = 0; i < pageSize; i++) {
      bytes[page * pageSize + i] = (i * 37) & 0xff;
    }
    Deno.writeFileSync(file, bytes);
    const before = sha256(file);
    assert.throws(
      () => open(dir),
      (e: unknown) =>
        e instanceof IndexFileError && e.problem === "corrupt" &&
        e.exitCode === ExitCode.failed && e.message.includes("is damaged"),
    );
    assert.equal(sha256(file), before);
    assert.equal([...Deno.readDirSync(dir)].length, 1);
  });
});

Deno.test("flush keeps the old index as gphotos.sqlite.previous and starts empty", async () => {
  await withFolder((dir) => {
    const previous = join(dir, "gphotos.sqlite.previous");
    Deno.writeTextFileSync(previous, "an older previous");
    const first = open(dir);
    first.insertItem(item(1));
    first.close();

    const flushed = open(dir, true);
    assert.equal(flushed.counts().total, 0);
    flushed.insertItem(item(2));
    flushed.close();

    assert.deepEqual(
      rawQuery(previous, "SELECT RemoteId FROM SyncFiles").map((r) =>
        r.RemoteId
      ),
      ["id-1"],
    );
    assert.deepEqual(
      rawQuery(join(dir, "gphotos.sqlite"), "SELECT RemoteId FROM SyncFiles")
        .map((r) => r.RemoteId),
      ["id-2"],
    );
  });
});

Deno.test("flush also moves aside an index we would refuse", async () => {
  await withFolder((dir) => {
    const file = writeGphotosIndex(dir, 5.6);
    const before = sha256(file);
    const db = open(dir, true);
    assert.equal(db.counts().total, 0);
    db.close();
    assert.equal(sha256(join(dir, "gphotos.sqlite.previous")), before);
  });
});

Deno.test("duplicate numbers follow gphotos-sync: highest + 1 per folder and original name", async () => {
  await withFolder((dir) => {
    const db = open(dir);
    const folder = "photos/2020/05";
    assert.equal(db.nextDuplicateNo(folder, "IMG.jpg", false), 0);
    db.insertItem(item(1, { fileName: "IMG.jpg", origFileName: "IMG.jpg" }));
    assert.equal(db.nextDuplicateNo(folder, "IMG.jpg", false), 1);
    db.insertItem(
      item(2, {
        fileName: "IMG (2).jpg",
        origFileName: "IMG.jpg",
        duplicateNo: 1,
      }),
    );
    assert.equal(db.nextDuplicateNo(folder, "IMG.jpg", false), 2);
    // Another folder, or another name, starts again at 0.
    assert.equal(db.nextDuplicateNo("photos/2020/06", "IMG.jpg", false), 0);
    assert.equal(db.nextDuplicateNo(folder, "IMG2.jpg", false), 0);
    // Case matters only on case-sensitive filesystems.
    assert.equal(db.nextDuplicateNo(folder, "img.JPG", false), 0);
    assert.equal(db.nextDuplicateNo(folder, "img.JPG", true), 2);
    // Non-ASCII names fold too (SQLite's lower() alone would not).
    db.insertItem(
      item(3, { fileName: "École.jpg", origFileName: "École.jpg" }),
    );
    assert.equal(db.nextDuplicateNo(folder, "école.jpg", false), 0);
    assert.equal(db.nextDuplicateNo(folder, "école.jpg", true), 1);
    db.close();
  });
});

Deno.test("a transaction that throws leaves nothing behind", async () => {
  await withFolder((dir) => {
    const db = open(dir);
    assert.throws(
      () =>
        db.transaction(() => {
          db.insertItem(item(1));
          db.setLastIndex(new Date("2020-01-01T00:00:00Z"));
          throw new Error("boom");
        }),
      /boom/,
    );
    assert.equal(db.getItem("id-1"), undefined);
    assert.equal(db.getLastIndex(), undefined);

    // A nested failure undoes only its own part when the outer one goes on.
    db.transaction(() => {
      db.insertItem(item(2));
      assert.throws(() =>
        db.transaction(() => {
          db.insertItem(item(3));
          throw new Error("inner");
        })
      );
      db.insertItem(item(4));
    });
    assert.deepEqual(
      [...db.items()].map((i) => i.remoteId),
      ["id-2", "id-4"],
    );

    // A failure inside a nested call that escapes rolls back everything.
    assert.throws(() =>
      db.transaction(() => {
        db.insertItem(item(5));
        db.transaction(() => db.insertItem(item(6)));
        throw new Error("outer");
      })
    );
    assert.equal(db.getItem("id-5"), undefined);
    assert.equal(db.getItem("id-6"), undefined);

    // An async function would write after the commit: refused, rolled back.
    assert.throws(
      () =>
        db.transaction(() => {
          db.insertItem(item(7));
          return Promise.resolve();
        }),
      TypeError,
    );
    assert.equal(db.getItem("id-7"), undefined);
    db.close();
  });
});

Deno.test("20,000 items inserted in one transaction are all there", async () => {
  await withFolder((dir) => {
    const db = open(dir);
    db.transaction(() => {
      for (let n = 0; n < 20_000; n++) db.insertItem(item(n));
    });
    assert.equal(db.counts().total, 20_000);
    let seen = 0;
    for (const i of db.itemsToDownload()) {
      assert.equal(i.remoteId, `id-${seen}`);
      seen++;
    }
    assert.equal(seen, 20_000);
    db.close();
  });
});

Deno.test("new items are stored in gphotos-sync's formats and read back whole", async () => {
  await withFolder((dir) => {
    const db = open(dir);
    const record: MediaRecord = {
      remoteId: "pick-1",
      source: "picker",
      filename: "clip.mp4",
      mimeType: "video/mp4",
      description: "a clip",
      createTime: new Date("2021-03-04T05:06:07.250Z"),
      isVideo: true,
      videoStatus: "PROCESSING",
      width: 1920,
      height: 1080,
      cameraMake: "Pixel",
      cameraModel: "7",
      location: "48.85,2.29",
    };
    const id = db.insertItem({
      ...newItemFromRecord(record, {
        path: "photos/2021/03",
        fileName: "clip.mp4",
        origFileName: "clip.mp4",
        duplicateNo: 0,
      }),
      sourceRef: "session-9",
    });
    const stored = db.getItem("pick-1");
    assert.deepEqual(stored, {
      id,
      remoteId: "pick-1",
      uid: undefined,
      url: undefined,
      path: "photos/2021/03",
      fileName: "clip.mp4",
      origFileName: "clip.mp4",
      duplicateNo: 0,
      mimeType: "video/mp4",
      description: "a clip",
      fileSize: 0,
      modifyDate: new Date("1900-01-01T00:00:00Z"),
      createDate: new Date("2021-03-04T05:06:07.250Z"),
      syncDate: FIXED_NOW,
      downloaded: false,
      location: "48.85,2.29",
      source: "picker",
      isVideo: true,
      videoStatus: "PROCESSING",
      failCount: 0,
      badReason: undefined,
      sourceRef: "session-9",
      width: 1920,
      height: 1080,
      cameraMake: "Pixel",
      cameraModel: "7",
    });
    db.close();
    const raw = rawQuery(
      join(dir, "gphotos.sqlite"),
      "SELECT CreateDate, ModifyDate, SyncDate, Uid, Downloaded FROM SyncFiles",
    )[0];
    assert.deepEqual({ ...raw }, {
      CreateDate: "2021-03-04 05:06:07.250000",
      ModifyDate: "1900-01-01 00:00:00",
      SyncDate: "2025-06-01 12:00:00",
      // NULL Uid is how gphotos-sync finds rows its comparison has not scanned.
      Uid: null,
      Downloaded: 0,
    });
  });
});

Deno.test("the last index date round-trips in gphotos-sync's format", async () => {
  await withFolder((dir) => {
    const db = open(dir);
    db.setLastIndex(new Date("2024-02-29T23:59:58Z"));
    assert.deepEqual(db.getLastIndex(), new Date("2024-02-29T23:59:58Z"));
    db.close();
    assert.equal(
      rawQuery(join(dir, "gphotos.sqlite"), "SELECT LastIndex FROM Globals")[0]
        .LastIndex,
      "2024-02-29 23:59:58",
    );
  });
});

Deno.test("inserting an item twice, or onto a taken name, is a conflict", async () => {
  await withFolder((dir) => {
    const db = open(dir);
    db.insertItem(item(1));
    assert.throws(() => db.insertItem(item(1)), IndexConflictError);
    assert.throws(
      () => db.insertItem(item(2, { fileName: "IMG_1.jpg" })),
      (e: unknown) =>
        e instanceof IndexConflictError && e instanceof GphotosError &&
        e.message.includes("already taken"),
    );
    assert.equal(db.counts().total, 1);
    db.close();
  });
});

Deno.test("updating metadata never moves the file or resets its download", async () => {
  await withFolder((dir) => {
    const db = open(dir);
    db.insertItem(item(1, { duplicateNo: 3, fileName: "IMG_1 (4).jpg" }));
    db.markDownloaded("id-1", 1234);
    assert.equal(
      db.updateItemMetadata("id-1", {
        description: "new words",
        createDate: new Date("2019-01-01T00:00:00Z"),
        url: "https://photos.google.com/lr/photo/id-1",
      }),
      true,
    );
    const after = db.getItem("id-1");
    assert.ok(after);
    assert.equal(after.description, "new words");
    assert.deepEqual(after.createDate, new Date("2019-01-01T00:00:00Z"));
    assert.equal(after.url, "https://photos.google.com/lr/photo/id-1");
    assert.equal(after.path, "photos/2020/05");
    assert.equal(after.fileName, "IMG_1 (4).jpg");
    assert.equal(after.duplicateNo, 3);
    assert.equal(after.downloaded, true);
    assert.equal(after.fileSize, 1234);
    assert.equal(db.updateItemMetadata("missing", { description: "x" }), false);
    db.close();
  });
});

Deno.test("download state: failures are counted, success clears them, videos are tracked", async () => {
  await withFolder((dir) => {
    const db = open(dir);
    db.insertItem(item(1));
    db.insertItem(
      item(2, { source: "takeout", downloaded: true, fileSize: 9 }),
    );
    db.insertItem(
      item(3, {
        isVideo: true,
        mimeType: "video/mp4",
        videoStatus: "PROCESSING",
      }),
    );
    assert.equal(db.markFailed("id-1", "HTTP 500"), true);
    assert.equal(db.markFailed("id-1", "HTTP 503"), true);
    assert.equal(db.getItem("id-1")?.failCount, 2);
    assert.equal(db.getItem("id-1")?.badReason, "HTTP 503");
    assert.deepEqual(
      [...db.items({ failed: true, downloaded: false })].map((i) => i.remoteId),
      ["id-1"],
    );
    assert.deepEqual(db.counts(), {
      total: 3,
      downloaded: 1,
      pending: 2,
      failed: 1,
      videosPending: 1,
      albums: 0,
      bySource: {
        library: { total: 2, downloaded: 0 },
        picker: { total: 0, downloaded: 0 },
        takeout: { total: 1, downloaded: 1 },
      },
    });
    assert.deepEqual(
      [...db.itemsToDownload({ skipVideo: true })].map((i) => i.remoteId),
      ["id-1"],
    );
    assert.deepEqual(
      [...db.downloadedItems({ source: "takeout" })].map((i) => i.remoteId),
      ["id-2"],
    );

    assert.equal(db.setVideoStatus("id-3", "READY"), true);
    assert.equal(db.getItem("id-3")?.videoStatus, "READY");
    assert.equal(db.markDownloaded("id-1", 500), true);
    const done = db.getItem("id-1");
    assert.equal(done?.downloaded, true);
    assert.equal(done?.failCount, 0);
    assert.equal(done?.badReason, undefined);
    assert.equal(db.markNotDownloaded("id-1"), true);
    assert.equal(db.getItem("id-1")?.downloaded, false);
    assert.equal(db.markDownloaded("nope", 1), false);
    db.close();
  });
});

Deno.test("items can be marked while they are being iterated", async () => {
  await withFolder((dir) => {
    const db = open(dir);
    db.transaction(() => {
      for (let n = 0; n < 1_234; n++) db.insertItem(item(n));
    });
    const visited = new Set<string>();
    // One transaction only to keep the test fast: the statements interleave
    // the same way with or without it.
    db.transaction(() => {
      for (const i of db.itemsToDownload()) {
        assert.ok(!visited.has(i.remoteId), `visited ${i.remoteId} twice`);
        visited.add(i.remoteId);
        if (i.id % 2 === 0) db.deleteItem(i.remoteId);
        else db.markDownloaded(i.remoteId, 1);
      }
    });
    assert.equal(visited.size, 1_234);
    assert.deepEqual([...db.itemsToDownload()], []);
    assert.equal(db.counts().total, 617);
    db.close();
  });
});

Deno.test("items can be filtered by capture time", async () => {
  await withFolder((dir) => {
    const db = open(dir);
    db.insertItem(item(1, { createDate: new Date("2020-01-31T23:59:59Z") }));
    db.insertItem(item(2, { createDate: new Date("2020-02-01T00:00:00Z") }));
    db.insertItem(item(3, { createDate: new Date("2020-02-29T23:59:59.5Z") }));
    db.insertItem(item(4, { createDate: new Date("2020-03-01T00:00:00Z") }));
    assert.deepEqual(
      [
        ...db.items({
          createdFrom: new Date("2020-02-01T00:00:00Z"),
          createdBefore: new Date("2020-03-01T00:00:00Z"),
        }),
      ].map((i) => i.remoteId),
      ["id-2", "id-3"],
    );
    db.close();
  });
});

Deno.test("albums: upsert, membership in order, and links to redo after re-indexing", async () => {
  await withFolder((dir) => {
    const db = open(dir);
    db.insertItem(item(1, { createDate: new Date("2020-05-02T00:00:00Z") }));
    db.insertItem(item(2, { createDate: new Date("2020-05-01T00:00:00Z") }));
    db.insertItem(item(3));
    db.putAlbum({
      remoteId: "alb",
      albumName: "Trip",
      size: 3,
      startDate: new Date("2020-05-01T00:00:00Z"),
      endDate: new Date("2020-05-02T00:00:00Z"),
      isShared: true,
    });
    db.putAlbumFile("alb", "id-1", 0);
    db.putAlbumFile("alb", "id-2", 1);
    db.putAlbumFile("alb", "id-3", 2);
    db.putAlbumFile("alb", "not-indexed", 3);
    db.putAlbumFile("alb", "id-3", 1); // moved: replaces, does not duplicate

    assert.deepEqual(
      db.albumFiles("alb").map((f) => [f.position, f.item.remoteId]),
      [[0, "id-1"], [1, "id-2"], [1, "id-3"]],
    );
    assert.deepEqual(
      db.albumFiles("alb", { invert: true }).map((f) => f.item.remoteId),
      ["id-2", "id-3", "id-1"],
    );
    assert.equal(db.markAlbumDownloaded("alb"), true);
    assert.equal(db.getAlbum("alb")?.downloaded, true);

    db.putAlbum({
      remoteId: "alb",
      albumName: "Trip 2020",
      size: 2,
      isShared: true,
    });
    const album = db.getAlbum("alb");
    assert.ok(album);
    assert.equal(album.albumName, "Trip 2020");
    assert.equal(album.size, 2);
    assert.equal(album.isShared, true);
    assert.equal(album.downloaded, false);
    assert.equal(album.startDate, undefined);
    assert.deepEqual(album.syncDate, FIXED_NOW);
    assert.deepEqual(db.albums().map((a) => a.remoteId), ["alb"]);

    assert.equal(db.deleteItem("id-1"), true);
    assert.deepEqual(
      db.albumFiles("alb").map((f) => f.item.remoteId),
      ["id-2", "id-3"],
    );
    assert.equal(db.clearAlbumFiles("alb"), 3);
    assert.deepEqual(db.albumFiles("alb"), []);
    assert.equal(db.getAlbum("missing"), undefined);
    db.close();
  });
});

Deno.test("the index says when it is used after close", async () => {
  await withFolder((dir) => {
    const db = open(dir);
    db.close();
    db.close();
    assert.throws(() => db.getItem("x"), /already closed/);
  });
});

Deno.test("a row with an unreadable capture date reads as gphotos-sync's 1900-01-01, with a warning", async () => {
  await withFolder((dir) => {
    const file = writeGphotosIndex(dir);
    const raw = new DatabaseSync(file);
    raw.exec(
      "UPDATE SyncFiles SET CreateDate = 'not a date' WHERE RemoteId = 'AF1QipC'",
    );
    raw.close();
    const logger = memoryLogger();
    const db = LocalData.open(dir, { logger });
    assert.deepEqual(
      db.getItem("AF1QipC")?.createDate,
      new Date("1900-01-01T00:00:00Z"),
    );
    assert.ok(
      logger.lines.some((l) =>
        l.startsWith("warning:") && l.includes("AF1QipC") &&
        l.includes("not a date")
      ),
    );
    db.close();
  });
});

Deno.test("itemByOriginalName finds the same photo under another id by name and capture time", async () => {
  await withFolder((dir) => {
    using db = open(dir);
    const when = new Date("2019-07-14T12:00:00.250Z");
    db.insertItem(item(1, { remoteId: "takeout-1", createDate: when }));
    db.insertItem(item(2, { remoteId: "other", origFileName: "IMG_1.jpg" }));
    assert.equal(
      db.itemByOriginalName("IMG_1.jpg", when, false)?.remoteId,
      "takeout-1",
    );
    assert.equal(db.itemByOriginalName("img_1.jpg", when, false), undefined);
    assert.equal(
      db.itemByOriginalName("img_1.JPG", when, true)?.remoteId,
      "takeout-1",
    );
    assert.equal(
      db.itemByOriginalName("IMG_1.jpg", new Date(when.getTime() + 1), false),
      undefined,
    );
  });
});

Deno.test("renameItem gives a Takeout record the API's id with its extras, hash and albums; the old id stays an alias", async () => {
  await withFolder((dir) => {
    const db = open(dir);
    try {
      db.insertItem(item(1, { remoteId: "takeout:AF1Qip", source: "takeout" }));
      db.putContentHash("takeout:AF1Qip", "ab".repeat(32), 10);
      db.putItemExtras("takeout:AF1Qip", {
        people: ["Ann"],
        favorite: true,
        archived: false,
        trashed: false,
        photoUrl: "https://photos.google.com/photo/AF1Qip",
      });
      db.putAlbum({
        remoteId: "takeout-album:Trip",
        albumName: "Trip",
        size: 1,
        isShared: false,
      });
      db.putAlbumFile("takeout-album:Trip", "takeout:AF1Qip", 0);
      db.insertItem(item(2, { remoteId: "api-2" }));

      assert.equal(db.renameItem("takeout:AF1Qip", "api-2"), false, "taken id");
      assert.equal(db.renameItem("missing", "api-9"), false, "no such item");
      assert.equal(db.renameItem("takeout:AF1Qip", "api-1"), true);
      assert.equal(db.getItem("takeout:AF1Qip"), undefined);
      const moved = db.getItem("api-1")!;
      assert.equal(moved.source, "takeout");
      assert.equal(moved.fileName, "IMG_1.jpg");
      assert.equal(db.getItemExtras("api-1")?.people[0], "Ann");
      assert.equal(
        db.itemByPhotoUrl("https://photos.google.com/photo/AF1Qip")?.remoteId,
        "api-1",
      );
      assert.equal(db.itemByAlias("takeout:AF1Qip")?.remoteId, "api-1");
      assert.deepEqual(
        db.albumFiles("takeout-album:Trip").map((f) => f.item.remoteId),
        ["api-1"],
      );
      assert.deepEqual(
        db.itemsTakenAt(moved.createDate).map((i) => i.remoteId),
        ["api-1"],
      );
    } finally {
      db.close();
    }
  });
});
