import { assert, assertEquals, assertThrows } from "../assert.ts";
import type { AlbumEntry, AlbumFile, IndexedItem } from "../../src/db/rows.ts";
import { UsageError } from "../../src/errors.ts";
import { makeFsProfile } from "../../src/fs/fs_profile.ts";
import { utf8Length } from "../../src/media/naming.ts";
import {
  albumFolder,
  type AlbumPathOptions,
  checkAlbumPathOptions,
  folderKey,
  formatPositional,
  freeFolder,
  linkNames,
  planAlbum,
  strftime,
} from "../../src/backup/album_paths.ts";

const profile = makeFsProfile();

const defaults: AlbumPathOptions = {
  omitAlbumDate: false,
  albumDateByFirstPhoto: false,
  monthFormat: "%m%d",
  pathFormat: undefined,
  useFlatPath: false,
  noAlbumSorting: false,
};

function album(fields: Partial<AlbumEntry> = {}): AlbumEntry {
  return {
    remoteId: "A1",
    albumName: "Clones😀",
    size: 4,
    description: undefined,
    startDate: new Date("2017-09-19T10:00:00Z"),
    endDate: new Date("2017-09-23T23:30:00Z"),
    syncDate: undefined,
    downloaded: false,
    isShared: false,
    ...fields,
  };
}

function file(fileName: string, position = 0): AlbumFile {
  const item: IndexedItem = {
    id: position + 1,
    remoteId: `R${position}`,
    uid: undefined,
    url: undefined,
    path: "photos/2017/09",
    fileName,
    origFileName: fileName,
    duplicateNo: 0,
    mimeType: "image/jpeg",
    description: "",
    fileSize: 1,
    modifyDate: undefined,
    createDate: new Date("2017-09-20T00:00:00Z"),
    syncDate: undefined,
    downloaded: true,
    location: undefined,
    source: "library",
    isVideo: false,
    videoStatus: undefined,
    failCount: 0,
    badReason: undefined,
    sourceRef: undefined,
    width: undefined,
    height: undefined,
    cameraMake: undefined,
    cameraModel: undefined,
  };
  return { position, item };
}

const folder = (
  options: Partial<AlbumPathOptions> = {},
  entry: Partial<AlbumEntry> = {},
  fs = profile,
) => albumFolder(album(entry), { ...defaults, ...options }, fs);

Deno.test("album folders are YYYY/MMDD Title, dated by the album's last item", () => {
  assertEquals(folder(), ["2017", "0923 Clones😀"]);
});

Deno.test("the folder date is the UTC date the index stores, not a local one", () => {
  // 23:30 UTC on the 23rd is the 24th in most of Europe and Asia.
  assertEquals(folder({}, { endDate: new Date("2017-12-31T23:30:00Z") }), [
    "2017",
    "1231 Clones😀",
  ]);
});

Deno.test("--album-date-by-first-photo dates the folder by the first item", () => {
  assertEquals(folder({ albumDateByFirstPhoto: true }), [
    "2017",
    "0919 Clones😀",
  ]);
});

Deno.test("--omit-album-date leaves only the title", () => {
  assertEquals(folder({ omitAlbumDate: true }), ["Clones😀"]);
  assertEquals(
    folder({ omitAlbumDate: true, pathFormat: "{1} {0}", useFlatPath: true }),
    ["Clones😀"],
  );
});

Deno.test("--month-format is a strftime format for the part after the year", () => {
  assertEquals(folder({ monthFormat: "%m" }), ["2017", "09 Clones😀"]);
  assertEquals(folder({ monthFormat: "%b-%d" }), ["2017", "Sep-23 Clones😀"]);
  assertEquals(folder({ monthFormat: "%-m.%-d" }), ["2017", "9.23 Clones😀"]);
  // gphotos-sync used "%m%d" for an empty format.
  assertEquals(folder({ monthFormat: "" }), ["2017", "0923 Clones😀"]);
});

Deno.test("--use-flat-path puts year and month in one folder name", () => {
  assertEquals(folder({ useFlatPath: true }), ["2017-0923 Clones😀"]);
  assertEquals(folder({ useFlatPath: true, monthFormat: "%m" }), [
    "2017-09 Clones😀",
  ]);
});

