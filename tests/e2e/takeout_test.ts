// End-to-end: `gphotos-sync takeout` on synthetic exports that use every
// naming rule of shared/spec/takeout.md, split across .zip and .tgz parts
// (media and sidecars in different parts), in English, German and French.
// Each item's path, bytes, mtime, XMP sidecar, index rows and album links
// are checked.

import { join, relative, resolve } from "node:path";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { jpeg, mp4 } from "../media/media_fixtures.ts";
import { listFiles } from "./harness.ts";
import {
  type ExportFile,
  heic,
  jsonName,
  photoUrl,
  placeholder,
  readReport,
  sameBytes,
  sidecarJson,
  type SidecarSpec,
  storedItems,
  supplementalName,
  takeout,
  utf8,
  withDir,
  withIndex,
  writeExport,
} from "./takeout_export.ts";

/** One item of a synthetic export and where it must land. */
interface Case {
  label: string;
  /** Folder under the library root. */
  folder: string;
  media: string;
  bytes: Uint8Array;
  sidecar?: { name: string; spec: SidecarSpec };
  /** ROOT-relative path, or several when duplicates may take either name. */
  expect: string | string[];
  /** Expected mtime and index CreateDate. */
  date: string;
  /** The item this one is an edited copy or video half of. */
  companionOf?: string;
  mtime?: Date;
}

const EN = "Takeout/Google Photos";

/** `n` characters: a readable stem padded with digits. */
function nameOf(length: number, ext: string): string {
  const stem = "Holiday_in_the_mountains_with_the_family_";
  const want = length - ext.length;
  return (stem + "0123456789".repeat(4)).slice(0, want) + ext;
}

