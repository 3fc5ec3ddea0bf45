// Parity with gphotos-sync: each of its system tests (tests/test_system/*.py,
// tests/test_full_library.py), run as the real program against the test
// server loaded with a library shaped like gphotos-sync's test account, with
// the outcome gphotos-sync's test expected. Where this program deliberately
// does better (--do-delete, links only to files on disk), the test says so.

import { assert, assertEquals, assertMatch } from "../assert.ts";
import { type Backup, backup, listFiles } from "./harness.ts";
import {
  ACCOUNT,
  ALBUM_2016,
  ALBUMS,
  albumTree,
  buildParityLibrary,
  CLONES,
  exists,
  FAVOURITE,
  IDS,
  linksOf,
  linksPerFolder,
  MOVIES,
  NAME_WITH_COMMA,
  NOAHS_LEGO,
  OWN_ALBUM_ITEMS,
  photoFiles,
  queryNumber,
  SHARED_TEST_ALBUM,
  syncedAccount,
} from "./parity_library.ts";

const SYNC_FILES = "SELECT COUNT() FROM SyncFiles";
const ALBUM_FILES = "SELECT COUNT() FROM AlbumFiles";

async function account(
  options: Parameters<typeof backup>[1] = {},
): Promise<Backup> {
  const b = await backup(buildParityLibrary, options);
  await b.signIn();
  return b;
}

async function sync(b: Backup, args: string[], code = 0) {
  const r = await b.sync(args);
  assertEquals(r.code, code, `gphotos-sync ${args.join(" ")}:\n${r.stderr}`);
  return r;
}

async function assertGone(b: Backup, rel: string) {
  assert(!await exists(b.path(rel)), `${rel} should be gone`);
}

/** The tree has no dangling link and nothing but links to media files. */
async function linkTree(b: Backup) {
  const tree = await albumTree(b.root);
  assertEquals(tree.dangling, [], "dangling album links");
  assertEquals(tree.others, [], "album entries that are no media link");
  return tree;
}

Deno.test("the whole test account lands where gphotos-sync put it, and the backup compared with itself shows no difference", async () => {
  // test_full_library.py: test_sys_whole_library
  await using b = await account();
  await sync(b, ["--skip-shared-albums", "--progress"]);

  const total = ACCOUNT.imageCount + ACCOUNT.videoCount +
    ACCOUNT.sharedImageCount;
  assertEquals(queryNumber(b, SYNC_FILES), total);
  assertEquals(
    queryNumber(
      b,
      "SELECT COUNT() FROM SyncFiles WHERE MimeType LIKE 'video%'",
    ),
    ACCOUNT.videoCount,
  );
  assertEquals(
    queryNumber(b, "SELECT COUNT() FROM Albums"),
    ALBUMS.length,
  );
  for (const [i, year] of ACCOUNT.imageYears.entries()) {
    assertEquals(
      (await photoFiles(b, new RegExp(`^${year}/[^/]+/[^/]+\\.[JjpP]`)))
        .length,
      ACCOUNT.imagesPerYear[i] + ACCOUNT.sharedImagesPerYear[i],
      `images of ${year}`,
    );
    assertEquals(
      (await photoFiles(b, new RegExp(`^${year}/[^/]+/[^/]+\\.mp4$`))).length,
      ACCOUNT.videosPerYear[i],
      `videos of ${year}`,
    );
  }
  const tree = await linkTree(b);
  const expected: Record<string, number> = {};
  for (const a of ALBUMS) expected[`albums/${a.folder}`] = a.own + a.foreign;
  assertEquals(linksPerFolder(tree), expected);
  assert(
    Object.values(tree.links).every((v) => v.startsWith("s:")),
    "album links are relative symlinks",
  );
  // Same Names: ten files of one name, each linked once.
  const sameNames = Object.values(
    linksOf(tree.links, "albums/2014/1207 Same Names"),
  );
  assertEquals(new Set(sameNames).size, 10);
  // The most recent capture date is where the next scan starts.
  const db = b.db();
  try {
    assertEquals(
      db.getLastIndex()?.toISOString().slice(0, 10),
      ACCOUNT.latestDate,
    );
  } finally {
    db.close();
  }

  // A second run works on the same index (gphotos-sync checked for
  // constraint errors) and the comparison of the backup with itself finds
  // nothing missing, extra or duplicated.
  const r = await sync(b, ["--compare-folder", b.root]);
  assertMatch(r.stderr, / 0 missing from the backup, 0 only in the backup/);
  assertMatch(r.stderr, / 0 duplicates/);
  assertEquals(await listFiles(b.path("comparison/missing_files")), []);
  assertEquals(await listFiles(b.path("comparison/extra_files")), []);
  assertEquals(await listFiles(b.path("comparison/duplicates")), []);
});

