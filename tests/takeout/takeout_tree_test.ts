import { assert, assertEquals } from "../assert.ts";
import {
  type ClassifiedEntry,
  classifyTakeout,
  type TakeoutEntry,
} from "../../src/takeout/takeout_tree.ts";
import { matchSidecars } from "../../src/takeout/sidecar_match.ts";

const MTIME = new Date("2024-07-12T13:38:00Z");

function entries(paths: string[]): TakeoutEntry[] {
  return paths.map((path) => ({ path, size: 100, mtime: MTIME }));
}

function byPath(list: ClassifiedEntry[]): Map<string, ClassifiedEntry> {
  return new Map(list.map((e) => [e.entry.path, e]));
}

function summary(e: ClassifiedEntry | undefined): string {
  if (e === undefined) return "missing";
  return [e.class, e.folderKind ?? "-", e.mediaType ?? "-"].join(" ");
}

Deno.test("an English export sorts into year folders, albums, special folders and other files", () => {
  const root = "Takeout/Google Photos";
  const list = entries([
    `${root}/Photos from 2023/IMG_1.jpg`,
    `${root}/Photos from 2023/IMG_1.jpg.supplemental-metadata.json`,
    `${root}/Photos from 2023/VID_1.MP4`,
    `${root}/Photos from 2023/PXL_20231006_063909898.MP`,
    `${root}/Photos from 2023/RAW_1.DNG`,
    `${root}/Trip to Rome/IMG_1.jpg`,
    `${root}/Trip to Rome/IMG_1.jpg.json`,
    `${root}/Trip to Rome/metadata.json`,
    `${root}/Archive/old.png`,
    `${root}/Trash/deleted.gif`,
    `${root}/Locked folder/secret.heic`,
    `${root}/Failed Videos/broken.3gp`,
    `${root}/print-subscriptions.json`,
    `${root}/shared_album_comments.json`,
    `${root}/user-generated-memory-titles.json`,
    "Takeout/archive_browser.html",
    `${root}/Photos from 2023/.DS_Store`,
  ]);
  const tree = classifyTakeout(list);
  assertEquals(tree.roots, [root]);
  assertEquals(tree.entries.length, list.length);
  assertEquals(tree.entries.map((e) => e.entry), list);
  const got = byPath(tree.entries);
  const expect: Record<string, string> = {
    "Photos from 2023/IMG_1.jpg": "media year photo",
    "Photos from 2023/IMG_1.jpg.supplemental-metadata.json": "sidecar year -",
    "Photos from 2023/VID_1.MP4": "media year video",
    "Photos from 2023/PXL_20231006_063909898.MP": "media year video",
    "Photos from 2023/RAW_1.DNG": "media year photo",
    "Trip to Rome/IMG_1.jpg": "media album photo",
    "Trip to Rome/IMG_1.jpg.json": "sidecar album -",
    "Trip to Rome/metadata.json": "album-metadata album -",
    "Archive/old.png": "media archive photo",
    "Trash/deleted.gif": "media trash photo",
    "Locked folder/secret.heic": "media locked photo",
    "Failed Videos/broken.3gp": "media failed-videos video",
    "print-subscriptions.json": "other root -",
    "shared_album_comments.json": "other root -",
    "user-generated-memory-titles.json": "other root -",
    "Photos from 2023/.DS_Store": "other year -",
  };
  for (const [path, want] of Object.entries(expect)) {
    assertEquals(summary(got.get(`${root}/${path}`)), want, path);
  }
  assertEquals(summary(got.get("Takeout/archive_browser.html")), "other - -");
  assert(got.get("Takeout/archive_browser.html")!.reason!.length > 0);

  assertEquals(tree.albums.map((a) => [a.folder, a.title, a.titleFrom]), [
    [`${root}/Trip to Rome`, "Trip to Rome", "folder"],
  ]);
  assertEquals(tree.albums[0].metadataPaths, [
    `${root}/Trip to Rome/metadata.json`,
  ]);
  const year = tree.folders.find((f) => f.name === "Photos from 2023")!;
  assertEquals([year.kind, year.year, year.yearGuessed], [
    "year",
    2023,
    undefined,
  ]);
  assertEquals(
    tree.folders.map((f) => f.kind),
    ["archive", "failed-videos", "locked", "year", "trash", "album"],
  );
});

