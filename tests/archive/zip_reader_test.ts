import { join } from "node:path";
import { assert, assertEquals, assertMatch, assertRejects } from "../assert.ts";
import { ZipReader } from "../../src/archive/zip_reader.ts";
import {
  CorruptArchiveError,
  TruncatedArchiveError,
  UnsupportedArchiveError,
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
  withTempDir,
  writeZip,
  type ZipEntrySpec,
} from "./archive_builder.ts";

const enc = new TextEncoder();
const photo = (n: number) => enc.encode(`jpeg bytes ${n} `.repeat(200));
const YEAR = "Takeout/Google Photos/Photos from 2023/";

function byName(entries: readonly ArchiveEntry[], name: string): ArchiveEntry {
  const found = entries.find((e) => e.name === name);
  assert(found, `no entry ${name}`);
  return found;
}

Deno.test("zip listing gives names, sizes, times and kinds without reading data", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "takeout-20240101T000000Z-001.zip");
    const nfd = `${YEAR}Cafe\u0301.jpg`;
    const nfc = `${YEAR}Caf\u00e9.jpg`;
    await writeZip(path, [
      { name: YEAR },
      { name: `${YEAR}IMG_1.jpg`, data: photo(1), method: 8 },
      {
        name: `${YEAR}IMG_1.jpg.json`,
        data: enc.encode("{}"),
        method: 0,
        mtime: new Date(Date.UTC(2024, 0, 2, 3, 4, 6)),
      },
      { name: nfd, data: photo(2) },
      { name: nfc, data: photo(3) },
    ]);
    const reader = await ZipReader.open(path);
    const { entries, problems } = await reader.list();
    assertEquals(problems, []);
    assertEquals(reader.problems, []);
    assertEquals(entries.map((e) => [e.name, e.size, e.kind, e.index]), [
      [YEAR, 0, "dir", 0],
      [`${YEAR}IMG_1.jpg`, photo(1).length, "file", 1],
      [`${YEAR}IMG_1.jpg.json`, 2, "file", 2],
      [nfd, photo(2).length, "file", 3],
      [nfc, photo(3).length, "file", 4],
    ]);
    assertEquals(entries[2].mtime, new Date(Date.UTC(2024, 0, 2, 3, 4, 6)));
    assertEquals(entries.every((e) => e.part === path), true);
    assertEquals(entries.some((e) => e.content !== undefined), false);
  }));

Deno.test("zip entries stream their exact bytes, stored and deflated", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "p.zip");
    await writeZip(path, [
      { name: "stored.jpg", data: photo(1), method: 0 },
      { name: "deflated.jpg", data: photo(2), method: 8 },
      { name: "empty.json", data: new Uint8Array(0) },
      { name: "descriptor.jpg", data: photo(3), descriptor: true },
    ]);
    const reader = await ZipReader.open(path);
    const { entries } = await reader.list();
    assertEquals(await readAll(reader.open(entries[0])), photo(1));
    assertEquals(await readAll(reader.open(entries[1])), photo(2));
    assertEquals((await readAll(reader.open(entries[2]))).length, 0);
    assertEquals(await readAll(reader.open(entries[3])), photo(3));
  }));

