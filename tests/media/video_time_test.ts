import { join } from "node:path";
import { assert, assertEquals } from "../assert.ts";
import {
  readVideoCreationTime,
  readVideoCreationTimeFrom,
} from "../../src/media/video_time.ts";
import { type ByteSource, memoryBytes } from "../../src/media/file_bytes.ts";
import { box, jpeg, largeBox, mp4, mvhd } from "./media_fixtures.ts";

const CREATED = new Date("2017-09-26T15:29:44Z");

async function withTempDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "gphotos_video_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function timeOf(bytes: Uint8Array): Promise<Date | undefined> {
  return readVideoCreationTimeFrom(memoryBytes(bytes));
}

Deno.test("reads the creation time of a version 0 mvhd from a file on disk", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "clip.mp4");
    await Deno.writeFile(file, mp4({ created: CREATED, version: 0 }));
    assertEquals(await readVideoCreationTime(file), CREATED);
  });
});

Deno.test("reads the 64-bit creation time of a version 1 mvhd", async () => {
  assertEquals(await timeOf(mp4({ created: CREATED, version: 1 })), CREATED);
  // Past 2040 the 1904-based seconds no longer fit in 32 bits.
  const late = new Date("2150-06-01T00:00:00Z");
  assertEquals(await timeOf(mp4({ created: late, version: 1 })), late);
});

Deno.test("the 1904 epoch: second 0 of 1970 and a time before 1970", async () => {
  const unixZero = new Date(0);
  assertEquals(await timeOf(mp4({ created: unixZero })), unixZero);
  const old = new Date("1965-03-01T08:00:00Z");
  assertEquals(await timeOf(mp4({ created: old })), old);
});

Deno.test("finds moov after an mdat with a 64-bit size", async () => {
  for (const version of [0, 1] as const) {
    const bytes = mp4({
      created: CREATED,
      version,
      layout: "mdat-first",
      largeMdat: true,
      mdatBytes: 5000,
    });
    assertEquals(await timeOf(bytes), CREATED);
  }
});

Deno.test("a last box with size 0 runs to the end of the file", async () => {
  assertEquals(
    await timeOf(
      mp4({ created: CREATED, layout: "mdat-first", lastBoxToEnd: true }),
    ),
    CREATED,
  );
  // A size-0 mdat at the end hides nothing before it.
  assertEquals(
    await timeOf(mp4({ created: CREATED, lastBoxToEnd: true })),
    CREATED,
  );
});

Deno.test("a QuickTime .mov is read the same way", async () => {
  assertEquals(
    await timeOf(mp4({ created: CREATED, quickTime: true })),
    CREATED,
  );
});

Deno.test("an unset creation time (0) is no time", async () => {
  assertEquals(await timeOf(mp4({ created: 0 })), undefined);
  assertEquals(await timeOf(mp4({ created: 0, version: 1 })), undefined);
});

Deno.test("an unknown mvhd version is not guessed at", async () => {
  const header = mvhd(0, 3_000_000_000);
  header[8] = 2;
  const bytes = box("moov", header);
  assertEquals(await timeOf(bytes), undefined);
});

Deno.test("files without a movie header have no creation time", async () => {
  const ftypOnly = box("ftyp", new TextEncoder().encode("isom\0\0\0\0"));
  const moovWithoutMvhd = new Uint8Array([
    ...ftypOnly,
    ...box("moov", box("trak", new Uint8Array(8))),
  ]);
  for (
    const bytes of [
      new Uint8Array(0),
      ftypOnly,
      moovWithoutMvhd,
      jpeg(),
      new TextEncoder().encode("RIFF....AVI LIST not an mp4 at all"),
    ]
  ) {
    assertEquals(await timeOf(bytes), undefined);
  }
});

Deno.test("every truncation is read without error; the time appears only when mvhd is whole enough", async () => {
  for (const version of [0, 1] as const) {
    const full = mp4({ created: CREATED, version });
    // ftyp, then moov header (8), mvhd header (8), version+flags (4), time.
    const ftypLength = new DataView(full.buffer).getUint32(0);
    const timeEnd = ftypLength + 8 + 8 + 4 + (version === 0 ? 4 : 8);
    for (let length = 0; length <= full.length; length++) {
      const got = await timeOf(full.subarray(0, length));
      if (length < timeEnd) {
        assertEquals(got, undefined, `length ${length}`);
      } else {
        assertEquals(got, CREATED, `length ${length}`);
      }
    }
  }
});

Deno.test("a file cut inside a huge mdat still yields the moov before it", async () => {
  const head = mp4({ created: CREATED, mdatBytes: 16 });
  // Claim an mdat of 4 GiB (64-bit size) that the file does not hold.
  const mdat = largeBox("mdat", new Uint8Array(16));
  new DataView(mdat.buffer).setBigUint64(8, 4n << 30n);
  const moovFirst = new Uint8Array([...head, ...mdat]);
  assertEquals(await timeOf(moovFirst), CREATED);
});

Deno.test("box sizes that cannot be right stop the walk", async () => {
  // A size of 4 (smaller than its own header) before moov.
  const bad = box("free", new Uint8Array(0));
  new DataView(bad.buffer).setUint32(0, 4);
  const bytes = new Uint8Array([...bad, ...mp4({ created: CREATED })]);
  assertEquals(await timeOf(bytes), undefined);
});

Deno.test("reads only box headers, skipping the media data", async () => {
  const bytes = mp4({
    created: CREATED,
    layout: "mdat-first",
    largeMdat: true,
    mdatBytes: 1 << 20,
  });
  const inner = memoryBytes(bytes);
  let consumed = 0;
  const source: ByteSource = {
    size: inner.size,
    async read(offset, length) {
      const out = await inner.read(offset, length);
      consumed += out.length;
      return out;
    },
  };
  assertEquals(await readVideoCreationTimeFrom(source), CREATED);
  assert(consumed < 256, `read ${consumed} bytes`);
});

function ffprobeInstalled(): boolean {
  try {
    return new Deno.Command("ffprobe", {
      args: ["-version"],
      stdout: "null",
      stderr: "null",
    }).outputSync().success;
  } catch {
    return false;
  }
}

Deno.test({
  name:
    "agrees with ffprobe's format creation_time (where ffprobe is installed)",
  ignore: !ffprobeInstalled(),
  async fn() {
    await withTempDir(async (dir) => {
      for (const version of [0, 1] as const) {
        const file = join(dir, `v${version}.mp4`);
        await Deno.writeFile(
          file,
          mp4({ created: CREATED, version, layout: "mdat-first" }),
        );
        const out = new Deno.Command("ffprobe", {
          args: [
            "-v",
            "quiet",
            "-print_format",
            "json",
            "-show_entries",
            "format_tags=creation_time",
            file,
          ],
        }).outputSync();
        const json = JSON.parse(new TextDecoder().decode(out.stdout));
        assertEquals(
          new Date(json.format.tags.creation_time),
          await readVideoCreationTime(file),
        );
      }
    });
  },
});
