// The import plan (src/takeout/plan.ts): made while listing, it must
// be the plan of the whole listing; and it must stay small as exports grow
// (tests/takeout/plan_memory_child.ts plans a synthetic export in a fresh
// process and reports what it holds).

import { assert, assertEquals } from "../assert.ts";
import type { ArchiveEntry } from "../../src/archive/archive.ts";
import { ArchiveSet } from "../../src/archive/archive_set.ts";
import {
  planArchives,
  planImport,
  type TakeoutPlan,
} from "../../src/takeout/plan.ts";
import {
  type ExportFile,
  placeholder,
  sidecarJson,
  supplementalName,
  utf8,
  writeExport,
} from "../e2e/takeout_export.ts";
import { withTempDir } from "../archive/archive_builder.ts";

const R = "Takeout/Google Photos";
const YEAR = `${R}/Photos from 2023`;

/** An export with most of what planning deals with, in three parts. */
function files(): ExportFile[] {
  const out: ExportFile[] = [];
  const add = (path: string, data: Uint8Array, part: number) =>
    out.push({ path, data, part });
  for (let n = 0; n < 30; n++) {
    const name = `IMG_${n}.jpg`;
    add(`${YEAR}/${name}`, placeholder("jpeg", n), n % 3);
    add(
      `${YEAR}/${supplementalName(name)}`,
      sidecarJson({
        title: name,
        taken: `2023-0${1 + (n % 9)}-01T10:00:00Z`,
        id: `p${n}`,
        trashed: n === 4,
        archived: n === 5,
        people: n === 6 ? ["Ann", "Bob"] : undefined,
        geo: n === 7 ? [48.85, 2.29, 35] : undefined,
      }),
      (n + 1) % 3,
    );
  }
  // An edited copy, a motion photo's video half, a numbered duplicate.
  add(`${YEAR}/IMG_1-edited.jpg`, placeholder("jpeg", 101), 0);
  add(`${YEAR}/PXL_1.MP.jpg`, placeholder("jpeg", 102), 1);
  add(
    `${YEAR}/PXL_1.MP.jpg.json`,
    sidecarJson({ title: "PXL_1.MP.jpg", taken: "2023-05-05T05:05:05Z" }),
    1,
  );
  add(`${YEAR}/PXL_1.MP`, placeholder("mp4", 103), 2);
  add(`${YEAR}/IMG_1(1).jpg`, placeholder("jpeg", 104), 2);
  add(
    `${YEAR}/IMG_1.jpg(1).json`,
    sidecarJson({ title: "IMG_1.jpg", id: "dup1" }),
    2,
  );
  // A file without a sidecar, an unreadable sidecar, an unclaimed one.
  add(`${YEAR}/lonely.png`, placeholder("png", 105), 0);
  add(`${YEAR}/broken.jpg`, placeholder("jpeg", 106), 0);
  add(`${YEAR}/broken.jpg.json`, utf8.encode("{not json"), 0);
  add(`${YEAR}/nobody.jpg.json`, sidecarJson({ title: "nobody.jpg" }), 1);
  // An album holding copies, with its metadata; the trash.
  add(`${R}/Trip/metadata.json`, utf8.encode('{"title":"Trip","date":{}}'), 0);
  for (const n of [2, 3, 4]) {
    add(`${R}/Trip/IMG_${n}.jpg`, placeholder("jpeg", n), 1);
    add(
      `${R}/Trip/IMG_${n}.jpg.json`,
      sidecarJson({ title: `IMG_${n}.jpg`, id: `p${n}` }),
      1,
    );
  }
  add(`${R}/Trash/old.jpg`, placeholder("jpeg", 107), 2);
  // The same entry in two parts (a retried download): the first is kept.
  add(`${YEAR}/IMG_9.jpg`, placeholder("jpeg", 9), 2);
  return out;
}

