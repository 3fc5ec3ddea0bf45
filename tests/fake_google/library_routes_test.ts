import { FakeLibrary } from "./library_state.ts";
import { startFakeGoogle } from "./server.ts";
import {
  allPages,
  assert,
  assertEquals,
  call,
  type ItemJson,
  type ItemsPage,
} from "./test_support.ts";

const READONLY = ["photoslibrary.readonly"];

interface ErrorBody {
  error: { code: number; message: string; status: string };
}

function assertGoogleError(
  a: { status: number; body: unknown },
  status: number,
  name: string,
): string {
  const e = (a.body as ErrorBody).error;
  assertEquals(
    [a.status, e?.code, e?.status],
    [status, status, name],
    `expected ${status} ${name}`,
  );
  return e.message;
}

function manyItems(n: number): FakeLibrary {
  const lib = new FakeLibrary();
  lib.generate(n, { start: "2010-01-01T00:00:00Z", stepSec: 86400 });
  return lib;
}

Deno.test("mediaItems.list pages 25 by default, newest first, and the last page has no token", async () => {
  const lib = manyItems(60);
  await using google = await startFakeGoogle({ library: lib, era: "2024" });
  const token = google.issueToken(READONLY).access_token;
  const pages = await allPages(google, token, "/v1/mediaItems");
  assertEquals(pages.map((p) => p.mediaItems?.length), [25, 25, 10]);
  const ids = pages.flatMap((p) => p.mediaItems ?? []).map((i) => i.id);
  assertEquals(ids, lib.newestFirst().map((i) => i.id));
  assert(
    pages[0].nextPageToken !== undefined &&
      pages[2].nextPageToken === undefined,
  );
});

Deno.test("pageSize is capped at 100 for media items; bad values are 400", async () => {
  await using google = await startFakeGoogle({
    library: manyItems(150),
    era: "2024",
  });
  const token = google.issueToken(READONLY).access_token;
  const pages = await allPages(google, token, "/v1/mediaItems?pageSize=500");
  assertEquals(pages.map((p) => p.mediaItems?.length), [100, 50]);
  const snake = await call<ItemsPage>(
    google,
    token,
    "/v1/mediaItems?page_size=7",
  );
  assertEquals(
    snake.body.mediaItems?.length,
    7,
    "Google also takes snake_case parameters",
  );
  assertGoogleError(
    await call(google, token, "/v1/mediaItems?pageSize=-1"),
    400,
    "INVALID_ARGUMENT",
  );
  assertGoogleError(
    await call(google, token, "/v1/mediaItems?pageSize=ten"),
    400,
    "INVALID_ARGUMENT",
  );
  const msg = assertGoogleError(
    await call(google, token, "/v1/mediaItems?pagesize=10"),
    400,
    "INVALID_ARGUMENT",
  );
  assert(msg.includes("pagesize"), "an unknown parameter is named");
  const searched = await call<ItemsPage>(
    google,
    token,
    "/v1/mediaItems:search",
    { pageSize: 1000 },
  );
  assertEquals(searched.body.mediaItems?.length, 100);
});

Deno.test("a page token that is forged, edited or from another listing is 400", async () => {
  await using google = await startFakeGoogle({
    library: manyItems(30),
    era: "2024",
  });
  const token = google.issueToken(READONLY).access_token;
  const first = await call<ItemsPage>(
    google,
    token,
    "/v1/mediaItems?pageSize=10",
  );
  const next = first.body.nextPageToken!;
  assertGoogleError(
    await call(google, token, "/v1/mediaItems?pageToken=garbage"),
    400,
    "INVALID_ARGUMENT",
  );
  const edited = next.slice(0, -2) + (next.endsWith("A") ? "BB" : "AA");
  assertGoogleError(
    await call(
      google,
      token,
      `/v1/mediaItems?pageToken=${encodeURIComponent(edited)}`,
    ),
    400,
    "INVALID_ARGUMENT",
  );
  const filtered = await call(google, token, "/v1/mediaItems:search", {
    pageToken: next,
    filters: { mediaTypeFilter: { mediaTypes: ["VIDEO"] } },
  });
  assertGoogleError(filtered, 400, "INVALID_ARGUMENT");
  const ok = await call<ItemsPage>(
    google,
    token,
    `/v1/mediaItems?pageSize=10&pageToken=${encodeURIComponent(next)}`,
  );
  assertEquals(ok.body.mediaItems?.length, 10);
});

