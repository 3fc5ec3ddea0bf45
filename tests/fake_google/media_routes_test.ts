import { createHash } from "node:crypto";
import { FakeLibrary } from "./library_state.ts";
import { startFakeGoogle } from "./server.ts";
import {
  assert,
  assertEquals,
  bytesEqual,
  call,
  type ItemJson,
  type ItemsPage,
} from "./test_support.ts";

async function baseUrlOf(
  google: Awaited<ReturnType<typeof startFakeGoogle>>,
  token: string,
  id: string,
) {
  const a = await call<ItemJson>(google, token, `/v1/mediaItems/${id}`);
  assertEquals(a.status, 200);
  return a.body.baseUrl;
}

async function download(url: string, headers?: HeadersInit) {
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, bytes: await res.bytes() };
}

Deno.test("photo =d gives the photo's bytes with Content-Type and Content-Length", async () => {
  const lib = new FakeLibrary();
  const p = lib.photo("IMG_1.JPG", "2017-09-26T15:29:44Z");
  const png = lib.photo("shot.png", null);
  await using google = await startFakeGoogle({ library: lib, era: "2024" });
  const token = google.issueToken(["photoslibrary.readonly"]).access_token;
  const d = await download(await baseUrlOf(google, token, p.id) + "=d");
  assertEquals(d.status, 200);
  assertEquals(d.headers.get("content-type"), "image/jpeg");
  assertEquals(d.headers.get("content-length"), String(p.size));
  assert(
    bytesEqual(d.bytes, lib.content(p.id)),
    "the bytes are the item's content",
  );
  const pngDownload = await download(
    await baseUrlOf(google, token, png.id) + "=d",
  );
  assertEquals(pngDownload.headers.get("content-type"), "image/png");
  assert(bytesEqual(pngDownload.bytes, lib.content(png.id)));
  const resized = await download(
    await baseUrlOf(google, token, p.id) + "=w100-h100",
  );
  assert(
    bytesEqual(resized.bytes, lib.content(p.id, "thumbnail")),
    "a resize is not the original",
  );
});

Deno.test("video =dv gives the video, video =d only a thumbnail, photo =dv nothing", async () => {
  const lib = new FakeLibrary();
  const v = lib.video("VID.mp4", "2017-01-02T03:04:05Z");
  const p = lib.photo("IMG.JPG", null);
  await using google = await startFakeGoogle({ library: lib, era: "2024" });
  const token = google.issueToken(["photoslibrary.readonly"]).access_token;
  const base = await baseUrlOf(google, token, v.id);
  const dv = await download(base + "=dv");
  assertEquals([dv.status, dv.headers.get("content-type")], [200, "video/mp4"]);
  assert(bytesEqual(dv.bytes, lib.content(v.id)));
  const d = await download(base + "=d");
  assertEquals([d.status, d.headers.get("content-type")], [200, "image/jpeg"]);
  assert(bytesEqual(d.bytes, lib.content(v.id, "thumbnail")));
  assert(!bytesEqual(d.bytes, dv.bytes), "misusing =d on a video is visible");
  assertEquals(
    (await download(await baseUrlOf(google, token, p.id) + "=dv")).status,
    404,
  );
});

Deno.test("a video that is not READY cannot be downloaded until it is", async () => {
  const lib = new FakeLibrary();
  const v = lib.video("VID.mp4", null, { status: "PROCESSING" });
  const failed = lib.video("bad.mp4", null, { status: "FAILED" });
  await using google = await startFakeGoogle({ library: lib, era: "2024" });
  const token = google.issueToken(["photoslibrary.readonly"]).access_token;
  const processing = await download(
    await baseUrlOf(google, token, v.id) + "=dv",
  );
  assertEquals(processing.status, 404);
  assert(new TextDecoder().decode(processing.bytes).includes("PROCESSING"));
  assertEquals(
    (await download(await baseUrlOf(google, token, failed.id) + "=dv")).status,
    404,
  );
  lib.update(v, { status: "READY" });
  const ready = await download(await baseUrlOf(google, token, v.id) + "=dv");
  assertEquals(ready.status, 200);
});

Deno.test("baseUrls expire after the configured time and then answer 403", async () => {
  let clock = Date.parse("2026-01-01T00:00:00Z");
  const lib = new FakeLibrary();
  const p = lib.photo("IMG_1.JPG", null);
  await using google = await startFakeGoogle({
    library: lib,
    era: "2024",
    now: () => clock,
    baseUrlLifetimeSec: 30,
    accessTokenLifetimeSec: 3600,
  });
  const token = google.issueToken(["photoslibrary.readonly"]).access_token;
  const base = await baseUrlOf(google, token, p.id);
  clock += 30_000;
  assertEquals(
    (await download(base + "=d")).status,
    200,
    "still valid at the limit",
  );
  clock += 1000;
  assertEquals((await download(base + "=d")).status, 403);
  const batch = await call<{ mediaItemResults: { mediaItem: ItemJson }[] }>(
    google,
    token,
    `/v1/mediaItems:batchGet?mediaItemIds=${p.id}`,
  );
  const fresh = batch.body.mediaItemResults[0].mediaItem.baseUrl;
  assert(fresh !== base, "each answer hands out a fresh baseUrl");
  assertEquals((await download(fresh + "=d")).status, 200);
});

