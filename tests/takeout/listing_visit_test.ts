// The listing handed over entry by entry (ListOptions.visit), the zip
// listing's windowed reading of small sidecars, and keepOnly(): what the
// importer uses so that neither the listing nor the sidecars' bytes are
// held for a whole export.

import { join } from "node:path";
import { assert, assertEquals } from "../assert.ts";
import type { ListedEntry } from "../../src/archive/archive.ts";
import { CorruptArchiveError } from "../../src/archive/archive_errors.ts";
import { ArchiveSet } from "../../src/archive/archive_set.ts";
import { ZipReader } from "../../src/archive/zip_reader.ts";
import {
  readAll,
  withTempDir,
  writeTar,
  writeZip,
} from "../archive/archive_builder.ts";

const enc = new TextEncoder();
const YEAR = "Takeout/Google Photos/Photos from 2023/";
const photo = (n: number) => enc.encode(`jpeg bytes ${n} `.repeat(300 + n));
const sidecar = (n: number) =>
  enc.encode(JSON.stringify({ title: `IMG_${n}.jpg`, n, pad: "x".repeat(n) }));

async function makeParts(dir: string): Promise<string[]> {
  const zip = join(dir, "takeout-001.zip");
  const tgz = join(dir, "takeout-002.tgz");
  const folder = join(dir, "takeout-003");
  const zipped = [];
  for (let n = 0; n < 40; n++) {
    zipped.push({ name: `${YEAR}IMG_${n}.jpg`, data: photo(n), method: 8 });
    zipped.push({
      name: `${YEAR}IMG_${n}.jpg.json`,
      data: sidecar(n),
      // Stored and deflated sidecars, one with a descriptor.
      method: n % 3 === 0 ? 0 : 8,
      descriptor: n === 7,
    });
  }
  zipped.push({ name: `${YEAR}damaged.jpg.json`, data: sidecar(99), crc: 1 });
  await writeZip(zip, zipped);
  await writeTar(tgz, [
    { name: `${YEAR}IMG_100.jpg`, data: photo(100) },
    { name: `${YEAR}IMG_100.jpg.json`, data: sidecar(100) },
  ]);
  await Deno.mkdir(join(folder, ...YEAR.split("/")), { recursive: true });
  await Deno.writeFile(
    join(folder, ...YEAR.split("/"), "IMG_200.jpg"),
    photo(2),
  );
  await Deno.writeFile(
    join(folder, ...YEAR.split("/"), "IMG_200.jpg.json"),
    sidecar(200),
  );
  return [zip, tgz, folder];
}

function summary(e: ListedEntry) {
  return {
    part: e.part,
    index: e.index,
    name: e.name,
    size: e.size,
    kind: e.kind,
    content: e.content ? new TextDecoder().decode(e.content) : undefined,
    error: e.contentError?.constructor.name,
  };
}

const byPlace = (a: { part: string; index: number }, b: typeof a) =>
  a.part < b.part ? -1 : a.part > b.part ? 1 : a.index - b.index;

Deno.test("a listing handed over entry by entry gives what the held listing gives, for zip, tgz and folder parts", () =>
  withTempDir(async (dir) => {
    const paths = await makeParts(dir);
    const collect = (e: { name: string }) => e.name.endsWith(".json");
    const held = await ArchiveSet.open(paths);
    const visited: ListedEntry[] = [];
    const streamed = await ArchiveSet.open(paths);
    try {
      const whole = await held.list({ collect });
      const listing = await streamed.list({
        collect,
        visit: (e) => visited.push(e),
      });
      assertEquals(listing.entries, []);
      assertEquals(
        visited.map(summary).sort(byPlace),
        whole.entries.map(summary).sort(byPlace),
      );
      assertEquals(
        listing.problems.map((p) => p.message),
        whole.problems.map((p) => p.message),
      );
      const damaged = visited.find((e) => e.name.endsWith("damaged.jpg.json"))!;
      assert(damaged.contentError instanceof CorruptArchiveError);
      const seventh = visited.find((e) => e.name.endsWith("IMG_7.jpg.json"))!;
      assertEquals(seventh.content, sidecar(7));
    } finally {
      await held.close();
      await streamed.close();
    }
  }));

Deno.test("keepOnly leaves the data pass the kept entries only, with their indexes, names and bytes", () =>
  withTempDir(async (dir) => {
    const [zip, , folder] = await makeParts(dir);
    const set = await ArchiveSet.open([zip, folder]);
    try {
      const { entries } = await set.list();
      const byPlace = new Map(entries.map((e) => [`${e.part}|${e.index}`, e]));
      const names = new Map(
        entries.map((e) => [`${e.part}|${e.index}`, e.name]),
      );
      const kept = (part: string, index: number) => {
        const e = byPlace.get(`${part}|${index}`)!;
        return e.kind === "file" && !e.name.endsWith(".json") &&
          index % 2 === 0;
      };
      set.keepOnly(kept);
      const seen: string[] = [];
      for await (const { entry, body } of set.entries()) {
        assert(kept(entry.part, entry.index), entry.name);
        assertEquals(entry.name, names.get(`${entry.part}|${entry.index}`));
        const n = Number(/IMG_(\d+)/.exec(entry.name)![1]);
        assertEquals(await readAll(body), photo(n === 200 ? 2 : n));
        seen.push(entry.name);
      }
      assertEquals(
        seen.length,
        entries.filter((e) => e.kind === "file" && kept(e.part, e.index))
          .length,
      );
      const dropped = entries.find((e) =>
        e.part === zip && !kept(e.part, e.index)
      )!;
      assertEquals(set.nameOf(zip, dropped.index), undefined);
      const zipKept = entries.find((e) =>
        e.part === zip && kept(zip, e.index)
      )!;
      assertEquals(set.nameOf(zip, zipKept.index), zipKept.name);
    } finally {
      await set.close();
    }
  }));

Deno.test("a zip part opened after keepOnly still finds a kept entry by its index", () =>
  withTempDir(async (dir) => {
    const [zip] = await makeParts(dir);
    const reader = await ZipReader.open(zip);
    try {
      const { entries } = await reader.list();
      const target = entries[10];
      reader.keepOnly((index) => index === 10 || index === 3);
      assertEquals(reader.nameOf(10), target.name);
      assertEquals(await readAll(reader.open(target)), photo(5));
    } finally {
      await reader.close();
    }
  }));