Deno.test("empty pages with a nextPageToken lose no items", async () => {
  const lib = manyItems(23);
  lib.album("Big", lib.items);
  await using google = await startFakeGoogle({
    library: lib,
    era: "2024",
    emptyPages: { every: 2 },
  });
  const token = google.issueToken(READONLY).access_token;
  const pages = await allPages(google, token, "/v1/mediaItems?pageSize=5");
  assertEquals(pages.map((p) => p.mediaItems?.length ?? 0), [
    5,
    0,
    5,
    0,
    5,
    0,
    5,
    0,
    3,
  ]);
  const empty = pages[1];
  assertEquals(
    Object.keys(empty),
    ["nextPageToken"],
    "an empty page carries only a token, as Google's JSON",
  );
  const ids = pages.flatMap((p) => p.mediaItems ?? []).map((i) => i.id);
  assertEquals(ids, lib.newestFirst().map((i) => i.id));
  google.settings.emptyPages = { at: [1] };
  const albumId = lib.albums[0].id;
  const albumPages = await allPages(google, token, "/v1/mediaItems:search", {
    albumId,
    pageSize: 10,
  });
  assertEquals(albumPages.map((p) => p.mediaItems?.length ?? 0), [
    0,
    10,
    10,
    3,
  ]);
});

Deno.test("an empty page can answer with the token it was asked with, then moves on", async () => {
  const lib = manyItems(12);
  await using google = await startFakeGoogle({
    library: lib,
    era: "2024",
    emptyPages: { at: [2], echo: 2 },
  });
  const token = google.issueToken(READONLY).access_token;
  const pages = await allPages(google, token, "/v1/mediaItems?pageSize=5");
  // Page 2 is asked for three times: twice it names itself again.
  assertEquals(pages.map((p) => p.mediaItems?.length ?? 0), [5, 0, 0, 0, 5, 2]);
  assertEquals(pages[1].nextPageToken, pages[0].nextPageToken);
  assertEquals(pages[2].nextPageToken, pages[0].nextPageToken);
  assert(pages[3].nextPageToken !== pages[0].nextPageToken);
  const ids = pages.flatMap((p) => p.mediaItems ?? []).map((i) => i.id);
  assertEquals(ids, lib.newestFirst().map((i) => i.id));
});

Deno.test("maxPageItems answers with fewer items than pageSize asks, in every listing", async () => {
  const lib = manyItems(3);
  lib.album("A", lib.items);
  lib.album("B", lib.items.slice(0, 1));
  await using google = await startFakeGoogle({
    library: lib,
    era: "2024",
    maxPageItems: 1,
  });
  const token = google.issueToken(READONLY).access_token;
  const count = (pages: { mediaItems?: unknown[] }[]) =>
    pages.map((p) => p.mediaItems?.length ?? 0);
  assertEquals(
    count(await allPages(google, token, "/v1/mediaItems?pageSize=100")),
    [1, 1, 1],
  );
  assertEquals(
    count(
      await allPages(google, token, "/v1/mediaItems:search", {
        albumId: lib.albums[0].id,
        pageSize: 100,
      }),
    ),
    [1, 1, 1],
  );
  const albums = await allPages(google, token, "/v1/albums?pageSize=50");
  assertEquals(
    albums.map((p) => ((p as { albums?: unknown[] }).albums ?? []).length),
    [1, 1],
  );
});

