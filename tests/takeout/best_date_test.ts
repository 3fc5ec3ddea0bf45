import { assertEquals } from "../assert.ts";
import { jpeg } from "../media/media_fixtures.ts";
import {
  bestDate,
  chooseBestDate,
  dateFromFileName,
  exifOfBytes,
} from "../../src/takeout/best_date.ts";
import type { ExifFields } from "../../src/media/exif.ts";

const ENTRY = new Date("2024-07-12T13:38:00Z");
const TAKEN = new Date("2023-10-06T06:39:09Z");
const NOW = { now: new Date("2024-07-12T12:00:00Z") };

Deno.test("the sidecar's photoTakenTime wins over EXIF, the name and the entry time", () => {
  assertEquals(
    chooseBestDate({
      photoTakenTime: TAKEN,
      exif: { dateTimeOriginal: "2001:01:01 00:00:00" },
      name: "IMG_20191230_232926.jpg",
      entryTime: ENTRY,
    }),
    { date: TAKEN, source: "sidecar" },
  );
});

Deno.test("EXIF DateTimeOriginal is next, with its offset when it has one", () => {
  assertEquals(
    chooseBestDate({
      exif: { dateTimeOriginal: "2019:12:30 23:29:26" },
      name: "IMG_20010101_000000.jpg",
      entryTime: ENTRY,
    }),
    { date: new Date("2019-12-30T23:29:26Z"), source: "exif" },
  );
  assertEquals(
    chooseBestDate({
      exif: {
        dateTimeOriginal: "2019:12:30 23:29:26",
        offsetTimeOriginal: "+02:00",
      },
      name: "x.jpg",
      entryTime: ENTRY,
    }).date,
    new Date("2019-12-30T21:29:26Z"),
  );
});

Deno.test("EXIF without DateTimeOriginal (only the file's change time) is not a capture date", () => {
  const exif: ExifFields = { dateTime: "2024:01:01 10:00:00" };
  assertEquals(
    chooseBestDate({ exif, name: "VID-20200101-WA0001.mp4", entryTime: ENTRY }),
    { date: new Date("2020-01-01T00:00:00Z"), source: "filename" },
  );
  assertEquals(
    chooseBestDate({
      exif: { dateTimeOriginal: "0000:00:00 00:00:00" },
      name: "x.jpg",
      entryTime: ENTRY,
    }),
    { date: ENTRY, source: "entry" },
  );
});

Deno.test("dates are read from the names cameras, phones and apps write", () => {
  const cases: [string, string][] = [
    ["IMG_20191230_232926.jpg", "2019-12-30T23:29:26Z"],
    ["PXL_20231006_063909898.MP.jpg", "2023-10-06T06:39:09Z"],
    ["MVIMG_20191230_232926.jpg", "2019-12-30T23:29:26Z"],
    ["Screenshot_2023-10-27-12-33-03.png", "2023-10-27T12:33:03Z"],
    ["Screenshot_20231027-123303_Facebook.jpg", "2023-10-27T12:33:03Z"],
    ["Screenshot 2023-10-27 at 12.33.03.png", "2023-10-27T12:33:03Z"],
    ["VID-20200101-WA0001.mp4", "2020-01-01T00:00:00Z"],
    ["IMG-20200229-WA0007.jpg", "2020-02-29T00:00:00Z"],
    ["2013-12-23.jpg", "2013-12-23T00:00:00Z"],
    ["2013-12-23(1).jpg", "2013-12-23T00:00:00Z"],
    ["20030616.jpg", "2003-06-16T00:00:00Z"],
    ["20191230_232926.mp4", "2019-12-30T23:29:26Z"],
    ["1965_07_04 picnic.jpg", "1965-07-04T00:00:00Z"],
  ];
  for (const [name, iso] of cases) {
    assertEquals(dateFromFileName(name, NOW), new Date(iso), name);
  }
});

Deno.test("impossible or implausible dates in names are refused", () => {
  for (
    const name of [
      "IMG_20191332_000000.jpg", // month 13
      "IMG_20190230.jpg", // 30 February
      "IMG_20190431_120000.jpg", // 31 April
      "IMG_20191230_253000.jpg", // 25 o'clock
      "19690101.jpg", // bare digits before 1970: a counter
      "1577836800000.jpg", // epoch milliseconds
      "DSC_0001.JPG",
      "IMG_1234.HEIC",
      "20251231.jpg", // after "now"
      "123420191230.jpg", // digits run into the date
    ]
  ) {
    assertEquals(dateFromFileName(name, NOW), undefined, name);
  }
  // Without "now", the year limit is 2099.
  assertEquals(
    dateFromFileName("20251231.jpg"),
    new Date("2025-12-31T00:00:00Z"),
  );
  assertEquals(dateFromFileName("21000101.jpg"), undefined);
});

Deno.test("with no date anywhere the entry time is used; the upload time comes just before it", () => {
  assertEquals(
    chooseBestDate({ name: "DSC_0001.JPG", entryTime: ENTRY }),
    { date: ENTRY, source: "entry" },
  );
  const uploaded = new Date("2021-05-05T05:05:05Z");
  assertEquals(
    chooseBestDate({
      name: "DSC_0001.JPG",
      creationTime: uploaded,
      entryTime: ENTRY,
    }),
    { date: uploaded, source: "sidecar" },
  );
  assertEquals(
    chooseBestDate({
      name: "IMG_20191230_232926.jpg",
      creationTime: uploaded,
      entryTime: ENTRY,
    }).source,
    "filename",
  );
});

Deno.test("EXIF is read from a real JPEG only when the sidecar has no capture time", async () => {
  const bytes = jpeg({ dateTimeOriginal: "2018:08:08 08:08:08" });
  let reads = 0;
  const readExif = async () => {
    reads++;
    return await exifOfBytes(bytes);
  };
  assertEquals(
    await bestDate({
      photoTakenTime: TAKEN,
      name: "a.jpg",
      entryTime: ENTRY,
      readExif,
    }),
    { date: TAKEN, source: "sidecar" },
  );
  assertEquals(reads, 0);
  assertEquals(
    await bestDate({ name: "a.jpg", entryTime: ENTRY, readExif }),
    { date: new Date("2018-08-08T08:08:08Z"), source: "exif" },
  );
  assertEquals(reads, 1);
});

Deno.test("unreadable or absent EXIF falls back to the name, then the entry time", async () => {
  const failing = () => Promise.reject(new Error("truncated entry"));
  assertEquals(
    await bestDate(
      {
        name: "PXL_20231006_063909898.jpg",
        entryTime: ENTRY,
        readExif: failing,
      },
      NOW,
    ),
    { date: new Date("2023-10-06T06:39:09Z"), source: "filename" },
  );
  assertEquals(
    await bestDate({
      name: "photo.jpg",
      entryTime: ENTRY,
      readExif: () => exifOfBytes(jpeg()),
    }),
    { date: ENTRY, source: "entry" },
  );
  assertEquals(await exifOfBytes(new Uint8Array([1, 2, 3])), undefined);
});
