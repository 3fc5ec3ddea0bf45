// The writer of a streaming source: items staged, then renamed and
// recorded together; an item its record refuses loses its files alone.

import { join } from "node:path";
import { assert, assertEquals } from "../assert.ts";
import { LocalData } from "../../src/db/local_data.ts";
import { memoryLogger } from "../../src/log.ts";
import { type BatchItem, BatchWriter } from "../../src/backup/batch_writer.ts";
import { withTempDir } from "../archive/archive_builder.ts";

function readerOf(text: string) {
  return ReadableStream.from([new TextEncoder().encode(text)]).getReader();
}

async function names(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
}

/** Stages `name` in photos/2020/01 with its XMP, recording into `log`. */
async function stageItem(
  writer: BatchWriter,
  name: string,
  log: string[],
  refuse = false,
): Promise<BatchItem> {
  const media = await writer.stage("photos/2020/01", name, readerOf(name), {
    expectedSize: name.length,
  });
  const xmp = await writer.stageBeside(
    media,
    `${media.target}.xmp`,
    new TextEncoder().encode("<x/>"),
    undefined,
  );
  return {
    staged: [media, xmp],
    bytes: media.bytes,
    record: () => {
      if (refuse) throw new Error("no row for it");
      log.push(`record ${name}`);
    },
    after: () => log.push(`after ${name}`),
    fail: (reason) => log.push(`fail ${name}: ${reason}`),
    settle: (recorded) => log.push(`settle ${name} ${recorded}`),
  };
}

Deno.test("a batch appears under its names only when committed: renamed, then recorded, then counted", async () => {
  await withTempDir(async (root) => {
    const db = LocalData.open(root);
    try {
      const writer = new BatchWriter(root, db, memoryLogger(), {
        items: 2,
        bytes: 1 << 20,
      });
      const log: string[] = [];
      writer.add(await stageItem(writer, "A.jpg", log));
      assert(!writer.full);
      writer.add(await stageItem(writer, "B.jpg", log));
      assert(writer.full);
      const month = join(root, "photos/2020/01");
      assert((await names(month)).every((n) => n.endsWith(".part")));
      assertEquals(log, []);
      await writer.flush();
      assertEquals(await names(month), [
        "A.jpg",
        "A.jpg.xmp",
        "B.jpg",
        "B.jpg.xmp",
      ]);
      assertEquals(await Deno.readTextFile(join(month, "B.jpg")), "B.jpg");
      assertEquals(log, [
        "record A.jpg",
        "record B.jpg",
        "after A.jpg",
        "settle A.jpg true",
        "after B.jpg",
        "settle B.jpg true",
      ]);
      assert(!writer.full);
    } finally {
      db.close();
    }
  });
});

Deno.test("an item the index refuses loses its files and fails; the rest of its batch is kept", async () => {
  await withTempDir(async (root) => {
    const db = LocalData.open(root);
    try {
      const logger = memoryLogger();
      const writer = new BatchWriter(root, db, logger, {
        items: 128,
        bytes: 1 << 20,
      });
      const log: string[] = [];
      writer.add(await stageItem(writer, "A.jpg", log, true));
      writer.add(await stageItem(writer, "B.jpg", log));
      await writer.flush();
      const month = join(root, "photos/2020/01");
      assertEquals(await names(month), ["B.jpg", "B.jpg.xmp"]);
      assertEquals(log, [
        "fail A.jpg: no row for it",
        "record B.jpg",
        "after B.jpg",
        "settle B.jpg true",
        "settle A.jpg false",
      ]);
      assert(logger.lines.some((l) => l.includes("Cannot record")));
    } finally {
      db.close();
    }
  });
});

Deno.test("discarded items leave nothing behind", async () => {
  await withTempDir(async (root) => {
    const db = LocalData.open(root);
    try {
      const writer = new BatchWriter(root, db, memoryLogger(), {
        items: 128,
        bytes: 1 << 20,
      });
      const log: string[] = [];
      writer.add(await stageItem(writer, "A.jpg", log));
      const dropped = await stageItem(writer, "B.jpg", log);
      await writer.drop(dropped.staged);
      await writer.discard();
      await writer.flush();
      assertEquals(await names(join(root, "photos/2020/01")), []);
      assertEquals(log, []);
    } finally {
      db.close();
    }
  });
});