Deno.test("--favourites-only indexes the one favourite, IMG_2117.JPG, dated 2017-09-26 15:29:44", async () => {
  // test_sys_favourites_and_dates
  await using b = await account();
  await sync(b, [
    "--favourites-only",
    "--max-retries",
    "6",
    "--max-threads",
    "2",
  ]);
  assertEquals(queryNumber(b, SYNC_FILES), 1);
  const info = await Deno.stat(b.path(FAVOURITE.path));
  // gphotos-sync compared local time; the date here is the UTC capture time.
  assertEquals(info.mtime?.toISOString(), "2017-09-26T15:29:44.000Z");
  assertEquals(await listFiles(b.path("photos")), ["2017/09/IMG_2117.JPG"]);
  // Album contents are not added on a favourites run.
  assertEquals((await linkTree(b)).links, {});
});

Deno.test("albums and shared albums are indexed, and --skip-shared-albums keeps only the own albums with their shared items", async () => {
  // test_shared_albums
  await using all = await account();
  await sync(all, ["--skip-files"]);
  assertEquals(
    queryNumber(all, ALBUM_FILES),
    OWN_ALBUM_ITEMS + NOAHS_LEGO.own + NOAHS_LEGO.foreign,
  );

  await using own = await account();
  await sync(own, ["--skip-files", "--skip-shared-albums"]);
  assertEquals(queryNumber(own, ALBUM_FILES), OWN_ALBUM_ITEMS);
  assertEquals(own.google.requests.count("sharedAlbums"), 0);

  // A plain sync downloads the shared albums' items too: the joined shared
  // album gets its folder of links, the own shared album stays with the
  // own albums.
  await using synced = await syncedAccount();
  assertEquals(
    queryNumber(synced, SYNC_FILES),
    ACCOUNT.totalCount + ACCOUNT.sharedImageCount +
      ACCOUNT.sharedAlbumSharedImageCount,
  );
  const folders = linksPerFolder(await linkTree(synced));
  assertEquals(
    Object.entries(folders).filter(([f]) => f.startsWith("sharedAlbums/")),
    [[`sharedAlbums/${NOAHS_LEGO.folder}`, NOAHS_LEGO.foreign]],
  );
  assertEquals(
    folders[`albums/${SHARED_TEST_ALBUM.folder}`],
    SHARED_TEST_ALBUM.own + SHARED_TEST_ALBUM.foreign,
  );
});

Deno.test("an album given a newer item moves to the folder of its new date and the old folder goes", async () => {
  // test_sys_album_add_file: there the index was edited to fake an older
  // album; here the album really starts without its newest item.
  await using b = await backup((lib) => {
    buildParityLibrary(lib);
    lib.removeFromAlbum(CLONES.id, [IDS.lastClone]);
  });
  await b.signIn();
  await sync(b, []);
  const before = await linkTree(b);
  assertEquals(
    Object.keys(linksOf(before.links, "albums/2017/0920 Clones😀")),
    [
      "0000_IMG_CLONE (4).JPG",
      "0001_IMG_CLONE (3).JPG",
      "0002_IMG_CLONE (2).JPG",
    ],
  );

  b.library.addToAlbum(CLONES.id, [IDS.lastClone]);
  await sync(b, ["--index-only"]);
  // The index knows the new date; the links are made by a run that links.
  assertEquals(
    Object.keys(linksPerFolder(await linkTree(b))).filter((f) =>
      f.includes("Clones")
    ),
    ["albums/2017/0920 Clones😀"],
  );
  await sync(b, ["--skip-index", "--skip-files"]);
  const after = await linkTree(b);
  assertEquals(
    Object.keys(linksOf(after.links, `albums/${CLONES.folder}`)).length,
    4,
  );
  assertEquals(
    linksOf(after.links, `albums/${CLONES.folder}`)["0003_IMG_CLONE.JPG"],
    "s:photos/2017/09/IMG_CLONE.JPG",
  );
  await assertGone(b, "albums/2017/0920 Clones😀");

  await sync(b, [
    "--skip-index",
    "--skip-files",
    "--album-date-by-first-photo",
  ]);
  const first = await linkTree(b);
  assertEquals(
    Object.keys(linksOf(first.links, `albums/${CLONES.firstPhotoFolder}`))
      .length,
    4,
  );
  await assertGone(b, `albums/${CLONES.folder}`);
  // Every album moved to its first item's date.
  assertEquals(
    Object.keys(linksOf(first.links, `albums/${ALBUM_2016.firstPhotoFolder}`))
      .length,
    ALBUM_2016.own,
  );
});

