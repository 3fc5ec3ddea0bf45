// End-to-end: the shapes real exports take (shared/spec/takeout.md, "Shapes
// seen in real exports"), imported by the program as a user runs it: album
// folders holding sidecars only, album copies without sidecars listed
// before the year folder's, a file of an unknown kind alone in an album, a
// motion video whose photo is in no part, a forgotten duplicate, files in
// the Google Photos folder itself; and a later export of the same library,
// shaped otherwise, imported into the same backup.

import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { jpeg } from "../media/media_fixtures.ts";
import { listFiles } from "./harness.ts";
import {
  type ExportFile,
  jsonName,
  type PartFormat,
  photoUrl,
  readReport,
  sameBytes,
  sidecarJson,
  snapshot,
  storedItems,
  supplementalName,
  takeout,
  utf8,
  withDir,
  withIndex,
  writeExport,
} from "./takeout_export.ts";

const R = "Takeout/Google Photos";

function bytes(label: string): Uint8Array {
  return jpeg({ imageUniqueId: `shape ${label}`.padEnd(32, ".") });
}

function side(title: string, id: string, taken: string, description = "") {
  return sidecarJson({ title, id, taken, description });
}

const ORIGINAL = "original_1d4caa6f-16c6-4c3d-901b-9387de10e528_";

