import { join } from "node:path";
import { assert, assertEquals, assertMatch, assertRejects } from "../assert.ts";
import { tarEntries, TarReader } from "../../src/archive/tar_reader.ts";
import {
  CorruptArchiveError,
  TruncatedArchiveError,
} from "../../src/archive/archive_errors.ts";
import type { ArchiveEntry } from "../../src/archive/archive.ts";
import {
  crcOf,
  drain,
  generated,
  hasTool,
  readAll,
  readText,
  run,
  type TarEntrySpec,
  withTempDir,
  writeTar,
} from "./archive_builder.ts";

const enc = new TextEncoder();
const photo = (n: number) => enc.encode(`jpeg bytes ${n} `.repeat(200));
const ROOT = "Takeout/Google Photos/";
const longName = `${ROOT}Photos from 2023/${
  "PXL_20231006_063909898".repeat(6)
}.jpg`;

function byName<E extends ArchiveEntry>(
  entries: readonly E[],
  name: string,
): E {
  const found = entries.find((e) => e.name === name);
  assert(found, `no entry ${name}`);
  return found;
}

const sample: TarEntrySpec[] = [
  { name: "Takeout/" },
  {
    name: `${ROOT}a.jpg`,
    data: photo(1),
    mtime: new Date(Date.UTC(2021, 4, 5, 6, 7, 8)),
  },
  { name: `${ROOT}a.jpg.json`, data: enc.encode('{"title":"a.jpg"}') },
  { name: longName, data: photo(2) },
  { name: `${longName}.gnu`, data: photo(3), longName: "gnu" },
  { name: `${ROOT}link.jpg`, type: "2", linkname: "../../etc/passwd" },
  { name: `${ROOT}hard.jpg`, type: "1", linkname: `${ROOT}a.jpg` },
  { name: `${ROOT}fifo`, type: "6" },
  { name: `${ROOT}chr`, type: "3" },
  { name: `${ROOT}Cafe\u0301.jpg`, data: photo(4) },
];

Deno.test("a tgz is listed with names, sizes, times, kinds and link targets", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "takeout-001.tgz");
    await writeTar(path, sample);
    const reader = await TarReader.open(path, true);
    assertEquals(reader.randomAccess, false);
    const { entries, problems, format } = await reader.list();
    assertEquals(problems, []);
    assertEquals(format, "tgz");
    assertEquals(
      entries.map((e) => [e.name, e.size, e.kind, e.linkTarget, e.index]),
      [
        ["Takeout/", 0, "dir", undefined, 0],
        [`${ROOT}a.jpg`, photo(1).length, "file", undefined, 1],
        [`${ROOT}a.jpg.json`, 17, "file", undefined, 2],
        [longName, photo(2).length, "file", undefined, 3],
        [`${longName}.gnu`, photo(3).length, "file", undefined, 4],
        [`${ROOT}link.jpg`, 0, "symlink", "../../etc/passwd", 5],
        [`${ROOT}hard.jpg`, 0, "hardlink", `${ROOT}a.jpg`, 6],
        [`${ROOT}fifo`, 0, "other", undefined, 7],
        [`${ROOT}chr`, 0, "other", undefined, 8],
        [`${ROOT}Cafe\u0301.jpg`, photo(4).length, "file", undefined, 9],
      ],
    );
    assertEquals(entries[1].mtime, new Date(Date.UTC(2021, 4, 5, 6, 7, 8)));
  }));

Deno.test("tarEntries visits entries in order with their bytes", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "p.tar.gz");
    await writeTar(path, sample);
    const got: [string, number][] = [];
    for await (const { entry, body } of tarEntries(path)) {
      got.push([entry.name, (await readAll(body)).length]);
    }
    assertEquals(got.length, sample.length);
    assertEquals(got[3], [longName, photo(2).length]);
    const bodies = new Map<string, Uint8Array>();
    for await (const { entry, body } of tarEntries(path)) {
      bodies.set(entry.name, await readAll(body));
    }
    assertEquals(bodies.get(`${ROOT}a.jpg`), photo(1));
    assertEquals(bodies.get(`${longName}.gnu`), photo(3));
    assertEquals(bodies.get(`${ROOT}Cafe\u0301.jpg`), photo(4));
  }));

