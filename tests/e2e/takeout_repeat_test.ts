// End-to-end: importing again. The same export twice adds nothing, a later
// overlapping export adds only what is new (identical bytes are stored
// once), and an item first downloaded through the Library API becomes one
// record whose file is replaced by Takeout's original bytes.

import { join } from "node:path";
import { assert, assertEquals } from "../assert.ts";
import { jpeg } from "../media/media_fixtures.ts";
import { backup, listFiles } from "./harness.ts";
import {
  type ExportFile,
  readReport,
  sameBytes,
  sidecarJson,
  snapshot,
  storedItems,
  supplementalName,
  takeout,
  withDir,
  withIndex,
  writeExport,
} from "./takeout_export.ts";

const R = "Takeout/Google Photos";

interface Item {
  name: string;
  id: string;
  taken: string;
  bytes: Uint8Array;
  album?: string;
}

function item(name: string, taken: string, album?: string): Item {
  return {
    name,
    id: name.replace(/\W/g, ""),
    taken,
    bytes: jpeg({ imageUniqueId: name.padEnd(32, "7") }),
    album,
  };
}

/** An export of `items`, each in its year folder (and album), spread over parts. */
function exportOf(items: Item[], parts: number, shift = 0): ExportFile[] {
  const files: ExportFile[] = [];
  items.forEach((it, i) => {
    const side = sidecarJson({ title: it.name, id: it.id, taken: it.taken });
    const folders = [`Photos from ${it.taken.slice(0, 4)}`];
    if (it.album) folders.push(it.album);
    for (const folder of folders) {
      files.push({
        path: `${R}/${folder}/${it.name}`,
        data: it.bytes,
        part: (i + shift) % parts,
      }, {
        path: `${R}/${folder}/${supplementalName(it.name)}`,
        data: side,
        part: (i + shift + 1) % parts,
      });
    }
  });
  return files;
}

/** Program files that change on every run. */
const own = (rel: string) =>
  rel.startsWith("gphotos.") && !rel.endsWith(".sqlite");

Deno.test("importing the same export twice adds nothing", async () => {
  await withDir(async (dir) => {
    const items = [
      item("IMG_1.jpg", "2023-01-01T10:00:00Z", "Trip"),
      item("IMG_2.jpg", "2023-01-02T10:00:00Z"),
      item("IMG_3.jpg", "2023-02-03T10:00:00Z", "Trip"),
    ];
    const parts = await writeExport(dir, exportOf(items, 2), ["zip", "tgz"]);
    const root = join(dir, "backup");
    const r1 = await takeout(root, parts);
    assertEquals(r1.code, 0, r1.stderr);
    const before = await snapshot(
      root,
      (rel) => own(rel) || rel.endsWith(".sqlite"),
    );
    const rows = (await storedItems(root)).length;
    assertEquals(rows, 3);

    const r2 = await takeout(root, parts);
    assertEquals(r2.code, 0, r2.stderr);
    const report = await readReport(root);
    assertEquals(report.counts.imported, 0);
    assertEquals(report.counts.alreadyPresent, 3);
    assertEquals(report.counts.albums, 1);
    assertEquals(
      await snapshot(root, (rel) => own(rel) || rel.endsWith(".sqlite")),
      before,
      "files were rewritten",
    );
    assertEquals((await storedItems(root)).length, rows);
  });
});

Deno.test("a later, overlapping export adds only the new items, and identical bytes are stored once", async () => {
  await withDir(async (dir) => {
    const old = [
      item("IMG_1.jpg", "2023-01-01T10:00:00Z", "Trip"),
      item("IMG_2.jpg", "2023-01-02T10:00:00Z"),
      item("IMG_3.jpg", "2023-02-03T10:00:00Z"),
    ];
    const first = join(dir, "2024");
    await Deno.mkdir(first);
    const parts1 = await writeExport(first, exportOf(old, 2), ["zip", "zip"], {
      stamp: "20240101T000000Z",
    });
    const root = join(dir, "backup");
    const r1 = await takeout(root, parts1);
    assertEquals(r1.code, 0, r1.stderr);
    const before = await snapshot(
      root,
      (rel) => own(rel) || rel.endsWith(".sqlite"),
    );

    // A year later: the old items again (in other parts), two new ones, one
    // of them in the album, and the same bytes as IMG_2 uploaded again under
    // another name and id.
    const fresh = [
      item("IMG_4.jpg", "2024-03-01T10:00:00Z", "Trip"),
      item("IMG_5.jpg", "2024-03-02T10:00:00Z"),
    ];
    const again = { ...item("Copy of IMG_2.jpg", "2024-04-04T10:00:00Z") };
    again.bytes = old[1].bytes;
    const second = join(dir, "2025");
    await Deno.mkdir(second);
    const parts2 = await writeExport(
      second,
      exportOf([...fresh, ...old, again], 3, 1),
      ["tgz", "zip", "tgz"],
      { stamp: "20250101T000000Z" },
    );
    const r2 = await takeout(root, parts2);
    assertEquals(r2.code, 0, r2.stderr);
    const report = await readReport(root);
    assertEquals(report.counts.imported, 2);
    assertEquals(report.counts.alreadyPresent, 3);
    assertEquals(report.counts.identical, 1);

    const stored = await storedItems(root);
    assertEquals(stored.map((s) => s.rel).sort(), [
      "photos/2023/01/IMG_1.jpg",
      "photos/2023/01/IMG_2.jpg",
      "photos/2023/02/IMG_3.jpg",
      "photos/2024/03/IMG_4.jpg",
      "photos/2024/03/IMG_5.jpg",
    ]);
    for (const it of [...old, ...fresh]) {
      const s = stored.find((s) => s.rel.endsWith(`/${it.name}`))!;
      assert(sameBytes(s.bytes, it.bytes), it.name);
    }
    const after = await snapshot(
      root,
      (rel) => own(rel) || rel.endsWith(".sqlite"),
    );
    for (const [rel, stat] of Object.entries(before)) {
      // An album folder is dated by its last item: it moves when one is added.
      if (rel.startsWith("albums/")) continue;
      assertEquals(after[rel], stat, `${rel} was rewritten`);
    }
    assertEquals(await listFiles(join(root, "albums")), [
      "2024/0301 Trip/0000_IMG_1.jpg",
      "2024/0301 Trip/0001_IMG_4.jpg",
    ]);

    // The copy is remembered: a third import of the same parts adds nothing.
    const r3 = await takeout(root, parts2);
    assertEquals(r3.code, 0, r3.stderr);
    const report3 = await readReport(root);
    assertEquals(report3.counts.imported, 0);
    assertEquals(report3.counts.identical, 0);
    assertEquals(report3.counts.alreadyPresent, 6);
  });
});