Deno.test("archived items are hidden from list and search unless includeArchivedMedia", async () => {
  const lib = new FakeLibrary();
  const shown = lib.photo("shown.jpg", "2020-01-01T00:00:00Z");
  const archived = lib.photo("archived.jpg", "2020-01-02T00:00:00Z", {
    archived: true,
  });
  const album = lib.album("A", [archived, shown]);
  await using google = await startFakeGoogle({ library: lib, era: "2024" });
  const token = google.issueToken(READONLY).access_token;
  const names = (p: ItemsPage) => (p.mediaItems ?? []).map((i) => i.filename);
  assertEquals(
    names((await call<ItemsPage>(google, token, "/v1/mediaItems")).body),
    ["shown.jpg"],
  );
  assertEquals(
    names(
      (await call<ItemsPage>(google, token, "/v1/mediaItems:search", {})).body,
    ),
    ["shown.jpg"],
  );
  const withArchived = await call<ItemsPage>(
    google,
    token,
    "/v1/mediaItems:search",
    {
      filters: { includeArchivedMedia: true },
    },
  );
  assertEquals(names(withArchived.body), ["archived.jpg", "shown.jpg"]);
  const inAlbum = await call<ItemsPage>(
    google,
    token,
    "/v1/mediaItems:search",
    { albumId: album.id },
  );
  assertEquals(
    names(inAlbum.body),
    ["archived.jpg", "shown.jpg"],
    "albums show archived items, in album order",
  );
  const byId = await call<ItemJson>(
    google,
    token,
    `/v1/mediaItems/${archived.id}`,
  );
  assertEquals(byId.body.filename, "archived.jpg", "get by id still works");
});

Deno.test("search filters by date (zero-field rules), type and favourites; undated never match", async () => {
  const lib = new FakeLibrary();
  lib.photo("IMG_1.JPG", "2017-09-26T15:29:44Z", { favorite: true });
  lib.video("VID.mp4", "2017-01-02T03:04:05Z", { status: "PROCESSING" });
  lib.photo("nodate.jpg", null, {
    uploadTime: "2017-06-01T00:00:00Z",
    favorite: true,
  });
  lib.photo("other.jpg", "2018-03-01T00:00:00Z");
  await using google = await startFakeGoogle({ library: lib, era: "2024" });
  const token = google.issueToken(READONLY).access_token;
  const search = async (
    filters: unknown,
    extra: Record<string, unknown> = {},
  ) => {
    const a = await call<ItemsPage>(google, token, "/v1/mediaItems:search", {
      filters,
      ...extra,
    });
    assertEquals(a.status, 200, JSON.stringify(a.body));
    return (a.body.mediaItems ?? []).map((i) => i.filename);
  };
  const year2017 = { dates: [{ year: 2017, month: 0, day: 0 }] };
  assertEquals(await search({ dateFilter: year2017 }), [
    "IMG_1.JPG",
    "VID.mp4",
  ]);
  assertEquals(
    await search({ dateFilter: { dates: [{ year: 2017, month: 9, day: 0 }] } }),
    ["IMG_1.JPG"],
  );
  assertEquals(
    await search({
      dateFilter: {
        ranges: [{
          startDate: { year: 2017, month: 1, day: 2 },
          endDate: { year: 2017, month: 9, day: 26 },
        }],
      },
    }),
    ["IMG_1.JPG", "VID.mp4"],
    "ranges include both end days",
  );
  assertEquals(
    await search({ dateFilter: year2017 }, {
      orderBy: "MediaMetadata.creation_time",
    }),
    [
      "VID.mp4",
      "IMG_1.JPG",
    ],
  );
  assertEquals(await search({ mediaTypeFilter: { mediaTypes: ["VIDEO"] } }), [
    "VID.mp4",
  ]);
  assertEquals(
    await search({ mediaTypeFilter: { mediaTypes: ["ALL_MEDIA"] } }),
    [
      "other.jpg",
      "IMG_1.JPG",
      "nodate.jpg",
      "VID.mp4",
    ],
  );
  assertEquals(
    await search({ featureFilter: { includedFeatures: ["FAVORITES"] } }),
    ["IMG_1.JPG", "nodate.jpg"],
  );
  // gphotos-sync's own request: a 1900..3000 range, ALL_MEDIA, NONE.
  assertEquals(
    await search({
      dateFilter: {
        ranges: [{
          startDate: { year: 1900, month: 1, day: 1 },
          endDate: { year: 3000, month: 1, day: 1 },
        }],
      },
      mediaTypeFilter: { mediaTypes: ["ALL_MEDIA"] },
      featureFilter: { includedFeatures: ["NONE"] },
      includeArchivedMedia: false,
    }),
    ["other.jpg", "IMG_1.JPG", "VID.mp4"],
  );
  const both = await call(google, token, "/v1/mediaItems:search", {
    albumId: lib.items[0].id,
    filters: {},
  });
  assertGoogleError(both, 400, "INVALID_ARGUMENT");
  const orderOnly = await call(google, token, "/v1/mediaItems:search", {
    orderBy: "MediaMetadata.creation_time",
  });
  assertGoogleError(orderOnly, 400, "INVALID_ARGUMENT");
  const badJson = await fetch(google.url + "/v1/mediaItems:search", {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: "{not json",
  });
  assertEquals(badJson.status, 400);
  await badJson.body?.cancel();
});

