// End-to-end: the same photos from two sources, in either order. A new
// user imports the whole library from Takeout, then schedules `sync` (or
// picks items); or synced first and imports Takeout later. Either way each
// upload is one item, one record and one file, whatever the Unicode form of
// its name (the API and the export spell accents NFD and NFC) and whether
// it was uploaded without an extension (the export names the file
// `….jpg`); the later source never downloads bytes the backup holds.

import { assert, assertEquals, assertMatch } from "../assert.ts";
import { jpeg } from "../media/media_fixtures.ts";
import type { FakeLibrary } from "../fake_google/mod.ts";
import { type Backup, backup, listFiles, type RunResult } from "./harness.ts";
import {
  type ExportFile,
  readReport,
  sameBytes,
  sidecarJson,
  storedItems,
  supplementalName,
  takeout,
  writeExport,
} from "./takeout_export.ts";

const Y = "Takeout/Google Photos/Photos from 2023";
const PICKER_SCOPE = "photospicker.mediaitems.readonly";

/** One upload: its name at the API, in the export, and its capture time. */
interface Upload {
  id: string;
  /** The API's filename (NFD for accents; no extension when uploaded so). */
  api: string;
  /** The export's file name and the sidecar's title (NFC). */
  file: string;
  title: string;
  sidecar: string;
  taken: string;
  original: Uint8Array;
}

function upload(
  id: string,
  api: string,
  file: string,
  title: string,
  sidecar: string,
  taken: string,
): Upload {
  return {
    id,
    api,
    file,
    title,
    sidecar,
    taken,
    original: jpeg({ imageUniqueId: `original ${id}`.padEnd(32, ".") }),
  };
}

const SHARED: Upload[] = [
  upload(
    "plain",
    "IMG_0001.jpg",
    "IMG_0001.jpg",
    "IMG_0001.jpg",
    supplementalName("IMG_0001.jpg"),
    "2023-01-02T03:04:05Z",
  ),
  upload(
    "cafe",
    "Café Zürich.jpg".normalize("NFD"),
    "Café Zürich.jpg",
    "Café Zürich.jpg",
    supplementalName("Café Zürich.jpg"),
    "2023-02-03T04:05:06Z",
  ),
  upload(
    "soeur",
    "Sœur Hélène.jpg".normalize("NFD"),
    "Sœur Hélène.jpg",
    "Sœur Hélène.jpg",
    supplementalName("Sœur Hélène.jpg"),
    "2023-03-04T05:06:07Z",
  ),
  upload(
    "peanut",
    "Peanut Butter Balls",
    "Peanut Butter Balls.jpg",
    "Peanut Butter Balls",
    "Peanut Butter Balls.supplemental-metadata.json",
    "2023-04-05T06:07:08Z",
  ),
  upload(
    "date-name",
    "20030616",
    "20030616.jpg",
    "20030616",
    "20030616.json",
    "2023-05-06T07:08:09Z",
  ),
];

/** An upload only the export has. */
const TAKEOUT_ONLY = upload(
  "takeout-only",
  "",
  "IMG_0002.jpg",
  "IMG_0002.jpg",
  supplementalName("IMG_0002.jpg"),
  "2023-06-07T08:09:10Z",
);

function library(lib: FakeLibrary) {
  for (const u of SHARED) {
    lib.photo(u.api, u.taken, { id: `api-${u.id}`, mimeType: "image/jpeg" });
  }
  lib.photo("api-only.jpg", "2023-07-08T09:10:11Z", { id: "api-only" });
}

async function exportParts(b: Backup): Promise<string[]> {
  const files: ExportFile[] = [];
  [...SHARED, TAKEOUT_ONLY].forEach((u, i) => {
    files.push({ path: `${Y}/${u.file}`, data: u.original, part: i % 2 }, {
      path: `${Y}/${u.sidecar}`,
      data: sidecarJson({ title: u.title, id: u.id, taken: u.taken }),
      part: (i + 1) % 2,
    });
  });
  return await writeExport(b.dir, files, ["zip", "tgz"]);
}