Deno.test("the shapes of real exports: every file imported once, dated by its own sidecar, albums whole, every entry in the report", async () => {
  await withDir(async (dir) => {
    const f = (path: string, data: Uint8Array, part = 0): ExportFile => ({
      path: `${R}/${path}`,
      data,
      part,
    });
    const y23 = "Photos from 2023";
    const files: ExportFile[] = [
      // 1. An album folder of sidecars only; the photos are in 2023.
      f(`${y23}/IMG_1.jpg`, bytes("1")),
      f(
        `${y23}/${supplementalName("IMG_1.jpg")}`,
        side("IMG_1.jpg", "one", "2023-05-13T10:00:00Z", "one"),
      ),
      f(
        `Only sidecars/${supplementalName("IMG_1.jpg")}`,
        side("IMG_1.jpg", "one", "2023-05-13T10:00:00Z", "one"),
        1,
      ),
      f(
        "Only sidecars/metadata.json",
        utf8.encode(JSON.stringify({ title: "Only sidecars" })),
        1,
      ),
      // 2. An album copy without sidecar, listed (and read) first.
      f("A copy first/IMG_8172.jpg", bytes("8172")),
      f(`${y23}/IMG_8172.jpg`, bytes("8172"), 1),
      f(
        `${y23}/${jsonName("IMG_8172.jpg")}`,
        side("IMG_8172.jpg", "8172", "2023-09-22T10:21:00Z", "GPS and all"),
      ),
      // 4. A Pixel long exposure's cover alone in an album folder.
      f("Summer/cover.cover", bytes("cover"), 1),
      // 5. A motion video whose photo is in no part.
      f(`${y23}/PXL_20230101_101010101.MP`, bytes("mp"), 1),
      f(
        `${y23}/${supplementalName("PXL_20230101_101010101.MP.jpg")}`,
        side(
          "PXL_20230101_101010101.MP.jpg",
          "mp",
          "2023-01-01T10:10:10Z",
          "motion",
        ),
      ),
      // 6. A forgotten duplicate at Takeout's cut.
      f(`${y23}/${ORIGINAL}P.jpg`, bytes("p")),
      f(`${y23}/${ORIGINAL}P(1).jpg`, bytes("p1"), 1),
      f(
        `${y23}/${ORIGINAL}.json`,
        side(
          `${ORIGINAL}PXL_20220516_164814158.jpg`,
          "orig",
          "2022-05-16T16:48:14Z",
          "forgotten",
        ),
      ),
      // 7. Files and sidecars right in the Google Photos folder.
      f("IMG_ROOT.jpg", bytes("root")),
      f(
        supplementalName("IMG_ROOT.jpg"),
        side("IMG_ROOT.jpg", "root", "2021-01-01T01:01:01Z", "root"),
        1,
      ),
      f(
        "orphan.jpg.json",
        side("orphan.jpg", "orphan", "2021-02-02T02:02:02Z"),
        1,
      ),
      // Takeout's own files, and one of the system.
      f("print-subscriptions.json", utf8.encode("[]")),
      f(`${y23}/.DS_Store`, utf8.encode("x"), 1),
      {
        path: "Takeout/archive_browser.html",
        data: utf8.encode("<html/>"),
        part: 0,
      },
      // Another product in the same export: named once, as a folder.
      { path: "Takeout/Drive/notes.txt", data: utf8.encode("a"), part: 0 },
      { path: "Takeout/Drive/Docs/plan.txt", data: utf8.encode("b"), part: 0 },
    ];
    const parts = await writeExport(dir, files, ["zip", "tgz"]);
    const root = join(dir, "backup");
    const dry = await takeout(root, parts, ["--dry-run"]);
    assertEquals(dry.code, 0, dry.stderr);
    assertMatch(dry.stdout, / 3 albums, /, "the album of sidecars counts");
    const r = await takeout(root, parts);
    assertEquals(r.code, 0, r.stderr);
    assertMatch(
      r.stderr,
      /1 numbered copies dated by their first copy's sidecar/,
    );
    const report = await readReport(root);
    assertEquals(report.entries.listed, files.length);

    const stored = await storedItems(root);
    const one = (label: string) => {
      const found = stored.filter((s) => sameBytes(s.bytes, bytes(label)));
      assertEquals(found.length, 1, `${label} stored once`);
      return found[0];
    };
    assertEquals(stored.length, 7);
    const dated = (label: string, taken: string, description: string) => {
      const s = one(label);
      assertEquals(s.item.createDate.toISOString(), taken, label);
      assertEquals(s.item.description, description, label);
    };
    dated("1", "2023-05-13T10:00:00.000Z", "one");
    dated("8172", "2023-09-22T10:21:00.000Z", "GPS and all");
    dated("mp", "2023-01-01T10:10:10.000Z", "motion");
    dated("p", "2022-05-16T16:48:14.000Z", "forgotten");
    dated("p1", "2022-05-16T16:48:14.000Z", "forgotten");
    dated("root", "2021-01-01T01:01:01.000Z", "root");
    assertEquals(one("cover").rel.endsWith("/cover.cover"), true);
    assertEquals(
      report.forgottenDuplicates.map((d: { entry: string }) => d.entry),
      [`${R}/${y23}/${ORIGINAL}P(1).jpg`],
    );
    assertEquals(report.unclaimedSidecars, [`${R}/orphan.jpg.json`]);
    assertEquals(
      report.otherFiles.map((o: { name: string; entries?: number }) =>
        `${o.name}${o.entries ? ` (${o.entries})` : ""}`
      ).sort(),
      [
        "Takeout/Drive/ (2)",
        `${R}/${y23}/.DS_Store`,
        `${R}/print-subscriptions.json`,
        "Takeout/archive_browser.html",
      ],
    );
    assertEquals(report.entries.albumMemberships, 1);
    assertEquals(report.entries.identical + report.entries.copies, 1);

    withIndex(root, (db) => {
      const albums = new Map(
        db.albums().map((a) => [
          a.albumName,
          db.albumFiles(a.remoteId).map((x) => x.item.fileName).sort(),
        ]),
      );
      assertEquals(Object.fromEntries(albums), {
        "Only sidecars": ["IMG_1.jpg"],
        "A copy first": ["IMG_8172.jpg"],
        "Summer": ["cover.cover"],
      });
    });
    const links = (await listFiles(join(root, "albums"))).sort();
    assertEquals(
      links,
      [
        "2023/0513 Only sidecars/0000_IMG_1.jpg",
        "2023/0922 A copy first/0000_IMG_8172.jpg",
        `${
          stored.find((s) => s.rel.endsWith("cover.cover"))!.rel.slice(7, 11)
        }/${
          stored.find((s) => s.rel.endsWith("cover.cover"))!.rel.slice(12, 14)
        }${
          stored.find((s) => s.rel.endsWith("cover.cover"))!.item.createDate
            .toISOString().slice(8, 10)
        } Summer/0000_cover.cover`,
      ].sort(),
    );
  });
});

/** The items of a library both exports hold, as each names their files. */
const TITLES = {
  plain: "IMG_20230513_101010.jpg",
  still: "PXL_20230513_111111111.MP.jpg",
  video: "PXL_20230513_111111111.MP",
  accent: "Crème brûlée à Zürich.jpg",
  two: "05yqt21kruxwwlhhgrwrdyb6chhwszi9bqmzu16w0 2.jpg",
};

