// Damaged input soak of `takeout`, which has no network: its faults are
// the parts themselves. A seeded export of six parts, with entries that
// fail their CRC or whose deflate stream is broken (media and sidecars, at
// a high rate), a part cut inside an entry, a part that cannot be read
// (EACCES) and a part left off the command line. The import must bring in
// every intact item byte-identically, in the folder and with the time of
// its capture, name exactly the entries it could not import, name the
// damaged parts, and exit 3; once the parts are whole again, the same
// import completes without a duplicate and without rewriting what it had
// right, and the items it had to import without their sidecar take it.

import { join } from "node:path";
import { assert, assertEquals } from "../assert.ts";
import { listFiles } from "../e2e/harness.ts";
import {
  assertEntriesAddUp,
  type ExportFile,
  listedEntries,
  type PartFormat,
  readReport,
  snapshot,
  withDir,
  writeExport,
} from "../e2e/takeout_export.ts";
import { writeTar, writeZip } from "../archive/archive_builder.ts";
import {
  hasStackTrace,
  LONG,
  readIndexState,
  reportFigures,
  Rng,
  sha256File,
  type SpawnOptions,
  spawnProgram,
  tempFiles,
} from "./kit.ts";
import {
  buildExport,
  type ExportItem,
  monthFolder,
  type TakeoutWorld,
} from "./takeout_subject.ts";

/** What happened to an entry: read whole, damaged in place, or never seen. */
type EntryState = "ok" | "damaged" | "lost";

/** The parts and what is wrong with each. */
const LAYOUT: { format: PartFormat; damage: string }[] = [
  { format: "zip", damage: "corrupt entries" },
  { format: "tgz", damage: "none" },
  { format: "zip", damage: "corrupt entries" },
  { format: "zip", damage: "cut" },
  { format: "tgz", damage: "unreadable" },
  { format: "zip", damage: "missing" },
  { format: "tgz", damage: "none" },
  { format: "zip", damage: "corrupt entries" },
];

/**
 * Reading a file the process has no permission for: chmod 000 is enough,
 * unless the tests run as root, who reads anything; then the program runs
 * with the capabilities that bypass file modes dropped (setpriv).
 */
async function unreadableWrap(): Promise<
  SpawnOptions["wrap"] | string | undefined
> {
  const probe = await Deno.makeTempFile();
  try {
    await Deno.chmod(probe, 0);
    if (!await Deno.readFile(probe).then(() => true, () => false)) {
      return undefined;
    }
    const drop = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"];
    try {
      const r = await new Deno.Command(drop[0], {
        args: [...drop.slice(1), "cat", probe],
        stdout: "null",
        stderr: "null",
      }).output();
      if (r.code !== 0) return (argv) => [...drop, ...argv];
    } catch {
      // No setpriv.
    }
    return "a file cannot be made unreadable (root, and no setpriv)";
  } finally {
    await Deno.remove(probe);
  }
}

interface Damaged {
  parts: string[];
  /** Parts given to the first import (the missing one left out). */
  given: string[];
  state: (path: string) => EntryState;
  /** Damaged entries, by kind, for the figures. */
  counts: Record<string, number>;
  unreadable: string;
  cut: string;
}

