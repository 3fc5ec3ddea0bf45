import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "../assert.ts";
import { SizeMismatchError, UnsafePathError } from "../../src/fs/fs_errors.ts";
import { KnownFolders } from "../../src/fs/known_folders.ts";
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

Deno.test("files staged in a known folder stay temporary until the batch is committed, then are there under their names", async () => {
  await withTempDir(async (dir) => {
    const folders = new KnownFolders(dir);
    const folder = await folders.folder("photos/2020/01");
    const staged = [];
    for (const name of ["IMG_1.jpg", "IMG_2.jpg", "IMG_2.jpg.xmp"]) {
      staged.push(
        await stageEntry(
          await folder.writable(name),
          readerOf(new TextEncoder().encode(name)),
          { folder },
        ),
      );
    }
    const month = join(dir, "photos/2020/01");
    assert((await names(month)).every((n) => n.endsWith(".part")));
    await commitStaged(staged);
    assertEquals(await names(month), [
      "IMG_1.jpg",
      "IMG_2.jpg",
      "IMG_2.jpg.xmp",
    ]);
    assertEquals(
      await Deno.readTextFile(join(month, "IMG_2.jpg")),
      "IMG_2.jpg",
    );
    assert(folder.names.has("IMG_2.jpg.xmp"));
  });
});

Deno.test("a batch whose folder was replaced by a link is refused before any file is renamed", async () => {
  await withTempDir(async (dir) => {
    const root = join(dir, "root");
    const outside = join(dir, "outside");
    await Deno.mkdir(join(outside, "01"), { recursive: true });
    await Deno.mkdir(root);
    const folders = new KnownFolders(root);
    const folder = await folders.folder("photos/2020/01");
    const staged = await stageEntry(
      await folder.writable("IMG_1.jpg"),
      readerOf(new Uint8Array([1, 2, 3])),
      { folder },
    );
    // Swapped between the staging and the commit of the batch.
    await Deno.rename(join(root, "photos/2020"), join(root, "moved"));
    await Deno.symlink(outside, join(root, "photos/2020"));
    await assertRejects(() => commitStaged([staged]), UnsafePathError);
    assertEquals(await names(join(outside, "01")), []);
    assertEquals(
      (await names(join(root, "moved/01"))).filter((n) => n === "IMG_1.jpg"),
      [],
    );
    // The temp file left in the moved folder is the next run's sweep's.
    await discardStaged([staged]);
    assertEquals(await names(join(outside, "01")), []);
  });
});
