import { join } from "node:path";
import { assert, assertEquals } from "../assert.ts";
import {
  exifCaptureTime,
  type ExifFields,
  parseExifDate,
  readExif,
  readExifFrom,
} from "../../src/media/exif.ts";
import { type ByteSource, memoryBytes } from "../../src/media/file_bytes.ts";
import { type ExifSpec, jpeg, tiffBlock } from "./media_fixtures.ts";

const UID = "0123456789abcdef0123456789abcdef";

const FULL: ExifSpec = {
  dateTimeOriginal: "2017:09:26 15:29:44",
  offsetTimeOriginal: "+02:00",
  dateTime: "2018:01:02 03:04:05",
  imageUniqueId: UID,
  imageDescription: "Beach day",
  make: "Canon",
  model: "EOS 5D",
};

const FULL_FIELDS: ExifFields = {
  dateTimeOriginal: "2017:09:26 15:29:44",
  offsetTimeOriginal: "+02:00",
  dateTime: "2018:01:02 03:04:05",
  imageUniqueId: UID,
  imageDescription: "Beach day",
  make: "Canon",
  model: "EOS 5D",
};

async function withTempDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "gphotos_exif_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A ByteSource that counts the bytes handed out. */
function counting(bytes: Uint8Array): ByteSource & { consumed: number } {
  const inner = memoryBytes(bytes);
  const source = {
    size: inner.size,
    consumed: 0,
    async read(offset: number, length: number) {
      const out = await inner.read(offset, length);
      source.consumed += out.length;
      return out;
    },
  };
  return source;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

Deno.test("reads every field from a little-endian JPEG file on disk", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "IMG_1.jpg");
    await Deno.writeFile(file, jpeg(FULL));
    assertEquals(await readExif(file), FULL_FIELDS);
  });
});

Deno.test("reads the same fields from a big-endian (Motorola) EXIF block", async () => {
  const fields = await readExifFrom(
    memoryBytes(jpeg({ ...FULL, bigEndian: true })),
  );
  assertEquals(fields, FULL_FIELDS);
});

Deno.test("a JPEG without an EXIF segment has no EXIF", async () => {
  assertEquals(await readExifFrom(memoryBytes(jpeg())), undefined);
});

Deno.test("files that are neither JPEG nor TIFF have no EXIF", async () => {
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  for (
    const bytes of [
      png,
      new TextEncoder().encode("just some text, not an image"),
      new Uint8Array(0),
      new Uint8Array([0xff]),
    ]
  ) {
    assertEquals(await readExifFrom(memoryBytes(bytes)), undefined);
  }
});

Deno.test("a bare TIFF file is read in both byte orders", async () => {
  await withTempDir(async (dir) => {
    for (const bigEndian of [false, true]) {
      const file = join(dir, bigEndian ? "mm.tif" : "ii.tif");
      await Deno.writeFile(file, tiffBlock({ ...FULL, bigEndian }));
      assertEquals(await readExif(file), FULL_FIELDS);
    }
  });
});

Deno.test("short values stored inside the directory entry are read", async () => {
  const fields = await readExifFrom(
    memoryBytes(jpeg({ imageUniqueId: "abc", make: "Sny", bigEndian: true })),
  );
  assertEquals(fields, { imageUniqueId: "abc", make: "Sny" });
});

Deno.test("an ImageUniqueID written as UNDEFINED bytes is read as text", async () => {
  const fields = await readExifFrom(
    memoryBytes(jpeg({ imageUniqueId: UID, uniqueIdType: 7 })),
  );
  assertEquals(fields?.imageUniqueId, UID);
});

Deno.test("an EXIF block with an empty directory yields no fields", async () => {
  assertEquals(await readExifFrom(memoryBytes(jpeg({}))), undefined);
});

Deno.test("every truncation of a JPEG is read without error and without garbage", async () => {
  for (const bigEndian of [false, true]) {
    const full = jpeg({ ...FULL, bigEndian });
    let sawPartial = false;
    for (let length = 0; length <= full.length; length++) {
      const fields = await readExifFrom(memoryBytes(full.subarray(0, length)));
      if (fields === undefined) continue;
      for (const [key, value] of Object.entries(fields)) {
        assertEquals(
          value,
          FULL_FIELDS[key as keyof ExifFields],
          `${key} at length ${length}`,
        );
      }
      if (Object.keys(fields).length < Object.keys(FULL_FIELDS).length) {
        sawPartial = true;
      }
    }
    // Cuts inside the EXIF values still give the fields that are whole.
    assert(sawPartial);
  }
});

Deno.test("a truncated bare TIFF keeps the fields whose values are whole", async () => {
  const full = tiffBlock(FULL);
  const fields = await readExifFrom(
    memoryBytes(full.subarray(0, full.length - 3)),
  );
  assert(fields !== undefined);
  // The last value written is ImageUniqueID: it is cut, the rest are whole.
  const { imageUniqueId: _cut, ...whole } = FULL_FIELDS;
  assertEquals(fields, whole);
});