/** Writes the export with its damage; `state` says what became of each entry. */
async function writeDamaged(
  dir: string,
  world: TakeoutWorld,
  rng: Rng,
  rate: number,
): Promise<Damaged> {
  const states = new Map<string, EntryState>();
  const counts: Record<string, number> = {};
  const count = (kind: string) => counts[kind] = (counts[kind] ?? 0) + 1;
  const parts: string[] = [];
  for (const [i, { format, damage }] of LAYOUT.entries()) {
    const path = join(
      dir,
      `takeout-20250301T101500Z-${String(i + 1).padStart(3, "0")}.${format}`,
    );
    parts.push(path);
    const mine = world.files.filter((f) => f.part === i);
    if (damage === "corrupt entries") {
      const crc = new Set<string>();
      const deflate = new Set<string>();
      for (const f of mine) {
        if (!rng.chance(rate)) continue;
        (rng.chance(0.5) ? crc : deflate).add(f.path);
        states.set(f.path, "damaged");
      }
      const layout = await writeZip(
        path,
        mine.map((f) => ({
          name: f.path,
          data: f.data,
          ...(crc.has(f.path) ? { crc: 0x1234567 } : {}),
        })),
      );
      // A broken deflate stream: the first block's type becomes the
      // reserved one.
      using file = await Deno.open(path, { read: true, write: true });
      for (const [k, f] of mine.entries()) {
        if (!deflate.has(f.path)) continue;
        const at = layout.localOffsets[k] + 30 +
          new TextEncoder().encode(f.path).length;
        await file.seek(at, Deno.SeekMode.Start);
        await file.write(new Uint8Array([0x07]));
      }
      for (const f of mine) {
        if (crc.has(f.path)) count("bad CRC");
        if (deflate.has(f.path)) count("bad deflate");
      }
    } else if (damage === "cut") {
      // Cut inside an entry in the middle: those before are whole, those
      // after are gone (with the zip's central directory). The entry cut
      // short is listed as damaged by a tar part; a zip part without its
      // directory knows only the entries before it.
      const k = rng.int(1, mine.length - 2);
      const cutState = format === "tgz" ? "damaged" : "lost";
      mine.forEach((f, j) =>
        states.set(f.path, j < k ? "ok" : j === k ? cutState : "lost")
      );
      if (format === "zip") {
        const layout = await writeZip(
          path,
          mine.map((f) => ({ name: f.path, data: f.data })),
        );
        await Deno.truncate(
          path,
          layout.localOffsets[k] + 30 +
            new TextEncoder().encode(mine[k].path).length + 8,
        );
      } else {
        const cut = mine[k];
        await writeTar(path, [
          ...mine.slice(0, k).map((f) => ({ name: f.path, data: f.data })),
          {
            name: cut.path,
            data: cut.data.subarray(0, cut.data.length >> 1),
            claimSize: cut.data.length,
          },
        ], { endBlocks: false });
      }
      count("cut part");
    } else {
      if (damage !== "none") {
        for (const f of mine) states.set(f.path, "lost");
        count(`${damage} part`);
      }
      const entries = mine.map((f) => ({ name: f.path, data: f.data }));
      if (format === "zip") await writeZip(path, entries);
      else await writeTar(path, entries);
    }
  }
  const unreadable = parts[LAYOUT.findIndex((l) => l.damage === "unreadable")];
  await Deno.chmod(unreadable, 0);
  const missing = parts[LAYOUT.findIndex((l) => l.damage === "missing")];
  return {
    parts,
    given: parts.filter((p) => p !== missing),
    state: (p) => states.get(p) ?? "ok",
    counts,
    unreadable,
    cut: parts[LAYOUT.findIndex((l) => l.damage === "cut")],
  };
}

/**
 * What the first import must make of an item: imported dated by its
 * sidecar ("right"); imported, but dated without the sidecar a lost part
 * held ("undated": nothing says it existed); not imported and named
 * ("failed": its entry or its sidecar is damaged); or never seen
 * ("unseen": in a lost part, which is named).
 */
function expectedOutcome(
  item: ExportItem,
  state: (path: string) => EntryState,
): "right" | "undated" | "failed" | "unseen" {
  const media = state(item.mediaEntries[0]);
  if (media === "lost") return "unseen";
  if (media === "damaged") return "failed";
  // An edited copy takes its original's sidecar.
  const sidecar = state((item.editOf ?? item).sidecarEntries[0]);
  return sidecar === "ok"
    ? "right"
    : sidecar === "damaged"
    ? "failed"
    : "undated";
}