Deno.test("a date range indexes only the items it covers", async () => {
  // test_system_date_range, first part
  await using b = await account();
  await sync(b, [
    "--start-date",
    ACCOUNT.start,
    "--end-date",
    ACCOUNT.end,
    "--skip-albums",
    "--index-only",
  ]);
  assertEquals(queryNumber(b, SYNC_FILES), ACCOUNT.imageCount2016);
  assertEquals(
    queryNumber(
      b,
      "SELECT COUNT() FROM SyncFiles WHERE CreateDate NOT LIKE '2016-%'",
    ),
    0,
  );
});

Deno.test("--album with --use-hardlinks makes hard links, and a later run without it turns them into symlinks", async () => {
  // test_system_date_range, second part (test_system_hard_link). The range
  // covers Clones😀's items: only files on disk are linked here.
  const args = [
    "--start-date",
    "2017-09-01",
    "--end-date",
    "2017-09-30",
    "--album",
    CLONES.title,
  ];
  await using b = await account();
  await sync(b, [...args, "--use-hardlinks"]);
  assertEquals(queryNumber(b, ALBUM_FILES), CLONES.own);
  // --album indexes that album only, not the library.
  assertEquals(b.google.requests.count("list"), 0);
  assertEquals(queryNumber(b, SYNC_FILES), CLONES.own);
  const hard = linksOf((await linkTree(b)).links, `albums/${CLONES.folder}`);
  assertEquals(Object.keys(hard).length, 4);
  assert(Object.values(hard).every((v) => v.startsWith("h:")), "hard links");

  await sync(b, [...args, "--flush-index"]);
  assertEquals(queryNumber(b, ALBUM_FILES), CLONES.own);
  const soft = linksOf((await linkTree(b)).links, `albums/${CLONES.folder}`);
  assertEquals(Object.keys(soft), Object.keys(hard));
  for (const [name, target] of Object.entries(soft)) {
    assertEquals(target, `s:${hard[name].slice(2)}`, name);
  }
});

Deno.test("--skip-video leaves the videos out of a date range", async () => {
  // test_system_skip_video
  const args = [
    "--start-date",
    "2017-01-01",
    "--end-date",
    "2018-01-01",
    "--skip-albums",
    "--index-only",
  ];
  await using all = await account();
  await sync(all, args);
  assertEquals(queryNumber(all, SYNC_FILES), ACCOUNT.itemCount2017);

  await using photos = await account();
  await sync(photos, [...args, "--skip-video"]);
  assertEquals(
    queryNumber(photos, SYNC_FILES),
    ACCOUNT.itemCount2017 - ACCOUNT.videoCount,
  );
  assertEquals(
    queryNumber(photos, "SELECT COUNT() FROM SyncFiles WHERE IsVideo != 0"),
    0,
  );
});

Deno.test("--skip-video with --album Movies records none of the album's videos", async () => {
  // test_skip_video_on_album
  await using b = await account();
  await sync(b, ["--skip-video", "--album", MOVIES.title]);
  assertEquals(queryNumber(b, ALBUM_FILES), 0);
  assertEquals(queryNumber(b, SYNC_FILES), 0);
  assertEquals(b.google.requests.count("media"), 0);
  assertEquals((await linkTree(b)).links, {});
});

