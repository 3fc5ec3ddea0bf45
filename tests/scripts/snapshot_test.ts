// The snapshot of scripts/snapshot.ts is what proves a change of code left
// behaviour alone, so it must be the same on every run of the same program:
// nothing in it may depend on the clock, the temporary folder, the server's
// port or the order in which concurrent work finishes. And it must hold what
// it promises: each run's exit code and output, the files, the index rows.

import { assert, assertEquals, assertMatch } from "../assert.ts";
import { snapshot } from "../../scripts/snapshot.ts";

Deno.test("two snapshots of the same program are equal, and hold every run's output, files and index rows", async () => {
  const first = await snapshot({ quick: true });
  const second = await snapshot({ quick: true });
  if (first !== second) {
    const a = first.split("\n");
    const b = second.split("\n");
    const at = a.findIndex((line, i) => line !== b[i]);
    throw new Error(
      `the snapshots differ at line ${at + 1}:\n${a[at]}\n${b[at]}`,
    );
  }
  for (
    const run of ["sync", "sync again", "pick", "takeout", "takeout again"]
  ) {
    assertMatch(first, new RegExp(`^## ${run}\\nexit 0\\n`, "m"), run);
  }
  assertMatch(first, /gphotos-sync: 91 new items indexed/);
  assertMatch(first, /^table SyncFiles$/m);
  assertMatch(first, /^file photos\/2015\/03\/PXL_20211013_220651983\.jpg /m);
  assertMatch(first, /^link albums\/\d{4}\/\d{4} Holidays\//m);
  assertEquals(first.match(/^## corpus \d+: /gm)?.length, 12);
  assert(!first.includes(new Date().toISOString().slice(0, 10) + "T"));
});