Deno.test("unread bodies are skipped, wanted entries filtered, and a late read fails", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "skip.tgz");
    await writeTar(path, sample);
    const reader = await TarReader.open(path, true);
    const seen: string[] = [];
    let late: ReadableStream<Uint8Array> | undefined;
    for await (
      const { entry, body } of reader.entries({
        want: (e) => e.kind === "file",
      })
    ) {
      seen.push(entry.name);
      if (entry.name === `${ROOT}a.jpg`) late = body; // left unread
      if (entry.name === longName) assertEquals(await readAll(body), photo(2));
    }
    assertEquals(seen, [
      `${ROOT}a.jpg`,
      `${ROOT}a.jpg.json`,
      longName,
      `${longName}.gnu`,
      `${ROOT}Cafe\u0301.jpg`,
    ]);
    assert(late);
    const err = await assertRejects(() => readAll(late), Error);
    assertMatch(err.message, /moved past it/);
  }));

Deno.test("pax headers set path, size and mtime; global pax headers apply to what follows", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "pax.tgz");
    await writeTar(path, [
      {
        name: "short.jpg",
        data: photo(1),
        pax: {
          path: "Takeout/Photos from 2020/ünïcödé.jpg",
          mtime: "1696574349.5",
        },
      },
      { name: "x", type: "g", data: enc.encode("23 comment=global test\n") },
      { name: "y.jpg", data: photo(2) },
    ]);
    const reader = await TarReader.open(path, true);
    const { entries, problems } = await reader.list();
    assertEquals(problems, []);
    assertEquals(entries.map((e) => e.name), [
      "Takeout/Photos from 2020/ünïcödé.jpg",
      "y.jpg",
    ]);
    assertEquals(entries[0].mtime?.getTime(), 1696574349500);
    assertEquals(await readAll(reader.open(entries[1])), photo(2));
  }));

Deno.test("base-256 sizes are read, including sizes over 8 GB", () =>
  withTempDir(async (dir) => {
    const small = join(dir, "b256.tar");
    await writeTar(small, [{
      name: "a.jpg",
      data: photo(1),
      base256Size: true,
    }], {
      gzip: false,
    });
    const reader = await TarReader.open(small, false);
    const { entries } = await reader.list();
    assertEquals(entries[0].size, photo(1).length);
    assertEquals(await readAll(reader.open(entries[0])), photo(1));

    // A header claiming 9 GB, then the part ends: the size is listed, and
    // the cut is reported against that entry.
    const huge = join(dir, "huge.tgz");
    const nine = 9 * 2 ** 30;
    await writeTar(huge, [
      { name: "first.jpg", data: photo(2) },
      { name: "huge.mp4", claimSize: nine, data: photo(3) },
    ], { endBlocks: false });
    const cut = await TarReader.open(huge, true);
    const listing = await cut.list();
    assertEquals(listing.entries.map((e) => [e.name, e.size]), [
      ["first.jpg", photo(2).length],
      ["huge.mp4", nine],
    ]);
    const problem = listing.problems[0];
    assert(problem instanceof TruncatedArchiveError);
    assertEquals([problem.part, problem.entry], [huge, "huge.mp4"]);
  }));

Deno.test("a pax size over 8 GB is used instead of the header's", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "paxsize.tar");
    const ten = 10 * 2 ** 30;
    await writeTar(path, [
      { name: "big.mp4", pax: { size: String(ten) }, claimSize: 0 },
    ], { gzip: false, endBlocks: false });
    const { entries, problems } = await (await TarReader.open(path, false))
      .list();
    assertEquals(entries[0].size, ten);
    assert(problems[0] instanceof TruncatedArchiveError);
  }));

Deno.test("a truncated tgz delivers the entries before the cut, then a typed error naming the part", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "takeout-cut.tgz");
    await writeTar(path, [
      { name: "a.jpg", data: photo(1) },
      { name: "a.jpg.json", data: enc.encode("{}") },
      { name: "b.mp4", data: { size: 4 << 20, ...generated(4 << 20, 5) } },
      { name: "c.jpg", data: photo(3) },
    ]);
    const bytes = await Deno.readFile(path);
    await Deno.writeFile(
      path,
      bytes.subarray(0, Math.floor(bytes.length * 0.6)),
    );
    const reader = await TarReader.open(path, true);
    const read: string[] = [];
    let bodyError: unknown;
    const err = await assertRejects(async () => {
      for await (const { entry, body } of reader.entries()) {
        try {
          await readAll(body);
          read.push(entry.name);
        } catch (e) {
          bodyError = e;
        }
      }
    }, TruncatedArchiveError);
    assertEquals(read, ["a.jpg", "a.jpg.json"]);
    assertEquals([err.part, err.entry], [path, "b.mp4"]);
    assertMatch(err.message, /takeout-cut\.tgz is truncated/);
    assertEquals(bodyError, err); // the same error, from the body and the walk
    const listing = await reader.list();
    assertEquals(listing.entries.map((e) => e.name), [
      "a.jpg",
      "a.jpg.json",
      "b.mp4",
    ]);
    assertEquals(listing.problems.length, 1);
    assert(listing.problems[0] instanceof TruncatedArchiveError);
  }));