Deno.test("64 MB stored and deflated entries stream in bounded chunks with the right CRC", () =>
  withTempDir(async (dir) => {
    const size = 64 << 20;
    const fast = { runs: true };
    const path = join(dir, "big.zip");
    // Generated while written, with sizes and CRC in data descriptors as a
    // streaming writer (like Google's) makes them.
    await writeZip(path, [
      { name: "stored.mp4", data: generated(size, 7, fast), method: 0 },
      { name: "deflated.mp4", data: generated(size, 7, fast), method: 8 },
      { name: "zeros.bin", data: zerosStream(size), method: 8 },
    ]);
    const expected = await crcOf(generated(size, 7, fast).stream());
    const zeros = await crcOf(zerosStream(size).stream());
    const reader = await ZipReader.open(path);
    const { entries } = await reader.list();
    for (const entry of entries.slice(0, 2)) {
      const got = await drain(reader.open(entry));
      assertEquals({ crc: got.crc, size: got.size }, expected, entry.name);
      assert(got.maxChunk <= 2 << 20, `${entry.name}: ${got.maxChunk}`);
    }
    // 64 MB of zeros deflate to 64 KB: still no chunk larger than ~1 MB.
    const got = await drain(reader.open(entries[2]));
    assertEquals({ crc: got.crc, size: got.size }, zeros);
    assert(got.maxChunk <= 2 << 20, `zeros: chunk of ${got.maxChunk}`);
    // Memory, in a process of its own (on Linux, where VmHWM is known):
    // holding one entry would be 64 MB more.
    if (Deno.build.os !== "linux") return;
    const child = new URL("./zip_stream_memory_child.ts", import.meta.url);
    const out = await new Deno.Command(Deno.execPath(), {
      // Deno lets only --allow-all write /proc/self/clear_refs.
      args: [
        "run",
        "--allow-all",
        "--v8-flags=--expose-gc",
        child.pathname,
        path,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert(out.success, new TextDecoder().decode(out.stderr));
    const report = JSON.parse(new TextDecoder().decode(out.stdout));
    assertEquals(report.bytes, 3 * size);
    assert(
      report.growth < 48 << 20,
      `resident memory grew by ${report.growth} bytes`,
    );
  }));

Deno.test("ZIP64 records and fields are read, even for small entries", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "z64.zip");
    await writeZip(path, [
      { name: "a.jpg", data: photo(1), zip64: true, method: 8 },
      { name: "b.json", data: enc.encode('{"x":1}'), zip64: true, method: 0 },
      { name: "c.mp4", data: photo(3), zip64: true, descriptor: true },
    ], { zip64End: true });
    const reader = await ZipReader.open(path);
    const { entries, problems } = await reader.list();
    assertEquals(problems, []);
    assertEquals(entries.map((e) => [e.name, e.size]), [
      ["a.jpg", photo(1).length],
      ["b.json", 7],
      ["c.mp4", photo(3).length],
    ]);
    assertEquals(await readAll(reader.open(entries[0])), photo(1));
    assertEquals(await readText(reader.open(entries[1])), '{"x":1}');
    assertEquals(await readAll(reader.open(entries[2])), photo(3));
  }));

Deno.test("more than 65535 entries are listed through the ZIP64 end record", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "many.zip");
    const count = 70_000;
    const specs: ZipEntrySpec[] = [];
    for (let i = 0; i < count; i++) {
      specs.push({
        name: `f/${i}.json`,
        data: enc.encode(String(i)),
        method: 0,
      });
    }
    await writeZip(path, specs);
    const reader = await ZipReader.open(path);
    const { entries, problems } = await reader.list();
    assertEquals(problems, []);
    assertEquals(entries.length, count);
    assertEquals(entries[count - 1].name, `f/${count - 1}.json`);
    assertEquals(await readText(reader.open(entries[count - 1])), "69999");
  }));

/** A >4 GB zip as a sparse file: no disk used, written instantly. */
async function writeHugeZip(path: string, big: number) {
  await writeZip(path, [
    { name: "VID_huge.mp4", data: { zeros: big }, method: 0 },
    { name: "after.json", data: enc.encode('{"after":true}'), method: 8 },
  ]);
}

Deno.test("an entry over 4 GB is listed, and the entry after it (offset > 4 GB) is read", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "huge.zip");
    const big = 2 ** 32 + 5000;
    await writeHugeZip(path, big);
    const reader = await ZipReader.open(path);
    const { entries, problems } = await reader.list();
    assertEquals(problems, []);
    assertEquals(entries.map((e) => e.size), [big, 14]);
    assertEquals(await readText(reader.open(entries[1])), '{"after":true}');
  }));

// Reading 4 GB of holes takes 2-10 s depending on the machine: opt-in.
Deno.test({
  name: "an entry over 4 GB streams to its end with the right count and CRC",
  ignore: !Deno.env.get("GPHOTOS_SLOW_TESTS"),
  fn: () =>
    withTempDir(async (dir) => {
      const path = join(dir, "huge.zip");
      const big = 2 ** 32 + 5000;
      await writeHugeZip(path, big);
      const reader = await ZipReader.open(path);
      const { entries } = await reader.list();
      // The reader checks the CRC at the end: drain() would throw on a
      // mismatch or a short count.
      const got = await drain(reader.open(entries[0]));
      assertEquals(got.size, big);
    }),
});

