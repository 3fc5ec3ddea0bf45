import { dirname, join } from "node:path";
import { assert, assertEquals, assertRejects } from "../assert.ts";
import { InterruptedError, UsageError } from "../../src/errors.ts";
import { memoryLogger } from "../../src/log.ts";
import { LocalData, type NewItem } from "../../src/db/local_data.ts";
import { makeFsProfile } from "../../src/fs/fs_profile.ts";
import type { FsProfile } from "../../src/fs/fs_profile.ts";
import {
  compareFolder,
  type CompareResult,
} from "../../src/library/compare.ts";
import { jpeg, mp4 } from "../media/media_fixtures.ts";

const NOW = new Date("2025-06-01T12:00:00Z");
const UID_A = "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0";
const UID_E = "e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0";
const UID_LOCAL = "10c410c410c410c410c410c410c410c4";

interface World {
  root: string;
  folder: string;
  db: LocalData;
  profile: FsProfile;
  logger: ReturnType<typeof memoryLogger>;
}

async function withWorld(
  fn: (w: World) => Promise<void>,
  profile: Partial<FsProfile> = {},
) {
  const base = await Deno.makeTempDir({ prefix: "gphotos_compare_test_" });
  const root = join(base, "root");
  const folder = join(base, "my photos");
  await Deno.mkdir(root);
  await Deno.mkdir(folder);
  const db = LocalData.open(root, { now: () => NOW });
  try {
    await fn({
      root,
      folder,
      db,
      profile: makeFsProfile({ root, ...profile }),
      logger: memoryLogger(),
    });
  } finally {
    db.close();
    await Deno.remove(base, { recursive: true });
  }
}

async function put(path: string, bytes: Uint8Array): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  await Deno.writeFile(path, bytes);
}

/** Indexes an item and, unless `file` is undefined, writes its download. */
async function indexItem(
  w: World,
  fields:
    & Pick<NewItem, "remoteId" | "path" | "fileName" | "createDate">
    & Partial<NewItem>,
  file: Uint8Array | undefined,
): Promise<void> {
  const isVideo = fields.fileName.endsWith(".mp4");
  w.db.insertItem({
    source: "library",
    origFileName: fields.fileName,
    duplicateNo: 0,
    mimeType: isVideo ? "video/mp4" : "image/jpeg",
    description: "",
    isVideo,
    downloaded: file !== undefined,
    ...fields,
  });
  if (file !== undefined) {
    await put(join(w.root, fields.path, fields.fileName), file);
  }
}

function compare(
  w: World,
  extra: Partial<Parameters<typeof compareFolder>[0]> = {},
) {
  return compareFolder({
    folder: w.folder,
    root: w.root,
    db: w.db,
    profile: w.profile,
    logger: w.logger,
    now: () => NOW,
    ...extra,
  });
}

/** Every entry under `dir`, as "relative/path" or "relative/path -> link text". */
async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (sub: string) => {
    for await (const entry of Deno.readDir(join(dir, sub))) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory) await walk(rel);
      else if (entry.isSymlink) {
        out.push(`${rel} -> ${await Deno.readLink(join(dir, rel))}`);
      } else out.push(rel);
    }
  };
  try {
    await walk("");
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return out.sort();
}

function localRows(w: World): Record<string, unknown>[] {
  return w.db.database().prepare(
    `SELECT Path, FileName, OriginalFileName, DuplicateNo, Uid, MimeType,
       FileSize, CreateDate, ModifyDate, RemoteId
     FROM LocalFiles ORDER BY Path, FileName`,
  ).all().map((row) => ({ ...row }));
}

function syncUid(w: World, remoteId: string): unknown {
  return (w.db.database().prepare(
    "SELECT Uid FROM SyncFiles WHERE RemoteId = ?",
  ).get(remoteId) as { Uid: unknown }).Uid;
}