function englishCases(): Case[] {
  const y23 = "Photos from 2023";
  const cases: Case[] = [];
  const photo = (
    label: string,
    folder: string,
    media: string,
    sidecar: string | undefined,
    spec: Partial<SidecarSpec> & { taken: string },
    expect: string | string[],
  ) => {
    cases.push({
      label,
      folder,
      media,
      bytes: jpeg({ imageUniqueId: label.padEnd(32, "0") }),
      sidecar: sidecar === undefined ? undefined : {
        name: sidecar,
        spec: { title: media, id: label, ...spec },
      },
      expect,
      date: spec.taken,
    });
  };
  // Both sidecar forms.
  photo("old-form", y23, "IMG_0001.jpg", "IMG_0001.jpg.json", {
    taken: "2023-01-05T10:00:00Z",
    description: "Eiffel tower",
    geo: [48.8, 2.3, 30],
    geoExif: [48.85, 2.2945, 35],
    people: ["Alice", "Bob"],
    favorited: true,
  }, "photos/2023/01/IMG_0001.jpg");
  photo(
    "new-form",
    y23,
    "IMG_0002.jpg",
    supplementalName("IMG_0002.jpg"),
    { taken: "2023-02-14T09:30:00Z", geo: [45.76, 4.83] },
    "photos/2023/02/IMG_0002.jpg",
  );
  // Clipping to 46 characters before ".json": the supplemental part cut
  // short, cut to nothing but the dot, cut away whole, the extension cut.
  const screenshot = "Screenshot_20231027_123303_Facebook.jpg";
  assertEquals(
    supplementalName(screenshot),
    "Screenshot_20231027_123303_Facebook.jpg.supple.json",
  );
  photo(
    "clip-supple",
    y23,
    screenshot,
    supplementalName(screenshot),
    { taken: "2023-03-10T12:00:00Z" },
    [
      `photos/2023/03/${screenshot}`,
      "photos/2023/03/Screenshot_20231027_123303_Facebook (2).jpg",
    ],
  );
  // A duplicate whose clipped sidecar keeps its "(n)" after the cut.
  photo(
    "clip-dup",
    y23,
    "Screenshot_20231027_123303_Facebook(1).jpg",
    supplementalName(screenshot, 1),
    { taken: "2023-03-20T12:00:00Z", title: screenshot },
    [
      `photos/2023/03/${screenshot}`,
      "photos/2023/03/Screenshot_20231027_123303_Facebook (2).jpg",
    ],
  );
  const n45 = nameOf(45, ".jpg");
  assertEquals(supplementalName(n45), `${n45}..json`);
  photo("clip-dot", y23, n45, supplementalName(n45), {
    taken: "2023-04-01T08:00:00Z",
  }, `photos/2023/04/${n45}`);
  const n46 = nameOf(46, ".jpg");
  assertEquals(supplementalName(n46), `${n46}.json`);
  assertEquals(supplementalName(n46).length, 51);
  photo("clip-none", y23, n46, supplementalName(n46), {
    taken: "2023-05-01T08:00:00Z",
  }, `photos/2023/05/${n46}`);
  const n47 = nameOf(47, ".jpg");
  assertEquals(supplementalName(n47), `${n47.slice(0, -1)}.json`);
  photo("clip-ext", y23, n47, supplementalName(n47), {
    taken: "2023-06-01T08:00:00Z",
  }, `photos/2023/06/${n47}`);
  // A media name clipped to a 47-character stem: its sidecar looks one
  // character shorter, and its title restores the whole name.
  const longTitle =
    "A_very_long_original_file_name_uploaded_from_a_camera_app_2023.jpg";
  const clippedMedia = `${longTitle.slice(0, 47)}.jpg`;
  assertEquals(clippedMedia.length, 51);
  photo(
    "clip-media",
    y23,
    clippedMedia,
    supplementalName(clippedMedia),
    { taken: "2023-07-01T08:00:00Z", title: longTitle },
    `photos/2023/07/${longTitle}`,
  );
  // (n) duplicates in every form; each titled IMG.jpg.
  const dups: [string, string, string][] = [
    ["IMG.jpg", "IMG.jpg.json", "2023-08-01T08:00:00Z"],
    ["IMG(1).jpg", "IMG.jpg(1).json", "2023-09-01T08:00:00Z"],
    [
      "IMG(2).jpg",
      "IMG.jpg.supplemental-metadata(2).json",
      "2023-10-01T08:00:00Z",
    ],
    [
      "IMG(3).jpg",
      "IMG(3).jpg.supplemental-metadata.json",
      "2023-11-01T08:00:00Z",
    ],
  ];
  for (const [i, [media, sidecar, taken]] of dups.entries()) {
    photo(`dup-${i}`, y23, media, sidecar, {
      taken,
      title: "IMG.jpg",
    }, `photos/2023/${taken.slice(5, 7)}/IMG.jpg`);
  }
  for (
    const [label, media, sidecar, taken] of [
      [
        "heic-0",
        "IMG_7.HEIC",
        "IMG_7.HEIC.supplemental-metadata.json",
        "2023-12-01T08:00:00Z",
      ],
      [
        "heic-1",
        "IMG_7(1).HEIC",
        "IMG_7.HEIC(1).supplemental-metadata.json",
        "2023-12-02T08:00:00Z",
      ],
    ]
  ) {
    cases.push({
      label,
      folder: y23,
      media,
      bytes: heic(cases.length),
      sidecar: {
        name: sidecar,
        spec: { title: "IMG_7.HEIC", id: label, taken },
      },
      expect: ["photos/2023/12/IMG_7.HEIC", "photos/2023/12/IMG_7 (2).HEIC"],
      date: taken,
    });
  }
  // No extension in the upload's name, with and without (n).
  photo(
    "noext-dup",
    "Photos from 2013",
    "2013-12-23(1).jpg",
    "2013-12-23.supplemental-metadata(1).json",
    { taken: "2013-12-23T10:00:00Z", title: "2013-12-23" },
    "photos/2013/12/2013-12-23.jpg",
  );
  photo(
    "noext",
    "Photos from 2022",
    "Peanut Butter Balls.jpg",
    "Peanut Butter Balls.supplemental-metadata.json",
    { taken: "2022-01-15T18:00:00Z", title: "Peanut Butter Balls" },
    "photos/2022/01/Peanut Butter Balls.jpg",
  );
  photo(
    "noext-old",
    "Photos from 2003",
    "20030616.jpg",
    "20030616.json",
    { taken: "2003-06-16T15:00:00Z", title: "20030616" },
    "photos/2003/06/20030616.jpg",
  );
  // The title restores a name Takeout changed.
  photo(
    "renamed",
    "Photos from 2022",
    "IMG_5000.jpg",
    jsonName("IMG_5000.jpg"),
    { taken: "2022-02-10T17:45:00Z", title: "Sunset over the bay.jpg" },
    "photos/2022/02/Sunset over the bay.jpg",
  );
  // Edited copies: no sidecar of their own, beside their original.
  photo(
    "edit-orig",
    "Photos from 2022",
    "IMG_3000.jpg",
    supplementalName("IMG_3000.jpg"),
    { taken: "2022-03-03T11:00:00Z" },
    "photos/2022/03/IMG_3000.jpg",
  );
  cases.push({
    label: "edit",
    folder: "Photos from 2022",
    media: "IMG_3000-edited.jpg",
    bytes: jpeg({ imageUniqueId: "edit".padEnd(32, "1") }),
    expect: "photos/2022/03/IMG_3000-edited.jpg",
    date: "2022-03-03T11:00:00Z",
    companionOf: "edit-orig",
  });
  photo(
    "edit-dup-orig",
    "Photos from 2022",
    "IMG_3001(1).jpg",
    supplementalName("IMG_3001.jpg", 1),
    { taken: "2022-04-04T11:00:00Z", title: "IMG_3001.jpg" },
    "photos/2022/04/IMG_3001.jpg",
  );
  cases.push({
    label: "edit-dup",
    folder: "Photos from 2022",
    media: "IMG_3001-edited(1).jpg",
    bytes: jpeg({ imageUniqueId: "edit-dup".padEnd(32, "1") }),
    expect: "photos/2022/04/IMG_3001-edited.jpg",
    date: "2022-04-04T11:00:00Z",
    companionOf: "edit-dup-orig",
  });
  // An edited copy whose name Takeout clipped to a 47-character stem.
  const party = "Grandmas_80th_birthday_party_in_the_garden";
  photo(
    "edit-clip-orig",
    "Photos from 2022",
    `${party}.jpg`,
    supplementalName(`${party}.jpg`),
    { taken: "2022-05-05T15:00:00Z" },
    `photos/2022/05/${party}.jpg`,
  );
  cases.push({
    label: "edit-clip",
    folder: "Photos from 2022",
    media: `${party}-edit.jpg`,
    bytes: jpeg({ imageUniqueId: "edit-clip".padEnd(32, "1") }),
    expect: `photos/2022/05/${party}-edit.jpg`,
    date: "2022-05-05T15:00:00Z",
    companionOf: "edit-clip-orig",
  });
  // Live and motion photos: the video half beside its still, with its date.
  const pairs: [string, string, string, string, string, Uint8Array][] = [
    [
      "pixel",
      "Photos from 2021",
      "PXL_20231006_063909898.MP.jpg",
      "PXL_20231006_063909898.MP",
      "2021-10-06T06:39:09Z",
      mp4({ created: new Date("2021-10-07T00:00:00Z"), mdatBytes: 90 }),
    ],
    [
      "mvimg",
      "Photos from 2019",
      "MVIMG_20191230_232926.jpg",
      "MVIMG_20191230_232926.MP4",
      "2019-12-30T23:29:26Z",
      mp4({ created: new Date("2020-01-01T00:00:00Z"), mdatBytes: 91 }),
    ],
    [
      "ios",
      "Photos from 2021",
      "IMG_1234.HEIC",
      "IMG_1234.MOV",
      "2021-05-05T05:05:05Z",
      mp4({
        created: new Date("2021-06-01T00:00:00Z"),
        quickTime: true,
        mdatBytes: 92,
      }),
    ],
  ];
  assertEquals(
    supplementalName("MVIMG_20191230_232926.jpg"),
    "MVIMG_20191230_232926.jpg.supplemental-metadat.json",
  );
  for (const [label, folder, still, video, taken, videoBytes] of pairs) {
    const month = `photos/${taken.slice(0, 4)}/${taken.slice(5, 7)}`;
    cases.push({
      label,
      folder,
      media: still,
      bytes: still.endsWith(".HEIC")
        ? heic(cases.length)
        : jpeg({ imageUniqueId: label.padEnd(32, "2") }),
      sidecar: {
        name: supplementalName(still),
        spec: { title: still, id: label, taken },
      },
      expect: `${month}/${still}`,
      date: taken,
    });
    cases.push({
      label: `${label}-video`,
      folder,
      media: video,
      bytes: videoBytes,
      expect: `${month}/${video}`,
      date: taken,
      companionOf: label,
    });
  }
  // Archived items are imported by default.
  photo(
    "archived",
    "Archive",
    "IMG_9000.jpg",
    supplementalName("IMG_9000.jpg"),
    {
      taken: "2022-06-06T06:06:06Z",
      archived: true,
    },
    "photos/2022/06/IMG_9000.jpg",
  );
  // Files no sidecar matches: EXIF date, then a date in the name, then the
  // video header, then the archive entry's time.
  cases.push({
    label: "unmatched-exif",
    folder: "Photos from 2019",
    media: "DSC_0001.JPG",
    bytes: jpeg({
      dateTimeOriginal: "2019:07:14 12:00:00",
      imageUniqueId: "unmatched".padEnd(32, "3"),
    }),
    expect: "photos/2019/07/DSC_0001.JPG",
    date: "2019-07-14T12:00:00Z",
  });
  cases.push({
    label: "unmatched-name",
    folder: "Photos from 2021",
    media: "Screenshot_2021-03-04-05-06-07.png",
    bytes: placeholder("png", 1),
    expect: "photos/2021/03/Screenshot_2021-03-04-05-06-07.png",
    date: "2021-03-04T05:06:07Z",
  });
  cases.push({
    label: "unmatched-video",
    folder: "Photos from 2020",
    media: "clip.mp4",
    bytes: mp4({ created: new Date("2020-02-02T02:02:02Z"), mdatBytes: 93 }),
    expect: "photos/2020/02/clip.mp4",
    date: "2020-02-02T02:02:02Z",
  });
  cases.push({
    label: "unmatched-entry",
    folder: "Photos from 2022",
    media: "scan.gif",
    bytes: placeholder("gif", 2),
    expect: "photos/2022/11/scan.gif",
    date: "2022-11-05T08:00:00Z",
    mtime: new Date("2022-11-05T08:00:00Z"),
  });
  return cases;
}