Deno.test("names without the UTF-8 flag are decoded as cp437 or from the Unicode path field", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "names.zip");
    await writeZip(path, [
      // "Café_ñ.jpg" in cp437: é = 0x82, ñ = 0xa4.
      {
        name: "cp437",
        rawName: new Uint8Array([
          0x43,
          0x61,
          0x66,
          0x82,
          0x5f,
          0xa4,
          0x2e,
          0x6a,
          0x70,
          0x67,
        ]),
        utf8Flag: false,
        data: photo(1),
      },
      {
        name: "unicode",
        rawName: enc.encode("Fotos_?.jpg"),
        unicodePath: "Fotos_日本.jpg",
        utf8Flag: false,
        data: photo(2),
      },
      { name: "Фото/снимок.jpg", data: photo(3) },
      // UTF-8 bytes without the flag, as macOS writes them.
      { name: "Été.jpg", utf8Flag: false, data: photo(4) },
    ]);
    const reader = await ZipReader.open(path);
    const { entries } = await reader.list();
    assertEquals(entries.map((e) => e.name), [
      "Café_ñ.jpg",
      "Fotos_日本.jpg",
      "Фото/снимок.jpg",
      "Été.jpg",
    ]);
  }));

Deno.test("a Unicode path field for another name is ignored", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "stale.zip");
    await writeZip(path, [{
      name: "x",
      rawName: enc.encode("renamed.jpg"),
      unicodePath: "original.jpg",
      utf8Flag: false,
      data: photo(1),
    }]);
    // Rewrite the name bytes after the field was made for them: the CRC in
    // the field no longer matches, as when a tool renames an entry.
    const bytes = await Deno.readFile(path);
    const text = new TextDecoder("latin1");
    for (let i = 0; i < bytes.length - 11; i++) {
      if (text.decode(bytes.subarray(i, i + 11)) === "renamed.jpg") {
        bytes.set(enc.encode("RENAMED"), i);
      }
    }
    await Deno.writeFile(path, bytes);
    const { entries } = await (await ZipReader.open(path)).list();
    assertEquals(entries[0].name, "RENAMED.jpg");
  }));

Deno.test("symlinks, devices and folders are recognised from the external attributes", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "kinds.zip");
    await writeZip(path, [
      {
        name: "link.jpg",
        data: enc.encode("../../etc/passwd"),
        method: 0,
        unixMode: 0o120777,
      },
      { name: "fifo", unixMode: 0o010644 },
      { name: "plain.jpg", data: photo(1), unixMode: 0o100644 },
      { name: "unixdir", unixMode: 0o040755 },
      { name: "dosdir/" },
    ]);
    const reader = await ZipReader.open(path);
    const { entries } = await reader.list();
    assertEquals(entries.map((e) => [e.name, e.kind, e.mode]), [
      ["link.jpg", "symlink", 0o120777],
      ["fifo", "other", 0o010644],
      ["plain.jpg", "file", 0o100644],
      ["unixdir", "dir", 0o040755],
      ["dosdir/", "dir", undefined],
    ]);
    // A symlink's bytes are its target.
    assertEquals(await readText(reader.open(entries[0])), "../../etc/passwd");
  }));

Deno.test("a CRC mismatch fails that entry's stream, naming part and entry; others still read", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "crc.zip");
    await writeZip(path, [
      { name: "bad.jpg", data: photo(1), crc: 0x12345678 },
      { name: "good.jpg", data: photo(2) },
    ]);
    const reader = await ZipReader.open(path);
    const { entries } = await reader.list();
    const err = await assertRejects(
      () => readAll(reader.open(entries[0])),
      CorruptArchiveError,
    );
    assertEquals([err.part, err.entry], [path, "bad.jpg"]);
    assertMatch(err.message, /CRC-32/);
    assertMatch(err.message, /crc\.zip/);
    assertEquals(err.exitCode, 3);
    assertEquals(await readAll(reader.open(entries[1])), photo(2));
  }));

Deno.test("damaged deflate data fails the stream with a CorruptArchiveError", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "flip.zip");
    const layout = await writeZip(path, [
      { name: "a.jpg", data: photo(1), method: 8 },
    ]);
    const bytes = await Deno.readFile(path);
    // Garble the deflate stream itself, past the 30 + 5 byte header.
    for (let i = 40; i < 60; i++) bytes[i] ^= 0xa5;
    assert(layout.cdOffset > 60);
    await Deno.writeFile(path, bytes);
    const reader = await ZipReader.open(path);
    const { entries } = await reader.list();
    const err = await assertRejects(
      () => readAll(reader.open(entries[0])),
      CorruptArchiveError,
    );
    assertEquals(err.entry, "a.jpg");
  }));