const PHOTO_A = jpeg({
  dateTimeOriginal: "2017:09:26 15:29:44",
  imageUniqueId: UID_A,
  make: "Canon",
});
const PHOTO_B = jpeg({ dateTimeOriginal: "2017:09:27 10:00:00" });
const PHOTO_C_LIBRARY = jpeg({
  dateTimeOriginal: "2018:01:05 09:00:00",
  bigEndian: true,
});
const PHOTO_C_EDITED = jpeg({
  dateTimeOriginal: "2018:01:05 09:00:00",
  offsetTimeOriginal: "+05:00",
  bigEndian: true,
});
const PHOTO_E = jpeg({
  dateTimeOriginal: "2019:05:01 08:00:00",
  imageUniqueId: UID_E,
});
const CLIP = mp4({ created: new Date("2017-10-03T18:20:00Z"), version: 1 });

/**
 * The library: A, B, C and a video that the folder also has (C edited),
 * E downloaded but not in the folder, N neither downloaded nor in it.
 * The folder: those four, a renamed copy of A, two files of its own, and
 * files that are not compared (hidden, not media, a link).
 */
async function standardWorld(w: World): Promise<void> {
  await indexItem(w, {
    remoteId: "id-A",
    path: "photos/2017/09",
    fileName: "IMG_A.jpg",
    createDate: new Date("2017-09-26T13:29:44Z"),
  }, PHOTO_A);
  await indexItem(w, {
    remoteId: "id-B",
    path: "photos/2017/09",
    fileName: "IMG_B.jpg",
    createDate: new Date("2017-09-27T08:00:00Z"),
  }, PHOTO_B);
  await indexItem(w, {
    remoteId: "id-C",
    path: "photos/2018/01",
    fileName: "IMG_C.jpg",
    createDate: new Date("2018-01-05T04:00:00Z"),
  }, PHOTO_C_LIBRARY);
  await indexItem(w, {
    remoteId: "id-V",
    path: "photos/2017/10",
    fileName: "clip.mp4",
    createDate: new Date("2017-10-03T18:20:00Z"),
  }, CLIP);
  await indexItem(w, {
    remoteId: "id-E",
    path: "photos/2019/05",
    fileName: "IMG_E.jpg",
    createDate: new Date("2019-05-01T06:00:00Z"),
  }, PHOTO_E);
  await indexItem(w, {
    remoteId: "id-N",
    path: "photos/2019/06",
    fileName: "IMG_N.jpg",
    createDate: new Date("2019-06-01T06:00:00Z"),
  }, undefined);

  const f = w.folder;
  await put(join(f, "IMG_A.jpg"), PHOTO_A);
  await put(join(f, "holiday", "renamed A.jpg"), PHOTO_A);
  await put(join(f, "IMG_B.jpg"), PHOTO_B);
  await put(join(f, "sub", "deeper", "IMG_C.jpg"), PHOTO_C_EDITED);
  await put(join(f, "videos", "clip.mp4"), CLIP);
  await put(
    join(f, "new", "IMG_LOCAL.jpg"),
    jpeg({ dateTimeOriginal: "2020:02:02 02:02:02", imageUniqueId: UID_LOCAL }),
  );
  await put(
    join(f, "new", "movie.mov"),
    mp4({ created: new Date("2020-03-03T03:03:03Z"), quickTime: true }),
  );
  await put(join(f, ".hidden.jpg"), PHOTO_E);
  await put(join(f, ".thumbnails", "IMG_E.jpg"), PHOTO_E);
  await put(join(f, "notes.txt"), new TextEncoder().encode("not a photo"));
  await Deno.symlink(
    join(w.root, "photos/2019/05/IMG_E.jpg"),
    join(f, "link to E.jpg"),
  );
}

