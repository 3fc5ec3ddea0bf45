import { join } from "node:path";
import { assert, assertEquals, assertMatch, assertRejects } from "../assert.ts";
import {
  ArchiveSet,
  missingParts,
  openArchive,
} from "../../src/archive/archive_set.ts";
import {
  type ArchiveError,
  CorruptArchiveError,
  TruncatedArchiveError,
} from "../../src/archive/archive_errors.ts";
import { UsageError } from "../../src/errors.ts";
import {
  readAll,
  readText,
  withTempDir,
  writeTar,
  writeZip,
} from "./archive_builder.ts";

const enc = new TextEncoder();
const photo = (n: number) => enc.encode(`jpeg bytes ${n} `.repeat(200));
const YEAR = "Takeout/Google Photos/Photos from 2023/";
const ALBUM = "Takeout/Google Photos/Trip/";

/**
 * One export in three parts: a zip, a tgz and an unpacked folder, with
 * sidecars in another part than their photos, and an NFD name.
 */
async function makeExport(dir: string): Promise<string[]> {
  const zip = join(dir, "takeout-20240101T000000Z-001.zip");
  const tgz = join(dir, "takeout-20240101T000000Z-002.tgz");
  const folder = join(dir, "takeout-20240101T000000Z-003");
  await writeZip(zip, [
    { name: `${YEAR}a.jpg`, data: photo(1) },
    { name: `${YEAR}Cafe\u0301.jpg`, data: photo(2) },
    { name: `${ALBUM}metadata.json`, data: enc.encode('{"title":"Trip"}') },
  ]);
  await writeTar(tgz, [
    { name: `${YEAR}a.jpg.json`, data: enc.encode('{"title":"a.jpg"}') },
    {
      name: `${YEAR}Caf\u00e9.jpg.json`,
      data: enc.encode('{"title":"Café.jpg"}'),
    },
    { name: `${ALBUM}a.jpg`, data: photo(1) },
  ]);
  await Deno.mkdir(join(folder, ...YEAR.split("/")), { recursive: true });
  await Deno.writeFile(join(folder, ...YEAR.split("/"), "b.jpg"), photo(3));
  await Deno.writeTextFile(
    join(folder, ...YEAR.split("/"), "b.jpg.supplemental-metadata.json"),
    '{"title":"b.jpg"}',
  );
  return [zip, tgz, folder];
}

const isJson = (e: { name: string }) => e.name.endsWith(".json");

Deno.test("parts of one export are listed as one tree, looked up in NFC", () =>
  withTempDir(async (dir) => {
    const paths = await makeExport(dir);
    const set = await ArchiveSet.open(paths);
    assertEquals(set.parts.map((p) => p.format), ["zip", "tgz", "folder"]);
    const listing = await set.list({ collect: isJson });
    assertEquals(listing.problems, []);
    // The NFD photo in the zip is found by its NFC sidecar's stem from the tgz.
    const [photoEntry] = listing.lookup(`${YEAR}Caf\u00e9.jpg`);
    assertEquals(photoEntry.name, `${YEAR}Cafe\u0301.jpg`);
    assertEquals(photoEntry.part, paths[0]);
    const [sidecar] = listing.lookup(`${YEAR}a.jpg.json`);
    assertEquals(sidecar.part, paths[1]);
    assertEquals(
      new TextDecoder().decode(sidecar.content),
      '{"title":"a.jpg"}',
    );
    assertEquals(
      listing.children("Takeout/Google Photos/Photos from 2023").map((e) =>
        e.name
      ).sort(),
      [
        `${YEAR}Caf\u00e9.jpg.json`,
        `${YEAR}Cafe\u0301.jpg`,
        `${YEAR}a.jpg`,
        `${YEAR}a.jpg.json`,
        `${YEAR}b.jpg`,
        `${YEAR}b.jpg.supplemental-metadata.json`,
      ].sort(),
    );
    assertEquals(listing.folders(), [
      "",
      "Takeout",
      "Takeout/Google Photos",
      "Takeout/Google Photos/Photos from 2023",
      "Takeout/Google Photos/Trip",
    ]);
    assertEquals(listing.lookup("nothing.jpg"), []);
  }));

Deno.test("the data pass streams every wanted entry once, part after part", () =>
  withTempDir(async (dir) => {
    const paths = await makeExport(dir);
    const set = await ArchiveSet.open(paths);
    const seen: [string, string, number][] = [];
    for await (
      const { entry, body } of set.entries({
        want: (e) => e.kind === "file" && !isJson(e),
      })
    ) {
      seen.push([entry.part, entry.name, (await readAll(body)).length]);
    }
    assertEquals(seen, [
      [paths[0], `${YEAR}a.jpg`, photo(1).length],
      [paths[0], `${YEAR}Cafe\u0301.jpg`, photo(2).length],
      [paths[1], `${ALBUM}a.jpg`, photo(1).length],
      [paths[2], `${YEAR}b.jpg`, photo(3).length],
    ]);
    await set.close();
  }));

Deno.test("set.open reads an entry from whichever part holds it", () =>
  withTempDir(async (dir) => {
    const paths = await makeExport(dir);
    const set = await ArchiveSet.open(paths);
    const listing = await set.list();
    for (
      const [name, bytes] of [
        [`${YEAR}a.jpg`, photo(1)],
        [`${ALBUM}a.jpg`, photo(1)],
        [`${YEAR}b.jpg`, photo(3)],
      ] as const
    ) {
      const [entry] = listing.lookup(name);
      assertEquals(await readAll(set.open(entry)), bytes, name);
    }
    const [json] = listing.lookup(`${YEAR}a.jpg.json`);
    assertEquals(await readText(set.open(json)), '{"title":"a.jpg"}');
  }));

