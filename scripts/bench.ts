// deno-lint-ignore-file no-console -- a benchmark prints its table
// `deno task bench`: the performance figures of issue "Performance", each
// measured against the Google test server on this machine and printed as a
// table with its target and the sequential baseline measured in the same
// run. `deno task bench --quick` uses smaller libraries (a smoke run).

import { join } from "node:path";
import {
  type FakeGoogle,
  FakeLibrary,
  startFakeGoogle,
} from "../tests/fake_google/mod.ts";
import type { RequestClass } from "../tests/fake_google/router.ts";
import { LocalData } from "../src/db/local_data.ts";
import { RUNTIME_FLAGS } from "../src/cli/permissions.ts";

const MAIN = new URL("../src/main.ts", import.meta.url).pathname;
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

/** Runs the program, sampling /proc for its peak memory and CPU time. */
async function runMeasured(
  args: string[],
  env: Record<string, string>,
): Promise<Measured> {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    // As the sync task and the binary run it.
    args: ["run", ...RUNTIME_FLAGS, "--allow-all", MAIN, ...args],
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
const groups = ["writes", "indexing", "download", "noop"];
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
