// Fault soak of `sync`: every request class fails at a high rate (429 with
// and without Retry-After, 500, 503, resets, truncated bodies, stalls past
// --image-timeout, baseUrls that expire within seconds, a token endpoint
// that fails and access tokens that must be refreshed every few seconds).
// The run must end with every item byte-identical, or exit 3 naming
// exactly the items that failed for good; the request log shows retries
// bounded per item, Retry-After honoured, backoff applied, no storm.

import { join } from "node:path";
import { parse } from "yaml";
import { assert, assertEquals } from "../assert.ts";
import { type Backup, backup } from "../e2e/harness.ts";
import type { FaultInput } from "../fake_google/mod.ts";
import { startMitmFront } from "../fake_google/mitm_front.ts";
import {
  checkBackup,
  hasStackTrace,
  LONG,
  readIndexState,
  reportFigures,
  Rng,
} from "./kit.ts";
import {
  assertRetryDiscipline,
  retryFigures,
  servedItems,
} from "./request_stats.ts";
import { assertPermanent } from "./permanent_failures.ts";
import { albumProblems, buildWorld, type World } from "./sync_subject.ts";

const BACKOFF_MS = 40;
const RETRY_AFTER_S = 1;
/** Classes whose 429s carry Retry-After; elsewhere 429 comes without. */
const RA_CLASSES = ["list", "albums", "media"] as const;
const API = ["list", "search", "albums", "sharedAlbums", "batchGet"] as const;

/** High fault rates on every class (first matching rule wins). */
function injectFaults(b: Backup, scale: number): void {
  const f = b.google.faults;
  const add = (
    on: readonly string[],
    rate: number,
    fault: FaultInput,
  ) => f.add({ on: [...on], rate: Math.min(1, rate * scale), fault });
  const ra = { kind: "status", status: 429, retryAfterSec: RETRY_AFTER_S };
  // The first calls of each kind fail for sure (there are few of them),
  // then every class fails at random.
  f.next("token", 1, 503);
  f.next("list", 1, ra as FaultInput);
  f.next("list", 1, "reset");
  f.next("albums", 1, 500);
  f.next("sharedAlbums", 1, "truncate");
  f.next("search", 1, 429);
  f.next("batchGet", 1, "reset");
  // And the second of these stalls (past GPHOTOS_API_TIMEOUT_MS) for sure.
  f.next("search", 1, "stall");
  f.next("token", 1, "stall");
  add(RA_CLASSES, 0.04, ra as FaultInput);
  add(["search", "sharedAlbums", "batchGet", "token"], 0.05, 429);
  add([...API, "media", "token"], 0.04, 500);
  add([...API, "media", "token"], 0.04, 503);
  add([...API, "media", "token"], 0.05, "reset");
  add([...API, "media"], 0.05, "truncate");
  add(["media"], 0.04, "stall");
  // API calls and the token endpoint stall too, past GPHOTOS_API_TIMEOUT_MS.
  add([...API, "token"], 0.02, "stall");
}

/** API calls that stall are given up after this (the default is 60 s). */
const API_TIMEOUT_MS = "1000";

interface SoakWorld {
  b: Backup;
  world: World;
}

async function soakWorld(
  seed: number,
  count: number,
  options: { baseUrlLifetimeSec?: number } = {},
): Promise<SoakWorld> {
  let world: World | undefined;
  const b = await backup((lib) => {
    world = buildWorld(lib, new Rng(seed), {
      count,
      minSize: 4_000,
      maxSize: 60_000,
    });
  }, {
    era: "2024",
    seed,
    // Refreshed whenever less than a minute is left: every second here.
    accessTokenLifetimeSec: 61,
    baseUrlLifetimeSec: options.baseUrlLifetimeSec ?? 2,
    media: { bytesPerSecond: 1_000_000, latencyMs: 60 },
  });
  // Expired from the start: the first call goes to the token endpoint.
  await b.signIn(["photoslibrary.readonly"], -100);
  return { b, world: world! };
}