Deno.test("a truncated part is reported and the other parts are still read", () =>
  withTempDir(async (dir) => {
    const paths = await makeExport(dir);
    const cut = join(dir, "takeout-20240101T000000Z-003.tgz");
    await writeTar(cut, [
      { name: `${YEAR}c.jpg`, data: photo(4) },
      {
        name: `${YEAR}d.jpg`,
        data: new Uint8Array(300_000).map((_, i) => i * 7),
      },
    ]);
    const bytes = await Deno.readFile(cut);
    await Deno.writeFile(cut, bytes.subarray(0, bytes.length - 2000));
    const set = await ArchiveSet.open([paths[0], cut, paths[1]]);
    const listing = await set.list();
    assertEquals(listing.problems.length, 1);
    assert(listing.problems[0] instanceof TruncatedArchiveError);
    assertEquals(listing.problems[0].part, cut);
    assertEquals(listing.lookup(`${YEAR}c.jpg`).length, 1);
    assertEquals(listing.lookup(`${ALBUM}a.jpg`).length, 1);

    const problems: ArchiveError[] = [];
    const read: string[] = [];
    for await (
      const { entry, body } of set.entries({
        onProblem: (p) => problems.push(p),
      })
    ) {
      try {
        await readAll(body);
        read.push(entry.name);
      } catch {
        // the cut entry: reported through onProblem as well
      }
    }
    assertEquals(problems.length, 1);
    assertEquals(problems[0].part, cut);
    assert(read.includes(`${YEAR}c.jpg`));
    assert(
      read.includes(`${ALBUM}a.jpg`),
      "the part after the cut one is read",
    );
    assert(!read.includes(`${YEAR}d.jpg`));

    // Without onProblem, the problem is thrown.
    await assertRejects(async () => {
      for await (const { body } of set.entries()) {
        await readAll(body).catch(() => {});
      }
    }, TruncatedArchiveError);
  }));

Deno.test("a part that cannot be opened is named in problems; the others open", () =>
  withTempDir(async (dir) => {
    const paths = await makeExport(dir);
    const broken = join(dir, "takeout-20240101T000000Z-004.zip");
    await Deno.writeTextFile(broken, "this is not a zip file at all, sorry");
    const set = await ArchiveSet.open([...paths, broken]);
    assertEquals(set.parts.length, 3);
    assertEquals(set.problems.length, 1);
    assert(set.problems[0] instanceof CorruptArchiveError);
    assertEquals(set.problems[0].part, broken);
    const listing = await set.list();
    assertEquals(listing.problems, set.problems);
  }));

Deno.test("openArchive refuses missing paths and unknown files with a UsageError", () =>
  withTempDir(async (dir) => {
    const missing = await assertRejects(
      () => openArchive(join(dir, "nope.zip")),
      UsageError,
    );
    assertMatch(missing.message, /nope\.zip/);
    const text = join(dir, "notes.txt");
    await Deno.writeTextFile(text, "hello");
    const unknown = await assertRejects(() => openArchive(text), UsageError);
    assertMatch(unknown.message, /not a Takeout part/);
    await assertRejects(
      () => ArchiveSet.open([join(dir, "nope.tgz")]),
      UsageError,
    );
  }));

Deno.test("openArchive recognises parts by their first bytes when the name says nothing", () =>
  withTempDir(async (dir) => {
    const zip = join(dir, "part-one");
    const tgz = join(dir, "part-two");
    const tar = join(dir, "part.tar");
    await writeZip(zip, [{ name: "a.jpg", data: photo(1) }]);
    await writeTar(tgz, [{ name: "b.jpg", data: photo(2) }]);
    await writeTar(tar, [{ name: "c.jpg", data: photo(3) }], { gzip: false });
    assertEquals((await openArchive(zip)).format, "zip");
    assertEquals((await openArchive(tgz)).format, "tgz");
    assertEquals((await openArchive(tar)).format, "tar");
    const set = await ArchiveSet.open([zip, tgz, tar]);
    const listing = await set.list();
    assertEquals(listing.entries.map((e) => e.name), [
      "a.jpg",
      "b.jpg",
      "c.jpg",
    ]);
  }));

Deno.test("parts missing from the middle of a numbered series are named", () => {
  const named = (paths: string[]) => missingParts(paths).map((p) => p.part);
  assertEquals(
    named([
      "/e/takeout-20240101T000000Z-001.zip",
      "/e/takeout-20240101T000000Z-004.zip",
      "/e/takeout-20240101T000000Z-002.zip",
    ]),
    ["/e/takeout-20240101T000000Z-003.zip"],
  );
  // Another export or another folder: series of their own; the kind of
  // each part does not matter.
  assertEquals(
    named([
      "/e/takeout-20240101T000000Z-001.zip",
      "/e/takeout-20240101T000000Z-002.tgz",
      "/f/takeout-20240101T000000Z-002.zip",
      "/e/takeout-20250101T000000Z-3-001.zip",
    ]),
    ["/f/takeout-20240101T000000Z-001.zip"],
  );
  // The first part alone, names of another shape, folders: nothing to say.
  assertEquals(named(["/e/takeout-20240101T000000Z-001.zip"]), []);
  assertEquals(named(["/e/photos-002.zip", "/e/Takeout"]), []);
  // An unpacked part keeps its name, without the extension.
  assertEquals(
    named([
      "/e/takeout-20240101T000000Z-001",
      "/e/takeout-20240101T000000Z-003.zip",
    ]),
    ["/e/takeout-20240101T000000Z-002"],
  );
});