Deno.test("compares a folder of real JPEG and MP4 files with the index", async () => {
  await withWorld(async (w) => {
    await standardWorld(w);
    const result = await compare(w);
    assertEquals(
      result,
      {
        scanned: 7,
        matched: 5,
        missing: 2,
        extra: 2,
        duplicates: 2,
        duplicateGroups: 1,
        unreadable: 0,
        linkFailures: 0,
      } satisfies CompareResult,
    );

    const f = w.folder;
    assertEquals(await tree(join(w.root, "comparison")), [
      `duplicates/00000_001_IMG_A.jpg -> ${join(f, "IMG_A.jpg")}`,
      `duplicates/00001_001_renamed A.jpg -> ${
        join(f, "holiday/renamed A.jpg")
      }`,
      // Inside ROOT: a relative link, like the album links.
      "extra_files/photos/2019/05/IMG_E.jpg -> ../../../../../photos/2019/05/IMG_E.jpg",
      `missing_files/new/IMG_LOCAL.jpg -> ${join(f, "new/IMG_LOCAL.jpg")}`,
      `missing_files/new/movie.mov -> ${join(f, "new/movie.mov")}`,
    ]);
    // The links lead to the files.
    assertEquals(
      await Deno.readFile(
        join(w.root, "comparison/extra_files/photos/2019/05/IMG_E.jpg"),
      ),
      PHOTO_E,
    );
  });
});

Deno.test("LocalFiles holds gphotos-sync's columns for each scanned file", async () => {
  await withWorld(async (w) => {
    await standardWorld(w);
    await compare(w);
    const f = w.folder;
    const row = (path: string, fileName: string) =>
      localRows(w).find((r) => r.Path === path && r.FileName === fileName);
    assertEquals(row(f, "IMG_A.jpg"), {
      Path: f,
      FileName: "IMG_A.jpg",
      OriginalFileName: "IMG_A.jpg",
      DuplicateNo: 0,
      Uid: UID_A,
      MimeType: "image/jpeg",
      FileSize: PHOTO_A.length,
      // The camera's wall clock, as gphotos-sync stored it.
      CreateDate: "2017-09-26 15:29:44",
      ModifyDate: "2017-09-26 15:29:44",
      RemoteId: "id-A",
    });
    assertEquals(row(f, "IMG_B.jpg")?.Uid, "no_uid_in_exif");
    assertEquals(row(join(f, "videos"), "clip.mp4")?.Uid, "not_supported");
    assertEquals(
      row(join(f, "videos"), "clip.mp4")?.CreateDate,
      "2017-10-03 18:20:00",
    );
    assertEquals(row(join(f, "videos"), "clip.mp4")?.RemoteId, "id-V");
    // OffsetTimeOriginal known: stored as UTC.
    assertEquals(
      row(join(f, "sub/deeper"), "IMG_C.jpg")?.CreateDate,
      "2018-01-05 04:00:00",
    );
    assertEquals(row(join(f, "sub/deeper"), "IMG_C.jpg")?.RemoteId, "id-C");
    assertEquals(row(join(f, "holiday"), "renamed A.jpg")?.RemoteId, "id-A");
    assertEquals(row(join(f, "new"), "IMG_LOCAL.jpg")?.RemoteId, null);
    assertEquals(row(join(f, "new"), "movie.mov")?.MimeType, "video/quicktime");
    // Not compared: hidden, not media, links.
    assertEquals(row(f, ".hidden.jpg"), undefined);
    assertEquals(row(f, "notes.txt"), undefined);
    assertEquals(row(f, "link to E.jpg"), undefined);
    assertEquals(localRows(w).length, 7);

    // The library files' ImageUniqueIDs are kept for the next run, as
    // gphotos-sync did; an item without a file stays unread.
    assertEquals(syncUid(w, "id-A"), UID_A);
    assertEquals(syncUid(w, "id-E"), UID_E);
    assertEquals(syncUid(w, "id-V"), "not_supported");
    assertEquals(syncUid(w, "id-N"), null);
    // Google's capture time stays in the index.
    assertEquals(
      w.db.getItem("id-A")?.createDate,
      new Date("2017-09-26T13:29:44Z"),
    );
  });
});

