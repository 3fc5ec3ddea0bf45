import { join } from "node:path";
import { assert, assertEquals, assertMatch, assertRejects } from "../assert.ts";
import { ArchiveSet } from "../../src/archive/archive_set.ts";
import {
  ENTRY_BUDGET_BYTES,
  EntryBudget,
} from "../../src/archive/entry_budget.ts";
import { UnsupportedArchiveError } from "../../src/archive/archive_errors.ts";
import { TarReader } from "../../src/archive/tar_reader.ts";
import { ZipReader } from "../../src/archive/zip_reader.ts";
import { withTempDir, writeTar, writeZip } from "./archive_builder.ts";

const PHOTOS = "Takeout/Google Photos/Photos from 2020/";
const names = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => `${PHOTOS}IMG_${from + i}.jpg`);
/** A budget that holds exactly these names. */
const budgetFor = (list: string[]) =>
  new EntryBudget(list.reduce((n, name) => n + EntryBudget.cost(name), 0));

Deno.test("the entry budget takes names until they no longer fit, and states its figure", () => {
  const budget = budgetFor(names(3));
  for (const name of names(3)) assert(budget.take(name));
  assert(!budget.take(names(1, 3)[0]));
  budget.give(EntryBudget.cost(names(1)[0]));
  assert(budget.take(names(1, 3)[0]));
  // The default: 1 GiB of tables, about 2.3 million entries of 70 characters.
  const figure = new EntryBudget().exceeded("p.zip", true);
  assertEquals(new EntryBudget().bytes, ENTRY_BUDGET_BYTES);
  assertMatch(figure, /1024 MiB of entry tables, about 2,3\d\d,\d\d\d entries/);
});

Deno.test("a zip part of more than 100,000 entries is listed whole", () =>
  withTempDir(async (dir) => {
    const part = join(dir, "takeout-001.zip");
    await writeZip(part, names(100_500).map((name) => ({ name })));
    const reader = await ZipReader.open(part);
    try {
      assertEquals(reader.problems, []);
      let listed = 0;
      await reader.list({ visit: () => listed++ });
      assertEquals(listed, 100_500);
    } finally {
      await reader.close();
    }
  }));

Deno.test("a zip directory past the import's entry budget is not read, and takes nothing of it", () =>
  withTempDir(async (dir) => {
    const part = join(dir, "takeout-001.zip");
    await writeZip(part, names(11).map((name) => ({ name })));
    const budget = budgetFor(names(10));
    const err = await assertRejects(
      () => ZipReader.open(part, budget),
      UnsupportedArchiveError,
    );
    assertMatch(err.message, /past what one import lists.*it is not read/);
    // What the refused directory took is given back.
    for (const name of names(10)) assert(budget.take(name));
  }));

Deno.test("a zip recovered from its local headers stops at the budget and says so", () =>
  withTempDir(async (dir) => {
    const part = join(dir, "takeout-001.zip");
    const layout = await writeZip(
      part,
      names(12).map((name) => ({ name, data: new Uint8Array([1, 2, 3]) })),
    );
    // Cut before the central directory: only the local headers are left.
    await Deno.truncate(part, layout.cdOffset);
    const reader = await ZipReader.open(part, budgetFor(names(5)));
    try {
      const { entries, problems } = await reader.list();
      assertEquals(entries.length, 5);
      assertEquals(problems.length, 1);
      assertMatch(
        problems[0].message,
        /5 complete entries were recovered .*the rest was not read: .*past what one import lists/,
      );
    } finally {
      await reader.close();
    }
  }));

Deno.test("a tar part past the budget lists its first entries and names the part; the data pass stops there too", () =>
  withTempDir(async (dir) => {
    const part = join(dir, "takeout-001.tgz");
    await writeTar(
      part,
      names(8).map((name) => ({ name, data: new Uint8Array([7]) })),
    );
    const reader = await TarReader.open(part, true, budgetFor(names(5)));
    try {
      const { entries, problems } = await reader.list();
      assertEquals(entries.map((e) => e.name), names(5));
      assertEquals(problems.length, 1);
      assertMatch(problems[0].message, /only its first entries were read/);
      // Listing again takes nothing more of the budget.
      assertEquals((await reader.list()).entries.length, 5);
      const seen: string[] = [];
      await assertRejects(async () => {
        for await (const { entry, body } of reader.entries()) {
          seen.push(entry.name);
          await body.cancel();
        }
      }, UnsupportedArchiveError);
      assertEquals(seen, names(5));
    } finally {
      await reader.close();
    }
  }));

Deno.test("the parts of one import share the budget: the part that passes it is named, the others are read", () =>
  withTempDir(async (dir) => {
    const first = join(dir, "takeout-001.zip");
    const second = join(dir, "takeout-002.zip");
    await writeZip(first, names(6).map((name) => ({ name })));
    await writeZip(second, names(6, 6).map((name) => ({ name })));
    // Room for each part alone, not for both.
    const set = await ArchiveSet.open([first, second], budgetFor(names(9)));
    try {
      assertEquals(set.parts.map((p) => p.part), [first]);
      assertEquals(set.problems.length, 1);
      assertMatch(
        set.problems[0].message,
        /takeout-002\.zip brings the entries/,
      );
    } finally {
      await set.close();
    }
  }));
