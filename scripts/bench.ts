// deno-lint-ignore-file no-console -- a benchmark prints its table
// `deno task bench`: the performance figures of issue "Performance", each
// measured against the Google test server on this machine and printed as a
// table with its target and the sequential baseline measured in the same
// run. `deno task bench --quick` uses smaller libraries (a smoke run).

import { join } from "node:path";
import {
  type FakeGoogle,
  type FakeItem,
  FakeLibrary,
  startFakeGoogle,
} from "../tests/fake_google/mod.ts";
import type { RequestClass } from "../tests/fake_google/router.ts";
import { LocalData } from "../src/db/local_data.ts";
import { launchArgs } from "./scoped_run.ts";

const FLOOR = new URL("./bench_floor.ts", import.meta.url).pathname;
const QUICK = Deno.args.includes("--quick");
const API_CLASSES: RequestClass[] = [
  "list",
  "search",
  "get",
  "batchGet",
  "albums",
  "sharedAlbums",
];

interface Row {
  figure: string;
  measured: string;
  target: string;
  baseline: string;
  ok: boolean | undefined;
}
const rows: Row[] = [];

interface Measured {
  code: number;
  stdout: string;
  seconds: number;
  peakRssMb: number;
  cpuSeconds: number;
  stderr: string;
}

/**
 * The command line `deno task sync ARGS` starts the program with: its
 * runtime flags and exactly the permissions ARGS need (the launcher itself
 * is left out, so that its memory is not counted).
 */
function programCommand(
  args: string[],
  env: Record<string, string>,
): string[] {
  return launchArgs(args, Deno.cwd(), (n) => env[n] ?? Deno.env.get(n));
}

/** Runs the program as the sync task does (see programCommand). */
function runMeasured(
  args: string[],
  env: Record<string, string>,
): Promise<Measured> {
  return runProcess(programCommand(args, env), env);
}

/** Runs `deno ARGS`, sampling /proc for its peak memory and CPU time. */
async function runProcess(
  denoArgs: string[],
  env: Record<string, string>,
): Promise<Measured> {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: denoArgs,
    env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let peak = 0;
  let cpu = 0;
  const ticks = 100; // USER_HZ on Linux
  const sample = () => {
    try {
      const status = Deno.readTextFileSync(`/proc/${child.pid}/status`);
      const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
      if (hwm) peak = Math.max(peak, Number(hwm[1]) / 1024);
      const stat = Deno.readTextFileSync(`/proc/${child.pid}/stat`);
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      cpu = (Number(fields[11]) + Number(fields[12])) / ticks;
    } catch {
      // The process has ended.
    }
  };
  const timer = setInterval(sample, 20);
  const stderrText = new Response(child.stderr).text();
  const stdoutText = new Response(child.stdout).text();
  const status = await child.status;
  clearInterval(timer);
  return {
    code: status.code,
    stdout: await stdoutText,
    seconds: (performance.now() - started) / 1000,
    peakRssMb: peak,
    cpuSeconds: cpu,
    stderr: await stderrText,
  };
}

interface Setup {
  google: FakeGoogle;
  dir: string;
  root: string;
  env: Record<string, string>;
  args: string[];
}

async function setup(
  build: (lib: FakeLibrary) => void,
  options: Parameters<typeof startFakeGoogle>[0] = {},
): Promise<Setup> {
  const library = new FakeLibrary({ seed: "bench" });
  build(library);
  const google = await startFakeGoogle({ era: "2024", ...options, library });
  const dir = await Deno.makeTempDir({ prefix: "gphotos-bench-" });
  const root = join(dir, "backup");
  await Deno.mkdir(root);
  const secret = join(dir, "client_secret.json");
  await Deno.writeTextFile(secret, JSON.stringify(google.clientSecretJson()));
  const grant = google.issueToken(["photoslibrary.readonly"], {
    expiresInSec: 24 * 3600,
  });
  await Deno.writeTextFile(
    join(root, ".gphotos.token"),
    JSON.stringify({ ...grant, scope: grant.scope.split(" ") }),
    { mode: 0o600 },
  );
  return {
    google,
    dir,
    root,
    env: {
      GPHOTOS_LIBRARY_API: google.url,
      GPHOTOS_BACKOFF_MS: "5",
      XDG_CONFIG_HOME: join(dir, "config"),
    },
    args: [root, "--secret", secret],
  };
}

