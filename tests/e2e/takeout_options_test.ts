// End-to-end: the flags of `gphotos-sync takeout` that choose what is
// imported and whether anything is written (--include-trashed,
// --skip-archived, --no-xmp, --skip-video, --dry-run).

import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { jpeg, mp4 } from "../media/media_fixtures.ts";
import { listFiles } from "./harness.ts";
import {
  type ExportFile,
  readReport,
  sameBytes,
  sidecarJson,
  snapshot,
  storedItems,
  takeout,
  withDir,
  withIndex,
  writeExport,
} from "./takeout_export.ts";

const R = "Takeout/Google Photos";

const plain = jpeg({ imageUniqueId: "plain".padEnd(32, "0") });
const archived = jpeg({ imageUniqueId: "archived".padEnd(32, "0") });
const trashed = jpeg({ imageUniqueId: "trashed".padEnd(32, "0") });
const video = mp4({ created: new Date("2023-04-04T00:00:00Z"), mdatBytes: 77 });

function files(): ExportFile[] {
  const side = (title: string, id: string, taken: string, extra = {}) =>
    sidecarJson({ title, id, taken, ...extra });
  const archivedSide = side("IMG_2.jpg", "archived", "2023-02-02T00:00:00Z", {
    archived: true,
  });
  return [
    { path: `${R}/Photos from 2023/IMG_1.jpg`, data: plain, part: 0 },
    {
      path: `${R}/Photos from 2023/IMG_1.jpg.supplemental-metadata.json`,
      data: side("IMG_1.jpg", "plain", "2023-01-01T00:00:00Z"),
      part: 1,
    },
    // Archived items are in their year folder and in Archive.
    { path: `${R}/Photos from 2023/IMG_2.jpg`, data: archived, part: 1 },
    {
      path: `${R}/Photos from 2023/IMG_2.jpg.supplemental-metadata.json`,
      data: archivedSide,
      part: 0,
    },
    { path: `${R}/Archive/IMG_2.jpg`, data: archived, part: 0 },
    {
      path: `${R}/Archive/IMG_2.jpg.supplemental-metadata.json`,
      data: archivedSide,
      part: 0,
    },
    { path: `${R}/Trash/IMG_3.jpg`, data: trashed, part: 1 },
    {
      path: `${R}/Trash/IMG_3.jpg.supplemental-metadata.json`,
      data: side("IMG_3.jpg", "trashed", "2023-03-03T00:00:00Z", {
        trashed: true,
      }),
      part: 1,
    },
    { path: `${R}/Photos from 2023/VID_4.mp4`, data: video, part: 0 },
    {
      path: `${R}/Photos from 2023/VID_4.mp4.supplemental-metadata.json`,
      data: side("VID_4.mp4", "video", "2023-04-04T00:00:00Z"),
      part: 1,
    },
  ];
}

function storedNames(stored: Awaited<ReturnType<typeof storedItems>>) {
  return stored.map((s) => s.rel).sort();
}

Deno.test("--include-trashed, --skip-archived, --no-xmp and --skip-video choose what is imported", async () => {
  await withDir(async (dir) => {
    const parts = await writeExport(dir, files(), ["zip", "tgz"]);

    const first = join(dir, "first");
    const r1 = await takeout(first, parts, [
      "--include-trashed",
      "--skip-archived",
      "--no-xmp",
    ]);
    assertEquals(r1.code, 0, r1.stderr);
    const stored1 = await storedItems(first);
    assertEquals(storedNames(stored1), [
      "photos/2023/01/IMG_1.jpg",
      "photos/2023/03/IMG_3.jpg",
      "photos/2023/04/VID_4.mp4",
    ]);
    assert(stored1.every((s) => s.xmp === undefined), "--no-xmp wrote XMP");
    assertEquals(
      (await listFiles(first)).filter((f) => f.endsWith(".xmp")),
      [],
    );
    const trash = stored1.find((s) => sameBytes(s.bytes, trashed))!;
    withIndex(first, (db) => {
      assertEquals(db.getItemExtras(trash.item.remoteId)!.trashed, true);
    });
    const report1 = await readReport(first);
    assertEquals(report1.counts.skippedArchived, 1);
    assertEquals(report1.counts.skippedTrash, 0);
    assertMatch(r1.stderr, /skipped 1 archived/);

    const second = join(dir, "second");
    const r2 = await takeout(second, parts, ["--skip-video"]);
    assertEquals(r2.code, 0, r2.stderr);
    const stored2 = await storedItems(second);
    assertEquals(storedNames(stored2), [
      "photos/2023/01/IMG_1.jpg",
      "photos/2023/02/IMG_2.jpg",
    ]);
    assert(stored2.every((s) => s.xmp !== undefined), "XMP by default");
    const report2 = await readReport(second);
    assertEquals(report2.counts.skippedVideos, 1);
    assertEquals(report2.counts.skippedTrash, 1);
    assertEquals(report2.counts.imported, 2);
  });
});

Deno.test("--dry-run prints the plan and writes nothing, to a new or an existing backup", async () => {
  await withDir(async (dir) => {
    const parts = await writeExport(dir, files(), ["zip", "tgz"]);
    const log = join(dir, "logs");
    await Deno.mkdir(log);

    const fresh = join(dir, "fresh");
    const dry = await takeout(fresh, parts, ["--dry-run"]);
    assertEquals(dry.code, 0, dry.stderr);
    assertMatch(dry.stdout, /photos\/2023\/01\/IMG_1\.jpg <- /);
    assertMatch(dry.stdout, /Dry run: 3 items would be imported/);
    // Not even ROOT or its log is created.
    let made = true;
    try {
      await Deno.stat(fresh);
    } catch {
      made = false;
    }
    assertEquals(made, false, "a dry run created ROOT");

    const json = await takeout(fresh, parts, [
      "--dry-run",
      "--json",
      "--logfile",
      log,
    ]);
    assertEquals(json.code, 0, json.stderr);
    const plan = JSON.parse(json.stdout);
    assertEquals(plan.dryRun, true);
    assertEquals(
      plan.plan.map((p: { target: string }) => p.target).sort(),
      [
        "photos/2023/01/IMG_1.jpg",
        "photos/2023/02/IMG_2.jpg",
        "photos/2023/04/VID_4.mp4",
      ],
    );
    assertEquals(await listFiles(fresh), []);

    // An existing backup: a dry run of a larger export changes nothing.
    const existing = join(dir, "existing");
    await Deno.mkdir(join(dir, "small"));
    const firstParts = await writeExport(
      join(dir, "small"),
      files().slice(0, 2),
      ["zip", "tgz"],
    );
    const r = await takeout(existing, firstParts, ["--logfile", log]);
    assertEquals(r.code, 0, r.stderr);
    const before = await snapshot(existing);
    const dbBytes = await Deno.readFile(join(existing, "gphotos.sqlite"));
    const again = await takeout(existing, parts, [
      "--dry-run",
      "--logfile",
      log,
    ]);
    assertEquals(again.code, 0, again.stderr);
    assertEquals(await snapshot(existing), before);
    assert(
      sameBytes(await Deno.readFile(join(existing, "gphotos.sqlite")), dbBytes),
      "the index changed",
    );
  });
});
