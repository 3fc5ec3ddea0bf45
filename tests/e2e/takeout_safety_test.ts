// End-to-end: hostile and damaged exports, and interrupted imports. Entries
// that would land outside ROOT and link entries are refused and reported;
// a truncated part still gives everything readable (exit 3, the part
// named); an import killed or stopped half-way is completed by the next run
// without duplicates or temporary files.

import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { jpeg } from "../media/media_fixtures.ts";
import { writeTar, writeZip } from "../archive/archive_builder.ts";
import { listFiles } from "./harness.ts";
import {
  type ExportFile,
  randomBytes,
  readReport,
  sameBytes,
  sidecarJson,
  storedItems,
  supplementalName,
  takeout,
  utf8,
  withDir,
  writeExport,
} from "./takeout_export.ts";

const R = "Takeout/Google Photos";
const Y = `${R}/Photos from 2023`;

function sidecarFor(name: string, taken: string, id = name) {
  return {
    path: `${Y}/${supplementalName(name)}`,
    data: sidecarJson({ title: name, id: id.replace(/\W/g, ""), taken }),
  };
}

Deno.test("entries that would land outside ROOT and link entries are refused, reported, and nothing is written outside ROOT", async () => {
  await withDir(async (dir) => {
    const good = jpeg({ imageUniqueId: "good".padEnd(32, "9") });
    const evil = jpeg({ imageUniqueId: "evil".padEnd(32, "9") });
    const outside = join(dir, "outside");
    const hostileZip = [
      "../evil.jpg",
      `${outside}/abs-evil.jpg`,
      `${Y}/../../../../escape.jpg`,
      "..\\..\\win-evil.jpg",
    ];
    const hostileTar = ["../tar-evil.jpg", `${outside}/abs-tar-evil.jpg`];
    const parts = await writeExport(
      dir,
      [
        { path: `${Y}/IMG_1.jpg`, data: good, part: 0 },
        { ...sidecarFor("IMG_1.jpg", "2023-05-05T05:05:05Z"), part: 1 },
        // An album whose title would climb out of the albums folder.
        { path: `${R}/Escape/IMG_1.jpg`, data: good, part: 1 },
        {
          path: `${R}/Escape/${supplementalName("IMG_1.jpg")}`,
          data: sidecarJson({
            title: "IMG_1.jpg",
            id: "IMG1jpg",
            taken: "2023-05-05T05:05:05Z",
          }),
          part: 1,
        },
        {
          path: `${R}/Escape/metadata.json`,
          data: utf8.encode(JSON.stringify({ title: "../../../escape-album" })),
          part: 0,
        },
      ],
      ["zip", "tgz"],
      {
        zipExtras: {
          0: [
            ...hostileZip.map((name) => ({ name, data: evil })),
            {
              name: `${Y}/zip-link.jpg`,
              data: utf8.encode("/etc/passwd"),
              method: 0,
              unixMode: 0o120777,
            },
          ],
        },
        tarExtras: {
          1: [
            ...hostileTar.map((name) => ({ name, data: evil })),
            { name: `${Y}/tar-link.jpg`, type: "2", linkname: "/etc/passwd" },
            {
              name: `${Y}/tar-hard.jpg`,
              type: "1",
              linkname: `${Y}/IMG_1.jpg`,
            },
          ],
        },
      },
    );
    const root = join(dir, "backup");
    const r = await takeout(root, parts);
    assertEquals(r.code, 3, r.stderr);

    const report = await readReport(root);
    const refused = report.refused as { part: string; name: string }[];
    assertEquals(
      refused.map((x) => x.name).sort(),
      [
        ...hostileZip,
        ...hostileTar,
        `${Y}/zip-link.jpg`,
        `${Y}/tar-link.jpg`,
        `${Y}/tar-hard.jpg`,
      ].sort(),
    );
    for (const x of refused) assert(parts.includes(x.part), x.name);
    assertEquals(report.counts.refused, refused.length);

    // Nothing beside ROOT but the parts; inside ROOT, only what belongs.
    assertEquals(
      (await listFiles(dir)).filter((f) => !f.startsWith("backup/")).sort(),
      parts.map((p) => p.slice(dir.length + 1)).sort(),
    );
    const inside = await listFiles(root);
    assertEquals(
      inside.filter((f) =>
        !/^(photos|albums)\//.test(f) && !f.startsWith("gphotos.")
      ),
      [],
    );
    const stored = await storedItems(root);
    assertEquals(stored.map((s) => s.rel), ["photos/2023/05/IMG_1.jpg"]);
    assert(sameBytes(stored[0].bytes, good));
    const links = inside.filter((f) => f.startsWith("albums/"));
    assertEquals(links.length, 1, inside.join("\n"));
    assertMatch(
      links[0],
      /^albums\/2023\/0505 [^/]*escape-album\/0000_IMG_1\.jpg$/,
    );
  });
});