Deno.test("a German export with localized names, split over parts in NFC and NFD", () => {
  const root = "Takeout/Google Fotos";
  const list = entries([
    `${root}/Fotos von 2019/Bild.jpg`,
    `${root}/Fotos von 2019/Bild.jpg.supplemental-metadata.json`,
    `${root}/Papierkorb/weg.jpg`,
    `${root}/Archiv/alt.jpg`,
    `${root}/Gesperrter Ordner/geheim.jpg`,
    `${root}/Geburtstag Öma/Bild.jpg`.normalize("NFD"),
    `${root}/Geburtstag Öma/Metadaten.json`,
    `${root}/Unbenannt(2)/x.jpg`,
    `${root}/Unbenannt(2)/Metadaten.json`,
    `${root}/Unbenannt(2)/Metadaten(1).json`,
  ]);
  const json = new Map<string, unknown>([
    [`${root}/Geburtstag Öma/Metadaten.json`, {
      title: "Geburtstag Oma",
      access: "protected",
      date: { timestamp: "1502439626" },
    }],
    [`${root}/Unbenannt(2)/Metadaten.json`, {
      title: "",
      date: { timestamp: "1" },
    }],
  ]);
  const tree = classifyTakeout(list, { json: (p) => json.get(p) });
  const got = byPath(tree.entries);
  assertEquals(
    summary(got.get(`${root}/Fotos von 2019/Bild.jpg`)),
    "media year photo",
  );
  assertEquals(
    summary(got.get(`${root}/Papierkorb/weg.jpg`)),
    "media trash photo",
  );
  assertEquals(
    summary(got.get(`${root}/Archiv/alt.jpg`)),
    "media archive photo",
  );
  assertEquals(
    summary(got.get(`${root}/Gesperrter Ordner/geheim.jpg`)),
    "media locked photo",
  );
  const nfd = got.get(`${root}/Geburtstag Öma/Bild.jpg`.normalize("NFD"))!;
  // The NFD file and the NFC metadata are one folder.
  assertEquals(nfd.folder, `${root}/Geburtstag Öma`);
  assertEquals(summary(nfd), "media album photo");
  assertEquals(
    tree.albums.map((
      a,
    ) => [a.title, a.titleFrom, a.untitled, a.metadataPaths.length]),
    [["Geburtstag Oma", "metadata", false, 1], [
      "Unbenannt(2)",
      "folder",
      true,
      2,
    ]],
  );
  assertEquals(tree.albums[0].metadata?.date, new Date("2017-08-11T08:20:26Z"));
});

Deno.test("French, Spanish, Italian and Russian exports find their year and special folders", () => {
  const cases: [string, string, string, string][] = [
    ["Google Photos", "Photos de 2021", "Corbeille", "métadonnées.json"],
    ["Google Fotos", "Fotos del 2021", "Papelera", "metadatos.json"],
    ["Google Foto", "Foto da 2021", "Cestino", "metadati.json"],
    ["Google Фото", "Фото за 2021", "Корзина", "метаданные.json"],
  ];
  for (const [rootName, yearName, trashName, metaName] of cases) {
    const root = `Takeout/${rootName}`;
    const tree = classifyTakeout(entries([
      `${root}/${yearName}/a.jpg`,
      `${root}/${trashName}/b.jpg`,
      `${root}/Vacances/c.jpg`,
      `${root}/Vacances/${metaName}`,
    ]));
    const kinds = Object.fromEntries(tree.folders.map((f) => [f.name, f.kind]));
    assertEquals(kinds, {
      [yearName]: "year",
      [trashName]: "trash",
      Vacances: "album",
    }, rootName);
    assertEquals(
      summary(byPath(tree.entries).get(`${root}/Vacances/${metaName}`)),
      "album-metadata album -",
    );
  }
});