Deno.test("a name with a (n) suffix is read as the n-th copy of the original name", async () => {
  await withWorld(async (w) => {
    await indexItem(w, {
      remoteId: "id-1",
      path: "photos/2016/01",
      fileName: "IMG_1.jpg",
      createDate: new Date("2016-01-01T10:00:00Z"),
    }, undefined);
    await put(
      join(w.folder, "IMG_1 (3).jpg"),
      jpeg({ dateTimeOriginal: "2016:01:01 10:00:00" }),
    );
    // "(1)" is not a duplicate suffix in gphotos-sync's scheme.
    await put(join(w.folder, "IMG_1 (1).jpg"), jpeg());
    const result = await compare(w);
    const rows = localRows(w);
    assertEquals(
      rows.map((
        r,
      ) => [r.FileName, r.OriginalFileName, r.DuplicateNo, r.RemoteId]),
      [
        ["IMG_1 (1).jpg", "IMG_1 (1).jpg", 0, null],
        ["IMG_1 (3).jpg", "IMG_1.jpg", 2, "id-1"],
      ],
    );
    assertEquals([result.matched, result.missing], [1, 1]);
  });
});

Deno.test("the stages run in order: name and date wins over name alone", async () => {
  await withWorld(async (w) => {
    // Two library items named alike, in different months; neither has a
    // downloaded file, so their index dates decide.
    await indexItem(w, {
      remoteId: "id-jan",
      path: "photos/2016/01",
      fileName: "DSC_1.jpg",
      createDate: new Date("2016-01-10T10:00:00Z"),
    }, undefined);
    await indexItem(w, {
      remoteId: "id-feb",
      path: "photos/2016/02",
      fileName: "DSC_1.jpg",
      createDate: new Date("2016-02-10T10:00:00Z"),
    }, undefined);
    // This one has February's date (given in its own zone): stage 2.
    await put(
      join(w.folder, "DSC_1.jpg"),
      jpeg({
        dateTimeOriginal: "2016:02:10 11:00:00",
        offsetTimeOriginal: "+01:00",
      }),
    );
    // This one has no matching date: stage 3 gives it the item stage 2
    // left, not the one it took.
    await put(
      join(w.folder, "other", "DSC_1.jpg"),
      jpeg({ dateTimeOriginal: "2015:12:31 23:00:00" }),
    );
    const result = await compare(w);
    assertEquals(
      localRows(w).map((r) => [r.Path, r.RemoteId]),
      [[w.folder, "id-feb"], [join(w.folder, "other"), "id-jan"]],
    );
    assertEquals([result.matched, result.duplicates, result.extra], [2, 0, 0]);
  });
});

Deno.test("two copies of one photo under one name in two folders are duplicates", async () => {
  await withWorld(async (w) => {
    const photo = jpeg({ dateTimeOriginal: "2016:03:03 03:03:03" });
    await indexItem(w, {
      remoteId: "id-9",
      path: "photos/2016/03",
      fileName: "IMG_9.jpg",
      createDate: new Date("2016-03-03T03:03:03Z"),
    }, photo);
    await put(join(w.folder, "a", "IMG_9.jpg"), photo);
    await put(join(w.folder, "b", "IMG_9.jpg"), photo);
    const result = await compare(w);
    assertEquals([result.matched, result.duplicates, result.duplicateGroups], [
      2,
      2,
      1,
    ]);
    assertEquals(await tree(join(w.root, "comparison/duplicates")), [
      `00000_001_IMG_9.jpg -> ${join(w.folder, "a/IMG_9.jpg")}`,
      `00001_001_IMG_9.jpg -> ${join(w.folder, "b/IMG_9.jpg")}`,
    ]);
  });
});

Deno.test("the comparison folder is rebuilt on every run", async () => {
  await withWorld(async (w) => {
    await standardWorld(w);
    await compare(w);
    await Deno.remove(join(w.folder, "new", "IMG_LOCAL.jpg"));
    await Deno.remove(join(w.folder, "holiday"), { recursive: true });
    await put(join(w.root, "comparison", "stale.txt"), new Uint8Array(1));
    const result = await compare(w);
    assertEquals(
      [result.scanned, result.missing, result.duplicates],
      [5, 1, 0],
    );
    assertEquals(await tree(join(w.root, "comparison")), [
      "extra_files/photos/2019/05/IMG_E.jpg -> ../../../../../photos/2019/05/IMG_E.jpg",
      `missing_files/new/movie.mov -> ${join(w.folder, "new/movie.mov")}`,
    ]);
    assertEquals(localRows(w).length, 5);
  });
});