Deno.test("a truncated part: everything readable is imported, the part is named, exit 3", async () => {
  await withDir(async (dir) => {
    const one = randomBytes(20_000);
    const two = randomBytes(20_000);
    const three = randomBytes(20_000);
    const four = randomBytes(20_000);
    const five = randomBytes(64 * 1024);
    const six = randomBytes(64 * 1024);
    const zipPath = join(dir, "takeout-20240101T000000Z-001.zip");
    const names = ["IMG_1.jpg", "IMG_2.jpg", "IMG_3.jpg"];
    const layout = await writeZip(zipPath, [
      { name: `${Y}/IMG_1.jpg`, data: one, method: 0 },
      { name: `${Y}/IMG_2.jpg`, data: two, method: 0 },
      { name: `${Y}/IMG_3.jpg`, data: three, method: 0 },
    ]);
    // Cut inside IMG_3.jpg's data: its central directory is gone too.
    await Deno.truncate(zipPath, layout.localOffsets[2] + 100 + 10_000);

    const tgzPath = join(dir, "takeout-20240101T000000Z-002.tgz");
    await writeTar(tgzPath, [
      ...names.map((n, i) => ({
        ...sidecarFor(n, `2023-0${i + 1}-01T00:00:00Z`),
        name: sidecarFor(n, "").path,
      })),
      { name: `${Y}/IMG_4.jpg`, data: four },
      {
        name: sidecarFor("IMG_4.jpg", "").path,
        data: sidecarFor("IMG_4.jpg", "2023-04-01T00:00:00Z").data,
      },
    ]);
    const cutTgz = join(dir, "takeout-20240101T000000Z-003.tgz");
    await writeTar(cutTgz, [
      { name: `${Y}/IMG_5.jpg`, data: five },
      { name: `${Y}/IMG_6.jpg`, data: six },
    ]);
    const size = (await Deno.stat(cutTgz)).size;
    await Deno.truncate(cutTgz, Math.floor(size * 0.75));

    const root = join(dir, "backup");
    const r = await takeout(root, [zipPath, tgzPath, cutTgz]);
    assertEquals(r.code, 3, r.stderr);
    assertMatch(r.stderr, /takeout-20240101T000000Z-001\.zip is truncated/);
    assertMatch(r.stderr, /takeout-20240101T000000Z-003\.tgz/);

    const stored = await storedItems(root);
    const has = (bytes: Uint8Array) =>
      stored.some((s) => sameBytes(s.bytes, bytes));
    assert(has(one) && has(two), "entries before the cut are imported");
    assert(has(four), "the intact part is imported");
    assert(has(five), "the cut .tgz gives what precedes the cut");
    assert(!has(three) && !has(six), "nothing cut short is kept");
    assertEquals(
      stored.find((s) => sameBytes(s.bytes, one))!.rel,
      "photos/2023/01/IMG_1.jpg",
      "its sidecar in another part still applies",
    );
    const report = await readReport(root);
    const problems = (report.problems as string[]).join("\n");
    assertMatch(problems, /001\.zip/);
    assertMatch(problems, /003\.tgz/);
    assertEquals(
      (await listFiles(root)).filter((f) => f.endsWith(".part")),
      [],
    );
  });
});

/** Eight 16 MB items: an import long enough to be stopped half-way. */
async function bigExport(dir: string) {
  const items = Array.from({ length: 8 }, (_, i) => ({
    name: `VID_${i}.mp4`,
    bytes: randomBytes(16 << 20),
    taken: `2023-0${i + 1}-01T00:00:00Z`,
  }));
  const files: ExportFile[] = [];
  items.forEach((it, i) => {
    files.push({
      path: `${Y}/${it.name}`,
      data: it.bytes,
      part: i % 2,
      stored: true,
    }, { ...sidecarFor(it.name, it.taken), part: (i + 1) % 2 });
  });
  const parts = await writeExport(dir, files, ["zip", "zip"]);
  return { items, parts };
}

async function assertComplete(
  root: string,
  items: { name: string; bytes: Uint8Array; taken: string }[],
) {
  const stored = await storedItems(root);
  assertEquals(stored.length, items.length);
  for (const it of items) {
    const s = stored.filter((s) => s.rel.endsWith(`/${it.name}`));
    assertEquals(s.length, 1, it.name);
    assert(sameBytes(s[0].bytes, it.bytes), it.name);
    assertEquals(s[0].mtime.getTime(), Date.parse(it.taken), it.name);
  }
  const all = await listFiles(join(root, "photos"));
  assertEquals(all.filter((f) => f.endsWith(".part")), [], "temp files left");
  assertEquals(all.length, items.length * 2, `duplicates: ${all.join(", ")}`);
}