async function teardown(s: Setup) {
  await s.google.close();
  await Deno.remove(s.dir, { recursive: true });
}

/** Twenty years of items, a few without a capture date. */
function twentyYears(lib: FakeLibrary, count: number, size?: number) {
  const undated = Math.ceil(count / 1000);
  lib.generate(count - undated, {
    start: "2005-01-01T00:00:00Z",
    stepSec: Math.floor((20 * 365 * 86_400) / count),
    videoEvery: 20,
    item: size ? { size } : {},
  });
  for (let i = 0; i < undated; i++) {
    lib.photo(`SCAN_${i}.JPG`, null, size ? { size } : {});
  }
}

function apiRequests(google: FakeGoogle): number {
  return API_CLASSES.reduce((n, c) => n + google.requests.count(c), 0);
}

// ---- index writes ----------------------------------------------------------

async function benchIndexWrites() {
  const n = QUICK ? 5_000 : 20_000;
  const dir = await Deno.makeTempDir();
  try {
    using db = LocalData.open(dir);
    const t = performance.now();
    db.transaction(() => {
      for (let i = 0; i < n; i++) {
        db.insertItem({
          remoteId: `id-${i}`,
          source: "library",
          path: `photos/2020/${String(1 + (i % 12)).padStart(2, "0")}`,
          fileName: `IMG_${i}.jpg`,
          origFileName: `IMG_${i}.jpg`,
          duplicateNo: 0,
          mimeType: "image/jpeg",
          description: "",
          createDate: new Date(Date.UTC(2020, i % 12, 1 + (i % 28))),
          isVideo: false,
        });
      }
    });
    const s = (performance.now() - t) / 1000;
    rows.push({
      figure: `index writes: ${n} new items`,
      measured: `${s.toFixed(2)} s`,
      target: "< 1 s",
      baseline: "-",
      ok: s < 1,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

// ---- indexing ----------------------------------------------------------------

/**
 * Indexing 20,000 items over 20 years (20 without a capture date) against
 * sequential paging of the same call in the same run. `list`: a first,
 * complete index (mediaItems.list, the only call that also returns items
 * without a date, so it cannot be cut into date ranges: its target is the
 * floor, the sequential walk itself). `range`: a date-filtered index
 * (--start-date), read as date ranges side by side: 1/4 of the walk.
 */
/** A walk at the floor may take this much longer than the bare walk. */
const FLOOR_SLACK = 1.1;

async function benchIndexing(mode: "list" | "range") {
  const n = QUICK ? 5_000 : 20_000;
  const s = await setup((lib) => twentyYears(lib, n));
  try {
    s.google.faults.add({ on: API_CLASSES, fault: { kind: "delay", ms: 50 } });
    // Baseline: gphotos-sync's sequential paging of the same call.
    const token = JSON.parse(
      await Deno.readTextFile(join(s.root, ".gphotos.token")),
    ).access_token;
    const filters = {
      dateFilter: {
        ranges: [{
          startDate: { year: 2005, month: 1, day: 1 },
          endDate: { year: 9999, month: 12, day: 31 },
        }],
      },
    };
    let t = performance.now();
    let pageToken: string | undefined;
    let seen = 0;
    let baseRequests = 0;
    do {
      const headers = { authorization: `Bearer ${token}` };
      let response: Response;
      if (mode === "list") {
        const url = new URL("/v1/mediaItems", s.google.url);
        url.searchParams.set("pageSize", "100");
        if (pageToken) url.searchParams.set("pageToken", pageToken);
        response = await fetch(url, { headers });
      } else {
        response = await fetch(new URL("/v1/mediaItems:search", s.google.url), {
          method: "POST",
          headers,
          body: JSON.stringify({ pageSize: 100, pageToken, filters }),
        });
      }
      const page = await response.json();
      baseRequests++;
      seen += page.mediaItems?.length ?? 0;
      pageToken = page.nextPageToken;
    } while (pageToken);
    const baseSeconds = (performance.now() - t) / 1000;
    s.google.requests.clear();
    t = performance.now();
    const run = await runMeasured(
      [
        ...s.args,
        "--index-only",
        "--skip-albums",
        ...(mode === "range" ? ["--start-date", "2005-01-01"] : []),
      ],
      s.env,
    );
    const seconds = (performance.now() - t) / 1000;
    const requests = apiRequests(s.google);
    let indexed = 0;
    {
      using db = LocalData.open(s.root);
      indexed = db.counts().total;
    }
    rows.push({
      figure: mode === "list"
        ? `indexing, first complete index (mediaItems.list): ${n} items over 20 years, 50 ms per call`
        : `indexing, --start-date 2005-01-01 (mediaItems.search): ${n} items over 20 years, 50 ms per call`,
      measured: `${
        seconds.toFixed(1)
      } s, ${requests} requests, ${indexed} items`,
      target: `${
        mode === "list"
          ? `<= ${(baseSeconds * FLOOR_SLACK).toFixed(1)} s (the floor)`
          : `<= ${(baseSeconds / 4).toFixed(1)} s (1/4)`
      }, <= ${Math.floor(baseRequests * 1.05)} requests`,
      baseline: `${mode === "list" ? "list" : "search"} ${
        baseSeconds.toFixed(1)
      } s, ${baseRequests} requests, ${seen} items`,
      ok: run.code === 0 && indexed === seen &&
        seconds <= baseSeconds * (mode === "list" ? FLOOR_SLACK : 1 / 4) &&
        requests <= baseRequests * 1.05,
    });
  } finally {
    await teardown(s);
  }
}

// ---- downloading -------------------------------------------------------------

async function benchDownload(capMBs: number | undefined) {
  const items = QUICK ? 100 : 400;
  const size = 500_000;
  const s = await setup((lib) => twentyYears(lib, items, size), {
    media: {
      latencyMs: 20,
      bytesPerSecond: capMBs ? capMBs * 1_000_000 : 0,
    },
  });
  try {
    const index = await runMeasured([...s.args, "--index-only"], s.env);
    if (index.code !== 0) throw new Error(index.stderr);
    const run = await runMeasured(
      [...s.args, "--skip-index", "--skip-albums", "--json"],
      s.env,
    );
    if (run.code !== 0) throw new Error(run.stderr);
    const mb = (items * size) / 1e6;
    // The transfer phase as the run measured it (no process start-up).
    const rate = mb / JSON.parse(run.stdout).downloaded.seconds;
    if (capMBs) {
      rows.push({
        figure:
          `download: ${items} x 500 KB, 20 ms latency, ${capMBs} MB/s cap`,
        measured: `${rate.toFixed(1)} MB/s (${
          ((rate / capMBs) * 100).toFixed(0)
        }% of cap)`,
        target: `>= ${(capMBs * 0.9).toFixed(0)} MB/s (90%)`,
        baseline: `cap ${capMBs} MB/s`,
        ok: rate >= capMBs * 0.9,
      });
    } else {
      rows.push({
        figure: `download: ${items} x 500 KB, no cap`,
        measured: `${rate.toFixed(0)} MB/s, ${
          (run.cpuSeconds / (mb / 1000)).toFixed(1)
        } CPU s/GB`,
        target: "report",
        baseline: "-",
        ok: undefined,
      });
    }
  } finally {
    await teardown(s);
  }
}

// ---- per-file overhead: the program against the floor ------------------------

/**
 * A full sync of many small files, no bandwidth cap: the time and memory of
 * the program (as `deno task sync` runs it) against the floor, a minimal
 * client in the same runtime that copies the same library
 * (scripts/bench_floor.ts), measured side by side on the same server.
 */
const PER_FILE_ITEMS = QUICK ? 600 : 3_000;
const PER_FILE_SIZE = 162_000;
const PER_FILE_ALBUMS = QUICK ? 10 : 50;
const API_LATENCY_MS = 30;
const MEDIA_LATENCY_MS = 5;
/**
 * Each side is timed this many times, alternately, and the best time of
 * each counts: on a machine shared with other work, a single pair of runs
 * can land on a busy moment for one side only.
 */
const RUNS = Number(flagValue("--runs") ?? (QUICK ? "1" : "3"));

function perFileLibrary(albums: boolean) {
  return (lib: FakeLibrary) => {
    twentyYears(lib, PER_FILE_ITEMS, PER_FILE_SIZE);
    if (!albums) return;
    const all = lib.items;
    for (let a = 0; a < PER_FILE_ALBUMS; a++) {
      // An album is a stretch of consecutive photos (a trip, a day), and a
      // few items are in albums only (shared by others).
      const size = 40 + ((a * 37) % 80);
      const from = (a * 59) % (all.length - size);
      const members: FakeItem[] = all.slice(from, from + size);
      if (a < 40) {
        members.push(lib.photo(`SHARED_${a}.JPG`, "2019-06-01T10:00:00Z", {
          inLibrary: false,
          size: PER_FILE_SIZE,
        }));
      }
      lib.album(`Album ${a}`, members);
    }
  };
}

/** A new, empty backup folder holding the bench's token. */
async function freshRoot(s: Setup, name: string): Promise<string> {
  const root = join(s.dir, name);
  await Deno.mkdir(root);
  await Deno.copyFile(
    join(s.root, ".gphotos.token"),
    join(root, ".gphotos.token"),
  );
  return root;
}

function accessToken(s: Setup): string {
  return JSON.parse(Deno.readTextFileSync(join(s.root, ".gphotos.token")))
    .access_token;
}

/** The deno arguments of the floor for `s`, writing into `dir`. */
function floorCommand(
  s: Setup,
  albums: boolean,
  dir: string,
  extra: string[] = [],
): string[] {
  return [
    "run",
    `--allow-net=${new URL(s.google.url).host}`,
    `--allow-write=${dir}`,
    FLOOR,
    "--api",
    s.google.url,
    "--token",
    accessToken(s),
    "--dir",
    dir,
    ...(albums ? ["--albums"] : []),
    ...extra,
  ];
}

async function runFloor(s: Setup, albums: boolean, name: string) {
  const dir = join(s.dir, name);
  await Deno.mkdir(dir);
  const run = await runProcess(floorCommand(s, albums, dir), s.env);
  if (run.code !== 0) throw new Error(`the floor failed: ${run.stderr}`);
  const result = JSON.parse(run.stdout) as { items: number; bytes: number };
  await Deno.remove(dir, { recursive: true });
  return { ...run, items: result.items, bytes: result.bytes };
}

async function benchPerFile(albums: boolean) {
  const s = await setup(perFileLibrary(albums), {
    media: { latencyMs: MEDIA_LATENCY_MS },
  });
  try {
    s.google.faults.add({
      on: API_CLASSES,
      fault: { kind: "delay", ms: API_LATENCY_MS },
    });
    const secret = s.args[2];
    let floor: Awaited<ReturnType<typeof runFloor>> | undefined;
    let program: Measured | undefined;
    let items = 0;
    // Memory is the highest peak of the runs, time the best.
    let peak = 0;
    let floorPeak = 0;
    for (let r = 0; r < RUNS; r++) {
      const f = await runFloor(s, albums, `floor-${r}`);
      floorPeak = Math.max(floorPeak, f.peakRssMb);
      if (!floor || f.seconds < floor.seconds) floor = f;
      const root = await freshRoot(s, `run-${r}`);
      const p = await runMeasured(
        [root, "--secret", secret, ...(albums ? [] : ["--skip-albums"])],
        s.env,
      );
      if (p.code !== 0) throw new Error(`sync failed: ${p.stderr}`);
      {
        using db = LocalData.open(root);
        items = db.counts().downloaded;
      }
      peak = Math.max(peak, p.peakRssMb);
      if (!program || p.seconds < program.seconds) program = p;
      await Deno.remove(root, { recursive: true });
    }
    if (!floor || !program) return;
    const ratio = program.seconds / floor.seconds;
    const limit = albums ? 1.4 : 1.3;
    const mb = (floor.bytes / 1e6).toFixed(0);
    rows.push({
      figure: `full sync, ${items} items of ${
        (PER_FILE_SIZE / 1000).toFixed(0)
      } KB (${mb} MB), no cap, ${API_LATENCY_MS} ms per API call, ${MEDIA_LATENCY_MS} ms per media request, ${
        albums ? `${PER_FILE_ALBUMS} albums` : "--skip-albums"
      }`,
      measured: `${program.seconds.toFixed(1)} s (${ratio.toFixed(2)}x)`,
      target: `<= ${limit}x the floor`,
      baseline: `floor ${floor.seconds.toFixed(1)} s, ${floor.items} items`,
      ok: ratio <= limit && items === floor.items,
    });
    if (!albums) {
      rows.push({
        figure: `peak memory of that full sync (as deno task sync runs it)`,
        measured: `${peak.toFixed(0)} MB`,
        target: "< 93 MB (gphotos-sync's 62 MB x 1.5)",
        baseline: `floor ${floorPeak.toFixed(0)} MB`,
        ok: peak < 93,
      });
      await benchSyscalls(s, secret);
    }
  } finally {
    await teardown(s);
  }
}

/** strace -c's table: calls (and errors) by system call. */
async function straceCounts(
  args: string[],
  env: Record<string, string>,
): Promise<Map<string, { calls: number; errors: number }>> {
  const out = await Deno.makeTempFile({ prefix: "gphotos-strace-" });
  try {
    const run = await new Deno.Command("strace", {
      args: ["-f", "-c", "-o", out, Deno.execPath(), ...args],
      env,
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!run.success) {
      throw new Error(`strace: ${new TextDecoder().decode(run.stderr)}`);
    }
    const counts = new Map<string, { calls: number; errors: number }>();
    for (const line of (await Deno.readTextFile(out)).split("\n")) {
      // % time  seconds  usecs/call  calls  [errors]  syscall
      const f = line.trim().split(/\s+/);
      if (f.length < 5 || !/^[\d.]+$/.test(f[0])) continue;
      const name = f[f.length - 1];
      if (name === "total") continue;
      const errors = f.length === 6 ? Number(f[4]) : 0;
      counts.set(name, { calls: Number(f[3]), errors });
    }
    return counts;
  } finally {
    await Deno.remove(out);
  }
}

function hasStrace(): boolean {
  try {
    new Deno.Command("strace", { args: ["-V"], stdout: "null" })
      .outputSync();
    return true;
  } catch {
    return false;
  }
}

/** Calls by name: `after` less `before`, per file. */
type Counts = Map<string, { calls: number; errors: number }>;

function perFile(after: Counts, before: Counts, files: number) {
  const names = new Set([...after.keys(), ...before.keys()]);
  const out = new Map<string, number>();
  for (const n of names) {
    out.set(
      n,
      ((after.get(n)?.calls ?? 0) - (before.get(n)?.calls ?? 0)) / files,
    );
  }
  return out;
}

function sum(m: Map<string, number>): number {
  let total = 0;
  for (const v of m.values()) total += v;
  return total;
}

/**
 * System calls per downloaded file, under strace -f -c: a download run
 * (`--skip-index --skip-albums`, the index made by an earlier run) less the
 * same run told to download nothing (`--skip-files`: the same start, the
 * same empty folders), divided by the files; and the same for the floor
 * (its run less its `--list-only` run). Deno's permission check resolves
 * the path of every file a scoped program opens, a readlink per part of
 * the path: those are counted apart, as "the runtime's".
 */
async function benchSyscalls(s: Setup, secret: string) {
  const figure = "system calls per downloaded file (strace -f -c)";
  if (!hasStrace()) {
    console.error(
      "strace is not installed (apt-get install -y strace): the system " +
        "call row is skipped.",
    );
    rows.push({
      figure,
      measured: "skipped: no strace",
      target: "<= 15 of the program's own",
      baseline: "-",
      ok: undefined,
    });
    return;
  }
  const root = await freshRoot(s, "strace");
  const base = [root, "--secret", secret, "--skip-albums", "--skip-index"];
  const index = await runMeasured(
    [root, "--secret", secret, "--skip-albums", "--index-only"],
    s.env,
  );
  if (index.code !== 0) throw new Error(index.stderr);
  const idle = await straceCounts(
    programCommand([...base, "--skip-files"], s.env),
    s.env,
  );
  const download = await straceCounts(programCommand(base, s.env), s.env);
  let files = 0;
  for (const _ of walkFiles(join(root, "photos"))) files++;
  const made = countFolders(join(root, "photos")) + 1;
  await Deno.remove(root, { recursive: true });

  const dir = join(s.dir, "strace-floor");
  await Deno.mkdir(dir);
  const floorIdle = await straceCounts(
    floorCommand(s, false, dir, ["--list-only"]),
    s.env,
  );
  const floorRun = await straceCounts(floorCommand(s, false, dir), s.env);
  await Deno.remove(dir, { recursive: true });

  const program = perFile(download, idle, files);
  const floor = perFile(floorRun, floorIdle, files);
  const runtime = program.get("readlink") ?? 0;
  const own = sum(program) - runtime;
  const floorRuntime = floor.get("readlink") ?? 0;
  const top = [...program]
    .filter(([n, v]) => n !== "readlink" && v >= 0.5)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([n, v]) => `${n} ${v.toFixed(1)}`);
  const mkdirs = (download.get("mkdir")?.calls ?? 0) -
    (idle.get("mkdir")?.calls ?? 0);
  rows.push({
    figure,
    measured: `${own.toFixed(1)} the program's own (${top.join(", ")}) + ${
      runtime.toFixed(1)
    } the runtime's (readlink); mkdir ${mkdirs} for ${made} folders`,
    target: "<= 15 of the program's own; one mkdir per folder",
    baseline: `floor ${(sum(floor) - floorRuntime).toFixed(1)} + ${
      floorRuntime.toFixed(1)
    } the runtime's, ${files} files`,
    ok: own <= 15 && mkdirs <= made,
  });
}

function countFolders(dir: string): number {
  let n = 0;
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.isDirectory) n += 1 + countFolders(join(dir, entry.name));
  }
  return n;
}

function* walkFiles(dir: string): Generator<string> {
  for (const entry of Deno.readDirSync(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* walkFiles(path);
    else if (entry.isFile) yield path;
  }
}

function flagValue(name: string): string | undefined {
  const at = Deno.args.indexOf(name);
  return at >= 0 ? Deno.args[at + 1] : undefined;
}

// ---- nothing to do and memory ------------------------------------------------

async function benchFullAndNoop() {
  const sizes = QUICK ? [2_000] : [5_000, 20_000];
  const peaks: [number, number][] = [];
  for (const n of sizes) {
    const albums = Math.round((300 * n) / 20_000);
    const s = await setup((lib) => {
      twentyYears(lib, n, 200);
      const all = lib.items;
      for (let a = 0; a < albums; a++) {
        const members = all.filter((_, i) => i % albums === a).slice(0, 40);
        lib.album(`Album ${a}`, members);
      }
    });
    try {
      const full = await runMeasured(s.args, s.env);
      if (full.code !== 0) throw new Error(full.stderr);
      peaks.push([n, full.peakRssMb]);
      if (n === sizes[sizes.length - 1]) {
        const noop = await runMeasured(s.args, s.env);
        rows.push({
          figure: `nothing to do: ${n} items, ${albums} albums`,
          measured: `${noop.seconds.toFixed(2)} s wall`,
          target: "< 2 s",
          baseline: `first run ${full.seconds.toFixed(1)} s`,
          ok: noop.code === 0 && noop.seconds < 2,
        });
      }
    } finally {
      await teardown(s);
    }
  }
  const [big, bigPeak] = peaks[peaks.length - 1];
  rows.push({
    figure: `memory: peak RSS syncing ${
      peaks.map(([n]) => n).join(" vs ")
    } items`,
    measured: peaks.map(([, p]) => `${p.toFixed(0)} MB`).join(" vs "),
    target: "< 150 MB, flat",
    baseline: "-",
    ok: bigPeak < 150 &&
      (peaks.length < 2 || bigPeak < peaks[0][1] * 1.5 + 10),
  });
  void big;
}

// --only writes|indexing|download|noop runs one group of figures.
const onlyAt = Deno.args.indexOf("--only");
const only = onlyAt >= 0 ? Deno.args[onlyAt + 1] : undefined;
const groups = ["writes", "indexing", "download", "perfile", "noop"];
if (only !== undefined && !groups.includes(only)) {
  console.error(`--only takes one of: ${groups.join(", ")}`);
  Deno.exit(2);
}
const runs = (group: string) => only === undefined || only === group;
const started = performance.now();
if (runs("writes")) await benchIndexWrites();
if (runs("indexing")) {
  await benchIndexing("list");
  await benchIndexing("range");
}
if (runs("download")) {
  await benchDownload(50);
  await benchDownload(undefined);
}
if (runs("perfile")) {
  await benchPerFile(false);
  await benchPerFile(true);
}
if (runs("noop")) await benchFullAndNoop();

const header = ["figure", "measured", "target", "baseline (same run)", "ok"];
const table = rows.map((r) => [
  r.figure,
  r.measured,
  r.target,
  r.baseline,
  r.ok === undefined ? "-" : r.ok ? "yes" : "NO",
]);
console.log(`| ${header.join(" | ")} |`);
console.log(`|${header.map(() => " --- ").join("|")}|`);
for (const r of table) console.log(`| ${r.join(" | ")} |`);
console.error(
  `bench finished in ${((performance.now() - started) / 1000).toFixed(0)} s`,
);