async function soak(seed: number, count: number, rate: number) {
  const wrap = await unreadableWrap();
  if (typeof wrap === "string") return { skipped: wrap };
  const problems: string[] = [];
  let figures: Record<string, unknown> = {};
  await withDir(async (dir) => {
    const rng = new Rng(seed);
    const world = buildExport(rng, {
      count,
      parts: LAYOUT.length,
      albumShare: 0,
      sameBytes: false,
    });
    const damaged = await writeDamaged(dir, world, rng, rate);
    const root = join(dir, "backup");
    const run = (parts: string[]) =>
      spawnProgram(["takeout", root, ...parts], { NO_COLOR: "1" }, { wrap })
        .done;
    const first = await run(damaged.given);
    const outcome = new Map(
      world.items.map((i) => [i, expectedOutcome(i, damaged.state)]),
    );
    const want = (o: string) => world.items.filter((i) => outcome.get(i) === o);
    if (first.code !== 3) {
      problems.push(`first import exited ${first.code}: ${first.stderr}`);
    }
    if (hasStackTrace(first.stderr)) problems.push("stack trace on screen");
    // Every entry the program could list ends in one place of the report
    // (the test, which may read the unreadable part, leaves it out).
    const entriesWrong = async (parts: string[], what: string) => {
      try {
        assertEntriesAddUp(
          await readReport(root),
          await listedEntries(parts),
          what,
        );
      } catch (err) {
        problems.push(err instanceof Error ? err.message : String(err));
      }
    };
    await entriesWrong(
      damaged.given.filter((p) => p !== damaged.unreadable),
      "first import",
    );
    const report = await readReport(root).catch(() => undefined);
    const named = ((report?.failed ?? []) as { name: string }[]).map((f) =>
      f.name
    ).sort();
    const failed = want("failed").map((i) => i.mediaEntries[0]).sort();
    if (JSON.stringify(named) !== JSON.stringify(failed)) {
      problems.push(
        `named as failed: ${
          named.filter((n) => !failed.includes(n)).join(", ") || "-"
        } not expected; ${
          failed.filter((n) => !named.includes(n)).join(", ") || "-"
        } not named`,
      );
    }
    for (const name of failed) {
      if (!first.stderr.includes(name)) {
        problems.push(`${name} not named on screen`);
      }
    }
    for (const part of [damaged.cut, damaged.unreadable]) {
      if (!first.stderr.includes(part)) {
        problems.push(`the damaged part ${part} not named on screen`);
      }
    }
    problems.push(...await stored(root, world, outcome, ["right", "undated"]));
    const firstOutcomes = Object.fromEntries(
      ["right", "failed", "undated", "unseen"].map((o) => [o, want(o).length]),
    );
    // The files of the items imported right: the import of whole parts
    // must leave them be.
    const rightFiles = new Set(
      await filesOf(root, world, (i) => outcome.get(i) === "right"),
    );
    const kept = await snapshot(
      join(root, "photos"),
      (rel) => rel.endsWith(".xmp") || !rightFiles.has(rel),
    );

    // The parts downloaded again, all given.
    await Deno.chmod(damaged.unreadable, 0o644);
    await writeExport(
      dir,
      world.files,
      LAYOUT.map((l) => l.format),
      { stamp: "20250301T101500Z" },
    );
    const again = await run(damaged.parts);
    if (again.code !== 0) {
      problems.push(
        `the import of whole parts exited ${again.code}: ${
          again.stderr.slice(-2000)
        }`,
      );
    }
    await entriesWrong(damaged.parts, "import of whole parts");
    // What was already right was left alone; the rest is imported now,
    // dated by its sidecar; what was imported undated takes its sidecar's
    // date, place and description now that its sidecar is read.
    const after = await snapshot(
      join(root, "photos"),
      (rel) => rel.endsWith(".xmp"),
    );
    for (const [rel, stat] of Object.entries(kept)) {
      if (after[rel] !== stat) problems.push(`${rel} was rewritten`);
    }
    const undated = new Set(want("undated"));
    for (const o of ["failed", "unseen", "undated"] as const) {
      for (const i of want(o)) outcome.set(i, "right");
    }
    problems.push(...await stored(root, world, outcome, ["right"]));
    // Each item imported undated is met again, dated: the same bytes, which
    // the item stored takes the sidecar of.
    const report2 = await readReport(root);
    if (
      report2.counts.identical !== undated.size ||
      report2.counts.completed !== undated.size
    ) {
      problems.push(
        `${report2.counts.identical} identical copies and ${report2.counts.completed} items completed, ${undated.size} imported undated before`,
      );
    }
    figures = {
      items: world.items.length,
      damage: damaged.counts,
      firstExit: first.code,
      ...firstOutcomes,
      failedNamed: named.length,
      againExit: again.code,
      problems: problems.length,
    };
  });
  return { problems, figures };
}