Deno.test("--path-format takes month and title under the year folder", () => {
  assertEquals(folder({ pathFormat: "{1} ({0})" }), [
    "2017",
    "Clones😀 (0923)",
  ]);
  assertEquals(folder({ pathFormat: "{} - {}" }), ["2017", "0923 - Clones😀"]);
  // {2} is the year (an addition: gphotos-sync had only two fields here).
  assertEquals(folder({ pathFormat: "{2}.{0} {1}" }), [
    "2017",
    "2017.0923 Clones😀",
  ]);
  // A "/" in the format makes a sub-folder, as pathlib did.
  assertEquals(folder({ pathFormat: "{0}/{1}" }), ["2017", "0923", "Clones😀"]);
});

Deno.test("--path-format with --use-flat-path takes year, month and title", () => {
  assertEquals(folder({ useFlatPath: true, pathFormat: "{2} {0}-{1}" }), [
    "Clones😀 2017-0923",
  ]);
  assertEquals(folder({ useFlatPath: true, pathFormat: "{0}/{2}" }), [
    "2017",
    "Clones😀",
  ]);
});

Deno.test("a --path-format Python would refuse is a usage error", () => {
  for (
    const bad of ["{3}", "{name}", "{0", "x}", "{0} {}", "{0!r}", "{0:d}"]
  ) {
    assertThrows(
      () => checkAlbumPathOptions({ ...defaults, pathFormat: bad }),
      UsageError,
      bad,
    );
  }
  // Three fields only exist with --use-flat-path... and {2} (the year)
  // is accepted in both; {3} never is.
  checkAlbumPathOptions({ ...defaults, pathFormat: "{2}" });
  assertThrows(
    () =>
      checkAlbumPathOptions({
        ...defaults,
        useFlatPath: true,
        pathFormat: "{3}",
      }),
    UsageError,
  );
});

Deno.test("formatPositional follows str.format for escapes and string specs", () => {
  assertEquals(formatPositional("{{{0}}}", ["a"]), "{a}");
  assertEquals(
    formatPositional("{0:>5}|{1:*^7}|{0:.2}", ["abc", "xy"]),
    [
      "  abc|**xy***|ab",
    ].join(""),
  );
  assertEquals(formatPositional("{0!s}", ["a"]), "a");
});

Deno.test("strftime gives Python's C-locale output on UTC fields", () => {
  const d = new Date("2017-09-03T15:04:05Z"); // a Sunday
  assertEquals(
    strftime(d, "%Y %y %m %d %e %H %I %M %S %p %j %a %A %b %B %w %u %%"),
    "2017 17 09 03  3 15 03 04 05 PM 246 Sun Sunday Sep September 0 7 %",
  );
  assertEquals(strftime(d, "%F %T %D"), "2017-09-03 15:04:05 09/03/17");
  // Checked against Python 3's datetime.strftime.
  assertEquals(strftime(d, "%U %W"), "36 35");
  assertEquals(strftime(new Date("2017-01-01T00:00:00Z"), "%U %W"), "01 00");
  assertEquals(strftime(new Date("2017-01-02T00:00:00Z"), "%U %W"), "01 01");
  assertEquals(strftime(d, "%Q"), "%Q");
});

Deno.test("albums without a date are dated 1900-01-01, as gphotos-sync did", () => {
  assertEquals(folder({}, { endDate: undefined }), ["1900", "0101 Clones😀"]);
  assertEquals(folder({}, { endDate: new Date("1850-05-05T00:00:00Z") }), [
    "1900",
    "0101 Clones😀",
  ]);
});

Deno.test("titles are cleaned with gphotos-sync's file name rules", () => {
  assertEquals(folder({}, { albumName: "a/b  " }), ["2017", "0923 a_b"]);
  const ntfs = makeFsProfile({ ntfs: true });
  assertEquals(folder({}, { albumName: "Name, with: Comma." }, ntfs), [
    "2017",
    "0923 Name_ with_ Comma",
  ]);
  const ascii = makeFsProfile({ unicode: false });
  assertEquals(folder({}, {}, ascii), ["2017", "0923 Clones_"]);
  assertEquals(folder({ omitAlbumDate: true }, { albumName: ".." }), ["__"]);
  assertEquals(folder({ omitAlbumDate: true }, { albumName: "" }), ["_"]);
});