Deno.test("scan: false keeps the previous scan (gphotos-sync's --skip-index)", async () => {
  await withWorld(async (w) => {
    await standardWorld(w);
    await compare(w);
    await put(join(w.folder, "new", "later.jpg"), jpeg());
    const result = await compare(w, { scan: false });
    assertEquals([result.scanned, result.missing], [7, 2]);
  });
});

Deno.test("comparing ROOT with itself skips album links and matches everything", async () => {
  await withWorld(async (w) => {
    await standardWorld(w);
    await compare(w);
    // Album folders hold hard links under --use-hardlinks: real files.
    const album = join(w.root, "albums", "2017", "0926 Trip");
    await Deno.mkdir(album, { recursive: true });
    await Deno.link(
      join(w.root, "photos/2017/09/IMG_A.jpg"),
      join(album, "0001_IMG_A.jpg"),
    );
    await put(join(w.root, "gphotos-notes.jpg"), jpeg());
    const result = await compare(w, { folder: w.root });
    assertEquals(result, {
      scanned: 5,
      matched: 5,
      missing: 0,
      // id-N has no file.
      extra: 1,
      duplicates: 0,
      duplicateGroups: 0,
      unreadable: 0,
      linkFailures: 0,
    });
    assertEquals(await tree(join(w.root, "comparison")), []);
  });
});

Deno.test("on a case-insensitive filesystem names match whatever their case", async () => {
  for (const caseInsensitive of [true, false]) {
    await withWorld(async (w) => {
      // The indexer lower-cases names on such filesystems, as gphotos-sync did.
      await indexItem(w, {
        remoteId: "id-x",
        path: "photos/2016/04",
        fileName: "img_x.jpg",
        createDate: new Date("2016-04-04T04:04:04Z"),
      }, undefined);
      await put(join(w.folder, "IMG_X.JPG"), jpeg());
      const result = await compare(w);
      assertEquals(result.matched, caseInsensitive ? 1 : 0);
    }, { caseInsensitive });
  }
});

Deno.test("without symbolic links the comparison is made of hard links", async () => {
  await withWorld(async (w) => {
    await standardWorld(w);
    await compare(w);
    const link = join(w.root, "comparison/missing_files/new/IMG_LOCAL.jpg");
    const info = await Deno.lstat(link);
    assert(info.isFile && !info.isSymlink);
    assertEquals(
      info.ino,
      (await Deno.stat(join(w.folder, "new/IMG_LOCAL.jpg"))).ino,
    );
  }, { symlinks: false });
});

Deno.test("a photo without EXIF is dated by its modification time", async () => {
  await withWorld(async (w) => {
    const when = new Date("2014-07-07T07:07:07Z");
    await indexItem(w, {
      remoteId: "id-plain",
      path: "photos/2014/07",
      fileName: "plain.jpg",
      createDate: when,
    }, undefined);
    const file = join(w.folder, "plain.jpg");
    await put(file, jpeg());
    await Deno.utime(file, when, when);
    // Another name for the same date: not a match by date alone.
    const other = join(w.folder, "other.png");
    await put(other, new Uint8Array([0x89, 0x50, 0x4e, 0x47]));
    await Deno.utime(other, when, when);
    await compare(w);
    assertEquals(
      localRows(w).map((r) => [r.FileName, r.Uid, r.CreateDate, r.RemoteId]),
      [
        ["other.png", "none", "2014-07-07 07:07:07", null],
        ["plain.jpg", "none", "2014-07-07 07:07:07", "id-plain"],
      ],
    );
  });
});

