// Hostile archives: parts made to exhaust memory or disk. Each is imported
// by the real program (`takeout`, as the task and the binary run it), in a
// child process whose peak resident memory is measured (GNU time's maximum
// RSS); every case must end with a clear outcome, its report naming what
// was refused, and a peak under the 200 MB target. The figures are printed
// for RELIABILITY.md.

import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { RUNTIME_FLAGS } from "../../src/cli/permissions.ts";
import { MAIN } from "../e2e/harness.ts";
import { readReport } from "../e2e/takeout_export.ts";
import {
  type TarEntrySpec,
  writeTar,
  writeZip,
  type ZipEntrySpec,
} from "../archive/archive_builder.ts";
import { hasStackTrace } from "./kit.ts";

const LONG = Deno.env.get("GPHOTOS_RELIABILITY") === "long";
const TARGET_KB = 200 * 1024;
const TIME = "/usr/bin/time";
const hasTime = await Deno.stat(TIME).then(() => true, () => false);
const PHOTOS = "Takeout/Google Photos/Photos from 2020/";
const enc = new TextEncoder();
const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0xff, 0xd9]);
/** A photo of its own bytes (identical bytes are stored once). */
const jpeg = (i: number) => new Uint8Array([...JPEG, ...enc.encode(String(i))]);
const PART = "takeout-20240101T000000Z-001";

interface Measured {
  code: number;
  stdout: string;
  stderr: string;
  peakKb: number;
}