/**
 * The index and photos/ against the expected outcome: each item meant to
 * be there is there once, byte-identical; "right" ones under their RemoteId
 * in the folder of their capture time, with that mtime and their XMP;
 * nothing else (no item that should have failed, no temp file).
 */
async function stored(
  root: string,
  world: TakeoutWorld,
  outcome: Map<ExportItem, string>,
  present: string[],
): Promise<string[]> {
  const problems: string[] = [];
  const bySha = new Map(world.items.map((i) => [i.sha, i]));
  const state = await readIndexState(join(root, "gphotos.sqlite")).catch(
    () => ({ integrity: "no index", rows: [] }),
  );
  if (state.integrity !== "ok") problems.push(`index: ${state.integrity}`);
  const seen = new Map<ExportItem, number>();
  for (const row of state.rows) {
    const rel = `${row.path}/${row.fileName}`;
    if (!row.downloaded) {
      problems.push(`${rel}: in the index, not downloaded`);
      continue;
    }
    const sha = await sha256File(join(root, rel)).catch(() => "missing");
    const item = bySha.get(sha);
    if (item === undefined) {
      problems.push(`${rel}: bytes of no item of the export`);
      continue;
    }
    seen.set(item, (seen.get(item) ?? 0) + 1);
    const o = outcome.get(item)!;
    if (!present.includes(o)) {
      problems.push(`${rel}: imported, expected ${o}`);
    } else if (o === "right") {
      const taken = (item.editOf ?? item).taken;
      if (row.remoteId !== item.key) {
        problems.push(`${rel}: stored as ${row.remoteId}, not ${item.key}`);
      }
      if (row.path !== monthFolder(taken)) {
        problems.push(`${rel}: filed under ${row.path}, taken ${taken}`);
      }
      const mtime = (await Deno.stat(join(root, rel))).mtime?.toISOString();
      if (mtime !== taken) problems.push(`${rel}: mtime ${mtime} for ${taken}`);
      if (!item.editOf) {
        await Deno.stat(join(root, `${rel}.xmp`)).catch(() =>
          problems.push(`${rel}: no XMP sidecar`)
        );
      }
    }
  }
  for (const item of world.items) {
    const n = seen.get(item) ?? 0;
    const o = outcome.get(item)!;
    if (present.includes(o) && n !== 1) {
      problems.push(`${item.mediaEntries[0]} (${o}) stored ${n} times`);
    }
  }
  const files = (await listFiles(join(root, "photos"))).filter((f) =>
    !f.endsWith(".xmp")
  );
  if (files.length !== state.rows.length) {
    problems.push(
      `${files.length} files under photos/, ${state.rows.length} in the index`,
    );
  }
  for (const t of await tempFiles(root)) problems.push(`temp file left: ${t}`);
  return problems;
}

/** ROOT-relative paths of the stored files of the items `which` takes. */
async function filesOf(
  root: string,
  world: TakeoutWorld,
  which: (item: ExportItem) => boolean,
): Promise<string[]> {
  const bySha = new Map(world.items.map((i) => [i.sha, i]));
  const state = await readIndexState(join(root, "gphotos.sqlite"));
  const out: string[] = [];
  for (const row of state.rows) {
    const rel = `${row.path}/${row.fileName}`;
    const item = bySha.get(await sha256File(join(root, rel)).catch(() => ""));
    if (item !== undefined && which(item)) {
      out.push(rel.slice("photos/".length));
    }
  }
  return out;
}

function check(
  name: string,
  r: Awaited<ReturnType<typeof soak>>,
) {
  if ("skipped" in r) {
    // deno-lint-ignore no-console -- say why the test did not run
    console.log(`${name}: skipped: ${r.skipped}`);
    return;
  }
  reportFigures(name, r.figures);
  assertEquals(r.problems, []);
  const f = r.figures as Record<string, number>;
  // Every kind of outcome happened.
  assert(
    f.failed > 0 && f.unseen > 0 && f.undated > 0 && f.right > 0,
    JSON.stringify(f),
  );
}