Deno.test("a file deleted from disk comes back only with --retry-download, and its album link follows it", async () => {
  // test_system_retry_download: albums are indexed too, as gphotos-sync
  // once failed to retry with albums on.
  const args = [
    "--start-date",
    "2017-01-01",
    "--end-date",
    "2018-01-01",
    "--skip-video",
  ];
  const images2017 = /^2017\/\d\d\/[^/]+\.[JjpP]/;
  await using b = await account();
  await sync(b, args);
  const files = await photoFiles(b, images2017);
  assertEquals(files.length, 15);
  const gone = "2017/06/shared_own_1.jpg";
  assert(files.includes(gone));
  const link = `albums/2017/1001 Shared Test Album/0000_shared_own_1.jpg`;
  assertEquals((await linkTree(b)).links[link], `s:photos/${gone}`);

  await Deno.remove(b.path("photos", gone));
  await sync(b, args);
  assertEquals((await photoFiles(b, images2017)).length, 14);
  // No link is left pointing at the missing file.
  assertEquals((await linkTree(b)).links[link], undefined);

  await sync(b, [...args, "--retry-download"]);
  assertEquals(await photoFiles(b, images2017), files);
  assertEquals((await linkTree(b)).links[link], `s:photos/${gone}`);
});

Deno.test("--do-delete removes only what Google deleted, with its album links; gphotos-sync's delete-all run is refused", async () => {
  // test_system_retry_download, --do-delete part: gphotos-sync emptied the
  // index and ran --do-delete --skip-index over a date range, which deleted
  // every file the index did not know. Here --do-delete needs a complete
  // listing and deletes only what Google confirms gone (gphotos-sync #453).
  await using b = await syncedAccount();
  const before = await listFiles(b.path("photos"));

  const narrowed = await b.sync([
    "--start-date",
    "2017-01-01",
    "--end-date",
    "2018-01-01",
    "--skip-video",
    "--skip-albums",
    "--do-delete",
    "--skip-index",
  ]);
  assertEquals(narrowed.code, 2, narrowed.stderr);
  assertMatch(
    narrowed.stderr,
    /--do-delete needs a listing of the whole library/,
  );

  // Items deleted from Google go, with their links (an album left empty
  // loses its folder); nothing else does, not even the items of others
  // that only albums hold (not listed, but still there when asked by id).
  const comma = b.library.getAlbum(NAME_WITH_COMMA.id)!.itemIds[0];
  const lego = b.library.getAlbum(NOAHS_LEGO.id)!.itemIds[0];
  b.library.remove(comma, FAVOURITE.id, lego);
  const r = await sync(b, ["--do-delete"]);
  assertMatch(r.stderr, /3 deleted as removed from Google Photos/);
  const deleted = [
    "2017/09/IMG_2117.JPG",
    "2019/02/lego_1.jpg",
    "2020/04/IMG_20200426.JPG",
  ];
  assertEquals(
    await listFiles(b.path("photos")),
    before.filter((f) => !deleted.includes(f)),
  );
  const folders = linksPerFolder(await linkTree(b));
  assertEquals(
    folders[`sharedAlbums/${NOAHS_LEGO.folder}`],
    NOAHS_LEGO.foreign - 1,
  );
  await assertGone(b, `albums/${NAME_WITH_COMMA.folder}`);
  // Seven own albums less the emptied one, plus the joined shared album.
  assertEquals(Object.keys(folders).length, ALBUMS.length);
  const after = await listFiles(b.path("photos"));

  // An emptied index deletes nothing either: the listing fills it again
  // and the files on disk are taken as they are.
  const db = b.db();
  db.database().exec("DELETE FROM SyncFiles");
  db.close();
  b.google.requests.clear();
  await sync(b, ["--do-delete"]);
  assertEquals(await listFiles(b.path("photos")), after);
  assertEquals(b.google.requests.count("media"), 0);
});

