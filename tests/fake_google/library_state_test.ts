import { FakeLibrary } from "./library_state.ts";
import { assert, assertEquals, bytesEqual } from "./test_support.ts";
import { createHash } from "node:crypto";

Deno.test("items get long opaque Google-like ids, the same for the same story", () => {
  const a = new FakeLibrary();
  const b = new FakeLibrary();
  const x = a.photo("IMG_1.JPG", "2017-09-26T15:29:44Z");
  const y = b.photo("IMG_1.JPG", "2017-09-26T15:29:44Z");
  assertEquals(x.id, y.id);
  assert(x.id.length >= 90, "ids are long like Google's");
  assert(/^[A-Za-z0-9_-]+$/.test(x.id), "ids are URL-safe");
  const other = new FakeLibrary({ seed: "other" }).photo("IMG_1.JPG", null);
  assert(other.id !== x.id, "another seed gives other ids");
  assert(a.photo("IMG_2.JPG", null).id !== x.id, "each item has its own id");
});

Deno.test("the story's details become the item's fields", () => {
  const lib = new FakeLibrary();
  const p = lib.photo("IMG_1.JPG", "2017-09-26T17:29:44+02:00", {
    favorite: true,
    description: "beach",
    camera: { make: "Canon", model: "EOS" },
  });
  assertEquals(
    p.captureTime,
    "2017-09-26T15:29:44Z",
    "times are normalised to UTC",
  );
  assertEquals([p.kind, p.mimeType, p.favorite, p.description], [
    "photo",
    "image/jpeg",
    true,
    "beach",
  ]);
  const v = lib.video("VID.mov", "2017-01-02T03:04:05Z", {
    status: "PROCESSING",
  });
  assertEquals([v.kind, v.mimeType, v.videoStatus], [
    "video",
    "video/quicktime",
    "PROCESSING",
  ]);
  const n = lib.photo("nodate.jpg", null);
  assertEquals(n.captureTime, null);
  assertEquals(
    lib.creationTime(n),
    n.uploadTime,
    "no capture date: Google reports the upload time",
  );
});

Deno.test("newestFirst orders by creation time, later additions first on ties", () => {
  const lib = new FakeLibrary();
  const old = lib.photo("old.jpg", "2001-01-01T00:00:00Z");
  const tieA = lib.photo("a.jpg", "2010-01-01T00:00:00Z");
  const tieB = lib.photo("b.jpg", "2010-01-01T00:00:00Z");
  const nodate = lib.photo("nodate.jpg", null, {
    uploadTime: "2005-01-01T00:00:00Z",
  });
  assertEquals(lib.newestFirst().map((i) => i.filename), [
    tieB.filename,
    tieA.filename,
    nodate.filename,
    old.filename,
  ]);
});

Deno.test("bad stories fail loudly", () => {
  const lib = new FakeLibrary();
  const thrown = (f: () => unknown) => {
    try {
      f();
    } catch {
      return true;
    }
    return false;
  };
  assert(
    thrown(() => lib.photo("x.jpg", "26/09/2017")),
    "a non-RFC-3339 date throws",
  );
  assert(
    thrown(() => lib.album("A", ["no-such-id"])),
    "an album of unknown items throws",
  );
  assert(
    thrown(() => lib.remove("no-such-id")),
    "removing an unknown id throws",
  );
  assert(
    thrown(() => lib.photo("x.jpg", null, { categories: ["CATS"] })),
    "unknown category throws",
  );
  const p = lib.photo("x.jpg", null, { id: "fixed" });
  assertEquals(p.id, "fixed");
  assert(
    thrown(() => lib.photo("y.jpg", null, { id: "fixed" })),
    "a repeated id throws",
  );
});