Deno.test("a later export of the same library, shaped otherwise, keeps every album member and the album's folder", async () => {
  await withDir(async (dir) => {
    const y = "Photos from 2023";
    const a = "Holiday";
    const taken: Record<string, string> = {
      plain: "2023-05-13T10:10:10Z",
      still: "2023-05-13T11:11:11Z",
      accent: "2023-05-13T12:12:12Z",
      two: "2023-05-13T13:13:13Z",
    };
    const data = Object.fromEntries(
      Object.keys(TITLES).map((k) => [k, bytes(`later ${k}`)]),
    );
    const sidecarOf = (k: string) =>
      side(TITLES[k as keyof typeof TITLES], k, taken[k]);
    // The first export: old-form sidecar names, every album copy with its
    // sidecar, one part.
    const first: ExportFile[] = [];
    for (const folder of [y, a]) {
      for (const k of ["plain", "still", "accent", "two"]) {
        const title = TITLES[k as keyof typeof TITLES];
        const file = k === "two" ? title : title;
        first.push({ path: `${R}/${folder}/${file}`, data: data[k], part: 0 });
        first.push({
          path: `${R}/${folder}/${jsonName(title)}`,
          data: sidecarOf(k),
          part: 0,
        });
      }
      first.push({
        path: `${R}/${folder}/${TITLES.video}`,
        data: data.video,
        part: 0,
      });
    }
    first.push({
      path: `${R}/${a}/metadata.json`,
      data: utf8.encode(JSON.stringify({ title: "Holiday" })),
      part: 0,
    });
    await Deno.mkdir(join(dir, "2024"));
    const parts1 = await writeExport(join(dir, "2024"), first, ["zip"], {
      stamp: "20240101T000000Z",
    });
    const root = join(dir, "backup");
    const r1 = await takeout(root, parts1);
    assertEquals(r1.code, 0, r1.stderr);
    const members = () =>
      withIndex(root, (db) =>
        db.albums().map((al) => [
          al.albumName,
          db.albumFiles(al.remoteId).map((x) =>
            `${x.item.path}/${x.item.fileName}`
          )
            .sort(),
        ]));
    const before = members();
    assertEquals(before[0][1].length, 5);
    const albumTree = await listFiles(join(root, "albums"));
    assertEquals(albumTree.length, 5);
    assert(
      albumTree.every((p) => p.startsWith("2023/0513 Holiday/")),
      albumTree.join(),
    );
    const files = await snapshot(join(root, "photos"));

    // A year later: new sidecar names, the album's names in NFD (a Mac
    // unpacked it), the album's copies of the pair without sidecars, the
    // parts cut elsewhere, and one new photo in the album.
    const later: ExportFile[] = [];
    let i = 0;
    for (const folder of [y, a]) {
      for (const k of ["plain", "still", "accent", "two"]) {
        const title = TITLES[k as keyof typeof TITLES];
        const name = folder === a ? title.normalize("NFD") : title;
        later.push({
          path: `${R}/${folder}/${name}`,
          data: data[k],
          part: i++ % 3,
        });
        if (folder === a && k === "still") continue;
        later.push({
          path: `${R}/${folder}/${supplementalName(name)}`,
          data: sidecarOf(k),
          part: i++ % 3,
        });
      }
      later.push({
        path: `${R}/${folder}/${TITLES.video}`,
        data: data.video,
        part: i++ % 3,
      });
    }
    const added = bytes("added");
    later.push(
      { path: `${R}/Photos from 2024/IMG_NEW.jpg`, data: added, part: 2 },
      {
        path: `${R}/Photos from 2024/${supplementalName("IMG_NEW.jpg")}`,
        data: side("IMG_NEW.jpg", "new", "2024-02-02T02:02:02Z"),
        part: 0,
      },
      {
        path: `${R}/${a}/métadonnées.json`,
        data: utf8.encode(JSON.stringify({ title: "Holiday" })),
        part: 1,
      },
    );
    await Deno.mkdir(join(dir, "2025"));
    const parts2 = await writeExport(join(dir, "2025"), later, [
      "tgz",
      "zip",
      "tgz",
    ], {
      stamp: "20250101T000000Z",
    });
    const r2 = await takeout(root, parts2);
    assertEquals(r2.code, 0, r2.stderr);
    const report = await readReport(root);
    assertEquals(report.counts.imported, 1, JSON.stringify(report.counts));
    assertEquals(report.counts.alreadyPresent, 5);
    assertEquals(members(), before, "the album keeps every member");
    assertEquals(await listFiles(join(root, "albums")), albumTree);
    const now = await snapshot(join(root, "photos"));
    for (const [rel, stat] of Object.entries(files)) {
      assertEquals(now[rel], stat, `${rel} was rewritten`);
    }
    assertEquals((await storedItems(root)).length, 6);
  });
});

