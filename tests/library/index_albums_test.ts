import { assert, assertEquals } from "../assert.ts";
import { memoryLogger } from "../../src/log.ts";
import { LocalData } from "../../src/db/local_data.ts";
import { makeFsProfile } from "../../src/fs/fs_profile.ts";
import { HttpClient } from "../../src/google/http.ts";
import { LibraryClient } from "../../src/google/library.ts";
import {
  indexAlbums,
  type IndexAlbumsOptions,
  type IndexAlbumsResult,
} from "../../src/library/index_albums.ts";
import {
  type Era,
  type FakeGoogle,
  FakeLibrary,
  startFakeGoogle,
} from "../fake_google/mod.ts";

const defaults: IndexAlbumsOptions = {
  album: undefined,
  albumRegex: undefined,
  skipSharedAlbums: false,
  noAlbumIndex: false,
  skipVideo: false,
  favouritesOnly: false,
  flushIndex: false,
  rescan: false,
  retryDownload: false,
  photosPath: "photos",
  useFlatPath: false,
};

/**
 * A library shaped like gphotos-sync's test account, in small: photos in
 * 2017 (two in the library only), the album "Clones😀" with a video, a
 * shared album of the user's own (listed by albums.list too), another
 * user's shared album whose items are not in the library, an untitled
 * shared album and an untitled album of the user's.
 */
function testLibrary() {
  const lib = new FakeLibrary();
  const p1 = lib.photo("IMG_1.JPG", "2017-09-19T10:00:00Z");
  const p2 = lib.photo("IMG_2.JPG", "2017-09-20T10:00:00Z");
  const p3 = lib.photo("IMG_3.JPG", "2017-09-23T10:00:00Z");
  const v1 = lib.video("MOV_1.MP4", "2017-09-21T10:00:00Z");
  lib.photo("LIB_ONLY.JPG", "2017-10-01T10:00:00Z");
  const other = { displayName: "Someone Else" };
  const s1 = lib.photo("THEIRS_1.JPG", "2018-05-01T10:00:00Z", {
    inLibrary: false,
    contributor: other,
  });
  const s2 = lib.photo("THEIRS_2.JPG", "2018-05-03T10:00:00Z", {
    inLibrary: false,
    contributor: other,
  });
  const clones = lib.album("Clones😀", [p1, v1, p2, p3]);
  const mine = lib.sharedAlbum("Shared by me", [p2]);
  const theirs = lib.sharedAlbum("Their trip", [s1, s2, p3], { owned: false });
  lib.sharedAlbum("", [p1], { owned: false });
  const untitled = lib.album("", [p3]);
  return { lib, p1, p2, p3, v1, s1, s2, clones, mine, theirs, untitled };
}

interface Setup extends AsyncDisposable {
  google: FakeGoogle;
  db: LocalData;
  logger: ReturnType<typeof memoryLogger>;
  run(options?: Partial<IndexAlbumsOptions>): Promise<IndexAlbumsResult>;
}

