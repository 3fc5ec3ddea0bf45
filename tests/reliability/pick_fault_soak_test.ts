// Fault soak of `pick`: every Picker API class (sessions.create, the polls
// of sessions.get, mediaItems.list, sessions.delete), the media bytes and
// the token endpoint fail at a high rate (429 with and without
// Retry-After, 500, 503, resets, truncated bodies, stalls past
// --image-timeout), baseUrls expire within seconds (the session is listed
// again for fresh ones) and access tokens must be refreshed every second.
// The run must end with every picked item byte-identical, or exit 3
// naming exactly the items that failed for good; the request log shows
// retries bounded per item, Retry-After honoured, backoff applied, no
// storm, and the session listed again only when its baseUrls were refused.

import { join } from "node:path";
import { parse } from "yaml";
import { assert, assertEquals } from "../assert.ts";
import { type Backup, backup } from "../e2e/harness.ts";
import type { FakeItem, FaultInput } from "../fake_google/mod.ts";
import { startMitmFront } from "../fake_google/mitm_front.ts";
import {
  checkBackup,
  hasStackTrace,
  LONG,
  readIndexState,
  reportFigures,
  Rng,
} from "./kit.ts";
import { PICKER_SCOPE } from "./pick_subject.ts";
import {
  assertRetryDiscipline,
  programRequests,
  retryFigures,
  servedItems,
} from "./request_stats.ts";
import { assertPermanent } from "./permanent_failures.ts";
import { buildWorld } from "./sync_subject.ts";

const BACKOFF_MS = 40;
const RETRY_AFTER_S = 1;
/** Classes whose 429s carry Retry-After; elsewhere 429 comes without. */
const RA_CLASSES = ["pickerGet", "pickerList", "media"] as const;
const PICKER = [
  "pickerCreate",
  "pickerGet",
  "pickerList",
  "pickerDelete",
] as const;

/** High fault rates on every class (first matching rule wins). */
function injectFaults(b: Backup, scale: number): void {
  const f = b.google.faults;
  const add = (on: readonly string[], rate: number, fault: FaultInput) =>
    f.add({ on: [...on], rate: Math.min(1, rate * scale), fault });
  const ra = { kind: "status", status: 429, retryAfterSec: RETRY_AFTER_S };
  // The first call of each kind fails for sure, then every class at random.
  f.next("token", 1, 503);
  f.next("pickerCreate", 1, 503);
  f.next("pickerGet", 1, ra as FaultInput);
  f.next("pickerList", 1, "reset");
  f.next("pickerList", 1, "truncate");
  f.next("pickerDelete", 1, 500);
  add(RA_CLASSES, 0.04, ra as FaultInput);
  add(["pickerCreate", "pickerDelete", "token"], 0.05, 429);
  add([...PICKER, "media", "token"], 0.04, 500);
  add([...PICKER, "media", "token"], 0.04, 503);
  add([...PICKER, "media", "token"], 0.05, "reset");
  // A session made twice is only a leak; a lost answer to create is not
  // truncated here, so that the person picks in the session shown.
  add(["pickerGet", "pickerList", "pickerDelete", "media"], 0.05, "truncate");
  add(["media"], 0.04, "stall");
  // Calls stall too, past GPHOTOS_API_TIMEOUT_MS (not create: see above).
  f.next("pickerGet", 1, "stall");
  add(["pickerGet", "pickerList", "pickerDelete", "token"], 0.02, "stall");
}

async function soakWorld(
  seed: number,
  count: number,
  options: { baseUrlLifetimeSec?: number } = {},
): Promise<{ b: Backup; items: FakeItem[] }> {
  let items: FakeItem[] = [];
  const b = await backup((lib) => {
    items = buildWorld(lib, new Rng(seed), {
      count,
      minSize: 4_000,
      maxSize: 60_000,
    }).items;
  }, {
    era: "2024",
    seed,
    // Refreshed whenever less than a minute is left: every second here.
    accessTokenLifetimeSec: 61,
    baseUrlLifetimeSec: options.baseUrlLifetimeSec ?? 2,
    media: { bytesPerSecond: 1_000_000, latencyMs: 60 },
  });
  // Polls a few times a second (Google asks for a few seconds).
  b.google.picker.pollIntervalSec = 0.25;
  b.google.picker.autoPick = { items, afterPolls: 3 };
  // Expired from the start: the first call goes to the token endpoint.
  await b.signIn([PICKER_SCOPE], -100);
  return { b, items };
}