Deno.test("a zip cut before its central directory lists the complete entries and is reported truncated", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "takeout-cut.zip");
    const layout = await writeZip(path, [
      { name: "a.jpg", data: photo(1), method: 8 },
      { name: "a.jpg.json", data: enc.encode('{"title":"a.jpg"}'), method: 0 },
      { name: "b.mp4", data: generated(300_000, 3), method: 8 }, // descriptor
      { name: "c.jpg", data: photo(3), method: 0, descriptor: true },
      {
        name: "d.jpg",
        data: photo(4),
        unsignedDescriptor: true,
        descriptor: true,
      },
      { name: "e.jpg", data: photo(5), method: 8 },
    ]);
    // Cut in the middle of e.jpg's data.
    await Deno.truncate(path, layout.localOffsets[5] + 60);
    const reader = await ZipReader.open(path);
    assertEquals(reader.problems.length, 1);
    const problem = reader.problems[0];
    assert(problem instanceof TruncatedArchiveError);
    assertEquals([problem.part, problem.entry], [path, "e.jpg"]);
    assertMatch(problem.message, /5 complete entries were recovered/);
    const { entries, problems } = await reader.list();
    assertEquals(problems, [problem]);
    assertEquals(entries.map((e) => e.name), [
      "a.jpg",
      "a.jpg.json",
      "b.mp4",
      "c.jpg",
      "d.jpg",
    ]);
    assertEquals(await readAll(reader.open(entries[0])), photo(1));
    assertEquals(await readText(reader.open(entries[1])), '{"title":"a.jpg"}');
    const b = await drain(reader.open(entries[2]));
    assertEquals(
      { crc: b.crc, size: b.size },
      await crcOf(generated(300_000, 3).stream()),
    );
    assertEquals(entries[2].size, 300_000);
    assertEquals(await readAll(reader.open(entries[3])), photo(3));
    assertEquals(await readAll(reader.open(entries[4])), photo(4));
  }));

Deno.test("a zip cut inside its central directory keeps the kinds of the surviving records", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "cut-cd.zip");
    const layout = await writeZip(path, [
      { name: "link", data: enc.encode("/etc"), method: 0, unixMode: 0o120777 },
      { name: "a.jpg", data: photo(1) },
      { name: "b.jpg", data: photo(2) },
    ]);
    await Deno.truncate(path, layout.cdOffset + 60);
    const reader = await ZipReader.open(path);
    assert(reader.problems[0] instanceof TruncatedArchiveError);
    const { entries } = await reader.list();
    assertEquals(entries.map((e) => [e.name, e.kind]), [
      ["link", "symlink"],
      ["a.jpg", "file"],
      ["b.jpg", "file"],
    ]);
    assertEquals(await readAll(reader.open(entries[2])), photo(2));
  }));

Deno.test("a central directory offset pointing nowhere is reported and the entries are recovered", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "badcd.zip");
    const layout = await writeZip(path, [
      { name: "a.jpg", data: photo(1) },
      { name: "b.jpg", data: photo(2) },
    ]);
    const bytes = await Deno.readFile(path);
    // Claim a directory larger than the file.
    new DataView(bytes.buffer).setUint32(layout.eocdOffset + 12, 1 << 30, true);
    await Deno.writeFile(path, bytes);
    const reader = await ZipReader.open(path);
    const problem = reader.problems[0];
    assert(problem instanceof CorruptArchiveError);
    assertMatch(problem.message, /damaged central directory/);
    const { entries } = await reader.list();
    assertEquals(entries.map((e) => e.name), ["a.jpg", "b.jpg"]);
    assertEquals(await readAll(reader.open(entries[1])), photo(2));
  }));

Deno.test("an entry whose local header is not where the directory says fails when read", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "badoffset.zip");
    const layout = await writeZip(path, [
      { name: "a.jpg", data: photo(1) },
      { name: "b.jpg", data: photo(2) },
    ]);
    const bytes = await Deno.readFile(path);
    bytes[layout.localOffsets[1]] = 0; // destroy b.jpg's local signature
    await Deno.writeFile(path, bytes);
    const reader = await ZipReader.open(path);
    const { entries } = await reader.list();
    const err = await assertRejects(
      () => readAll(reader.open(entries[1])),
      CorruptArchiveError,
    );
    assertEquals([err.part, err.entry], [path, "b.jpg"]);
    assertEquals(await readAll(reader.open(entries[0])), photo(1));
  }));

Deno.test("a file that is no zip is refused at open, naming it", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "notes.zip");
    await Deno.writeTextFile(path, "just some text, long enough to look at");
    const err = await assertRejects(
      () => ZipReader.open(path),
      CorruptArchiveError,
    );
    assertEquals(err.part, path);
    assertMatch(err.message, /is not a zip archive/);
  }));