async function setup(lib: FakeLibrary, era: Era = "2024"): Promise<Setup> {
  const google = await startFakeGoogle({ library: lib, era });
  const dir = await Deno.makeTempDir({ prefix: "ia-" });
  const db = LocalData.open(dir);
  const logger = memoryLogger();
  const grant = google.issueToken(
    era === "2024"
      ? ["photoslibrary.readonly", "photoslibrary.sharing"]
      : ["photoslibrary.readonly.appcreateddata"],
  );
  const library = new LibraryClient({
    http: new HttpClient({
      sleep: () => Promise.resolve(),
      random: () => 0.5,
      maxRetries: 1,
      backoffBaseMs: 1,
    }),
    auth: {
      getAccessToken: () => Promise.resolve(grant.access_token),
      refreshAccessToken: () => Promise.resolve(grant.access_token),
    },
    baseUrl: google.url,
  });
  const profile = makeFsProfile({ root: dir });
  return {
    google,
    db,
    logger,
    run: (options = {}) =>
      indexAlbums({ ...defaults, ...options }, {
        db,
        library,
        profile,
        ctx: { logger },
      }),
    async [Symbol.asyncDispose]() {
      db.close();
      await google.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

function members(db: LocalData, albumId: string): string[] {
  return db.albumFiles(albumId).map((f) => `${f.position}:${f.item.fileName}`);
}

Deno.test("albums and shared albums are indexed with positions and date range", async () => {
  const t = testLibrary();
  await using s = await setup(t.lib);
  const result = await s.run();
  assertEquals(result.albumsListed, 3); // Clones, Shared by me, untitled
  assertEquals(result.sharedAlbumsListed, 2); // Their trip, the untitled one
  assertEquals(result.albumsIndexed, 4);
  assertEquals(result.albumsSkipped, 1, "the untitled shared album");
  assertEquals(result.sharedAlbumsUnavailable, false);

  assertEquals(members(s.db, t.clones.id), [
    "0:IMG_1.JPG",
    "1:MOV_1.MP4",
    "2:IMG_2.JPG",
    "3:IMG_3.JPG",
  ]);
  const clones = s.db.getAlbum(t.clones.id)!;
  assertEquals(clones.albumName, "Clones😀");
  assertEquals(clones.size, 4);
  assertEquals(clones.isShared, false);
  assertEquals(clones.startDate?.toISOString(), "2017-09-19T10:00:00.000Z");
  assertEquals(clones.endDate?.toISOString(), "2017-09-23T10:00:00.000Z");
  // An album of the user's that is also shared stays an own album.
  assertEquals(s.db.getAlbum(t.mine.id)?.isShared, false);
  assertEquals(s.db.getAlbum(t.theirs.id)?.isShared, true);
  assertEquals(s.db.getAlbum(t.untitled.id)?.albumName, "none");
  assertEquals(s.db.albums().length, 4);
});

Deno.test("items found only in albums are added and placed like library items", async () => {
  const t = testLibrary();
  await using s = await setup(t.lib);
  const result = await s.run();
  // Four from Clones😀, two from the other user's album; IMG_3 only once.
  assertEquals(result.itemsAdded, 6);
  const theirs = s.db.getItem(t.s1.id)!;
  assertEquals([theirs.path, theirs.fileName], [
    "photos/2018/05",
    "THEIRS_1.JPG",
  ]);
  assertEquals(theirs.downloaded, false);
  assertEquals(s.db.getItem(t.v1.id)?.isVideo, true);
  assertEquals(members(s.db, t.theirs.id), [
    "0:THEIRS_1.JPG",
    "1:THEIRS_2.JPG",
    "2:IMG_3.JPG",
  ]);
  assertEquals(s.db.counts().total, 6);
});

Deno.test("albums whose item count did not change are not searched again", async () => {
  const t = testLibrary();
  await using s = await setup(t.lib);
  await s.run();
  s.google.requests.clear();
  const again = await s.run();
  assertEquals(s.google.requests.count("search"), 0);
  assertEquals(again.albumsUnchanged, 4);
  assertEquals(again.albumsIndexed, 0);

  // One more photo in Clones😀: only that album is searched, and re-dated.
  const p4 = t.lib.photo("IMG_4.JPG", "2017-09-25T10:00:00Z");
  t.lib.addToAlbum(t.clones, [p4]);
  s.google.requests.clear();
  const third = await s.run();
  assertEquals(s.google.requests.count("search"), 1);
  assertEquals(third.albumsIndexed, 1);
  assertEquals(third.itemsAdded, 1);
  assertEquals(
    s.db.getAlbum(t.clones.id)?.endDate?.toISOString(),
    "2017-09-25T10:00:00.000Z",
  );

  // A removed item leaves the album's memberships.
  t.lib.removeFromAlbum(t.clones, [t.p1]);
  await s.run();
  assertEquals(members(s.db, t.clones.id), [
    "0:MOV_1.MP4",
    "1:IMG_2.JPG",
    "2:IMG_3.JPG",
    "3:IMG_4.JPG",
  ]);
  assertEquals(
    s.db.getAlbum(t.clones.id)?.startDate?.toISOString(),
    "2017-09-20T10:00:00.000Z",
  );
});

Deno.test("--flush-index, --rescan and --retry-download search every album again", async () => {
  const t = testLibrary();
  await using s = await setup(t.lib);
  await s.run();
  for (const flag of ["flushIndex", "rescan", "retryDownload"] as const) {
    s.google.requests.clear();
    const result = await s.run({ [flag]: true });
    assertEquals(s.google.requests.count("search"), 4, flag);
    assertEquals(result.albumsIndexed, 4, flag);
    assertEquals(result.itemsAdded, 0, flag);
  }
});

Deno.test("a renamed album with the same count is renamed without a search", async () => {
  const t = testLibrary();
  await using s = await setup(t.lib);
  await s.run();
  // FakeLibrary has no rename: rebuild the album under the same id.
  t.lib.remove(t.clones);
  t.lib.album("Clones renamed", [t.p1, t.v1, t.p2, t.p3], { id: t.clones.id });
  s.google.requests.clear();
  await s.run();
  assertEquals(s.google.requests.count("search"), 0);
  const album = s.db.getAlbum(t.clones.id)!;
  assertEquals(album.albumName, "Clones renamed");
  assertEquals(album.endDate?.toISOString(), "2017-09-23T10:00:00.000Z");
});

Deno.test("an album Google will not search is skipped with a warning", async () => {
  const t = testLibrary();
  await using s = await setup(t.lib);
  s.google.faults.next("search", 1, 400);
  const result = await s.run();
  assertEquals(result.albumsFailed, 1);
  assertEquals(result.albumsIndexed, 3);
  assert(s.logger.lines.some((l) => l.includes("was not indexed")));
  // Not recorded, so the next run indexes it.
  const again = await s.run();
  assertEquals(again.albumsIndexed, 1);
});

Deno.test("--skip-shared-albums does not list shared albums", async () => {
  const t = testLibrary();
  await using s = await setup(t.lib);
  const result = await s.run({ skipSharedAlbums: true });
  assertEquals(s.google.requests.count("sharedAlbums"), 0);
  assertEquals(result.sharedAlbumsListed, 0);
  assertEquals(s.db.getAlbum(t.theirs.id), undefined);
  // The user's own shared album is still an album of theirs.
  assertEquals(s.db.getAlbum(t.mine.id)?.albumName, "Shared by me");
  assertEquals(s.db.getItem(t.s1.id), undefined);
});

Deno.test("--no-album-index adds nothing from own albums; shared ones still add", async () => {
  const t = testLibrary();
  await using s = await setup(t.lib);
  const result = await s.run({ noAlbumIndex: true });
  assertEquals(result.itemsAdded, 3); // THEIRS_1, THEIRS_2, IMG_3
  assertEquals(s.db.getItem(t.p1.id), undefined);
  assert(s.db.getItem(t.s2.id) !== undefined);
  // Memberships are recorded all the same.
  assertEquals(result.albumItems, 4 + 1 + 3 + 1);
});

Deno.test("--favourites-only adds no album contents", async () => {
  const t = testLibrary();
  await using s = await setup(t.lib);
  const result = await s.run({ favouritesOnly: true });
  assertEquals(result.itemsAdded, 0);
  assertEquals(s.db.counts().total, 0);
  assertEquals(result.albumsIndexed, 4);
});

Deno.test("--skip-video leaves videos out of albums, positions unchanged", async () => {
  const t = testLibrary();
  await using s = await setup(t.lib);
  const result = await s.run({ skipVideo: true });
  assertEquals(result.videosSkipped, 1);
  assertEquals(s.db.getItem(t.v1.id), undefined);
  assertEquals(members(s.db, t.clones.id), [
    "0:IMG_1.JPG",
    "2:IMG_2.JPG",
    "3:IMG_3.JPG",
  ]);
});

Deno.test("--album and --album-regex index only the albums they name", async () => {
  const t = testLibrary();
  await using s = await setup(t.lib);
  const one = await s.run({ album: "Clones😀" });
  assertEquals(one.albumsIndexed, 1);
  assertEquals(s.db.albums().map((a) => a.albumName), ["Clones😀"]);
  assertEquals(one.itemsAdded, 4);

  await using r = await setup(testLibrary().lib);
  const some = await r.run({ albumRegex: /^(their|SHARED)/gi });
  assertEquals(
    r.db.albums().map((a) => a.albumName).sort(),
    ["Shared by me", "Their trip"],
  );
  assertEquals(some.albumsSkipped, 3);
});

Deno.test("in 2025 a 403 on sharedAlbums is a warning and own albums still index", async () => {
  const lib = new FakeLibrary();
  const mine = lib.photo("APP.JPG", "2025-04-02T10:00:00Z", {
    appCreated: true,
  });
  const album = lib.album("Made by the app", [mine], { appCreated: true });
  lib.album("Not visible", [lib.photo("X.JPG", "2025-04-01T00:00:00Z")]);
  await using s = await setup(lib, "2025");
  const result = await s.run();
  assertEquals(result.sharedAlbumsUnavailable, true);
  assertEquals(result.albumsIndexed, 1);
  assertEquals(members(s.db, album.id), ["0:APP.JPG"]);
  assert(
    s.logger.lines.some((l) =>
      l.startsWith("warning: Shared albums were not indexed")
    ),
    s.logger.lines.join("\n"),
  );
});

Deno.test("albums recorded before a failing one are committed; the index is left with no open transaction", async () => {
  const lib = new FakeLibrary();
  const photos = Array.from(
    { length: 12 },
    (_, i) => lib.photo(`IMG_${i}.JPG`, `2019-01-${10 + i}T10:00:00Z`),
  );
  const albums = photos.map((p, i) => lib.album(`Day ${i}`, [p]));
  await using s = await setup(lib);
  // Album 0's search is the first asked for (searches start in listing
  // order); from the sixth on, every search fails for good.
  s.google.faults.add({ on: "search", fault: 500, skip: 5 });
  let failed = false;
  try {
    await s.run({ skipSharedAlbums: true });
  } catch {
    failed = true;
  }
  assert(failed, "a search that fails for good fails the run");
  // Another connection sees only what was committed.
  const dir = s.db.file.slice(0, s.db.file.lastIndexOf("/"));
  const names: string[] = [];
  {
    using again = LocalData.open(dir);
    for (const a of again.albums()) names.push(a.albumName);
  }
  assert(names.length >= 1 && names.length <= 5, `committed: ${names}`);
  // In listing order, whole: album k is there only with the ones before it.
  assertEquals(
    names.sort(),
    albums.slice(0, names.length).map((a) => a.title).sort(),
  );
  // No transaction is left open on the run's connection.
  s.db.transaction(() => s.db.markAlbumDownloaded(albums[0].id));
});