Deno.test("a plain tar cut inside a header is reported truncated", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "cut.tar");
    await writeTar(path, [
      { name: "a.jpg", data: photo(1) },
      { name: "b.jpg", data: photo(2) },
    ], { gzip: false });
    const cutAt = 512 + Math.ceil(photo(1).length / 512) * 512 + 100;
    await Deno.truncate(path, cutAt);
    const { entries, problems } = await (await TarReader.open(path, false))
      .list();
    assertEquals(entries.map((e) => e.name), ["a.jpg"]);
    assert(problems[0] instanceof TruncatedArchiveError);
    assertMatch(problems[0].message, /inside a header after entry "a.jpg"/);
  }));

Deno.test("a damaged header checksum is a CorruptArchiveError naming the part", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "bad.tar");
    await writeTar(path, [
      { name: "a.jpg", data: photo(1) },
      { name: "b.jpg", data: photo(2) },
    ], { gzip: false });
    const bytes = await Deno.readFile(path);
    const second = 512 + Math.ceil(photo(1).length / 512) * 512;
    bytes[second + 3] ^= 0x20;
    await Deno.writeFile(path, bytes);
    const { entries, problems } = await (await TarReader.open(path, false))
      .list();
    assertEquals(entries.map((e) => e.name), ["a.jpg"]);
    assert(problems[0] instanceof CorruptArchiveError);
    assertEquals(problems[0].part, path);
    assertMatch(problems[0].message, /checksum/);
  }));

Deno.test("damaged gzip data is a CorruptArchiveError", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "flip.tgz");
    await writeTar(path, [{
      name: "a.bin",
      data: { size: 2 << 20, ...generated(2 << 20, 9) },
    }]);
    const bytes = await Deno.readFile(path);
    for (let i = 200; i < 400; i++) bytes[i] ^= 0x5a;
    await Deno.writeFile(path, bytes);
    const { problems } = await (await TarReader.open(path, true)).list();
    assertEquals(problems.length, 1);
    assert(problems[0] instanceof CorruptArchiveError);
  }));

Deno.test("a .tgz that is not gzip is refused at open", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "fake.tgz");
    await Deno.writeTextFile(path, "not gzip at all");
    const err = await assertRejects(
      () => TarReader.open(path, true),
      CorruptArchiveError,
    );
    assertEquals(err.part, path);
  }));

Deno.test("the listing collects small sidecars' content on the way", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "collect.tgz");
    await writeTar(path, sample);
    const { entries } = await (await TarReader.open(path, true)).list({
      collect: (e) => e.name.endsWith(".json"),
    });
    const json = byName(entries, `${ROOT}a.jpg.json`);
    assertEquals(new TextDecoder().decode(json.content), '{"title":"a.jpg"}');
    assertEquals(byName(entries, `${ROOT}a.jpg`).content, undefined);
  }));

Deno.test("open() reaches one entry by decompressing up to it", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "open.tgz");
    await writeTar(path, sample);
    const reader = await TarReader.open(path, true);
    const { entries } = await reader.list();
    assertEquals(await readAll(reader.open(entries[9])), photo(4));
    assertEquals(await readText(reader.open(entries[2])), '{"title":"a.jpg"}');
    // Cancelling part way releases the part.
    await reader.open(entries[1]).cancel();
  }));

Deno.test("runs of zeros decompress in bounded chunks", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "zeros.tgz");
    const size = 48 << 20;
    await writeTar(path, [
      { name: "mixed.bin", data: { size: 8 << 20, ...generated(8 << 20, 4) } },
      { name: "zeros.bin", data: { size, stream: () => zeros(size) } },
    ]);
    const reader = await TarReader.open(path, true);
    for await (const { entry, body } of reader.entries()) {
      const got = await drain(body);
      assert(got.maxChunk <= 2 << 20, `${entry.name}: ${got.maxChunk}`);
      if (entry.name === "zeros.bin") {
        assertEquals(
          { crc: got.crc, size: got.size },
          await crcOf(zeros(size)),
        );
      }
    }
  }));