Deno.test("a folder that does not exist, or is a file, is a usage error", async () => {
  await withWorld(async (w) => {
    const error = await assertRejects(
      () => compare(w, { folder: join(w.folder, "nope") }),
      UsageError,
    );
    assert(error.message.includes("--compare-folder"), error.message);
    await put(join(w.folder, "file.jpg"), jpeg());
    await assertRejects(
      () => compare(w, { folder: join(w.folder, "file.jpg") }),
      UsageError,
    );
    await Deno.mkdir(join(w.root, "comparison", "x"), { recursive: true });
    await assertRejects(
      () => compare(w, { folder: join(w.root, "comparison", "x") }),
      UsageError,
    );
  });
});

Deno.test("an aborted run stops with InterruptedError", async () => {
  await withWorld(async (w) => {
    await standardWorld(w);
    const stop = new AbortController();
    stop.abort();
    await assertRejects(
      () => compare(w, { signal: stop.signal }),
      InterruptedError,
    );
  });
});

Deno.test("a link to a folder is followed once, and a loop ends", async () => {
  await withWorld(async (w) => {
    const elsewhere = join(dirname(w.folder), "elsewhere");
    await put(join(elsewhere, "far.jpg"), jpeg({ imageUniqueId: UID_LOCAL }));
    await Deno.symlink(elsewhere, join(w.folder, "linked"));
    await Deno.symlink(w.folder, join(w.folder, "loop"));
    const result = await compare(w);
    assertEquals(result.scanned, 1);
    assertEquals(localRows(w)[0].Path, join(w.folder, "linked"));
    assertEquals(await tree(join(w.root, "comparison")), [
      `missing_files/linked/far.jpg -> ${join(w.folder, "linked/far.jpg")}`,
    ]);
  });
});

Deno.test("library items are dated by their downloaded file, as gphotos-sync did", async () => {
  await withWorld(async (w) => {
    // Google's date of this one equals the local photo's wall clock, but
    // its downloaded file says June: not the same photo.
    await indexItem(w, {
      remoteId: "id-june",
      path: "photos/2016/06",
      fileName: "IMG_D.jpg",
      createDate: new Date("2016-05-05T10:00:00Z"),
    }, jpeg({ dateTimeOriginal: "2016:06:06 10:00:00" }));
    // Google's date of this one is in UTC (08:00), its file's EXIF is the
    // same wall clock as the local copy's: the same photo.
    await indexItem(w, {
      remoteId: "id-may",
      path: "photos/2016/05",
      fileName: "IMG_D.jpg",
      createDate: new Date("2016-05-05T08:00:00Z"),
    }, jpeg({ dateTimeOriginal: "2016:05:05 10:00:00" }));
    await put(
      join(w.folder, "IMG_D.jpg"),
      jpeg({ dateTimeOriginal: "2016:05:05 10:00:00" }),
    );
    await compare(w);
    assertEquals(localRows(w).map((r) => r.RemoteId), ["id-may"]);
  });
});

Deno.test("a link that cannot be made is counted and warned about; the rest are made", async () => {
  await withWorld(async (w) => {
    // Under Windows naming rules "q?.jpg" becomes "q_.jpg", which is also
    // the name of a folder holding another missing file: its links have
    // nowhere to go.
    await put(join(w.folder, "q?.jpg"), jpeg());
    await put(join(w.folder, "q_.jpg", "in.jpg"), jpeg());
    await put(join(w.folder, "z.jpg"), jpeg());
    const result = await compare(w);
    assertEquals([result.missing, result.linkFailures], [3, 1]);
    assertEquals(await tree(join(w.root, "comparison")), [
      `missing_files/q_.jpg -> ${join(w.folder, "q?.jpg")}`,
      `missing_files/z.jpg -> ${join(w.folder, "z.jpg")}`,
    ]);
    assert(
      w.logger.lines.some((l) =>
        l.startsWith("warning: Cannot link") && l.includes("in.jpg")
      ),
      w.logger.lines.join("\n"),
    );
  }, { ntfs: true });
});