function pickEnv(b: Backup, pickerUrl = b.google.pickerUrl) {
  return {
    GPHOTOS_PICKER_API: pickerUrl,
    GPHOTOS_BACKOFF_MS: "40",
    GPHOTOS_API_TIMEOUT_MS: "1000",
  };
}

async function soakEveryClass(seed: number, count: number, scale: number) {
  const { b, items } = await soakWorld(seed, count);
  try {
    injectFaults(b, scale);
    const started = performance.now();
    const r = await b.run([
      "pick",
      b.root,
      "--secret",
      b.secret,
      "--max-threads",
      "6",
      "--image-timeout",
      "1",
      "--video-timeout",
      "1",
    ], { env: pickEnv(b) });
    const seconds = (performance.now() - started) / 1000;
    const found = await checkBackup({
      root: b.root,
      expectedSha: (id) => b.library.sha256(id),
      finished: true,
      mustHave: items.map((i) => i.id),
    });
    const figures = retryFigures(b.google, {
      backoffBaseMs: BACKOFF_MS,
      retryAfter: { classes: RA_CLASSES, seconds: RETRY_AFTER_S },
    });
    const session = b.google.picker.latest();
    // Media answers that refuse the baseUrl or the token: each may send
    // the program to list the session again for fresh baseUrls.
    const refusals = programRequests(b.google).filter((e) =>
      e.requestClass === "media" && !e.fault &&
      (e.status === 403 || e.status === 401)
    ).length;
    return {
      r,
      found,
      figures,
      seconds,
      items: items.length,
      refusals,
      sessions: b.google.picker.sessions.length,
      deleted: session?.deleted === true,
    };
  } finally {
    await b[Symbol.asyncDispose]();
  }
}

function assertSoak(
  name: string,
  s: Awaited<ReturnType<typeof soakEveryClass>>,
  minFaults: number,
) {
  const f = s.figures;
  // Listings after the first: fresh baseUrls for refused ones, and the
  // retries of listing calls that failed.
  const pages = Math.ceil(s.items / 100);
  reportFigures(name, {
    items: s.items,
    exit: s.r.code,
    seconds: Math.round(s.seconds * 10) / 10,
    verified: s.found.verified,
    losses: s.found.problems.length,
    sessions: s.sessions,
    refusals: s.refusals,
    ...f,
  });
  assertEquals(s.r.code, 0, s.r.stderr.slice(-3000));
  assertEquals(s.found.problems, []);
  assertEquals(s.found.verified, s.items);
  assert(f.faults >= minFaults, `only ${f.faults} faults injected`);
  for (const cls of [...PICKER, "media", "token"]) {
    assert((f.faultsByClass[cls] ?? 0) > 0, `no fault on ${cls}`);
  }
  assert(s.deleted, "the session was not deleted at the end");
  assertEquals(s.sessions, 1, "a second session was made");
  // Bounded: an item's bytes are asked for at most --max-retries + 1 times,
  assert(f.mediaPerItemMax <= 21, `an item took ${f.mediaPerItemMax} requests`);
  // and the session is listed again only for refused baseUrls (or a
  // listing call that failed), never per item.
  const lists = f.byClass.pickerList ?? 0;
  const listFaults = f.faultsByClass.pickerList ?? 0;
  assert(
    lists <= (1 + s.refusals + listFaults) * pages,
    `${lists} listing calls for ${s.refusals} refused baseUrls`,
  );
  assert(
    lists < s.items,
    `${lists} listing calls for ${s.items} items: a listing per item`,
  );
  // Polls come every 250 ms; retries add a few with a 40 ms base backoff.
  assertRetryDiscipline(f);
  assert(!hasStackTrace(s.r.stderr), "stack trace on screen");
}

Deno.test({
  name:
    "pick: faults on every Picker class, media and the token endpoint at a high rate: every item byte-identical, retries bounded",
  ignore: LONG,
  fn: async () => {
    assertSoak("pick-soak-short", await soakEveryClass(12, 60, 1.5), 30);
  },
});