Deno.test("long titles are cut to the filesystem's name limit", () => {
  const short = makeFsProfile({ maxFilenameBytes: 40 });
  const [, name] = folder({}, { albumName: "é".repeat(100) }, short);
  assert(utf8Length(name) <= 40, name);
  assert(name.startsWith("0923 éé"), name);
});

Deno.test("link names are NNNN_ and the file name, in the order given", () => {
  assertEquals(
    linkNames(["b.jpg", "a.jpg", "b.jpg"], defaults, profile),
    ["0000_b.jpg", "0001_a.jpg", "0002_b.jpg"],
  );
  const many = linkNames(
    Array.from({ length: 10_001 }, (_, i) => `${i}.jpg`),
    defaults,
    profile,
  );
  assertEquals(many[9999], "9999_9999.jpg");
  assertEquals(many[10_000], "10000_10000.jpg");
});

Deno.test("--no-album-sorting keeps the file names, numbering clashes", () => {
  assertEquals(
    linkNames(
      ["b.jpg", "a.jpg", "b.jpg", "b (2).jpg"],
      { noAlbumSorting: true },
      profile,
    ),
    ["b.jpg", "a.jpg", "b (2).jpg", "b (2) (2).jpg"],
  );
  const ci = makeFsProfile({ caseInsensitive: true });
  assertEquals(
    linkNames(["A.jpg", "a.jpg"], { noAlbumSorting: true }, ci),
    ["A.jpg", "a (2).jpg"],
  );
});

Deno.test("long link names keep their extension within the limit", () => {
  const [name] = linkNames(["x".repeat(300) + ".jpeg"], defaults, profile);
  assertEquals(utf8Length(name), 255);
  assert(name.startsWith("0000_xxx") && name.endsWith(".jpeg"), name);
});

Deno.test("two albums with the same folder get (2), in a stable order", () => {
  const taken = new Set<string>();
  const a = planAlbum(album(), [file("a.jpg")], defaults, profile, "/b", taken);
  const b = planAlbum(
    album({ remoteId: "A2" }),
    [file("a.jpg")],
    defaults,
    profile,
    "/b",
    taken,
  );
  assertEquals(a?.folder, ["2017", "0923 Clones😀"]);
  assertEquals(b?.folder, ["2017", "0923 Clones😀 (2)"]);
  const ci = makeFsProfile({ caseInsensitive: true });
  const ciTaken = new Set([folderKey(["2017", "0923 clones"], ci)]);
  assertEquals(freeFolder(["2017", "0923 CLONES"], ciTaken, ci), [
    "2017",
    "0923 CLONES (2)",
  ]);
});

Deno.test("planAlbum shortens the title, then the names, to fit the path limit", () => {
  const root = "/backup/albums"; // 14 bytes
  const files = [file("IMG_0001.JPG"), file("IMG_0002.JPG", 1)]; // 17-byte links
  const title = "A".repeat(60);
  // 14 + "/2017" 5 + "/0923 " 6 + 60 + "/" 1 + 17 = 103
  const roomy = planAlbum(
    album({ albumName: title }),
    files,
    defaults,
    makeFsProfile({ maxPathBytes: 103 }),
    root,
  );
  assertEquals(roomy?.folder, ["2017", `0923 ${title}`]);
  assertEquals(roomy?.shortened, false);

  const tight = planAlbum(
    album({ albumName: title }),
    files,
    defaults,
    makeFsProfile({ maxPathBytes: 93 }),
    root,
  );
  assertEquals(tight?.folder, ["2017", `0923 ${"A".repeat(50)}`]);
  assertEquals(tight?.links.map((l) => l.name), [
    "0000_IMG_0001.JPG",
    "0001_IMG_0002.JPG",
  ]);
  assertEquals(tight?.shortened, true);

  // The title stops at 16 bytes; then the link names are cut.
  const tighter = planAlbum(
    album({ albumName: title }),
    files,
    defaults,
    makeFsProfile({ maxPathBytes: 14 + 5 + 6 + 16 + 1 + 14 }),
    root,
  );
  assertEquals(tighter?.folder, ["2017", `0923 ${"A".repeat(16)}`]);
  assertEquals(tighter?.links.map((l) => l.name), [
    "0000_IMG_0.JPG",
    "0001_IMG_0.JPG",
  ]);

  assertEquals(
    planAlbum(
      album({ albumName: title }),
      files,
      defaults,
      makeFsProfile({ maxPathBytes: 40 }),
      root,
    ),
    undefined,
  );
});