Deno.test("album search gives the album's items in album order; shared albums add contributors", async () => {
  const lib = new FakeLibrary();
  const a = lib.photo("a.jpg", "2020-01-01T00:00:00Z");
  const b = lib.photo("b.jpg", "2021-01-01T00:00:00Z");
  const theirs = lib.photo("theirs.jpg", "2019-01-01T00:00:00Z", {
    inLibrary: false,
    contributor: { displayName: "Ann" },
  });
  const mine = lib.album("Clones😀", [a, b]);
  const shared = lib.sharedAlbum("Party", [theirs, b], { owned: false });
  await using google = await startFakeGoogle({ library: lib, era: "2024" });
  const token = google.issueToken(READONLY).access_token;
  const inMine = await call<ItemsPage>(google, token, "/v1/mediaItems:search", {
    albumId: mine.id,
  });
  assertEquals(inMine.body.mediaItems?.map((i) => i.filename), [
    "a.jpg",
    "b.jpg",
  ], "album order, not date order");
  assert(
    inMine.body.mediaItems?.[0].productUrl.includes(`/album/${mine.id}/`),
    "productUrl points inside the album",
  );
  assertEquals(inMine.body.mediaItems?.[0].contributorInfo, undefined);
  const inShared = await call<ItemsPage>(
    google,
    token,
    "/v1/mediaItems:search",
    { albumId: shared.id, pageSize: 1 },
  );
  assertEquals(
    inShared.body.mediaItems?.[0].contributorInfo?.displayName,
    "Ann",
  );
  assert(inShared.body.nextPageToken !== undefined);
  const listed = await allPages(google, token, "/v1/mediaItems");
  assertEquals(
    listed.flatMap((p) => p.mediaItems ?? []).map((i) => i.filename),
    ["b.jpg", "a.jpg"],
    "other people's items in a shared album are not in the user's library",
  );
  const unknown = await call(google, token, "/v1/mediaItems:search", {
    albumId: "AnUnknownAlbum",
  });
  assertGoogleError(unknown, 400, "INVALID_ARGUMENT");
});