Deno.test("a folder named like a special folder but holding album metadata is an album", () => {
  const root = "Takeout/Google Photos";
  const tree = classifyTakeout(entries([
    `${root}/Archive/a.jpg`,
    `${root}/Archive/metadata.json`,
    `${root}/Photos 2019/b.jpg`,
    `${root}/Photos 2019/metadata.json`,
    `${root}/Photos 2018/c.jpg`,
  ]));
  const kinds = Object.fromEntries(tree.folders.map((f) => [f.name, f.kind]));
  assertEquals(kinds, {
    Archive: "album",
    "Photos 2019": "album",
    "Photos 2018": "year",
  });
  assertEquals(
    tree.folders.find((f) => f.name === "Photos 2018")!.yearGuessed,
    true,
  );
});

Deno.test("old exports with metadata.json in year folders keep them as year folders", () => {
  const root = "Takeout/Google Photos";
  const tree = classifyTakeout(entries([
    `${root}/Photos from 2016/a.jpg`,
    `${root}/Photos from 2016/metadata.json`,
  ]));
  assertEquals(tree.folders[0].kind, "year");
  const meta = byPath(tree.entries).get(
    `${root}/Photos from 2016/metadata.json`,
  )!;
  assertEquals(meta.class, "other");
  assertEquals(tree.albums, []);
});

Deno.test("album metadata is told from sidecars by content when the JSON is given", () => {
  const root = "Takeout/Google Photos";
  const list = entries([
    `${root}/Výlet/a.jpg`,
    `${root}/Výlet/metadáta.json`,
    `${root}/Výlet/a.jpg.json`,
    // A photo uploaded as "metadata": its sidecar is named metadata.json.
    `${root}/Photos from 2020/metadata`,
    `${root}/Photos from 2020/metadata.json`,
  ]);
  const json = new Map<string, unknown>([
    [`${root}/Výlet/metadáta.json`, {
      title: "Výlet",
      date: { timestamp: "1" },
    }],
    [`${root}/Výlet/a.jpg.json`, {
      title: "a.jpg",
      photoTakenTime: { timestamp: "1" },
    }],
    [`${root}/Photos from 2020/metadata.json`, {
      title: "metadata",
      photoTakenTime: { timestamp: "1" },
    }],
  ]);
  const tree = classifyTakeout(list, { json: (p) => json.get(p) });
  const got = byPath(tree.entries);
  assertEquals(
    summary(got.get(`${root}/Výlet/metadáta.json`)),
    "album-metadata album -",
  );
  assertEquals(summary(got.get(`${root}/Výlet/a.jpg.json`)), "sidecar album -");
  assertEquals(
    summary(got.get(`${root}/Photos from 2020/metadata.json`)),
    "sidecar year -",
  );
  // A file without a media extension is still media when it has a sidecar.
  assertEquals(
    summary(got.get(`${root}/Photos from 2020/metadata`)),
    "media year unknown",
  );
  assertEquals(tree.albums.map((a) => [a.title, a.titleFrom]), [[
    "Výlet",
    "metadata",
  ]]);
});

Deno.test("a listing of the unpacked Takeout or Google Photos folder is understood", () => {
  const inside = classifyTakeout(entries([
    "Photos from 2022/a.jpg",
    "Photos from 2022/a.jpg.json",
    "Paris/b.jpg",
    "print-subscriptions.json",
  ]));
  assertEquals(inside.roots, [""]);
  const got = byPath(inside.entries);
  assertEquals(summary(got.get("Photos from 2022/a.jpg")), "media year photo");
  assertEquals(summary(got.get("Paris/b.jpg")), "media album photo");
  assertEquals(summary(got.get("print-subscriptions.json")), "other root -");

  const takeout = classifyTakeout(entries([
    "Google Foto/Foto da 2022/a.jpg",
    "Google Foto/Roma/b.jpg",
    "archive_browser.html",
  ]));
  assertEquals(takeout.roots, ["Google Foto"]);
  const got2 = byPath(takeout.entries);
  assertEquals(
    summary(got2.get("Google Foto/Foto da 2022/a.jpg")),
    "media year photo",
  );
  assertEquals(
    summary(got2.get("Google Foto/Roma/b.jpg")),
    "media album photo",
  );
  assertEquals(summary(got2.get("archive_browser.html")), "other - -");
});