async function soakEveryClass(seed: number, count: number, scale: number) {
  const { b, world } = await soakWorld(seed, count);
  try {
    injectFaults(b, scale);
    const started = performance.now();
    const r = await b.sync([
      "--max-threads",
      "6",
      "--image-timeout",
      "1",
      "--video-timeout",
      "1",
    ], {
      env: {
        GPHOTOS_BACKOFF_MS: String(BACKOFF_MS),
        GPHOTOS_API_TIMEOUT_MS: API_TIMEOUT_MS,
      },
    });
    const seconds = (performance.now() - started) / 1000;
    const found = await checkBackup({
      root: b.root,
      expectedSha: (id) => b.library.sha256(id),
      linkFolders: ["albums", "sharedAlbums"],
      finished: true,
      mustHave: world.items.map((i) => i.id),
    });
    found.problems.push(...await albumProblems(b.root, world));
    const figures = retryFigures(b.google, {
      backoffBaseMs: BACKOFF_MS,
      retryAfter: { classes: RA_CLASSES, seconds: RETRY_AFTER_S },
    });
    return { r, found, figures, seconds, items: world.items.length };
  } finally {
    await b[Symbol.asyncDispose]();
  }
}

function assertSoak(
  name: string,
  s: Awaited<ReturnType<typeof soakEveryClass>>,
  minFaults: number,
) {
  reportFigures(name, {
    items: s.items,
    exit: s.r.code,
    seconds: Math.round(s.seconds * 10) / 10,
    verified: s.found.verified,
    losses: s.found.problems.length,
    ...s.figures,
  });
  assertEquals(s.r.code, 0, s.r.stderr.slice(-3000));
  assertEquals(s.found.problems, []);
  assertEquals(s.found.verified, s.items);
  const f = s.figures;
  assert(f.faults >= minFaults, `only ${f.faults} faults injected`);
  for (const cls of ["list", "albums", "batchGet", "media", "token"]) {
    assert((f.faultsByClass[cls] ?? 0) > 0, `no fault on ${cls}`);
  }
  // Bounded: an item's bytes are asked for at most --max-retries + 1 times.
  assert(f.mediaPerItemMax <= 21, `an item took ${f.mediaPerItemMax} requests`);
  // With a 40 ms base, waits of up to 40, 80, 160, 320, 640 ms fit about
  // six retries of one URL into a second.
  assertRetryDiscipline(f);
  assert(!hasStackTrace(s.r.stderr), "stack trace on screen");
}

Deno.test({
  name:
    "faults on every request class at a high rate: every item ends byte-identical, retries bounded",
  ignore: LONG,
  fn: async () => {
    assertSoak("sync-soak-short", await soakEveryClass(11, 80, 1.5), 40);
  },
});

Deno.test({
  name:
    "faults on every request class at a high rate, three seeds, 250 items: every item byte-identical",
  ignore: !LONG,
  fn: async () => {
    for (const seed of [101, 202, 303]) {
      assertSoak(`sync-soak-${seed}`, await soakEveryClass(seed, 250, 2), 150);
    }
  },
});

/**
 * Some items can never be had: their bytes answer 404 or 500 every time,
 * or Google forgets them between listing and download. With --max-retries
 * 3 and faults elsewhere, the run exits 3 and lists exactly those items
 * (and any other whose every attempt failed): in gphotos.bad_ids.yaml, in
 * the index as not downloaded, and on screen.
 */