Deno.test("edited baseUrls and removed items answer 404", async () => {
  const lib = new FakeLibrary();
  const p = lib.photo("IMG_1.JPG", null);
  await using google = await startFakeGoogle({ library: lib, era: "2024" });
  const token = google.issueToken(["photoslibrary.readonly"]).access_token;
  const base = await baseUrlOf(google, token, p.id);
  const edited = base.slice(0, -3) + (base.endsWith("AAA") ? "BBB" : "AAA");
  assertEquals((await download(edited + "=d")).status, 404);
  lib.remove(p);
  assertEquals((await download(base + "=d")).status, 404);
});

Deno.test("requireBearerForMedia makes media need a valid Authorization header", async () => {
  const lib = new FakeLibrary();
  const p = lib.photo("IMG_1.JPG", null);
  await using google = await startFakeGoogle({
    library: lib,
    era: "2024",
    media: { requireBearer: true },
  });
  const token = google.issueToken(["photoslibrary.readonly"]).access_token;
  const base = await baseUrlOf(google, token, p.id);
  assertEquals((await download(base + "=d")).status, 401);
  assertEquals(
    (await download(base + "=d", { authorization: "Bearer nope" })).status,
    401,
  );
  const ok = await download(base + "=d", { authorization: `Bearer ${token}` });
  assertEquals(ok.status, 200);
  assertEquals(google.requests.of("media").map((e) => e.hasAuth), [
    false,
    true,
    true,
  ]);
});

Deno.test("large items stream with the declared length and the expected hash", async () => {
  const lib = new FakeLibrary();
  const big = lib.video("big.mp4", null, { size: 3 * 1024 * 1024 + 17 });
  await using google = await startFakeGoogle({ library: lib, era: "2024" });
  const token = google.issueToken(["photoslibrary.readonly"]).access_token;
  const res = await fetch(await baseUrlOf(google, token, big.id) + "=dv");
  assertEquals(res.headers.get("content-length"), String(big.size));
  const h = createHash("sha256");
  let total = 0;
  for await (const chunk of res.body!) {
    h.update(chunk);
    total += chunk.length;
  }
  assertEquals(total, big.size);
  assertEquals(h.digest("hex"), lib.sha256(big.id));
});

Deno.test("media latency delays the first byte", async () => {
  const lib = new FakeLibrary();
  const p = lib.photo("IMG_1.JPG", null);
  await using google = await startFakeGoogle({
    library: lib,
    era: "2024",
    media: { latencyMs: 150 },
  });
  const token = google.issueToken(["photoslibrary.readonly"]).access_token;
  const base = await baseUrlOf(google, token, p.id);
  const t0 = performance.now();
  assertEquals((await download(base + "=d")).status, 200);
  assert(performance.now() - t0 >= 140, "the answer waited for the latency");
});

Deno.test("the bandwidth cap is shared by concurrent downloads", async () => {
  const lib = new FakeLibrary();
  const items = [0, 1, 2].map((i) =>
    lib.photo(`p${i}.jpg`, null, { size: 40 * 1024 })
  );
  await using google = await startFakeGoogle({
    library: lib,
    era: "2024",
    media: { bytesPerSecond: 200 * 1024 },
  });
  const token = google.issueToken(["photoslibrary.readonly"]).access_token;
  const urls = await Promise.all(
    items.map((i) => baseUrlOf(google, token, i.id)),
  );
  const t0 = performance.now();
  const results = await Promise.all(urls.map((u) => download(u + "=d")));
  const elapsed = performance.now() - t0;
  results.forEach((r, i) =>
    assert(
      bytesEqual(r.bytes, lib.content(items[i].id)),
      "throttled bytes are intact",
    )
  );
  // 120 KiB over a 200 KiB/s link takes 0.6 s however many connections share it.
  assert(elapsed >= 520, `took ${elapsed} ms, faster than the cap allows`);
  assert(elapsed < 3000, `took ${elapsed} ms`);
});

Deno.test("contributors' profile pictures are served", async () => {
  const lib = new FakeLibrary();
  const theirs = lib.photo("t.jpg", null, {
    inLibrary: false,
    contributor: { displayName: "Ann" },
  });
  const album = lib.sharedAlbum("Party", [theirs], { owned: false });
  await using google = await startFakeGoogle({ library: lib, era: "2024" });
  const token = google.issueToken(["photoslibrary.readonly"]).access_token;
  const a = await call<ItemsPage>(google, token, "/v1/mediaItems:search", {
    albumId: album.id,
  });
  const url = a.body.mediaItems?.[0].contributorInfo?.profilePictureBaseUrl;
  assert(url !== undefined);
  const pic = await download(url + "=s64");
  assertEquals([pic.status, pic.headers.get("content-type")], [
    200,
    "image/jpeg",
  ]);
});