Deno.test("batchGet answers in request order, marks bad ids in their slot, and refuses over 50", async () => {
  const lib = manyItems(60);
  lib.remove(lib.items[59]);
  await using google = await startFakeGoogle({ library: lib, era: "2024" });
  const token = google.issueToken(READONLY).access_token;
  const ids = lib.items.map((i) => i.id);
  const q = (list: string[]) =>
    "/v1/mediaItems:batchGet?" +
    list.map((id) => `mediaItemIds=${id}`).join("&");
  interface Batch {
    mediaItemResults: {
      mediaItem?: ItemJson;
      status?: { code: number; message: string };
    }[];
  }
  const asked = [ids[3], "bogus", ids[1], ids[0]];
  const answer = await call<Batch>(google, token, q(asked));
  assertEquals(answer.status, 200);
  assertEquals(
    answer.body.mediaItemResults.map((r) => r.mediaItem?.id ?? "-"),
    [ids[3], "-", ids[1], ids[0]],
  );
  assertEquals(answer.body.mediaItemResults[1], {
    status: { code: 3, message: "Invalid media item ID." },
  });
  const fifty = await call<Batch>(google, token, q(ids.slice(0, 50)));
  assertEquals(fifty.body.mediaItemResults.length, 50);
  assertGoogleError(
    await call(google, token, q(ids.slice(0, 51))),
    400,
    "INVALID_ARGUMENT",
  );
  assertGoogleError(
    await call(google, token, q([ids[0], ids[0]])),
    400,
    "INVALID_ARGUMENT",
  );
  assertGoogleError(
    await call(google, token, "/v1/mediaItems:batchGet"),
    400,
    "INVALID_ARGUMENT",
  );
});

Deno.test("mediaItems.get returns Google's MediaItem shape; unknown ids are 400", async () => {
  const lib = new FakeLibrary();
  const p = lib.photo("IMG_1.JPG", "2017-09-26T15:29:44Z", {
    description: "at the beach",
    width: 800,
    height: 600,
    camera: {
      make: "Canon",
      model: "EOS 5D",
      focalLength: 50,
      apertureFNumber: 1.8,
      isoEquivalent: 100,
      exposureTime: "0.008s",
    },
  });
  const v = lib.video("VID.mp4", "2017-01-02T03:04:05Z", {
    status: "PROCESSING",
    fps: 25,
  });
  await using google = await startFakeGoogle({ library: lib, era: "2024" });
  const token = google.issueToken(READONLY).access_token;
  const photo =
    (await call<ItemJson>(google, token, `/v1/mediaItems/${p.id}`)).body;
  assertEquals(photo.id, p.id);
  assertEquals(photo.description, "at the beach");
  assertEquals(photo.mediaMetadata, {
    creationTime: "2017-09-26T15:29:44Z",
    width: "800",
    height: "600",
    photo: {
      cameraMake: "Canon",
      cameraModel: "EOS 5D",
      focalLength: 50,
      apertureFNumber: 1.8,
      isoEquivalent: 100,
      exposureTime: "0.008s",
    },
  });
  assert(
    photo.baseUrl.startsWith(google.url + "/lr/") &&
      !photo.baseUrl.includes("?"),
    "baseUrl has no query",
  );
  const video =
    (await call<ItemJson>(google, token, `/v1/mediaItems/${v.id}`)).body;
  assertEquals(video.mediaMetadata.video, { fps: 25, status: "PROCESSING" });
  assertEquals(video.mimeType, "video/mp4");
  assertEquals("description" in video, false, "empty fields are left out");
  assertGoogleError(
    await call(google, token, "/v1/mediaItems/nope"),
    400,
    "INVALID_ARGUMENT",
  );
});