/** `gphotos-sync takeout ROOT PART ARGS`, its peak memory measured. */
async function takeout(
  root: string,
  part: string,
  args: string[] = [],
): Promise<Measured> {
  const peakFile = `${root}.peak`;
  const out = await new Deno.Command(TIME, {
    args: [
      "-f",
      "%M",
      "-o",
      peakFile,
      Deno.execPath(),
      "run",
      ...RUNTIME_FLAGS,
      "--allow-all",
      MAIN,
      "takeout",
      root,
      part,
      ...args,
    ],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  const peakText = await Deno.readTextFile(peakFile);
  return {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
    peakKb: Number(peakText.trim().split("\n").pop()),
  };
}

const figures: string[] = [];

/** Checks the common promises and records the figure. */
function settle(name: string, size: number, r: Measured): void {
  assert(!hasStackTrace(r.stderr), r.stderr);
  assert(!/Unexpected error/.test(r.stderr), r.stderr);
  assert(
    r.peakKb < TARGET_KB,
    `${name}: peak ${Math.round(r.peakKb / 1024)} MB`,
  );
  const line =
    `${name}: ${(size / 1024).toFixed(0)} KB part, exit ${r.code}, ` +
    `peak ${(r.peakKb / 1024).toFixed(0)} MB`;
  figures.push(line);
  // deno-lint-ignore no-console -- the figures are for RELIABILITY.md
  console.log(line);
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "gphotos-hostile-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Makes entry `index` of a zip written by writeZip claim `size` bytes. */
async function claimZipSize(
  path: string,
  layout: { localOffsets: number[]; cdOffset: number },
  index: number,
  size: number,
): Promise<void> {
  const bytes = await Deno.readFile(path);
  const v = new DataView(bytes.buffer);
  v.setUint32(layout.localOffsets[index] + 22, size, true);
  let at = layout.cdOffset;
  for (let i = 0; i < index; i++) {
    at += 46 + v.getUint16(at + 28, true) + v.getUint16(at + 30, true) +
      v.getUint16(at + 32, true);
  }
  v.setUint32(at + 24, size, true);
  await Deno.writeFile(path, bytes);
}

const cases: {
  name: string;
  long?: boolean;
  run: (dir: string) => Promise<void>;
}[] = [
  {
    // A 1 MiB name per entry: held as strings, 400 of them took 2.2 GB.
    name: "long names: .tgz of 400 entries with 1 MiB names",
    run: async (dir) => {
      const part = join(dir, `${PART}.tgz`);
      const entries: TarEntrySpec[] = Array.from({ length: 400 }, (_, i) => ({
        name: `${PHOTOS}${String(i).padStart(4, "0")}${
          "x".repeat((1 << 20) - 100)
        }.jpg`,
        data: JPEG,
        longName: i % 2 ? "gnu" : "pax",
      }));
      entries.push({ name: `${PHOTOS}ok.jpg`, data: JPEG });
      await writeTar(part, entries);
      const root = join(dir, "root");
      const r = await takeout(root, part);
      settle("long names", (await Deno.stat(part)).size, r);
      assertEquals(r.code, 3, r.stderr);
      const report = await readReport(root);
      assertEquals(report.counts.refused, 400);
      assertEquals(report.counts.imported, 1);
      const refused = JSON.stringify(report);
      assertMatch(refused, /bytes long \(names over 4096 bytes are refused\)/);
      // Only the start of each name is kept, for the report.
      assert(refused.length < 400 * 1024, `${refused.length} bytes of report`);
    },
  },
  {
    // 1 MB descriptions: held per item, 400 of them took 510 MB.
    name: "huge sidecars: zip of 400 photos whose sidecars hold 1 MB texts",
    run: async (dir) => {
      const part = join(dir, `${PART}.zip`);
      const big = "d".repeat(1_000_000);
      const entries: ZipEntrySpec[] = [];
      for (let i = 0; i < 400; i++) {
        entries.push({ name: `${PHOTOS}IMG_${i}.jpg`, data: jpeg(i) });
        entries.push({
          name: `${PHOTOS}IMG_${i}.jpg.json`,
          data: enc.encode(JSON.stringify({
            title: `IMG_${i}.jpg`,
            description: `${i}${big}`,
            people: Array.from({ length: 5000 }, (_, p) => ({ name: `p${p}` })),
            photoTakenTime: { timestamp: "1600000000" },
          })),
        });
      }
      await writeZip(part, entries);
      const root = join(dir, "root");
      const r = await takeout(root, part);
      settle("huge sidecars", (await Deno.stat(part)).size, r);
      assertEquals(r.code, 0, r.stderr);
      const report = await readReport(root);
      assertEquals(report.counts.imported, 400);
      const xmp = await Deno.readTextFile(
        join(root, "photos", "2020", "09", "IMG_7.jpg.xmp"),
      );
      assertMatch(xmp, /\[cut from 1000001 characters\]/);
      assert(xmp.length < 200_000, `${xmp.length} bytes of XMP`);
    },
  },
  {
    // Entries that inflate far past what they declare: a sidecar and a
    // photo of 256 MiB of zeros each, declared as 100 bytes.
    name: "bombs: zip entries declaring 100 bytes that inflate to 256 MiB",
    run: async (dir) => {
      const part = join(dir, `${PART}.zip`);
      const zeros = new Uint8Array(256 << 20);
      const layout = await writeZip(part, [
        { name: `${PHOTOS}IMG_1.jpg.json`, data: zeros },
        { name: `${PHOTOS}IMG_2.jpg`, data: zeros },
        { name: `${PHOTOS}IMG_3.jpg`, data: JPEG },
      ]);
      await claimZipSize(part, layout, 0, 100);
      await claimZipSize(part, layout, 1, 100);
      const root = join(dir, "root");
      const r = await takeout(root, part);
      settle("bombs", (await Deno.stat(part)).size, r);
      assertEquals(r.code, 3, r.stderr);
      const report = await readReport(root);
      assertEquals(report.counts.imported, 1);
      assertMatch(r.stderr, /IMG_2\.jpg/);
    },
  },
  {
    // A gzip bomb: 1 GiB of zeros in a .tgz of about 1 MB, listed.
    name: "gzip bomb: .tgz of 1 GiB of zeros, listed by a dry run",
    run: async (dir) => {
      const part = join(dir, `${PART}.tgz`);
      const size = 1 << 30;
      await writeTar(part, [{
        name: `${PHOTOS}IMG_1.jpg`,
        data: {
          size,
          stream: async function* () {
            const chunk = new Uint8Array(1 << 20);
            for (let i = 0; i < size / chunk.length; i++) yield chunk;
          },
        },
      }]);
      const r = await takeout(join(dir, "root"), part, ["--dry-run"]);
      settle("gzip bomb", (await Deno.stat(part)).size, r);
      assertEquals(r.code, 0, r.stderr);
      assertMatch(r.stdout, /1 items would be imported/);
    },
  },
  {
    name: "deep nesting: zip of 400 photos 1,500 folders deep",
    run: async (dir) => {
      const part = join(dir, `${PART}.zip`);
      const deep = "a/".repeat(1500);
      await writeZip(
        part,
        Array.from({ length: 400 }, (_, i) => ({
          name: `${PHOTOS}${deep}IMG_${i}.jpg`,
          data: jpeg(i),
        })),
      );
      const root = join(dir, "root");
      const r = await takeout(root, part);
      settle("deep nesting", (await Deno.stat(part)).size, r);
      assertEquals(r.code, 0, r.stderr);
      assertEquals((await readReport(root)).counts.imported, 400);
    },
  },
  {
    // More entries than the old per-part bound of 100,000, as a real part
    // of small photos has: imported whole. What bounds a crafted part's
    // listing is the import's entry budget (1 GiB of tables, see
    // src/archive/entry_budget.ts and tests/archive/entry_budget_test.ts).
    name: "many tiny entries: zip of 100,200 entries (200 photos, 100,000 " +
      "other files) imports whole",
    run: async (dir) => {
      const part = join(dir, `${PART}.zip`);
      await writeZip(part, [
        ...Array.from({ length: 100_000 }, (_, i) => ({
          name: `Takeout/Keep/note_${i}.txt`,
        })),
        ...Array.from({ length: 200 }, (_, i) => ({
          name: `${PHOTOS}IMG_${i}.jpg`,
          data: jpeg(i),
        })),
      ]);
      const root = join(dir, "root");
      const r = await takeout(root, part);
      settle("many tiny entries", (await Deno.stat(part)).size, r);
      assertEquals(r.code, 0, r.stderr);
      const report = await readReport(root);
      assertEquals(report.counts.imported, 200);
      assertEquals(report.entries.listed, 100_200);
      assertEquals(report.entries.imported, 200);
      assertEquals(report.entries.otherFiles, 100_000);
    },
  },
  {
    // Every entry listed and planned.
    name: "many tiny entries: zip of 110,000 photos",
    long: true,
    run: async (dir) => {
      const part = join(dir, `${PART}.zip`);
      await writeZip(
        part,
        Array.from({ length: 110_000 }, (_, i) => ({
          name: `${PHOTOS}IMG_${i}.jpg`,
          data: JPEG,
        })),
      );
      const r = await takeout(join(dir, "root"), part, ["--dry-run"]);
      settle("110,000 tiny photos", (await Deno.stat(part)).size, r);
      assertEquals(r.code, 0, r.stderr);
      assertMatch(r.stdout, /Dry run: 110000 items would be imported/);
    },
  },
];

for (const c of cases) {
  Deno.test({
    name:
      `hostile archive, ${c.name}: a clear outcome, peak memory under 200 MB`,
    ignore: !hasTime || (c.long === true && !LONG),
    fn: () => withDir(c.run),
  });
}