/** Every file under photos/, and the index: one row and one file per upload. */
async function assertOneEach(b: Backup, expectRows: number) {
  const stored = await storedItems(b.root);
  assertEquals(stored.length, expectRows, stored.map((s) => s.rel).join("\n"));
  const onDisk = (await listFiles(b.path("photos")))
    .filter((f) => !f.endsWith(".xmp")).map((f) => `photos/${f}`);
  assertEquals(onDisk.sort(), stored.map((s) => s.rel).sort());
  for (const u of [...SHARED, TAKEOUT_ONLY]) {
    const rows = stored.filter((s) => sameBytes(s.bytes, u.original));
    assertEquals(rows.length, 1, `${u.id}: Takeout's original, once`);
    assertEquals(
      rows[0].item.createDate.toISOString(),
      `${u.taken.slice(0, 19)}.000Z`,
    );
  }
}

function mediaRequests(b: Backup): number {
  return b.google.requests.of("media").length;
}

Deno.test("Takeout, then sync: the items the API also returns stay one record and one file each, and nothing is downloaded again", async () => {
  await using b = await backup(library);
  await b.signIn();
  const parts = await exportParts(b);
  const imported = await takeout(b.root, parts);
  assertEquals(imported.code, 0, imported.stderr);

  b.google.requests.clear();
  const synced = await b.sync();
  assertEquals(synced.code, 0, synced.stderr);
  assertEquals(mediaRequests(b), 1, "only the API's own item is downloaded");
  await assertOneEach(b, SHARED.length + 2);
  const db = b.db();
  try {
    for (const u of SHARED) {
      const row = db.getItem(`api-${u.id}`);
      assert(row, `${u.id} has the API's id`);
      assertEquals(row.source, "takeout", `${u.id}: Takeout's bytes`);
      assert(
        db.getItemExtras(`api-${u.id}`)?.photoUrl?.includes(u.id),
        `${u.id} keeps its sidecar's URL`,
      );
    }
  } finally {
    db.close();
  }

  // Later runs of either source change nothing.
  const again = await b.sync();
  assertEquals(again.code, 0, again.stderr);
  const reimport = await takeout(b.root, parts);
  assertEquals(reimport.code, 0, reimport.stderr);
  const report = await readReport(b.root);
  assertEquals(report.counts.imported, 0);
  assertEquals(report.counts.alreadyPresent, SHARED.length + 1);
  await assertOneEach(b, SHARED.length + 2);
});

Deno.test("sync, then Takeout: every API copy is replaced by the original, accents and uploads without extension included", async () => {
  await using b = await backup(library);
  await b.signIn();
  const synced = await b.sync();
  assertEquals(synced.code, 0, synced.stderr);
  const parts = await exportParts(b);
  const r = await takeout(b.root, parts);
  assertEquals(r.code, 0, r.stderr);
  const report = await readReport(b.root);
  assertEquals(report.counts.replacedApiCopies, SHARED.length);
  assertEquals(report.counts.imported, 1);
  await assertOneEach(b, SHARED.length + 2);
  const again = await b.sync();
  assertEquals(again.code, 0, again.stderr);
  await assertOneEach(b, SHARED.length + 2);
});

function pick(b: Backup): Promise<RunResult> {
  return b.run(["pick", b.root, "--secret", b.secret], {
    env: { GPHOTOS_PICKER_API: b.google.pickerUrl },
  });
}

Deno.test("Takeout, then a pick of the same items: nothing downloaded, one record each; a pick, then Takeout: the originals replace the picked copies", async () => {
  for (const takeoutFirst of [true, false]) {
    await using b = await backup(library);
    b.google.picker.pollIntervalSec = 0.05;
    await b.signIn(["photoslibrary.readonly", PICKER_SCOPE]);
    const parts = await exportParts(b);
    const picked = b.library.items.filter((it) => it.id !== "api-only");
    b.google.picker.autoPick = { items: picked };
    if (takeoutFirst) {
      assertEquals((await takeout(b.root, parts)).code, 0);
      b.google.requests.clear();
      const r = await pick(b);
      assertEquals(r.code, 0, r.stderr);
      assertMatch(r.stderr, /5 already in the backup, 0 downloaded/);
      assertEquals(mediaRequests(b), 0);
    } else {
      const r = await pick(b);
      assertEquals(r.code, 0, r.stderr);
      const t = await takeout(b.root, parts);
      assertEquals(t.code, 0, t.stderr);
      assertEquals(
        (await readReport(b.root)).counts.replacedApiCopies,
        SHARED.length,
      );
    }
    await assertOneEach(b, SHARED.length + 1);
  }
});