Deno.test("an import killed with SIGKILL half-way is completed by the next run, without duplicates or temp files", async () => {
  await withDir(async (dir) => {
    const { items, parts } = await bigExport(dir);
    const root = join(dir, "backup");
    const killed = await takeout(root, parts, ["--progress"], {
      killWhen: { text: "Importing: 1/", signal: "SIGKILL" },
    });
    assertEquals(killed.code, 137, killed.stderr);
    const before = await listFiles(join(root, "photos"));
    assert(
      before.filter((f) => f.endsWith(".mp4")).length < items.length,
      "the kill came too late to test anything",
    );

    const r = await takeout(root, parts);
    assertEquals(r.code, 0, r.stderr);
    await assertComplete(root, items);
  });
});

Deno.test("Ctrl-C stops an import with exit 130, keeps what is complete, and the next run finishes it", async () => {
  await withDir(async (dir) => {
    const { items, parts } = await bigExport(dir);
    const root = join(dir, "backup");
    const stopped = await takeout(root, parts, ["--progress"], {
      killWhen: { text: "Importing: 1/", signal: "SIGINT" },
    });
    assertEquals(stopped.code, 130, stopped.stderr);
    assertMatch(stopped.stderr, /Interrupted/);
    const kept = await storedItems(root);
    assert(kept.length >= 1, "what was complete is recorded");
    assert(kept.length < items.length, "the stop came too late");
    assertEquals(
      (await listFiles(root)).filter((f) => f.endsWith(".part")),
      [],
      "a stopped run leaves no temp files",
    );

    const r = await takeout(root, parts);
    assertEquals(r.code, 0, r.stderr);
    await assertComplete(root, items);
    const report = await readReport(root);
    assertEquals(report.counts.alreadyPresent, kept.length);
  });
});

Deno.test("an edited copy whose original is in a part not given does not stand for it: the original is imported with its part", async () => {
  await withDir(async (dir) => {
    const original = randomBytes(5_000);
    const edited = randomBytes(6_000);
    const parts = await writeExport(dir, [
      { ...sidecarFor("IMG_4.jpg", "2023-01-04T04:00:00Z"), part: 0 },
      { path: `${Y}/IMG_4-edited.jpg`, data: edited, part: 0 },
      { path: `${Y}/IMG_4.jpg`, data: original, part: 1 },
    ], ["zip", "zip"]);
    const root = join(dir, "backup");
    const first = await takeout(root, [parts[0]]);
    assertEquals(first.code, 0, first.stderr);
    // The edit, under its own name, dated by the original's sidecar.
    assertEquals((await storedItems(root)).map((s) => s.rel), [
      "photos/2023/01/IMG_4-edited.jpg",
    ]);
    const r = await takeout(root, parts);
    assertEquals(r.code, 0, r.stderr);
    const stored = await storedItems(root);
    assertEquals(stored.map((s) => s.rel).sort(), [
      "photos/2023/01/IMG_4-edited.jpg",
      "photos/2023/01/IMG_4.jpg",
    ]);
    assert(
      sameBytes(stored.find((s) => s.rel.endsWith("4.jpg"))!.bytes, original),
    );
  });
});

Deno.test("a photo whose sidecar is damaged is named and not imported undated; the whole part imports it dated", async () => {
  await withDir(async (dir) => {
    const one = randomBytes(5_000);
    const two = randomBytes(5_000);
    const side = sidecarFor("IMG_2.jpg", "2023-02-02T02:00:00Z");
    const zipPath = join(dir, "takeout-20240101T000000Z-001.zip");
    const write = (crc?: number) =>
      writeZip(zipPath, [
        { name: `${Y}/IMG_1.jpg`, data: one },
        {
          ...sidecarFor("IMG_1.jpg", "2023-01-01T01:00:00Z"),
          name: sidecarFor("IMG_1.jpg", "").path,
        },
        { name: `${Y}/IMG_2.jpg`, data: two },
        {
          name: side.path,
          data: side.data,
          ...(crc === undefined ? {} : { crc }),
        },
      ]);
    await write(0x1234);
    const root = join(dir, "backup");
    const r = await takeout(root, [zipPath]);
    assertEquals(r.code, 3, r.stderr);
    assertMatch(
      r.stderr,
      /Cannot import .*IMG_2\.jpg: its sidecar could not be read/,
    );
    const report = await readReport(root);
    assertEquals(report.failed.map((f: { name: string }) => f.name), [
      `${Y}/IMG_2.jpg`,
    ]);
    assertEquals((await storedItems(root)).map((s) => s.rel), [
      "photos/2023/01/IMG_1.jpg",
    ]);

    await write();
    const again = await takeout(root, [zipPath]);
    assertEquals(again.code, 0, again.stderr);
    const stored = await storedItems(root);
    const it = stored.find((s) => sameBytes(s.bytes, two))!;
    assertEquals(it.rel, "photos/2023/02/IMG_2.jpg");
    assertEquals(it.mtime.getTime(), Date.parse("2023-02-02T02:00:00Z"));
    assertEquals(stored.length, 2);
  });
});
