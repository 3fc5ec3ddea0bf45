import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import {
  buildExport,
  parseBenchArgs,
  presentTable,
  resultTable,
} from "../../scripts/bench_takeout.ts";
import { ArchiveSet } from "../../src/archive/archive_set.ts";
import { planImport } from "../../src/takeout/plan.ts";
import { hasTool, run, withTempDir } from "../archive/archive_builder.ts";

Deno.test("the benchmark's export is a valid multi-part Takeout: every photo has its sidecar, album copies are one item", async () => {
  await withTempDir(async (dir) => {
    const built = await buildExport(dir, 0.03, 2);
    assertEquals(built.paths.length, 2);
    if (await hasTool("unzip")) {
      for (const part of built.paths) {
        assertMatch(await run(dir, "unzip", ["-tq", part]), /No errors/);
      }
    }
    const set = await ArchiveSet.open(built.paths);
    try {
      const listing = await set.list({
        collect: (e) => e.name.endsWith(".json"),
      });
      assertEquals(listing.problems, []);
      const plan = planImport(listing, {
        includeTrashed: false,
        skipArchived: false,
      });
      assertEquals(plan.items.size, built.items);
      assertEquals(plan.files.length, built.items + built.copies);
      assert(plan.files.every((f) => f.match.matchedBy !== "none"));
      assertEquals(plan.unclaimedSidecars, []);
      // Media bytes are incompressible, as real photos are.
      const first = plan.files[0].entry;
      for await (const { body } of set.entries({ want: (e) => e === first })) {
        const bytes = new Uint8Array(await new Response(body).arrayBuffer());
        const packed = new Uint8Array(
          await new Response(
            new Blob([bytes]).stream().pipeThrough(
              new CompressionStream("gzip"),
            ),
          ).arrayBuffer(),
        );
        assert(packed.length > bytes.length * 0.99, "compressible data");
      }
    } finally {
      await set.close();
    }
  });
});

Deno.test("the benchmark table passes only within 1.5x of unzip and under 200 MB", () => {
  const unzip = { seconds: 10, peakMb: 3, code: 0, stderr: "" };
  const ok = resultTable(unzip, { ...unzip, seconds: 14, peakMb: 150 });
  assert(ok.pass);
  assertMatch(ok.text, /1\.40x/);
  assert(!resultTable(unzip, { ...unzip, seconds: 16, peakMb: 150 }).pass);
  assert(!resultTable(unzip, { ...unzip, seconds: 9, peakMb: 220 }).pass);
  // Many small items: time per item against 0.5 ms, unzip's beside it;
  // memory still judged.
  const many = resultTable(
    unzip,
    { ...unzip, seconds: 9, peakMb: 150 },
    20_000,
  );
  assert(many.pass);
  assertMatch(
    many.text,
    /time per item +0\.50 ms +0\.45 ms +<= 0\.5 ms\/item +pass/,
  );
  // The floor of durable writes beside it, reported as a ratio.
  const durable = resultTable(
    unzip,
    { ...unzip, seconds: 9, peakMb: 150 },
    20_000,
    { ...unzip, seconds: 12 },
  );
  assertMatch(
    durable.text,
    /unzip \+ flush +0\.60 ms +0\.45 ms +report \(0\.75x\)/,
  );
  assert(!/unzip \+ flush/.test(many.text));
  const slow = resultTable(
    unzip,
    { ...unzip, seconds: 40, peakMb: 150 },
    20_000,
  );
  assert(!slow.pass);
  assertMatch(slow.text, /2\.00 ms +<= 0\.5 ms\/item +FAIL/);
  assert(
    !resultTable(unzip, { ...unzip, seconds: 9, peakMb: 220 }, 20_000).pass,
  );
  assertEquals(parseBenchArgs(["--gb", "2", "--parts", "4"], "/w").gb, 2);
  assertEquals(
    parseBenchArgs([], "/w").dir,
    join("/w", ".bench", "takeout"),
  );
});

Deno.test("the already-present figure passes only within 2x of listing the same parts, and under 200 MB", () => {
  const floor = { seconds: 10, peakMb: 60, code: 0, stderr: "" };
  const ok = presentTable(floor, { ...floor, seconds: 15, peakMb: 120 }, 1000);
  assert(ok.pass);
  assertMatch(ok.text, /1\.50x/);
  assertMatch(ok.text, /15\.000 ms/);
  assert(!presentTable(floor, { ...floor, seconds: 21 }, 1000).pass);
  assert(!presentTable(floor, { ...floor, peakMb: 210 }, 1000).pass);
});