Deno.test("albums.list pages 20 by default, at most 50, and includes owned shared albums", async () => {
  const lib = manyItems(3);
  for (let i = 0; i < 44; i++) {
    lib.album(`Album ${i}`, i === 0 ? [] : [lib.items[i % 3]]);
  }
  const owned = lib.sharedAlbum("Owned shared", [lib.items[0]]);
  const joined = lib.sharedAlbum("", [lib.items[1]], { owned: false });
  await using google = await startFakeGoogle({ library: lib, era: "2024" });
  const token = google.issueToken(READONLY).access_token;
  interface Albums {
    albums?: Record<string, unknown>[];
    sharedAlbums?: Record<string, unknown>[];
    nextPageToken?: string;
  }
  const pages: Albums[] = [];
  let next: string | undefined;
  do {
    const a = await call<Albums>(
      google,
      token,
      "/v1/albums" + (next ? `?pageToken=${encodeURIComponent(next)}` : ""),
    );
    pages.push(a.body);
    next = a.body.nextPageToken;
  } while (next);
  assertEquals(pages.map((p) => p.albums?.length), [20, 20, 5]);
  const all = pages.flatMap((p) => p.albums ?? []);
  assert(
    all.some((a) => a.id === owned.id) && !all.some((a) => a.id === joined.id),
  );
  assertEquals(
    "mediaItemsCount" in all[0],
    false,
    "an empty album has no count, as proto3 JSON",
  );
  assertEquals(all[1].mediaItemsCount, "1");
  assertEquals(all[1].coverPhotoMediaItemId, lib.items[1].id);
  const capped = await call<Albums>(google, token, "/v1/albums?pageSize=100");
  assertEquals(
    capped.body.albums?.length,
    45,
    "45 albums fit in one page of at most 50",
  );
  const shared = await call<Albums>(google, token, "/v1/sharedAlbums");
  assertEquals(shared.body.sharedAlbums?.map((a) => a.title ?? "(untitled)"), [
    "Owned shared",
    "(untitled)",
  ]);
  const shareInfo = shared.body.sharedAlbums?.[0].shareInfo as Record<
    string,
    unknown
  >;
  assertEquals([
    shareInfo.isOwned,
    shareInfo.isJoined,
    typeof shareInfo.shareToken,
  ], [true, true, "string"]);
  const got = await call<Record<string, unknown>>(
    google,
    token,
    `/v1/albums/${owned.id}`,
  );
  assertEquals(got.body.title, "Owned shared");
  assertGoogleError(
    await call(google, token, "/v1/albums/nope"),
    400,
    "INVALID_ARGUMENT",
  );
});

Deno.test("every API call needs a valid, unexpired Bearer token", async () => {
  let clock = Date.parse("2026-01-01T00:00:00Z");
  await using google = await startFakeGoogle({
    library: manyItems(1),
    era: "2024",
    now: () => clock,
  });
  const none = await call(google, undefined, "/v1/mediaItems");
  assertGoogleError(none, 401, "UNAUTHENTICATED");
  assert(none.headers.get("www-authenticate")?.startsWith("Bearer") ?? false);
  assertGoogleError(
    await call(google, "ya29.made-up", "/v1/albums"),
    401,
    "UNAUTHENTICATED",
  );
  const grant = google.issueToken(READONLY, { expiresInSec: 60 });
  assertEquals(grant.expires_at, Math.floor(clock / 1000) + 60);
  assertEquals(
    (await call(google, grant.access_token, "/v1/mediaItems")).status,
    200,
  );
  clock += 61_000;
  assertGoogleError(
    await call(google, grant.access_token, "/v1/mediaItems"),
    401,
    "UNAUTHENTICATED",
  );
  assertGoogleError(
    await call(google, grant.access_token, "/v1/mediaItems:search", {}),
    401,
    "UNAUTHENTICATED",
  );
});