Deno.test("encrypted entries and unknown methods fail on read with UnsupportedArchiveError", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "odd.zip");
    await writeZip(path, [
      { name: "secret.jpg", data: photo(1), method: 0, extraFlags: 1 },
      { name: "bzip.jpg", data: photo(2), method: 12 },
      { name: "fine.jpg", data: photo(3) },
    ]);
    const reader = await ZipReader.open(path);
    const { entries } = await reader.list();
    const secret = await assertRejects(
      () => readAll(reader.open(entries[0])),
      UnsupportedArchiveError,
    );
    assertMatch(secret.message, /encrypted/);
    const bzip = await assertRejects(
      () => readAll(reader.open(entries[1])),
      UnsupportedArchiveError,
    );
    assertMatch(bzip.message, /method 12 \(bzip2\)/);
    assertEquals(await readAll(reader.open(entries[2])), photo(3));
  }));

Deno.test("bytes before the archive (a self-extractor stub) shift offsets correctly", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "sfx.zip");
    await writeZip(path, [
      { name: "a.jpg", data: photo(1) },
      { name: "b.json", data: enc.encode("{}"), method: 0 },
    ], {
      prefix: enc.encode("#!/bin/sh\nexit 0\n".repeat(10)),
      comment: "made in a test",
    });
    const reader = await ZipReader.open(path);
    const { entries, problems } = await reader.list();
    assertEquals(problems, []);
    assertEquals(await readAll(reader.open(entries[0])), photo(1));
    assertEquals(await readText(reader.open(entries[1])), "{}");
  }));

Deno.test("the data pass visits wanted entries by data offset and releases each body", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "pass.zip");
    await writeZip(path, [
      { name: "a.jpg", data: photo(1) },
      { name: "a.jpg.json", data: enc.encode("{}") },
      { name: "b.jpg", data: photo(2) },
    ]);
    const reader = await ZipReader.open(path);
    const seen: string[] = [];
    let kept: ReadableStream<Uint8Array> | undefined;
    for await (
      const { entry, body } of reader.entries({
        want: (e) => e.name.endsWith(".jpg"),
      })
    ) {
      seen.push(entry.name);
      if (entry.name === "a.jpg") kept = body; // not read before moving on
      else assertEquals(await readAll(body), photo(2));
    }
    assertEquals(seen, ["a.jpg", "b.jpg"]);
    assert(kept);
    const err = await assertRejects(() => readAll(kept), Error);
    assertMatch(
      err.message,
      /a\.jpg" of .* was read after the data pass moved past it/,
    );
    await reader.close();
  }));

Deno.test("the listing collects small entries' content, and only those asked for", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "collect.zip");
    const big = enc.encode(JSON.stringify({ title: "x".repeat(5000) }));
    await writeZip(path, [
      { name: "a.jpg", data: photo(1) },
      { name: "a.jpg.json", data: enc.encode('{"title":"a.jpg"}'), method: 8 },
      { name: "big.json", data: big },
      { name: "bad.json", data: enc.encode("{}"), crc: 1 },
    ]);
    const reader = await ZipReader.open(path);
    const listing = await reader.list({
      collect: (e) => e.name.endsWith(".json"),
      collectMaxBytes: 1000,
    });
    const [jpg, json, bigJson, bad] = listing.entries;
    assertEquals(jpg.content, undefined);
    assertEquals(new TextDecoder().decode(json.content), '{"title":"a.jpg"}');
    assertEquals(bigJson.content, undefined);
    assertEquals(bigJson.size, big.length);
    assert(bad.contentError instanceof CorruptArchiveError);
    assertEquals(listing.problems, [bad.contentError]);
  }));

Deno.test("an entry of another reader is refused by open()", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "x.zip");
    await writeZip(path, [{ name: "a.jpg", data: photo(1) }]);
    const reader = await ZipReader.open(path);
    const { entries } = await reader.list();
    let refused = false;
    try {
      reader.open({ ...entries[0], part: "other.zip" });
    } catch (err) {
      refused = err instanceof RangeError;
    }
    assert(refused);
  }));

Deno.test("zips written by this test helper pass unzip -t", async (t) => {
  if (!(await hasTool("unzip"))) {
    t.step({ name: "unzip not installed", ignore: true, fn: () => {} });
    return;
  }
  await withTempDir(async (dir) => {
    const path = join(dir, "helper.zip");
    await writeZip(path, [
      { name: "a.jpg", data: photo(1) },
      { name: "b.json", data: enc.encode("{}"), zip64: true, method: 0 },
      { name: "c.mp4", data: generated(200_000, 2) },
      {
        name: "Фото.jpg",
        data: photo(2),
        unsignedDescriptor: true,
        descriptor: true,
      },
    ], { zip64End: true });
    const out = await run(dir, "unzip", ["-t", path]);
    assertMatch(out, /No errors detected/);
  });
});