/**
 * The items of a library both exports of the special-rule test hold: each
 * matched by a rule of its own (a motion pair, an accent written NFD in one
 * export and NFC in the other, a name ending in " 2", a name Takeout clips,
 * two uploads of one name numbered "(1)", an edited copy).
 */
const SPECIAL = {
  plain: "IMG_20230513_101010.jpg",
  still: "PXL_20230513_111111111.MP.jpg",
  video: "PXL_20230513_111111111.MP",
  accent: "Crème brûlée à Zürich.jpg",
  two: "05yqt21kruxwwlhhgrwrdyb6chhwszi9bqmzu16w0 2.jpg",
  long: "Screenshot_20230513_141414_Photos_Backup_Long_Name_Of_App.jpg",
  dupA: "IMG_0001.jpg",
  dupB: "IMG_0001.jpg",
  edit: "IMG_20230513_151515.jpg",
  edited: "IMG_20230513_151515-edited.jpg",
} as const;
type Special = keyof typeof SPECIAL;

/** Capture times; the video half and the edit have none of their own. */
const SPECIAL_TAKEN: Partial<Record<Special, string>> = {
  plain: "2023-05-13T10:10:10Z",
  still: "2023-05-13T11:11:11Z",
  accent: "2023-05-13T12:12:12Z",
  two: "2023-05-13T13:13:13Z",
  long: "2023-05-13T14:14:14Z",
  dupA: "2023-05-13T08:00:01Z",
  dupB: "2023-05-13T08:00:02Z",
  edit: "2023-05-13T15:15:15Z",
};

/** One export of the special-rule test: how Takeout shaped it. */
interface SpecialShape {
  /** "old": NAME.json; "new": NAME.supplemental-metadata.json. */
  form: "old" | "new";
  /** The accent's Unicode form, in names and the title. */
  accent: "nfc" | "nfd";
  /** Which of the two uploads named IMG_0001.jpg is numbered "(1)". */
  numbered: "dupA" | "dupB";
  /** Album copies without their sidecar. */
  bare: Special[];
  /** Items the album folder holds as their sidecar only. */
  sidecarOnly: Special[];
  formats: PartFormat[];
  /** The entries in reverse order. */
  reversed: boolean;
}

const SHAPE_A: SpecialShape = {
  form: "old",
  accent: "nfd",
  numbered: "dupB",
  bare: [],
  sidecarOnly: [],
  formats: ["zip", "zip"],
  reversed: false,
};
const SHAPE_B: SpecialShape = {
  form: "new",
  accent: "nfc",
  numbered: "dupA",
  bare: ["still", "accent", "long", "dupA"],
  sidecarOnly: ["plain", "two"],
  formats: ["tgz", "zip", "tgz"],
  reversed: true,
};

/** The files of one export of the special-rule library. */
function specialExport(o: SpecialShape): ExportFile[] {
  const y = "Photos from 2023";
  const a = "Holiday";
  const out: { path: string; data: Uint8Array }[] = [];
  const sidecarName = (name: string, n?: number) =>
    o.form === "old"
      ? `${name.slice(0, 46)}${n === undefined ? "" : `(${n})`}.json`
      : supplementalName(name, n);
  const file = (k: Special) => {
    const title = SPECIAL[k];
    if (k === "accent") {
      return o.accent === "nfd" ? title.normalize("NFD") : title;
    }
    if (k === "long") return clipMediaNameOf(title);
    if (k === o.numbered) return "IMG_0001(1).jpg";
    return title;
  };
  for (const folder of [y, a]) {
    for (const k of Object.keys(SPECIAL) as Special[]) {
      if (folder !== a || !o.sidecarOnly.includes(k)) {
        out.push({ path: `${R}/${folder}/${file(k)}`, data: specialBytes(k) });
      }
      const taken = SPECIAL_TAKEN[k];
      if (taken === undefined) continue;
      if (folder === a && o.bare.includes(k)) continue;
      const title = k === "accent" ? file(k) : SPECIAL[k];
      out.push({
        path: `${R}/${folder}/${
          sidecarName(title, k === o.numbered ? 1 : undefined)
        }`,
        data: side(title, `special-${k}`, taken, `${k} described`),
      });
    }
  }
  out.push({
    path: `${R}/${a}/metadata.json`,
    data: utf8.encode(JSON.stringify({ title: "Holiday" })),
  });
  if (o.reversed) out.reverse();
  return out.map((f, i) => ({ ...f, part: i % o.formats.length }));
}