Deno.test({
  name:
    "takeout: corrupt entries, a cut part, an unreadable part and a missing one: every intact item imported, exactly the others named, exit 3; whole parts complete it without duplicates",
  ignore: LONG,
  fn: async () => {
    check("takeout-damage-short", await soak(21, 80, 0.12));
  },
});

Deno.test({
  name:
    "takeout: damaged parts, three seeds, 250 items: every intact item imported, exactly the others named; whole parts complete it",
  ignore: !LONG,
  fn: async () => {
    for (const seed of [107, 208, 309]) {
      check(`takeout-damage-${seed}`, await soak(seed, 250, 0.15));
    }
  },
});

Deno.test("takeout: a part that does not exist is a bad command line: exit 2, named, nothing imported", async () => {
  await withDir(async (dir) => {
    const files: ExportFile[] = buildExport(new Rng(3), { count: 4, parts: 1 })
      .files;
    const [part] = await writeExport(dir, files, ["zip"]);
    const gone = join(dir, "takeout-20240101T000000Z-002.zip");
    const root = join(dir, "backup");
    const r = await spawnProgram(["takeout", root, part, gone], {
      NO_COLOR: "1",
    }).done;
    assertEquals(r.code, 2, r.stderr);
    assert(r.stderr.includes(gone), r.stderr);
    // Told before anything is made: no ROOT, no log in it.
    assert(!await exists(root), "ROOT was created");
  });
});

Deno.test("takeout: a part missing from the middle of the series is named, the others are imported, exit 3", async () => {
  await withDir(async (dir) => {
    const world = buildExport(new Rng(8), { count: 9, parts: 3 });
    const parts = await writeExport(dir, world.files, ["zip", "zip", "zip"]);
    const root = join(dir, "backup");
    const r = await spawnProgram(["takeout", root, parts[0], parts[2]], {
      NO_COLOR: "1",
    }).done;
    assertEquals(r.code, 3, r.stderr);
    assert(
      r.stderr.includes(
        "The Takeout part takeout-20240101T000000Z-002.zip was not given",
      ),
      r.stderr,
    );
    const report = await readReport(root);
    assert(report.counts.imported > 0, JSON.stringify(report.counts));
    // All three parts: nothing is missing any more.
    const again = await spawnProgram(["takeout", root, ...parts], {
      NO_COLOR: "1",
    }).done;
    assertEquals(again.code, 0, again.stderr);
  });
});

Deno.test("takeout: a ROOT that is a file is exit 1 naming it, the file untouched", async () => {
  await withDir(async (dir) => {
    const world = buildExport(new Rng(4), { count: 3, parts: 1 });
    const [part] = await writeExport(dir, world.files, ["zip"]);
    const root = join(dir, "a-file");
    await Deno.writeTextFile(root, "not a folder");
    const r = await spawnProgram(["takeout", root, part], { NO_COLOR: "1" })
      .done;
    assertEquals(r.code, 1, r.stderr);
    assert(r.stderr.includes(root), r.stderr);
    assert(!/Unexpected error/.test(r.stderr), r.stderr);
    assertEquals(await Deno.readTextFile(root), "not a folder");
  });
});

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("takeout: a part that cannot be read (EACCES) is named, the other parts are imported, exit 3", async () => {
  const wrap = await unreadableWrap();
  if (typeof wrap === "string") {
    // deno-lint-ignore no-console -- say why the test did not run
    console.log(`skipped: ${wrap}`);
    return;
  }
  await withDir(async (dir) => {
    const world = buildExport(new Rng(5), { count: 6, parts: 2 });
    const parts = await writeExport(dir, world.files, ["zip", "tgz"]);
    await Deno.chmod(parts[1], 0);
    const root = join(dir, "backup");
    const r = await spawnProgram(["takeout", root, ...parts], {
      NO_COLOR: "1",
    }, { wrap }).done;
    assertEquals(r.code, 3, r.stderr);
    assert(r.stderr.includes(`Cannot read the Takeout part ${parts[1]}`));
    const report = await readReport(root);
    assert(report.counts.imported > 0, JSON.stringify(report.counts));
    assert(!hasStackTrace(r.stderr), r.stderr);
  });
});
