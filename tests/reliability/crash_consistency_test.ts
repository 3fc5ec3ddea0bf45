// Crash consistency of `sync`, `takeout` and `pick`: SIGKILL at random
// moments (seeded), then a run to completion. After every kill, what the
// index marks downloaded is on disk and byte-identical to the source (the
// server's bytes; the archive's for takeout, in the folder and with the
// time of its capture), no file under a real name is partial and the
// index is sound; after the completing run, every item is there once, no
// temp file is left, album folders have one live link per item, and
// nothing was written beside ROOT. The default suite runs a few trials of
// each; `deno task test:long` runs 24.

import { join } from "node:path";
import { assert, assertEquals } from "../assert.ts";
import { type CrashSubject, crashTrials } from "./crash_loop.ts";
import { LONG, reportFigures, tempFiles } from "./kit.ts";
import { backup } from "../e2e/harness.ts";
import {
  sidecarJson,
  supplementalName,
  takeout,
  withDir,
  writeExport,
} from "../e2e/takeout_export.ts";
import { pickSubject } from "./pick_subject.ts";
import { syncSubject } from "./sync_subject.ts";
import { takeoutSubject } from "./takeout_subject.ts";

const SUBJECTS: { subject: CrashSubject; short: number; long: number }[] = [
  { subject: syncSubject, short: 13, long: 2024 },
  { subject: takeoutSubject, short: 17, long: 2025 },
  { subject: pickSubject, short: 19, long: 2026 },
];

for (const { subject, short, long } of SUBJECTS) {
  Deno.test({
    name:
      `${subject.name} killed at random moments loses nothing and leaves nothing behind (3 trials)`,
    ignore: LONG,
    fn: async () => {
      const figures = await crashTrials(subject, { trials: 3, seed: short });
      reportFigures(`${subject.name}-crash-short`, figures);
      assertEquals(figures.problems, []);
      assert(figures.kills >= 3, `only ${figures.kills} kills landed`);
    },
  });

  Deno.test({
    name:
      `${subject.name} killed at random moments loses nothing and leaves nothing behind (24 trials)`,
    ignore: !LONG,
    fn: async () => {
      const figures = await crashTrials(subject, { trials: 24, seed: long });
      reportFigures(`${subject.name}-crash`, figures);
      assertEquals(figures.problems, []);
      assert(figures.kills >= 24, `only ${figures.kills} kills landed`);
    },
  });
}

/** Where a kill leaves temp files that no later write looks at again. */
const LEFTOVERS = [
  // The album-link record's temp beside the index, a filesystem probe in
  // ROOT, a media folder with nothing left to write.
  ".gphotos-0123456789ab.part",
  ".gphotos-probe-deadbeef-case.part",
  "photos/2020/01/.gphotos-aaaaaaaaaaaa.part",
];

/** Writes LEFTOVERS under `root`, and the probe's link a kill can leave. */
async function leaveTemps(root: string) {
  for (const f of LEFTOVERS) {
    await Deno.writeTextFile(join(root, f), "partial");
  }
  await Deno.symlink(
    ".gphotos-probe-deadbeef-case.part",
    join(root, ".gphotos-probe-deadbeef-link.part"),
  );
}

Deno.test("temp files a killed run left where nothing is written again are removed by the next run", async () => {
  await using b = await backup((lib) => {
    lib.photo("a.jpg", "2020-01-05T10:00:00Z");
    lib.album("Trip", [lib.photo("b.jpg", "2020-01-06T10:00:00Z")]);
  });
  await b.signIn();
  assertEquals((await b.sync()).code, 0);
  await leaveTemps(b.root);
  const r = await b.sync();
  assertEquals(r.code, 0, r.stderr);
  assertEquals(await tempFiles(b.root), []);
  assert(await Deno.stat(b.path("photos/2020/01/a.jpg")));
});

Deno.test("temp files a killed import left where nothing is written again are removed by the next import", async () => {
  await withDir(async (dir) => {
    const album = "Takeout/Google Photos/Trip";
    const parts = await writeExport(dir, [
      { path: `${album}/a.jpg`, data: new Uint8Array(900).fill(7), part: 0 },
      {
        path: `${album}/${supplementalName("a.jpg")}`,
        data: sidecarJson({
          title: "a.jpg",
          id: "a1b2c3d4e5f6",
          taken: "2020-01-05T10:00:00Z",
        }),
        part: 0,
      },
    ], ["zip"]);
    const root = join(dir, "backup");
    assertEquals((await takeout(root, parts)).code, 0);
    await leaveTemps(root);
    const r = await takeout(root, parts);
    assertEquals(r.code, 0, r.stderr);
    assertEquals(await tempFiles(root), []);
    assert(await Deno.stat(join(root, "photos/2020/01/a.jpg")));
  });
});