/** Spreads cases over parts: each media file in one part, its sidecar in the next. */
function exportFiles(
  root: string,
  cases: Case[],
  partCount: number,
): ExportFile[] {
  const files: ExportFile[] = [];
  cases.forEach((c, i) => {
    files.push({
      path: `${root}/${c.folder}/${c.media}`,
      data: c.bytes,
      part: i % partCount,
      mtime: c.mtime ?? new Date("2024-01-01T00:00:00Z"),
    });
    if (c.sidecar) {
      files.push({
        path: `${root}/${c.folder}/${c.sidecar.name}`,
        data: sidecarJson(c.sidecar.spec),
        part: (i + 1) % partCount,
      });
    }
  });
  return files;
}

/** The album folder whose name ends with `title`, and where its links point. */
async function albumLinks(
  root: string,
  title: string,
): Promise<{ folder: string; targets: string[] }> {
  const links = (await listFiles(join(root, "albums")))
    .filter((f) => f.split("/").at(-2)?.endsWith(title));
  assert(links.length > 0, `no album folder for ${title}`);
  const folder = links[0].split("/").slice(0, -1).join("/");
  const targets: string[] = [];
  for (const link of links) {
    const abs = join(root, "albums", link);
    assert((await Deno.lstat(abs)).isSymlink, `${link} is not a link`);
    const target = resolve(join(abs, ".."), await Deno.readLink(abs));
    targets.push(relative(root, target));
  }
  return { folder, targets: targets.sort() };
}