function specialBytes(k: Special): Uint8Array {
  return bytes(`special ${k}`);
}

for (const [earlier, later] of [[SHAPE_A, SHAPE_B], [SHAPE_B, SHAPE_A]]) {
  Deno.test(`a later export of the same library, its files matched by other rules and cut into other parts (${earlier.form} form, then ${later.form}), keeps every album, its members, its folder and its index rows, and writes nothing`, async () => {
    await withDir(async (dir) => {
      await Deno.mkdir(join(dir, "2024"));
      const parts1 = await writeExport(
        join(dir, "2024"),
        specialExport(earlier),
        earlier.formats,
        { stamp: "20240101T000000Z" },
      );
      const root = join(dir, "backup");
      const r1 = await takeout(root, parts1);
      assertEquals(r1.code, 0, r1.stderr);
      const itemCount = Object.keys(SPECIAL).length;
      assertEquals((await storedItems(root)).length, itemCount);
      const rows = () =>
        withIndex(root, (db) =>
          db.albums().map((al) => ({
            album: al.remoteId,
            name: al.albumName,
            start: al.startDate?.toISOString(),
            end: al.endDate?.toISOString(),
            members: db.albumFiles(al.remoteId).map((x) => ({
              id: x.item.remoteId,
              position: x.position,
              file: `${x.item.path}/${x.item.fileName}`,
            })),
          })));
      const before = rows();
      assertEquals(before.length, 1);
      assertEquals(before[0].members.length, itemCount, "every member");
      const albumTree = await listFiles(join(root, "albums"));
      assertEquals(albumTree.length, itemCount);
      assert(
        albumTree.every((p) => p.startsWith("2023/0513 Holiday/")),
        albumTree.join(),
      );
      const files = await snapshot(root, (rel) => rel.startsWith("gphotos"));

      await Deno.mkdir(join(dir, "2025"));
      const parts2 = await writeExport(
        join(dir, "2025"),
        specialExport(later),
        later.formats,
        { stamp: "20250101T000000Z" },
      );
      const r2 = await takeout(root, parts2);
      assertEquals(r2.code, 0, r2.stderr);
      const report = await readReport(root);
      assertEquals(
        {
          imported: report.counts.imported,
          identical: report.counts.identical,
          alreadyPresent: report.counts.alreadyPresent,
        },
        { imported: 0, identical: 0, alreadyPresent: itemCount },
        JSON.stringify(report.counts),
      );
      assertEquals(rows(), before, "the album's rows are unchanged");
      assertEquals(await listFiles(join(root, "albums")), albumTree);
      const now = await snapshot(root, (rel) => rel.startsWith("gphotos"));
      assertEquals(now, files, "nothing on disk changed");
    });
  });
}

/** Takeout's cut of a long media name (stem at 47 characters). */
function clipMediaNameOf(title: string): string {
  const dot = title.lastIndexOf(".");
  return title.slice(0, dot).slice(0, 47) + title.slice(dot);
}