Deno.test("parts unpacked side by side are one tree, and their files match across parts", () => {
  const media =
    "takeout-20240712T112341Z-001/Takeout/Google Foto/Photos from 2022/a.jpg";
  const json =
    "takeout-20240712T112341Z-002/Takeout/Google Foto/Photos from 2022/a.jpg.json";
  const tree = classifyTakeout(entries([media, json]));
  assertEquals(tree.roots, ["Takeout/Google Foto"]);
  assertEquals(tree.entries.map((e) => [e.class, e.dir]), [
    ["media", "Takeout/Google Foto/Photos from 2022"],
    ["sidecar", "Takeout/Google Foto/Photos from 2022"],
  ]);
  assertEquals(tree.folders.length, 1);
  const result = matchSidecars(
    [{ path: media, folder: tree.entries[0].dir }],
    [{ path: json, folder: tree.entries[1].dir }],
  );
  assertEquals(result.matches[0].sidecar, json);
  assertEquals(result.matches[0].matchedBy, "exact-json");
});

Deno.test("other products in the same Takeout are left out of the library", () => {
  const tree = classifyTakeout(entries([
    "Takeout/Google Photos/Photos from 2020/a.jpg",
    "Takeout/Google Photos/Photos from 2020/a.jpg.json",
    "Takeout/Drive/My Drive/cat.jpg",
  ]));
  assertEquals(tree.roots, ["Takeout/Google Photos"]);
  const drive = byPath(tree.entries).get("Takeout/Drive/My Drive/cat.jpg")!;
  assertEquals(drive.class, "other");
  assertEquals(drive.reason, "outside the Google Photos folder");
});

Deno.test("every file of the library that is not JSON is an item, whatever its extension and depth; JSON at the root is a sidecar", () => {
  const root = "Takeout/Google Photos";
  const tree = classifyTakeout(entries([
    `${root}/Summer/cover.cover`,
    `${root}/Photos from 2023/PXL_1.MP~2`,
    `${root}/Photos from 2023/MVIMG_1`,
    `${root}/Photos from 2023/notes.txt`,
    `${root}/Photos from 2023/Camera/IMG_2.jpg`,
    `${root}/Photos from 2023/Camera/IMG_2.jpg.json`,
    `${root}/IMG_ROOT.jpg`,
    `${root}/IMG_ROOT.jpg.supplemental-metadata.json`,
    `${root}/print-subscriptions.json`,
    `${root}/Photos from 2023/._IMG_2.jpg`,
    `${root}/Photos from 2023/Thumbs.db`,
  ]));
  const got = byPath(tree.entries);
  const expect: Record<string, string> = {
    "Summer/cover.cover": "media album unknown",
    "Photos from 2023/PXL_1.MP~2": "media year video",
    "Photos from 2023/MVIMG_1": "media year unknown",
    "Photos from 2023/notes.txt": "media year unknown",
    "Photos from 2023/Camera/IMG_2.jpg": "media year photo",
    "Photos from 2023/Camera/IMG_2.jpg.json": "sidecar year -",
    "IMG_ROOT.jpg": "media root photo",
    "IMG_ROOT.jpg.supplemental-metadata.json": "sidecar root -",
    "print-subscriptions.json": "other root -",
    "Photos from 2023/._IMG_2.jpg": "other year -",
    "Photos from 2023/Thumbs.db": "other year -",
  };
  for (const [path, want] of Object.entries(expect)) {
    assertEquals(summary(got.get(`${root}/${path}`)), want, path);
  }
  assertEquals(
    got.get(`${root}/Photos from 2023/Camera/IMG_2.jpg`)!.dir,
    got.get(`${root}/Photos from 2023/Camera/IMG_2.jpg.json`)!.dir,
  );
});