Deno.test("an English export split across zip and tgz parts lands every item once, named, dated and described by its sidecar", async () => {
  await withDir(async (dir) => {
    const cases = englishCases();
    const files = exportFiles(EN, cases, 3);
    const byLabel = new Map(cases.map((c) => [c.label, c]));
    // Album folders hold copies of year-folder items, with their sidecars.
    const copy = (album: string, label: string, part: number) => {
      const c = byLabel.get(label)!;
      files.push({ path: `${EN}/${album}/${c.media}`, data: c.bytes, part });
      files.push({
        path: `${EN}/${album}/${c.sidecar!.name}`,
        data: sidecarJson(c.sidecar!.spec),
        part,
      });
    };
    copy("Trip to Rome", "old-form", 2);
    copy("Trip to Rome", "pixel", 0);
    files.push({
      path: `${EN}/Trip to Rome/metadata.json`,
      data: utf8.encode(JSON.stringify({
        title: "Trip to Rome",
        description: "Roma!",
        access: "protected",
        date: { timestamp: "1700000000", formatted: "" },
      })),
      part: 1,
    });
    copy("Summer", "new-form", 1);
    // Trash is skipped; Takeout's own files are not media.
    files.push({
      path: `${EN}/Trash/IMG_9100.jpg`,
      data: jpeg({ imageUniqueId: "trash".padEnd(32, "4") }),
      part: 0,
    }, {
      path: `${EN}/Trash/IMG_9100.jpg.supplemental-metadata.json`,
      data: sidecarJson({
        title: "IMG_9100.jpg",
        id: "trash",
        taken: "2022-08-08T08:00:00Z",
        trashed: true,
      }),
      part: 1,
    }, {
      path: `${EN}/print-subscriptions.json`,
      data: utf8.encode("[]"),
      part: 2,
    }, {
      path: "Takeout/archive_browser.html",
      data: utf8.encode("<html></html>"),
      part: 0,
    });
    const parts = await writeExport(dir, files, ["zip", "tgz", "zip"]);
    const root = join(dir, "backup");
    const r = await takeout(root, parts);
    assertEquals(r.code, 0, r.stderr);
    assertMatch(r.stderr, /gphotos-sync takeout: \d+ imported/);

    const stored = await storedItems(root);
    assertEquals(stored.length, cases.length, "one index row per item");
    const byUrl = new Map<string, (typeof stored)[number]>();
    const rows = withIndex(
      root,
      (db) =>
        new Map(
          stored.map((
            s,
          ) => [s.item.remoteId, db.getItemExtras(s.item.remoteId)]),
        ),
    );
    for (const s of stored) {
      const url = rows.get(s.item.remoteId)?.photoUrl;
      if (url) byUrl.set(url, s);
    }
    const taken = new Set<string>();
    const find = (c: Case) => {
      const candidates = stored.filter((s) => sameBytes(s.bytes, c.bytes));
      assertEquals(candidates.length, 1, `${c.label}: stored once`);
      return candidates[0];
    };
    for (const c of cases) {
      const s = find(c);
      const expected = Array.isArray(c.expect) ? c.expect : [c.expect];
      assert(
        expected.includes(s.rel),
        `${c.label}: at ${s.rel}, expected ${expected.join(" or ")}`,
      );
      assert(!taken.has(s.rel), `${c.label}: ${s.rel} used twice`);
      taken.add(s.rel);
      assertEquals(s.mtime.getTime(), Date.parse(c.date), `${c.label} mtime`);
      assertEquals(s.item.createDate.getTime(), Date.parse(c.date), c.label);
      assertEquals(s.item.source, "takeout", c.label);
      assert(s.item.downloaded, c.label);
      assertEquals(s.item.fileSize, c.bytes.length, c.label);
      if (c.sidecar) {
        assertEquals(byUrl.get(photoUrl(c.label)), s, `${c.label} by URL`);
        assert(s.xmp !== undefined, `${c.label}: no XMP sidecar`);
        assertMatch(
          s.xmp,
          new RegExp(`exif:DateTimeOriginal="${c.date}"`),
          c.label,
        );
      }
      const extras = rows.get(s.item.remoteId)!;
      if (c.companionOf) {
        const original = find(byLabel.get(c.companionOf)!);
        assertEquals(
          c.media.endsWith(".jpg") ? extras.editOf : extras.pairOf,
          original.item.remoteId,
          `${c.label} points at its original`,
        );
        assertEquals(s.item.path, original.item.path, c.label);
      }
    }
    assertEquals(
      stored.filter((s) => s.rel.includes("IMG_9100")).length,
      0,
      "trash skipped",
    );

    // Everything a sidecar says, in the index and in the XMP file.
    const a = find(byLabel.get("old-form")!);
    assertEquals(a.item.description, "Eiffel tower");
    assertEquals(a.item.location, "48.85,2.2945", "geoDataExif wins");
    const extras = rows.get(a.item.remoteId)!;
    assertEquals(extras.people, ["Alice", "Bob"]);
    assertEquals(extras.favorite, true);
    assertEquals(extras.matchedBy, "exact-json");
    assertEquals(extras.dateSource, "sidecar");
    for (
      const part of [
        'xmp:Rating="5"',
        'exif:GPSLatitude="48,51.000000N"',
        'exif:GPSLongitude="2,17.670000E"',
        'exif:GPSAltitude="35000/1000"',
        '<rdf:li xml:lang="x-default">Eiffel tower</rdf:li>',
        "<rdf:li>Alice</rdf:li>",
        "<rdf:li>People/Bob</rdf:li>",
      ]
    ) assert(a.xmp!.includes(part), `XMP lacks ${part}:\n${a.xmp}`);
    const b = find(byLabel.get("new-form")!);
    assertEquals(b.item.location, "45.76,4.83", "geoData when no geoDataExif");
    assert(!b.xmp!.includes("xmp:Rating"), "not a favourite: no rating");
    assertEquals(
      rows.get(find(byLabel.get("archived")!).item.remoteId)!.archived,
      true,
    );
    assertEquals(
      rows.get(find(byLabel.get("clip-media")!).item.remoteId)!.matchedBy,
      "clipped",
    );

    // Unmatched files: dated from the file, listed in the report.
    const report = await readReport(root);
    const unmatched = new Map<string, string>(
      report.unmatched.map((u: { path: string; dateFrom: string }) => [
        u.path,
        u.dateFrom,
      ]),
    );
    assertEquals(Object.fromEntries(unmatched), {
      "photos/2019/07/DSC_0001.JPG": "exif",
      "photos/2021/03/Screenshot_2021-03-04-05-06-07.png": "filename",
      "photos/2020/02/clip.mp4": "video",
      "photos/2022/11/scan.gif": "entry",
    });
    assertEquals(report.counts.imported, cases.length);
    assertEquals(report.counts.skippedTrash, 1);
    assertEquals(report.counts.editedCopies, 3);
    assertEquals(report.counts.livePairs, 3);
    assertEquals(report.counts.unmatched, 4);
    assertEquals(report.counts.albums, 2);
    assertEquals(report.unclaimedSidecars, []);
    for (const u of report.unmatched) {
      assert(parts.includes(u.part), `${u.entry} names its part`);
    }

    // Albums: folders of links to the one stored copy.
    const rome = await albumLinks(root, "Trip to Rome");
    assertEquals(
      rome.targets,
      [
        find(byLabel.get("old-form")!).rel,
        find(byLabel.get("pixel")!).rel,
      ].sort(),
    );
    assertMatch(rome.folder, /^2023\/0105 Trip to Rome$/);
    const summer = await albumLinks(root, "Summer");
    assertEquals(summer.targets, [find(byLabel.get("new-form")!).rel]);
    withIndex(root, (db) => {
      const albums = db.albums();
      assertEquals(albums.map((al) => al.albumName).sort(), [
        "Summer",
        "Trip to Rome",
      ]);
      const romeRow = albums.find((al) => al.albumName === "Trip to Rome")!;
      assertEquals(romeRow.description, "Roma!");
      assertEquals(db.albumFiles(romeRow.remoteId).length, 2);
    });

    // Nothing but media, XMP files and the program's own files.
    const all = await listFiles(root);
    assertEquals(all.filter((f) => f.endsWith(".part")), []);
    assertEquals(
      all.filter((f) =>
        !f.startsWith("photos/") && !f.startsWith("albums/") &&
        !f.startsWith("gphotos.")
      ),
      [],
    );
  });
});

