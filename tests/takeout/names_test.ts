import { assert, assertEquals } from "../assert.ts";
import {
  baseName,
  clipMediaName,
  clippedEditedStems,
  clipVariants,
  dirName,
  editedName,
  isAlbumMetadataName,
  isKnownNonMediaJson,
  isPhotosRootName,
  isUntitledAlbumName,
  pathSegments,
  sameName,
  specialFolderKind,
  splitCounter,
  yearFolderName,
} from "../../src/takeout/names.ts";
import { mediaTypeOf } from "../../src/media/extensions.ts";

Deno.test("year folders are recognized in English, French, German, Spanish, Italian, Dutch and Russian", () => {
  const cases: [string, number][] = [
    ["Photos from 2023", 2023],
    ["Photos de 2019", 2019],
    ["Fotos von 2008", 2008],
    ["Fotos del 2015", 2015],
    ["Fotos de 2001", 2001],
    ["Foto da 2002", 2002],
    ["Foto's van 2012", 2012],
    ["Foto_s van 2012", 2012],
    ["Фото за 2020", 2020],
  ];
  for (const [name, year] of cases) {
    assertEquals(yearFolderName(name), { year, guessed: false }, name);
  }
});

Deno.test("year folder names are compared case-insensitively", () => {
  assertEquals(yearFolderName("photos FROM 2023")?.year, 2023);
  assertEquals(yearFolderName("FOTOS VON 2023")?.year, 2023);
});

Deno.test("unknown wordings with a photo word and one year are guessed year folders", () => {
  assertEquals(yearFolderName("Фото за 2019 г."), {
    year: 2019,
    guessed: true,
  });
  assertEquals(yearFolderName("Zdjęcia z 2018"), { year: 2018, guessed: true });
  assertEquals(yearFolderName("2017年の写真"), { year: 2017, guessed: true });
});

Deno.test("album names with a year are not year folders", () => {
  assertEquals(yearFolderName("Amsterdam 2022"), undefined);
  assertEquals(yearFolderName("Photos Paris 2022"), undefined);
  assertEquals(yearFolderName("Photos 2019-07 Rome"), undefined);
  assertEquals(yearFolderName("Photos from 2023 and 2024"), undefined);
  assertEquals(yearFolderName("Photos from 1492"), undefined);
  assertEquals(yearFolderName("Trip"), undefined);
});

Deno.test("special folders are recognized in several languages", () => {
  const cases: [string, string][] = [
    ["Archive", "archive"],
    ["Archiv", "archive"],
    ["Archivio", "archive"],
    ["Архив", "archive"],
    ["Trash", "trash"],
    ["Bin", "trash"],
    ["Corbeille", "trash"],
    ["Papierkorb", "trash"],
    ["Papelera", "trash"],
    ["Cestino", "trash"],
    ["Корзина", "trash"],
    ["Locked folder", "locked"],
    ["Failed Videos", "failed-videos"],
  ];
  for (const [name, kind] of cases) {
    assertEquals(specialFolderKind(name), kind, name);
  }
  assertEquals(specialFolderKind("Holidays"), undefined);
  assertEquals(
    specialFolderKind("dossier verrouillé".normalize("NFD")),
    "locked",
  );
});

Deno.test("album metadata names are recognized in every listed language, numbered too", () => {
  for (
    const name of [
      "metadata.json",
      "métadonnées.json",
      "Metadaten.json",
      "metadati.json",
      "metadatos.json",
      "метаданные.json",
      "metadata(1).json",
      "métadonnées(2).json",
    ]
  ) {
    assert(isAlbumMetadataName(name), name);
  }
  assert(isAlbumMetadataName("métadonnées.json".normalize("NFD")));
  assert(!isAlbumMetadataName("IMG_1.jpg.json"));
  assert(!isAlbumMetadataName("metadata.jpg"));
});

Deno.test("untitled album names match with and without a number", () => {
  assert(isUntitledAlbumName("Untitled"));
  assert(isUntitledAlbumName("Sans titre(9)"));
  assert(isUntitledAlbumName("Sin título"));
  assert(isUntitledAlbumName("Sin título (2)".normalize("NFD")));
  assert(isUntitledAlbumName("Без названия"));
  assert(!isUntitledAlbumName("Untitled trip"));
});