Deno.test("zips made by Info-ZIP zip are read like its unzip reads them", async (t) => {
  if (!(await hasTool("zip"))) {
    t.step({ name: "zip not installed", ignore: true, fn: () => {} });
    return;
  }
  await withTempDir(async (dir) => {
    const src = join(dir, "src");
    const album = join(src, "Takeout", "Google Photos", "Trip");
    await Deno.mkdir(album, { recursive: true });
    await Deno.mkdir(join(src, "Takeout", "empty"));
    const nfd = "Cafe\u0301.jpg";
    await Deno.writeFile(join(album, nfd), photo(1));
    await Deno.writeFile(
      join(album, "movie.mp4"),
      enc.encode("m".repeat(100_000)),
    );
    await Deno.writeTextFile(join(album, "metadata.json"), '{"title":"Trip"}');
    await Deno.symlink("../../../outside", join(album, "escape"));
    await run(src, "zip", ["-q", "-r", "-y", join(dir, "info.zip"), "Takeout"]);
    await run(src, "zip", [
      "-q",
      "-r",
      "-y",
      "-fz",
      join(dir, "forced64.zip"),
      "Takeout",
    ]);
    for (const zip of ["info.zip", "forced64.zip"]) {
      const reader = await ZipReader.open(join(dir, zip));
      const { entries, problems } = await reader.list();
      assertEquals(problems, []);
      const base = "Takeout/Google Photos/Trip/";
      const kinds = Object.fromEntries(entries.map((e) => [e.name, e.kind]));
      assertEquals(kinds[`${base}${nfd}`], "file", zip);
      assertEquals(kinds[`${base}escape`], "symlink");
      assertEquals(kinds["Takeout/empty/"], "dir");
      assertEquals(
        await readAll(reader.open(byName(entries, `${base}${nfd}`))),
        photo(1),
      );
      assertEquals(
        await readText(reader.open(byName(entries, `${base}movie.mp4`))),
        "m".repeat(100_000),
      );
      assertEquals(
        await readText(reader.open(byName(entries, `${base}escape`))),
        "../../../outside",
      );
      const meta = byName(entries, `${base}metadata.json`);
      assertEquals(
        meta.mtime?.getTime(),
        Math.floor(
          (await Deno.stat(join(album, "metadata.json"))).mtime!.getTime() /
            1000,
        ) * 1000,
      );
    }
  });
});

Deno.test("a zip streamed by Info-ZIP (data descriptors) and cut short is recovered", async (t) => {
  if (!(await hasTool("zip"))) {
    t.step({ name: "zip not installed", ignore: true, fn: () => {} });
    return;
  }
  await withTempDir(async (dir) => {
    const big = join(dir, "big.bin");
    const data = new Uint8Array(200_000).map((_, i) => (i * 31) & 0xff);
    await Deno.writeFile(big, data);
    await Deno.writeTextFile(join(dir, "small.txt"), "small");
    // Output to a pipe: zip cannot seek back, so it writes descriptors.
    await run(dir, "sh", [
      "-c",
      "zip -q - small.txt big.bin | cat > streamed.zip",
    ]);
    const path = join(dir, "streamed.zip");
    const whole = await ZipReader.open(path);
    const listed = await whole.list();
    assertEquals(listed.problems, []);
    assertEquals(listed.entries.map((e) => e.name), ["small.txt", "big.bin"]);
    const size = (await Deno.stat(path)).size;
    await Deno.truncate(path, size - 40); // into the central directory
    const cut = await ZipReader.open(path);
    assert(cut.problems[0] instanceof TruncatedArchiveError);
    const { entries } = await cut.list();
    assertEquals(entries.map((e) => e.name), ["small.txt", "big.bin"]);
    assertEquals(await readText(cut.open(entries[0])), "small");
    assertEquals(await readAll(cut.open(entries[1])), data);
  });
});

function zerosStream(size: number) {
  return {
    stream: async function* () {
      const chunk = new Uint8Array(1 << 20);
      for (let at = 0; at < size; at += chunk.length) {
        yield chunk.subarray(0, Math.min(chunk.length, size - at));
      }
    },
  };
}