Deno.test("an aborted signal stops the walk", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "abort.tgz");
    await writeTar(path, sample);
    const controller = new AbortController();
    const seen: string[] = [];
    await assertRejects(async () => {
      for await (
        const { entry } of (await TarReader.open(path, true)).entries({
          signal: controller.signal,
        })
      ) {
        seen.push(entry.name);
        controller.abort(new DOMException("stop", "AbortError"));
      }
    }, DOMException);
    assertEquals(seen, ["Takeout/"]);
  }));

Deno.test("tgz parts made by GNU tar (gnu, pax and ustar formats) are read", async (t) => {
  if (!(await hasTool("tar"))) {
    t.step({ name: "tar not installed", ignore: true, fn: () => {} });
    return;
  }
  await withTempDir(async (dir) => {
    const src = join(dir, "src");
    const deep = join(
      src,
      "Takeout",
      "Google Photos",
      "a".repeat(60),
      "b".repeat(60),
    );
    await Deno.mkdir(deep, { recursive: true });
    const longFile = `${"c".repeat(90)}.jpg`;
    await Deno.writeFile(join(deep, longFile), photo(1));
    const album = join(src, "Takeout", "Google Photos", "Trip");
    await Deno.mkdir(album);
    await Deno.writeFile(join(album, "Cafe\u0301.jpg"), photo(2));
    await Deno.writeTextFile(join(album, "metadata.json"), '{"title":"Trip"}');
    await Deno.symlink("../../../../etc", join(album, "escape"));
    await Deno.link(join(album, "Cafe\u0301.jpg"), join(album, "hard.jpg"));
    await run(album, "mkfifo", ["pipe"]);
    const base = "Takeout/Google Photos/";
    const longPath = `${base}${"a".repeat(60)}/${"b".repeat(60)}/${longFile}`;
    for (const format of ["gnu", "pax", "ustar"]) {
      const path = join(dir, `${format}.tgz`);
      await run(src, "tar", [`--format=${format}`, "-czf", path, "Takeout"]);
      const reader = await TarReader.open(path, true);
      const { entries, problems } = await reader.list();
      assertEquals(problems, [], format);
      const kinds = Object.fromEntries(entries.map((e) => [e.name, e.kind]));
      assertEquals(kinds[longPath], "file", format);
      // One of the two names holds the bytes, the other links to it.
      assertEquals(
        [kinds[`${base}Trip/Cafe\u0301.jpg`], kinds[`${base}Trip/hard.jpg`]]
          .sort(),
        ["file", "hardlink"],
      );
      assertEquals(kinds[`${base}Trip/escape`], "symlink");
      assertEquals(kinds[`${base}Trip/pipe`], "other");
      assertEquals(kinds[`${base}Trip/`], "dir");
      const hard = entries.find((e) => e.kind === "hardlink");
      assert(hard, `${format}: no hardlink`);
      assertEquals(
        byName(entries, `${base}Trip/escape`).linkTarget,
        "../../../../etc",
      );
      const bodies = new Map<string, Uint8Array>();
      for await (
        const { entry, body } of reader.entries({
          want: (e) => e.kind === "file",
        })
      ) {
        bodies.set(entry.name, await readAll(body));
      }
      assertEquals(bodies.get(longPath), photo(1), format);
      const first = bodies.get(`${base}Trip/Cafe\u0301.jpg`) ??
        bodies.get(`${base}Trip/hard.jpg`);
      assertEquals(first, photo(2));
      assertEquals(
        bodies.get(`${base}Trip/metadata.json`),
        enc.encode('{"title":"Trip"}'),
      );
    }
  });
});

async function* zeros(size: number): AsyncIterable<Uint8Array> {
  const chunk = new Uint8Array(1 << 20);
  for (let at = 0; at < size; at += chunk.length) {
    yield chunk.subarray(0, Math.min(chunk.length, size - at));
  }
}

Deno.test("a body read after leaving the loop fails as read too late, not as a cut part", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "early.tgz");
    await writeTar(path, sample);
    let kept: ReadableStream<Uint8Array> | undefined;
    for await (const { entry, body } of tarEntries(path)) {
      if (entry.kind === "file") {
        kept = body;
        break;
      }
    }
    assert(kept);
    const err = await assertRejects(() => readAll(kept), Error);
    assertMatch(err.message, /moved past it/);
  }));