Deno.test("an incremental scan starts at the last scan date and --rescan lists the whole library again", async () => {
  // test_system_incremental
  await using b = await account();
  await sync(b, [
    "--start-date",
    ACCOUNT.start,
    "--end-date",
    ACCOUNT.end,
    "--skip-albums",
    "--index-only",
  ]);
  assertEquals(queryNumber(b, SYNC_FILES), ACCOUNT.imageCount2016);
  // As gphotos-sync's test did: pretend a complete scan reached 2017-01-01.
  const db = b.db();
  db.setLastIndex(new Date("2017-01-01T00:00:00Z"));
  db.close();

  b.google.requests.clear();
  await sync(b, ["--skip-albums", "--index-only"]);
  assertEquals(
    queryNumber(b, SYNC_FILES),
    ACCOUNT.imageCount2016 + ACCOUNT.itemCount2017 + ACCOUNT.itemCount2020,
  );
  // Read as the newest pages of the list down to that day (what a search
  // from that day gives, and new items without a capture date too).
  assertEquals(b.google.requests.count("search"), 0);
  assertEquals(b.google.requests.count("list"), 1);
  const db2 = b.db();
  try {
    assertEquals(
      db2.getLastIndex()?.toISOString().slice(0, 10),
      ACCOUNT.latestDate,
    );
  } finally {
    db2.close();
  }

  await sync(b, ["--skip-albums", "--index-only", "--rescan"]);
  assertEquals(queryNumber(b, SYNC_FILES), ACCOUNT.totalCount);
  assert(b.google.requests.count("list") > 0, "--rescan lists everything");
});

Deno.test("items that fail to download are listed in gphotos.bad_ids.yaml and not requested again", async () => {
  // test_bad_ids: every download answers 500.
  const args = [
    "--start-date",
    ACCOUNT.start,
    "--end-date",
    ACCOUNT.end,
    "--skip-albums",
    "--max-retries",
    "1",
  ];
  await using b = await account();
  b.google.faults.rate("media", 1, 500);
  const r = await sync(b, args, 3);
  assertMatch(r.stderr, /10 failed \(listed in /);
  const yaml = await Deno.readTextFile(b.path("gphotos.bad_ids.yaml"));
  assertEquals(yaml.match(/^\S+:$/gm)?.length, ACCOUNT.imageCount2016);
  assertEquals(await listFiles(b.path("photos")), []);

  b.google.requests.clear();
  const again = await sync(b, args);
  assertMatch(again.stderr, /10 skipped as listed in/);
  assertEquals(b.google.requests.count("media"), 0);
  assertEquals(b.google.requests.count("batchGet"), 0);
});

Deno.test("--no-album-index keeps the items only found in albums out of the index", async () => {
  // test_no_album_index (gphotos-sync #89)
  await using b = await account();
  await sync(b, ["--no-album-index", "--skip-shared-albums", "--index-only"]);
  assertEquals(queryNumber(b, SYNC_FILES), ACCOUNT.totalCount);
  assertEquals(
    queryNumber(
      b,
      "SELECT COUNT() FROM SyncFiles WHERE FileName LIKE 'giles_%'",
    ),
    0,
  );
  // The memberships are still recorded.
  assertEquals(queryNumber(b, ALBUM_FILES), OWN_ALBUM_ITEMS);
});

Deno.test("pages with zero items and a nextPageToken lose no item", async () => {
  // test_zero_items_in_response (gphotos-sync #112)
  await using b = await account({ emptyPages: { at: [1, 2] } });
  await sync(b, [
    "--skip-albums",
    "--index-only",
    "--start-date",
    "1965-01-01",
    "--end-date",
    "1965-12-31",
  ]);
  assertEquals(queryNumber(b, SYNC_FILES), 10);
  assertEquals(b.google.requests.count("search"), 3);

  // Every listing of a whole run (media, albums, album contents) starting
  // with empty pages.
  await sync(b, ["--rescan"]);
  assertEquals(
    queryNumber(b, SYNC_FILES),
    ACCOUNT.totalCount + ACCOUNT.sharedImageCount +
      ACCOUNT.sharedAlbumSharedImageCount,
  );
  const links = linksPerFolder(await linkTree(b));
  assertEquals(
    Object.values(links).reduce((n, c) => n + c, 0),
    OWN_ALBUM_ITEMS + NOAHS_LEGO.foreign,
  );
});