Deno.test("damaged directories (absurd counts, bad offsets) are ignored", async () => {
  // IFD0 claims 65535 entries.
  const absurd = tiffBlock(FULL);
  new DataView(absurd.buffer).setUint16(8, 0xffff, true);
  assertEquals(await readExifFrom(memoryBytes(absurd)), undefined);

  // IFD0 points past the end of the data.
  const pastEnd = tiffBlock(FULL);
  new DataView(pastEnd.buffer).setUint32(4, 1_000_000, true);
  assertEquals(await readExifFrom(memoryBytes(pastEnd)), undefined);

  // The Exif IFD pointer points back at IFD0: read once, no loop.
  const loop = tiffBlock({
    dateTime: "2018:01:02 03:04:05",
    imageUniqueId: UID,
  });
  const view = new DataView(loop.buffer);
  const count = view.getUint16(8, true);
  for (let i = 0; i < count; i++) {
    const at = 10 + i * 12;
    if (view.getUint16(at, true) === 0x8769) view.setUint32(at + 8, 8, true);
  }
  assertEquals(await readExifFrom(memoryBytes(loop)), {
    dateTime: "2018:01:02 03:04:05",
  });
});

Deno.test("finds the EXIF segment after fill bytes and an XMP APP1 segment", async () => {
  const withExif = jpeg(FULL);
  const xmpPayload = new TextEncoder().encode(
    "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>",
  );
  const xmp = new Uint8Array([
    0xff,
    0xe1,
    (xmpPayload.length + 2) >> 8,
    (xmpPayload.length + 2) & 0xff,
    ...xmpPayload,
  ]);
  // SOI, fill bytes, XMP, then the rest (JFIF APP0, EXIF APP1, image).
  const bytes = concat(
    withExif.subarray(0, 2),
    new Uint8Array([0xff, 0xff]),
    xmp,
    withExif.subarray(2),
  );
  assertEquals(await readExifFrom(memoryBytes(bytes)), FULL_FIELDS);
});

Deno.test("reads only the header, not the image data", async () => {
  // A JPEG whose image data (after the EXIF segment) is 1 MiB.
  const small = jpeg(FULL);
  const eoi = small.subarray(small.length - 2);
  const big = concat(
    small.subarray(0, small.length - 2),
    new Uint8Array(1 << 20).fill(0x3f),
    eoi,
  );
  const source = counting(big);
  assertEquals(await readExifFrom(source), FULL_FIELDS);
  assert(source.consumed < 2048, `read ${source.consumed} bytes`);

  // Without EXIF, the walk stops at the start of the scan.
  const plain = jpeg();
  const noExif = counting(
    concat(plain.subarray(0, plain.length - 2), new Uint8Array(1 << 20), eoi),
  );
  assertEquals(await readExifFrom(noExif), undefined);
  assert(noExif.consumed < 1024, `read ${noExif.consumed} bytes`);
});

Deno.test("capture time is DateTimeOriginal in the zone OffsetTimeOriginal gives", () => {
  assertEquals(
    exifCaptureTime(FULL_FIELDS),
    new Date("2017-09-26T13:29:44Z"),
  );
  assertEquals(
    exifCaptureTime({ ...FULL_FIELDS, offsetTimeOriginal: "-05:30" }),
    new Date("2017-09-26T20:59:44Z"),
  );
});

Deno.test("capture time without a zone is the wall clock taken as UTC, as gphotos-sync stored it", () => {
  assertEquals(
    exifCaptureTime({ dateTimeOriginal: "2017:09:26 15:29:44" }),
    new Date("2017-09-26T15:29:44Z"),
  );
  // An unreadable zone is ignored rather than guessed.
  assertEquals(
    exifCaptureTime({
      dateTimeOriginal: "2017:09:26 15:29:44",
      offsetTimeOriginal: "   :  ",
    }),
    new Date("2017-09-26T15:29:44Z"),
  );
});

Deno.test("capture time falls back to DateTime, then to nothing", () => {
  assertEquals(
    exifCaptureTime({
      dateTimeOriginal: "0000:00:00 00:00:00",
      dateTime: "2018:01:02 03:04:05",
    }),
    new Date("2018-01-02T03:04:05Z"),
  );
  assertEquals(exifCaptureTime({ dateTime: "    :  :     :  :  " }), undefined);
  assertEquals(exifCaptureTime({}), undefined);
});

Deno.test("EXIF dates that do not exist are refused", () => {
  assertEquals(parseExifDate("2017:02:30 10:00:00"), undefined);
  assertEquals(parseExifDate("2017:13:01 10:00:00"), undefined);
  assertEquals(parseExifDate("2017:01:01 24:00:00"), undefined);
  assertEquals(
    parseExifDate("2017-01-01 10:11"),
    new Date("2017-01-01T10:11:00Z"),
  );
});

function installed(command: string, args: string[]): boolean {
  try {
    return new Deno.Command(command, { args, stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

Deno.test({
  name: "the test JPEGs are valid for exiftool (cross-check where installed)",
  ignore: !installed("exiftool", ["-ver"]),
  async fn() {
    await withTempDir(async (dir) => {
      const file = join(dir, "check.jpg");
      await Deno.writeFile(file, jpeg({ ...FULL, bigEndian: true }));
      const out = new Deno.Command("exiftool", {
        args: ["-s3", "-DateTimeOriginal", "-ImageUniqueID", file],
      }).outputSync();
      assertEquals(
        new TextDecoder().decode(out.stdout).trim().split("\n"),
        [FULL.dateTimeOriginal, UID],
      );
    });
  },
});