Deno.test("Takeout's own JSON files and root folder names are known", () => {
  assert(isKnownNonMediaJson("print-subscriptions.json"));
  assert(isKnownNonMediaJson("shared_album_comments.json"));
  assert(isKnownNonMediaJson("user-generated-memory-titles.json"));
  assert(!isKnownNonMediaJson("IMG.jpg.json"));
  assert(isPhotosRootName("Google Photos"));
  assert(isPhotosRootName("Google Fotos"));
  assert(isPhotosRootName("Google Фото"));
  assert(!isPhotosRootName("Google Drive"));
});

Deno.test("edited suffixes are found in every listed language, with an optional (n)", () => {
  const suffixes = [
    "-edited",
    "-modifié",
    "-bearbeitet",
    "-modificato",
    "-edytowane",
    "-bewerkt",
    "-編集済み",
    "-editado",
    "-editada",
    "-editat",
    "-编辑",
  ];
  for (const suffix of suffixes) {
    assertEquals(editedName(`IMG_1${suffix}.jpg`), {
      originalStem: "IMG_1",
      suffix,
      counter: undefined,
      ext: ".jpg",
    }, suffix);
    assertEquals(editedName(`IMG_1${suffix}(2).jpg`)?.counter, 2, suffix);
  }
  // NFD on disk, uppercase from a camera.
  assertEquals(
    editedName("IMG_1-modifié.jpg".normalize("NFD"))?.originalStem,
    "IMG_1",
  );
  assertEquals(editedName("IMG_1-EDITED.JPG")?.suffix, "-EDITED");
  assertEquals(editedName("IMG_1.jpg"), undefined);
  assertEquals(editedName("-edited.jpg"), undefined);
});

Deno.test("clipped edited stems are read back only at the 47-unit limit", () => {
  const stem45 = "a".repeat(45);
  assertEquals(clippedEditedStems(`${stem45}-e`), [stem45]);
  assertEquals(clippedEditedStems(`${"b".repeat(41)}-bearb`), ["b".repeat(41)]);
  assertEquals(clippedEditedStems("short-ed"), []);
  assertEquals(clippedEditedStems(`${"c".repeat(46)}-`), ["c".repeat(46)]);
  assertEquals(clippedEditedStems(`${"d".repeat(47)}`), []);
});

Deno.test("counters, paths and NFC-insensitive comparisons", () => {
  assertEquals(splitCounter("IMG(12)"), { base: "IMG", counter: 12 });
  assertEquals(splitCounter("(1)"), { base: "(1)", counter: undefined });
  assertEquals(splitCounter("IMG (x)"), {
    base: "IMG (x)",
    counter: undefined,
  });
  assertEquals(pathSegments("a\\b//./c/"), ["a", "b", "c"]);
  assertEquals(baseName("Takeout/Google Photos/x.jpg"), "x.jpg");
  assertEquals(dirName("Takeout/Google Photos/x.jpg"), "Takeout/Google Photos");
  assert(sameName("Été.jpg", "Été.jpg".normalize("NFD")));
  assert(sameName("IMG.JPG", "img.jpg"));
});

Deno.test("media types come from the extension, RAW and motion halves included", () => {
  for (
    const name of [
      "a.jpg",
      "a.HEIC",
      "a.dng",
      "a.CR3",
      "a.webp",
      "a.gif",
      "a.png",
    ]
  ) {
    assertEquals(mediaTypeOf(name), "photo", name);
  }
  for (
    const name of [
      "a.mp4",
      "a.MOV",
      "a.3gp",
      "a.mkv",
      "PXL_1.MP",
      "PXL_1.MV",
      "PXL_1.MP~2",
    ]
  ) {
    assertEquals(mediaTypeOf(name), "video", name);
  }
  assertEquals(mediaTypeOf("a.json"), undefined);
  assertEquals(mediaTypeOf("archive_browser.html"), undefined);
  assertEquals(mediaTypeOf("noextension"), undefined);
});

Deno.test("clipping cuts sidecar keys at 46 and media stems at 47 units, keeping surrogate pairs whole", () => {
  assertEquals(clipVariants("x".repeat(46), 46), []);
  assertEquals(clipVariants("x".repeat(47), 46), ["x".repeat(46)]);
  const emoji = "a".repeat(45) + "😀" + "b";
  assertEquals(clipVariants(emoji, 46), [
    "a".repeat(45),
    "a".repeat(45) + "😀",
  ]);
  assertEquals(clipMediaName("x".repeat(47) + ".jpg"), "x".repeat(47) + ".jpg");
  assertEquals(clipMediaName("x".repeat(48) + ".jpg"), "x".repeat(47) + ".jpg");
  assertEquals(
    clipMediaName("y".repeat(46) + "😀😀.jpg"),
    "y".repeat(46) + "😀.jpg",
  );
});