/** What a plan says of each file, by place in the listing. */
function described(plan: TakeoutPlan, entries: readonly ArchiveEntry[]) {
  const out: Record<string, unknown>[] = [];
  for (const e of entries) {
    const row = plan.rowOf(e.part, e.index);
    if (row < 0) continue;
    const f = plan.file(row, e);
    out.push({
      name: e.name,
      key: f.key,
      item: plan.itemKey(plan.itemOf(row)),
      skip: f.skip,
      companion: f.companion,
      companionOf: f.companionOf,
      match: f.match,
      meta: f.meta,
      folderKind: f.folderKind,
      album: f.album?.title,
      isVideo: f.isVideo,
    });
  }
  return out;
}

Deno.test("the plan made while listing is the plan of the whole listing", () =>
  withTempDir(async (dir) => {
    const paths = await writeExport(dir, files(), ["zip", "tgz", "zip"], {
      zipExtras: {
        0: [{
          name: `${YEAR}/link.jpg`,
          unixMode: 0o120777,
          data: utf8.encode("/etc"),
        }],
      },
    });
    const options = {
      includeTrashed: false,
      skipArchived: true,
      keepNames: true,
    };
    const set = await ArchiveSet.open(paths);
    const held = await ArchiveSet.open(paths);
    try {
      const { plan } = await planArchives(set, options);
      const listing = await held.list({
        collect: (e) => e.name.endsWith(".json"),
      });
      const whole = planImport(listing, options);
      const entries = listing.entries;
      assertEquals(described(plan, entries), described(whole, entries));
      assertEquals(plan.itemCount, whole.itemCount);
      assertEquals(plan.albums, whole.albums);
      assertEquals(plan.refused, whole.refused);
      assertEquals(plan.badJson, whole.badJson);
      assertEquals(plan.unclaimedSidecars, whole.unclaimedSidecars);
      // What the export holds, as planned.
      const rows = described(plan, entries);
      const byName = (end: string) =>
        rows.find((r) => (r.name as string).endsWith(end))!;
      assertEquals(byName("/IMG_1-edited.jpg").companion, "edit");
      assertEquals(byName("/PXL_1.MP").companion, "pair");
      assertEquals(byName("Photos from 2023/IMG_4.jpg").skip, "trashed");
      assertEquals(byName("Photos from 2023/IMG_5.jpg").skip, "archived");
      assertEquals(byName("Trip/IMG_3.jpg").key, byName("2023/IMG_3.jpg").key);
      assertEquals(plan.refused.map((r) => r.name), [`${YEAR}/link.jpg`]);
      assertEquals(plan.badJson.map((r) => r.name), [
        `${YEAR}/broken.jpg.json`,
      ]);
      assertEquals(plan.unclaimedSidecars, [`${YEAR}/nobody.jpg.json`]);
      // IMG_4's copy in Trip has a sidecar of its own, which says nothing
      // of the trash: that copy is imported.
      assertEquals(plan.albums.map((a) => [a.album.title, a.keys.length]), [
        ["Trip", 3],
      ]);
      assert(plan.hasItem(byName("/IMG_1-edited.jpg").companionOf as string));
      assertEquals(plan.itemOfKey("takeout:none"), -1);
    } finally {
      await set.close();
      await held.close();
    }
  }));

Deno.test("planning 50,000 items holds a few hundred bytes per item and no objects per entry", async () => {
  const child = new URL("./plan_memory_child.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--v8-flags=--expose-gc", child, "50000"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert(out.success, new TextDecoder().decode(out.stderr));
  const report = JSON.parse(text) as {
    items: number;
    heapBytes: number;
    externalBytes: number;
  };
  assertEquals(report.items, 50_000);
  // Per item, what the plan keeps: by column, outside V8's heap. A
  // string or an object per entry would add 50 to 200 bytes per item.
  const perItemHeap = report.heapBytes / report.items;
  const perItemExternal = report.externalBytes / report.items;
  assert(perItemHeap < 40, `${perItemHeap.toFixed(0)} bytes of heap per item`);
  assert(
    perItemExternal < 300,
    `${perItemExternal.toFixed(0)} bytes outside the heap per item`,
  );
});