Deno.test({
  name:
    "pick: faults on every class at a high rate, three seeds, 250 items: every item byte-identical",
  ignore: !LONG,
  fn: async () => {
    for (const seed of [104, 205, 306]) {
      assertSoak(`pick-soak-${seed}`, await soakEveryClass(seed, 250, 2), 150);
    }
  },
});

/**
 * Some picked items can never be had: their bytes answer 404, 403 or 500
 * every time, or they leave the library (and the session) while the
 * others download. With --max-retries 3 and faults elsewhere, the run
 * exits 3 and lists exactly those items (and any other whose every
 * attempt failed): in gphotos.bad_ids.yaml, in the index as not
 * downloaded, and on screen.
 */
async function soakWithPermanentFailures(seed: number, count: number) {
  const { b, items } = await soakWorld(seed, count, {
    baseUrlLifetimeSec: 3600,
  });
  await using mitm = startMitmFront(b.google);
  try {
    await Deno.writeTextFile(b.secret, JSON.stringify(mitm.clientSecretJson()));
    const rng = new Rng(seed);
    const poisoned = new Map<string, number>();
    while (poisoned.size < 4) {
      poisoned.set(rng.pick(items).id, rng.pick([404, 500, 403]));
    }
    const forgotten = items.filter((i) => !poisoned.has(i.id)).slice(0, 2);
    const gone = new Set(forgotten.map((i) => i.id));
    mitm.tamper({
      on: "media",
      respond: ({ url }) => {
        const id = b.google.deps.mediaUrls.parse(url.pathname)?.id;
        if (id === undefined) return undefined;
        // Deleted by the user while the others download.
        if (gone.has(id) && b.library.item(id)) b.library.remove(id);
        const status = poisoned.get(id);
        return status === undefined
          ? undefined
          : new Response("<html>no</html>", { status });
      },
    });
    const f = b.google.faults;
    f.add({ on: [...PICKER, "token"], rate: 0.2, fault: 503 });
    f.add({ on: "media", rate: 0.3, fault: "reset" });
    f.add({ on: "media", rate: 0.15, fault: "truncate" });
    const r = await b.run([
      "pick",
      b.root,
      "--secret",
      b.secret,
      "--max-retries",
      "3",
      "--max-threads",
      "5",
    ], {
      env: { ...pickEnv(b, `${mitm.url}/picker`), GPHOTOS_BACKOFF_MS: "5" },
    });
    const served = servedItems(b.google);
    const expectFailed = items.map((i) => i.id).filter((id) => !served.has(id))
      .sort();
    const yaml = parse(
      await Deno.readTextFile(join(b.root, "gphotos.bad_ids.yaml")).catch(
        () => "",
      ),
    ) as Record<string, { path: string }> | null;
    const state = await readIndexState(join(b.root, "gphotos.sqlite"));
    const notDownloaded = state.rows.filter((row) => !row.downloaded).map((
      row,
    ) => row.remoteId).sort();
    const found = await checkBackup({
      root: b.root,
      expectedSha: (id) =>
        b.library.item(id) ? b.library.sha256(id) : undefined,
      finished: true,
      mustHave: items.map((i) => i.id).filter((id) =>
        !expectFailed.includes(id)
      ),
    });
    return {
      r,
      yaml: yaml ?? {},
      expectFailed,
      notDownloaded,
      poisoned,
      forgotten: [...gone],
      found,
      figures: retryFigures(b.google, { backoffBaseMs: 5 }),
      items: items.length,
    };
  } finally {
    await b[Symbol.asyncDispose]();
  }
}

Deno.test({
  name:
    "pick: items that can never be fetched: exit 3 lists exactly them, every other item is whole",
  ignore: LONG,
  fn: async () => {
    assertPermanent(
      "pick-soak-permanent-short",
      await soakWithPermanentFailures(6, 30),
    );
  },
});

Deno.test({
  name:
    "pick: items that can never be fetched, three seeds, 120 items: exit 3 lists exactly them",
  ignore: !LONG,
  fn: async () => {
    for (const seed of [18, 31, 47]) {
      assertPermanent(
        `pick-soak-permanent-${seed}`,
        await soakWithPermanentFailures(seed, 120),
      );
    }
  },
});