Deno.test("items can be removed, changed and moved between albums between runs", () => {
  const lib = new FakeLibrary();
  const a = lib.photo("a.jpg", "2020-01-01T00:00:00Z");
  const b = lib.video("b.mp4", "2020-01-02T00:00:00Z", {
    status: "PROCESSING",
  });
  const album = lib.album("Trip", [a, b]);
  const v0 = lib.version;
  lib.update(b, { status: "READY" });
  assertEquals(lib.item(b.id)?.videoStatus, "READY");
  assertEquals(
    lib.item(b.id)?.captureTime,
    "2020-01-02T00:00:00Z",
    "other fields stay",
  );
  lib.remove(a);
  assertEquals(lib.item(a.id), undefined);
  assertEquals(
    lib.getAlbum(album.id)?.itemIds,
    [b.id],
    "a removed item leaves its albums",
  );
  const c = lib.photo("c.jpg", null);
  lib.addToAlbum(album, [c]);
  assertEquals(lib.getAlbum(album.id)?.itemIds, [b.id, c.id]);
  lib.removeFromAlbum(album.id, [b]);
  assertEquals(lib.getAlbum(album.id)?.itemIds, [c.id]);
  assert(lib.version > v0, "changes bump the version");
  assertEquals(
    lib.newestFirst().map((i) => i.id),
    [c.id, b.id],
    "the sorted view follows",
  );
});

Deno.test("content is deterministic, a few hundred bytes by default, and typed by magic", () => {
  const lib = new FakeLibrary();
  const p = lib.photo("IMG_1.JPG", null);
  const v = lib.video("VID.mp4", null);
  const bytes = lib.content(p.id);
  assert(
    bytes.length >= 200 && bytes.length < 600,
    `default size ${bytes.length}`,
  );
  assertEquals(bytes.length, p.size);
  const again = new FakeLibrary();
  assert(
    bytesEqual(bytes, again.content(again.photo("IMG_1.JPG", null).id)),
    "same story, same bytes",
  );
  assertEquals(
    [...bytes.subarray(0, 3)],
    [0xff, 0xd8, 0xff],
    "a JPEG starts like one",
  );
  const video = lib.content(v.id);
  assertEquals(
    new TextDecoder().decode(video.subarray(4, 8)),
    "ftyp",
    "an MP4 starts like one",
  );
  const thumb = lib.content(v.id, "thumbnail");
  assert(
    !bytesEqual(thumb, video.subarray(0, thumb.length)),
    "the thumbnail is other bytes",
  );
  assertEquals(
    [...thumb.subarray(0, 2)],
    [0xff, 0xd8],
    "the thumbnail is a JPEG",
  );
  assert(
    !bytesEqual(bytes, lib.content(lib.photo("IMG_2.JPG", null).id)),
    "items differ",
  );
});

Deno.test("large content streams in chunks with the same bytes and hash", () => {
  const lib = new FakeLibrary();
  const big = lib.video("big.mp4", null, { size: 5 * 1024 * 1024 + 3 });
  const src = lib.contentSource(big, "original");
  const h = createHash("sha256");
  let total = 0;
  let chunks = 0;
  let largest = 0;
  for (let c = src.next(); c !== null; c = src.next()) {
    h.update(c);
    total += c.length;
    chunks++;
    largest = Math.max(largest, c.length);
  }
  assertEquals(total, big.size);
  assert(chunks > 50 && largest <= 64 * 1024, "generated chunk by chunk");
  assertEquals(h.digest("hex"), lib.sha256(big.id));
  const whole = lib.content(big.id);
  assertEquals(
    createHash("sha256").update(whole).digest("hex"),
    lib.sha256(big.id),
  );
});

Deno.test("generate makes many dated items for paging and benchmarks", () => {
  const lib = new FakeLibrary();
  const items = lib.generate(10, {
    start: "2020-01-01T00:00:00Z",
    stepSec: 60,
    videoEvery: 5,
  });
  assertEquals(items.length, 10);
  assertEquals(items.filter((i) => i.kind === "video").map((i) => i.filename), [
    "IMG_000005.MP4",
    "IMG_000010.MP4",
  ]);
  assertEquals(items[1].captureTime, "2020-01-01T00:01:00Z");
  assertEquals(lib.newestFirst()[0].id, items[9].id);
});