Deno.test("an album's lone sidecar completes a photo already in the backup that had none: description, place, XMP, and the album", async () => {
  await withDir(async (dir) => {
    const photo = jpeg({
      dateTimeOriginal: "2023:06:18 17:40:00",
      imageUniqueId: "lone sidecar photo".padEnd(32, "."),
    });
    await Deno.mkdir(join(dir, "first"));
    const first = await writeExport(
      join(dir, "first"),
      [
        { path: `${R}/Photos from 2023/photo.jpg`, data: photo, part: 0 },
      ],
      ["zip"],
      { stamp: "20240101T000000Z" },
    );
    const root = join(dir, "backup");
    const r1 = await takeout(root, first);
    assertEquals(r1.code, 0, r1.stderr);
    const [before] = await storedItems(root);
    assertEquals(before.item.description, "");
    assertEquals(before.xmp, undefined);

    // The next export has the photo's sidecar only in an album folder
    // (GPTH Neo #133), with nothing in the year folder.
    await Deno.mkdir(join(dir, "later"));
    const later = await writeExport(
      join(dir, "later"),
      [
        {
          path: `${R}/Vacation/${supplementalName("photo.jpg")}`,
          data: sidecarJson({
            title: "photo.jpg",
            id: "lonephoto",
            taken: "2023-06-18T17:40:00Z",
            description: "by the sea",
            geo: [43.5, 7.25],
            people: ["Ann"],
          }),
          part: 0,
        },
        {
          path: `${R}/Vacation/metadata.json`,
          data: utf8.encode(JSON.stringify({ title: "Vacation" })),
          part: 0,
        },
      ],
      ["tgz"],
      { stamp: "20250101T000000Z" },
    );
    const r2 = await takeout(root, later);
    assertEquals(r2.code, 0, r2.stderr);
    const report = await readReport(root);
    assertEquals(report.counts.completed, 1, JSON.stringify(report.counts));
    assertEquals(report.entries.albumMemberships, 1);
    const [after] = await storedItems(root);
    assertEquals(after.item.remoteId, before.item.remoteId);
    assertEquals(after.rel, before.rel, "the same place: the same capture");
    assertEquals(after.item.description, "by the sea");
    assertEquals(after.item.location, "43.5,7.25");
    assertEquals(after.mtime.toISOString(), "2023-06-18T17:40:00.000Z");
    assertMatch(after.xmp ?? "", /by the sea/);
    assertMatch(after.xmp ?? "", /Ann/);
    withIndex(root, (db) => {
      const extras = db.getItemExtras(after.item.remoteId)!;
      assertEquals(extras.dateSource, "sidecar");
      assertEquals(extras.photoUrl, photoUrl("lonephoto"));
      const [album] = db.albums();
      assertEquals(album.albumName, "Vacation");
      assertEquals(
        db.albumFiles(album.remoteId).map((f) => f.item.remoteId),
        [after.item.remoteId],
      );
    });
  });
});

Deno.test("numbers put in order when a part comes later never write over a file put in the folder by hand", async () => {
  await withDir(async (dir) => {
    const late = bytes("numbered late");
    const early = bytes("numbered early");
    const y = `${R}/Photos from 2023`;
    const files: ExportFile[] = [
      { path: `${y}/IMG_7.jpg`, data: late, part: 0 },
      {
        path: `${y}/${supplementalName("IMG_7.jpg")}`,
        data: side("IMG_7.jpg", "seven-late", "2023-05-20T10:00:00Z"),
        part: 0,
      },
      { path: `${y}/IMG_7(1).jpg`, data: early, part: 1 },
      {
        path: `${y}/${supplementalName("IMG_7.jpg", 1)}`,
        data: side("IMG_7.jpg", "seven-early", "2023-05-02T10:00:00Z"),
        part: 1,
      },
    ];
    const parts = await writeExport(dir, files, ["zip", "zip"]);
    const root = join(dir, "backup");
    const r1 = await takeout(root, [parts[0]]);
    assertEquals(r1.code, 0, r1.stderr);
    // Someone's own file, where the next number would go.
    const mine = join(root, "photos/2023/05/IMG_7 (2).jpg");
    await Deno.writeTextFile(mine, "my own");
    const r2 = await takeout(root, [parts[1]]);
    assertEquals(r2.code, 0, r2.stderr);
    assertEquals(await Deno.readTextFile(mine), "my own");
    const stored = await storedItems(root);
    const name = (data: Uint8Array) =>
      stored.find((s) => sameBytes(s.bytes, data))?.rel;
    // The earlier capture takes the name; the later one the next free
    // number.
    assertEquals(name(early), "photos/2023/05/IMG_7.jpg");
    assertEquals(name(late), "photos/2023/05/IMG_7 (3).jpg");

    // A run stopped after it renamed the early photo into place, before
    // it recorded it, left a file of that entry's bytes: it is the item's
    // own, written over, and the backup is the one of an unstopped run.
    const root2 = join(dir, "backup-2");
    assertEquals((await takeout(root2, [parts[0]])).code, 0);
    await Deno.writeFile(join(root2, "photos/2023/05/IMG_7 (2).jpg"), early);
    assertEquals((await takeout(root2, [parts[1]])).code, 0);
    const stored2 = await storedItems(root2);
    const name2 = (data: Uint8Array) =>
      stored2.find((s) => sameBytes(s.bytes, data))?.rel;
    assertEquals(name2(early), "photos/2023/05/IMG_7.jpg");
    assertEquals(name2(late), "photos/2023/05/IMG_7 (2).jpg");
    assertEquals(
      (await listFiles(join(root2, "photos"))).filter((f) =>
        !f.endsWith(".xmp")
      ).sort(),
      ["2023/05/IMG_7 (2).jpg", "2023/05/IMG_7.jpg"],
    );
  });
});