async function soakWithPermanentFailures(seed: number, count: number) {
  const { b, world } = await soakWorld(seed, count, {
    baseUrlLifetimeSec: 3600,
  });
  await using mitm = startMitmFront(b.google);
  try {
    await Deno.writeTextFile(b.secret, JSON.stringify(mitm.clientSecretJson()));
    const rng = new Rng(seed);
    const own = world.items.filter((i) => i.inLibrary);
    const poisoned = new Map<string, number>();
    while (poisoned.size < 4) {
      poisoned.set(rng.pick(own).id, rng.pick([404, 500, 403]));
    }
    mitm.tamper({
      on: "media",
      respond: ({ url }) => {
        const id = b.google.deps.mediaUrls.parse(url.pathname)?.id;
        const status = id === undefined ? undefined : poisoned.get(id);
        return status === undefined
          ? undefined
          : new Response("<html>no</html>", { status });
      },
    });
    const f = b.google.faults;
    f.add({ on: [...API, "token"], rate: 0.2, fault: 503 });
    f.add({ on: "media", rate: 0.3, fault: "reset" });
    f.add({ on: "media", rate: 0.15, fault: "truncate" });
    // Index everything first, then forget two items at Google.
    const env = { GPHOTOS_LIBRARY_API: mitm.url };
    const first = await b.sync(["--index-only"], { env });
    assertEquals(first.code, 0, first.stderr);
    const forgotten = own.filter((i) => !poisoned.has(i.id)).slice(0, 2);
    b.library.remove(...forgotten.map((i) => i.id));
    const r = await b.sync(["--max-retries", "3", "--max-threads", "5"], {
      env: { ...env, GPHOTOS_BACKOFF_MS: "5" },
    });
    const served = servedItems(b.google);
    const expectFailed = world.items.map((i) => i.id).filter((id) =>
      !served.has(id)
    ).sort();
    const yaml = parse(
      await Deno.readTextFile(join(b.root, "gphotos.bad_ids.yaml")),
    ) as Record<string, { path: string }>;
    const state = await readIndexState(join(b.root, "gphotos.sqlite"));
    const notDownloaded = state.rows.filter((row) => !row.downloaded).map((
      row,
    ) => row.remoteId).sort();
    const found = await checkBackup({
      root: b.root,
      expectedSha: (id) =>
        b.library.item(id) ? b.library.sha256(id) : undefined,
      finished: true,
      mustHave: world.items.map((i) => i.id).filter((id) =>
        !expectFailed.includes(id)
      ),
    });
    return {
      r,
      yaml,
      expectFailed,
      notDownloaded,
      poisoned,
      forgotten: forgotten.map((i) => i.id),
      found,
      figures: retryFigures(b.google, { backoffBaseMs: 5 }),
      items: world.items.length,
    };
  } finally {
    await b[Symbol.asyncDispose]();
  }
}

Deno.test({
  name:
    "items that can never be fetched: exit 3 lists exactly them, every other item is whole",
  ignore: LONG,
  fn: async () => {
    assertPermanent(
      "sync-soak-permanent-short",
      await soakWithPermanentFailures(5, 30),
    );
  },
});

Deno.test({
  name:
    "items that can never be fetched, three seeds, 120 items: exit 3 lists exactly them",
  ignore: !LONG,
  fn: async () => {
    for (const seed of [17, 29, 43]) {
      assertPermanent(
        `sync-soak-permanent-${seed}`,
        await soakWithPermanentFailures(seed, 120),
      );
    }
  },
});

Deno.test("an item is asked for at most --max-retries + 1 times, however its transfers fail", async () => {
  await using b = await backup((lib) => lib.generate(2));
  await b.signIn();
  b.google.faults.add({ on: "media", fault: "reset" });
  const r = await b.sync(["--max-retries", "2"]);
  assertEquals(r.code, 3, r.stderr);
  const f = retryFigures(b.google, { backoffBaseMs: 5 });
  assertEquals(f.mediaPerItemMax, 3, JSON.stringify(f.byClass));
});

Deno.test("a baseUrl refused again right after a refresh fails the item at once, without backing off", async () => {
  // Every baseUrl is expired the moment it is handed out (HTTP 403).
  await using b = await backup((lib) => lib.generate(3), {
    baseUrlLifetimeSec: 0,
  });
  await b.signIn();
  const started = performance.now();
  // A backoff of 1 s, 2 s, 4 s... would take minutes for 20 retries.
  const r = await b.sync([], { env: { GPHOTOS_BACKOFF_MS: "1000" } });
  const seconds = (performance.now() - started) / 1000;
  assertEquals(r.code, 3, r.stderr);
  assert(seconds < 20, `took ${seconds} s`);
  const f = retryFigures(b.google, { backoffBaseMs: 1000 });
  assert(f.mediaPerItemMax <= 3, `${f.mediaPerItemMax} requests for one item`);
  assert(r.stderr.includes("fresh baseUrl"), r.stderr);
});
