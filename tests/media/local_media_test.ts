import { join } from "node:path";
import { assertEquals } from "../assert.ts";
import {
  mediaTypeOf,
  readLocalMedia,
  splitDuplicateName,
} from "../../src/media/local_media.ts";
import { jpeg, mp4 } from "./media_fixtures.ts";

async function withTempDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "gphotos_local_media_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("media types come from the extension, whatever its case; other files are not media", () => {
  assertEquals(mediaTypeOf("IMG_1.JPG"), "image/jpeg");
  assertEquals(mediaTypeOf("IMG_1.heic"), "image/heic");
  assertEquals(mediaTypeOf("DSC_1.NEF"), "image/x-nikon-nef");
  assertEquals(mediaTypeOf("clip.MOV"), "video/quicktime");
  assertEquals(mediaTypeOf("clip.mp4"), "video/mp4");
  assertEquals(mediaTypeOf("00001.MTS"), "video/mp2t");
  for (
    const name of ["notes.txt", "IMG_1.jpg.xmp", "Thumbs.db", "jpg", "x.ts"]
  ) {
    assertEquals(mediaTypeOf(name), undefined, name);
  }
});

Deno.test("duplicate suffixes (2) to (999) give the original name, as in gphotos-sync", () => {
  assertEquals(splitDuplicateName("IMG_1 (2).jpg"), {
    originalName: "IMG_1.jpg",
    duplicateNo: 1,
  });
  assertEquals(splitDuplicateName("IMG_1 (999).jpg"), {
    originalName: "IMG_1.jpg",
    duplicateNo: 998,
  });
  // The last " (n)." wins; the extension is what follows it.
  assertEquals(splitDuplicateName("a (2).b (3).jpg"), {
    originalName: "a (2).b.jpg",
    duplicateNo: 2,
  });
  for (
    const name of [
      "IMG_1 (1).jpg",
      "IMG_1 (0).jpg",
      "IMG_1 (1000).jpg",
      "IMG_1(2).jpg",
      "IMG_1 (2)",
    ]
  ) {
    assertEquals(
      splitDuplicateName(name),
      { originalName: name, duplicateNo: 0 },
      name,
    );
  }
});

Deno.test("unique ids and dates follow gphotos-sync's stand-ins", async () => {
  await withTempDir(async (dir) => {
    const fileTime = new Date("2012-12-12T12:12:12Z");
    const write = async (name: string, bytes: Uint8Array) => {
      const path = join(dir, name);
      await Deno.writeFile(path, bytes);
      await Deno.utime(path, fileTime, fileTime);
      return path;
    };
    const uid = "0123456789abcdef0123456789abcdef";
    const cases: [string, Uint8Array, string, Date][] = [
      [
        "with_uid.jpg",
        jpeg({ dateTimeOriginal: "2017:09:26 15:29:44", imageUniqueId: uid }),
        uid,
        new Date("2017-09-26T15:29:44Z"),
      ],
      [
        "no_uid.jpg",
        jpeg({ dateTimeOriginal: "2017:09:26 15:29:44" }),
        "no_uid_in_exif",
        new Date("2017-09-26T15:29:44Z"),
      ],
      ["no_exif.jpg", jpeg(), "none", fileTime],
      ["not_really.png", new Uint8Array([1, 2, 3]), "none", fileTime],
      [
        "clip.mp4",
        mp4({ created: new Date("2017-10-03T18:20:00Z") }),
        "not_supported",
        new Date("2017-10-03T18:20:00Z"),
      ],
      ["unset.mp4", mp4({ created: 0 }), "not_supported", fileTime],
    ];
    for (const [name, bytes, wantUid, wantDate] of cases) {
      const path = await write(name, bytes);
      const media = await readLocalMedia(path, mediaTypeOf(name)!);
      assertEquals([media.uid, media.createDate, media.size], [
        wantUid,
        wantDate,
        bytes.length,
      ], name);
    }
  });
});

Deno.test("Huawei camera modes are not descriptions", async () => {
  await withTempDir(async (dir) => {
    const modes = join(dir, "mode.jpg");
    await Deno.writeFile(modes, jpeg({ imageDescription: "burst" }));
    assertEquals((await readLocalMedia(modes, "image/jpeg")).description, "");
    const real = join(dir, "real.jpg");
    await Deno.writeFile(real, jpeg({ imageDescription: "Grandma at 90" }));
    assertEquals(
      (await readLocalMedia(real, "image/jpeg")).description,
      "Grandma at 90",
    );
  });
});