Deno.test("an item synced through the Library API becomes one record whose file Takeout's original replaces", async () => {
  await using b = await backup((lib) => {
    lib.photo("IMG_4000.jpg", "2023-03-03T03:03:03Z", { id: "api-1" });
    lib.photo("IMG_4001.jpg", "2023-03-04T04:04:04Z", { id: "api-2" });
  });
  await b.signIn();
  const synced = await b.sync();
  assertEquals(synced.code, 0, synced.stderr);
  const apiCopy = await Deno.readFile(b.path("photos/2023/03/IMG_4000.jpg"));

  const original = jpeg({
    dateTimeOriginal: "2023:03:03 03:03:03",
    imageUniqueId: "original".padEnd(32, "8"),
  });
  assert(!sameBytes(original, apiCopy));
  const newOne = jpeg({ imageUniqueId: "new".padEnd(32, "8") });
  const parts = await writeExport(b.dir, [
    { path: `${R}/Photos from 2023/IMG_4000.jpg`, data: original, part: 0 },
    {
      path: `${R}/Photos from 2023/IMG_4000.jpg.supplemental-metadata.json`,
      data: sidecarJson({
        title: "IMG_4000.jpg",
        id: "takeout-4000",
        taken: "2023-03-03T03:03:03Z",
        geo: [40.7, -74],
      }),
      part: 1,
    },
    { path: `${R}/Photos from 2023/IMG_4100.jpg`, data: newOne, part: 1 },
    {
      path: `${R}/Photos from 2023/IMG_4100.jpg.supplemental-metadata.json`,
      data: sidecarJson({
        title: "IMG_4100.jpg",
        id: "takeout-4100",
        taken: "2023-03-05T05:05:05Z",
      }),
      part: 0,
    },
  ], ["zip", "tgz"]);
  const r = await takeout(b.root, parts);
  assertEquals(r.code, 0, r.stderr);
  const report = await readReport(b.root);
  assertEquals(report.counts.replacedApiCopies, 1);
  assertEquals(report.counts.imported, 1);

  const stored = await storedItems(b.root);
  assertEquals(stored.map((s) => s.rel).sort(), [
    "photos/2023/03/IMG_4000.jpg",
    "photos/2023/03/IMG_4001.jpg",
    "photos/2023/03/IMG_4100.jpg",
  ]);
  const replaced = stored.find((s) => s.rel.endsWith("IMG_4000.jpg"))!;
  assertEquals(replaced.item.remoteId, "api-1", "one record, the API's");
  assert(sameBytes(replaced.bytes, original), "Takeout's bytes on disk");
  assertEquals(replaced.item.fileSize, original.length);
  assertEquals(replaced.item.location, "40.7,-74");
  assertEquals(
    replaced.mtime.getTime(),
    Date.parse("2023-03-03T03:03:03Z"),
  );
  withIndex(b.root, (db) => {
    assertEquals(
      db.getItemExtras("api-1")?.photoUrl?.includes("takeout-4000"),
      true,
    );
  });

  // Another import finds the record; a sync does not bring the API copy back.
  const r2 = await takeout(b.root, parts);
  assertEquals(r2.code, 0, r2.stderr);
  const report2 = await readReport(b.root);
  assertEquals(report2.counts.replacedApiCopies, 0);
  assertEquals(report2.counts.alreadyPresent, 2);
  const s2 = await b.sync();
  assertEquals(s2.code, 0, s2.stderr);
  assert(
    sameBytes(
      await Deno.readFile(b.path("photos/2023/03/IMG_4000.jpg")),
      original,
    ),
  );
  assertEquals((await storedItems(b.root)).length, 3);
});