const DE = "Takeout/Google Fotos";
const FR = "Takeout/Google Photos";

Deno.test("German and French exports: localized root, year, album metadata, trash and archive folders, and edit suffixes", async () => {
  await withDir(async (dir) => {
    const de = jpeg({ imageUniqueId: "de-orig".padEnd(32, "5") });
    const deEdit = jpeg({ imageUniqueId: "de-edit".padEnd(32, "5") });
    const deTrash = jpeg({ imageUniqueId: "de-trash".padEnd(32, "5") });
    const deArchived = jpeg({ imageUniqueId: "de-arch".padEnd(32, "5") });
    const deSide = sidecarJson({
      title: "IMG_2001.jpg",
      id: "de-orig",
      taken: "2022-07-07T07:07:07Z",
      description: "Ostsee",
    });
    const deDir = join(dir, "de");
    await Deno.mkdir(deDir);
    const deParts = await writeExport(deDir, [
      { path: `${DE}/Fotos von 2022/IMG_2001.jpg`, data: de, part: 0 },
      {
        path: `${DE}/Fotos von 2022/IMG_2001-bearbeitet.jpg`,
        data: deEdit,
        part: 1,
      },
      {
        path: `${DE}/Fotos von 2022/IMG_2001.jpg.supplemental-metadata.json`,
        data: deSide,
        part: 1,
      },
      { path: `${DE}/Urlaub/IMG_2001.jpg`, data: de, part: 1 },
      {
        path: `${DE}/Urlaub/IMG_2001.jpg.supplemental-metadata.json`,
        data: deSide,
        part: 0,
      },
      {
        path: `${DE}/Urlaub/Metadaten.json`,
        data: utf8.encode(
          JSON.stringify({ title: "Urlaub an der See", description: "" }),
        ),
        part: 0,
      },
      { path: `${DE}/Papierkorb/IMG_2002.jpg`, data: deTrash, part: 0 },
      {
        path: `${DE}/Papierkorb/IMG_2002.jpg.supplemental-metadata.json`,
        data: sidecarJson({
          title: "IMG_2002.jpg",
          id: "de-trash",
          taken: "2022-07-08T07:07:07Z",
          trashed: true,
        }),
        part: 1,
      },
      { path: `${DE}/Archiv/IMG_2003.jpg`, data: deArchived, part: 1 },
      {
        path: `${DE}/Archiv/IMG_2003.jpg.supplemental-metadata.json`,
        data: sidecarJson({
          title: "IMG_2003.jpg",
          id: "de-arch",
          taken: "2022-07-09T07:07:07Z",
          archived: true,
        }),
        part: 0,
      },
    ], ["tgz", "zip"]);

    const fr = jpeg({ imageUniqueId: "fr-orig".padEnd(32, "6") });
    const frEdit = jpeg({ imageUniqueId: "fr-edit".padEnd(32, "6") });
    const frSide = sidecarJson({
      title: "IMG_1001.jpg",
      id: "fr-orig",
      taken: "2021-08-15T12:00:00Z",
    });
    const frDir = join(dir, "fr");
    await Deno.mkdir(frDir);
    const frParts = await writeExport(frDir, [
      { path: `${FR}/Photos de 2021/IMG_1001.jpg`, data: fr, part: 0 },
      {
        path: `${FR}/Photos de 2021/IMG_1001-modifié.jpg`,
        data: frEdit,
        part: 0,
      },
      {
        path: `${FR}/Photos de 2021/IMG_1001.jpg.supplemental-metadata.json`,
        data: frSide,
        part: 1,
      },
      { path: `${FR}/Vacances/IMG_1001.jpg`, data: fr, part: 1 },
      {
        path: `${FR}/Vacances/IMG_1001.jpg.supplemental-metadata.json`,
        data: frSide,
        part: 1,
      },
      {
        path: `${FR}/Vacances/métadonnées.json`,
        data: utf8.encode(JSON.stringify({ title: "Vacances d'été" })),
        part: 0,
      },
      {
        path: `${FR}/Corbeille/IMG_1002.jpg`,
        data: jpeg({ imageUniqueId: "fr-trash".padEnd(32, "6") }),
        part: 1,
      },
      {
        path: `${FR}/Corbeille/IMG_1002.jpg.supplemental-metadata.json`,
        data: sidecarJson({
          title: "IMG_1002.jpg",
          id: "fr-trash",
          taken: "2021-08-16T12:00:00Z",
          trashed: true,
        }),
        part: 0,
      },
    ], ["zip", "tgz"]);

    const root = join(dir, "backup");
    const r1 = await takeout(root, deParts);
    assertEquals(r1.code, 0, r1.stderr);
    const r2 = await takeout(root, frParts);
    assertEquals(r2.code, 0, r2.stderr);

    const stored = await storedItems(root);
    const rel = (bytes: Uint8Array) =>
      stored.filter((s) => sameBytes(s.bytes, bytes)).map((s) => s.rel);
    assertEquals(rel(de), ["photos/2022/07/IMG_2001.jpg"]);
    assertEquals(rel(deEdit), ["photos/2022/07/IMG_2001-bearbeitet.jpg"]);
    assertEquals(rel(deTrash), [], "Papierkorb is the trash");
    assertEquals(rel(deArchived), ["photos/2022/07/IMG_2003.jpg"]);
    assertEquals(rel(fr), ["photos/2021/08/IMG_1001.jpg"]);
    assertEquals(rel(frEdit), ["photos/2021/08/IMG_1001-modifié.jpg"]);
    assertEquals(stored.length, 5);
    for (const s of stored) {
      assertEquals(s.mtime.getTime(), s.item.createDate.getTime(), s.rel);
    }
    const deRow = stored.find((s) => sameBytes(s.bytes, de))!;
    assertEquals(deRow.item.description, "Ostsee");
    assertMatch(deRow.xmp!, /Ostsee/);
    withIndex(root, (db) => {
      const archived = stored.find((s) => sameBytes(s.bytes, deArchived))!;
      assertEquals(db.getItemExtras(archived.item.remoteId)!.archived, true);
      assertEquals(
        db.albums().map((a) => a.albumName).sort(),
        ["Urlaub an der See", "Vacances d'été"],
      );
    });
    assertEquals((await albumLinks(root, "Urlaub an der See")).targets, [
      "photos/2022/07/IMG_2001.jpg",
    ]);
    assertEquals((await albumLinks(root, "Vacances d'été")).targets, [
      "photos/2021/08/IMG_1001.jpg",
    ]);
    const report = await readReport(root);
    assertEquals(report.counts.skippedTrash, 1, "Corbeille is the trash");
    assertEquals(report.counts.editedCopies, 1);
  });
});
