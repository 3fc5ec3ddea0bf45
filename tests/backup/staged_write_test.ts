import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "../assert.ts";
import { SizeMismatchError } from "../../src/fs/fs_errors.ts";
import {
  commitStaged,
  discardStaged,
  stageBytes,
  stageEntry,
} from "../../src/backup/staged_write.ts";
import { withTempDir } from "../archive/archive_builder.ts";

function readerOf(...chunks: Uint8Array[]) {
  return ReadableStream.from(chunks).getReader();
}

async function names(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
}

Deno.test("a staged entry appears under its name only when committed, with its bytes and time", async () => {
  await withTempDir(async (dir) => {
    const target = join(dir, "photos", "IMG_1.jpg");
    const mtime = new Date("2019-12-30T23:29:26Z");
    const seen: number[] = [];
    const staged = await stageEntry(
      target,
      readerOf(new Uint8Array([3, 4]), new Uint8Array([5])),
      {
        head: [new Uint8Array([1, 2])],
        expectedSize: 5,
        mtime,
        onChunk: (c) => seen.push(c.length),
      },
    );
    assertEquals(staged.bytes, 5);
    assertEquals(seen, [2, 2, 1]);
    const before = await names(join(dir, "photos"));
    assertEquals(before.length, 1);
    assert(/^\.gphotos-[0-9a-f]+\.part$/.test(before[0]), before[0]);
    await commitStaged([staged]);
    assertEquals(await names(join(dir, "photos")), ["IMG_1.jpg"]);
    assertEquals([...await Deno.readFile(target)], [1, 2, 3, 4, 5]);
    assertEquals((await Deno.stat(target)).mtime?.getTime(), mtime.getTime());
  });
});

Deno.test("an entry shorter or longer than listed leaves nothing behind", async () => {
  await withTempDir(async (dir) => {
    const target = join(dir, "a.jpg");
    await assertRejects(
      () =>
        stageEntry(target, readerOf(new Uint8Array(3)), { expectedSize: 4 }),
      SizeMismatchError,
    );
    await assertRejects(
      () =>
        stageEntry(target, readerOf(new Uint8Array(5)), { expectedSize: 4 }),
      SizeMismatchError,
    );
    assertEquals(await names(dir), []);
  });
});

Deno.test("a failing body leaves nothing behind and its error goes to the caller", async () => {
  await withTempDir(async (dir) => {
    const failing = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(10));
      },
      pull(controller) {
        controller.error(new Error("entry is damaged"));
      },
    });
    await assertRejects(
      () => stageEntry(join(dir, "b.jpg"), failing.getReader()),
      Error,
      "entry is damaged",
    );
    assertEquals(await names(dir), []);
  });
});

Deno.test("discarded staged files are removed; small files stage like entries", async () => {
  await withTempDir(async (dir) => {
    const xmp = await stageBytes(
      join(dir, "IMG_1.jpg.xmp"),
      new TextEncoder().encode("<x/>"),
      { sync: false },
    );
    const media = await stageEntry(
      join(dir, "IMG_1.jpg"),
      readerOf(new Uint8Array(8)),
    );
    assertEquals((await names(dir)).length, 2);
    await discardStaged([media]);
    await commitStaged([xmp]);
    assertEquals(await names(dir), ["IMG_1.jpg.xmp"]);
    assertEquals(await Deno.readTextFile(join(dir, "IMG_1.jpg.xmp")), "<x/>");
  });
});