Deno.test("2025 era: removed scopes are 403 and app-created data is all that is visible", async () => {
  const lib = new FakeLibrary();
  const user = lib.photo("user.jpg", "2020-01-01T00:00:00Z");
  const app = lib.photo("app.jpg", "2020-01-02T00:00:00Z", {
    appCreated: true,
  });
  const userAlbum = lib.album("User album", [user]);
  const appAlbum = lib.album("App album", [app, user], { appCreated: true });
  await using google = await startFakeGoogle({ library: lib });
  assertEquals(google.settings.era, "2025", "2025 is the default");
  const removed = google.issueToken([
    "photoslibrary.readonly",
    "photoslibrary.sharing",
    "photoslibrary",
  ]).access_token;
  for (
    const [path, body] of [
      ["/v1/mediaItems", undefined],
      ["/v1/mediaItems:search", {}],
      [`/v1/mediaItems/${user.id}`, undefined],
      [`/v1/mediaItems:batchGet?mediaItemIds=${user.id}`, undefined],
      ["/v1/albums", undefined],
      ["/v1/sharedAlbums", undefined],
    ] as const
  ) {
    const msg = assertGoogleError(
      await call(google, removed, path, body),
      403,
      "PERMISSION_DENIED",
    );
    assertEquals(msg, "Request had insufficient authentication scopes.");
  }
  const appOnly =
    google.issueToken(["photoslibrary.readonly.appcreateddata"]).access_token;
  const listed = await call<ItemsPage>(google, appOnly, "/v1/mediaItems");
  assertEquals(listed.body.mediaItems?.map((i) => i.filename), ["app.jpg"]);
  const albums = await call<{ albums?: { title: string }[] }>(
    google,
    appOnly,
    "/v1/albums",
  );
  assertEquals(albums.body.albums?.map((a) => a.title), ["App album"]);
  const inApp = await call<ItemsPage>(
    google,
    appOnly,
    "/v1/mediaItems:search",
    { albumId: appAlbum.id },
  );
  assertEquals(inApp.body.mediaItems?.map((i) => i.filename), ["app.jpg"]);
  assertGoogleError(
    await call(google, appOnly, "/v1/mediaItems:search", {
      albumId: userAlbum.id,
    }),
    400,
    "INVALID_ARGUMENT",
  );
  assertGoogleError(
    await call(google, appOnly, `/v1/mediaItems/${user.id}`),
    400,
    "INVALID_ARGUMENT",
  );
  assertGoogleError(
    await call(google, appOnly, "/v1/sharedAlbums"),
    403,
    "PERMISSION_DENIED",
  );
  google.settings.era = "2024";
  const before = await call<ItemsPage>(google, removed, "/v1/mediaItems");
  assertEquals(
    before.body.mediaItems?.length,
    2,
    "in 2024 the readonly scope sees everything",
  );
  const appIn2024 = await call<ItemsPage>(google, appOnly, "/v1/mediaItems");
  assertEquals(
    appIn2024.body.mediaItems?.length,
    1,
    "the app-created scope always sees only app items",
  );
  const unrelated =
    google.issueToken(["photoslibrary.appendonly"]).access_token;
  assertGoogleError(
    await call(google, unrelated, "/v1/mediaItems"),
    403,
    "PERMISSION_DENIED",
  );
});

Deno.test("items added and removed between runs show in the next listing", async () => {
  const lib = manyItems(3);
  await using google = await startFakeGoogle({ library: lib, era: "2024" });
  const token = google.issueToken(READONLY).access_token;
  const names = async () =>
    (await allPages(google, token, "/v1/mediaItems")).flatMap((p) =>
      p.mediaItems ?? []
    ).map((i) => i.filename);
  assertEquals(await names(), [
    "IMG_000003.JPG",
    "IMG_000002.JPG",
    "IMG_000001.JPG",
  ]);
  lib.remove(lib.items[1]);
  lib.photo("new.jpg", "2030-01-01T00:00:00Z");
  assertEquals(await names(), ["new.jpg", "IMG_000003.JPG", "IMG_000001.JPG"]);
});

Deno.test("unknown paths answer 404 in Google's envelope", async () => {
  await using google = await startFakeGoogle();
  const token = google.issueToken(READONLY).access_token;
  assertGoogleError(
    await call(google, token, "/v2/mediaItems"),
    404,
    "NOT_FOUND",
  );
  assertEquals(google.requests.of("unknown").length, 1);
});
