import { assert, assertEquals, assertRejects } from "../assert.ts";
import { ApiError } from "../../src/errors.ts";
import { HttpClient } from "../../src/google/http.ts";
import { LibraryClient } from "../../src/google/library.ts";
import type { SearchMediaItemsRequest } from "../../src/google/api_types.ts";
import {
  cutRange,
  type DayRange,
  shardedSearch,
} from "../../src/library/index_shards.ts";
import {
  type FakeGoogle,
  FakeLibrary,
  startFakeGoogle,
} from "../fake_google/mod.ts";

const DAY = 86_400_000;
const day = (iso: string) => Math.floor(Date.parse(iso) / DAY);

Deno.test("cut ranges are in order, disjoint, and cover the range exactly", () => {
  const cases: [DayRange, number, number][] = [
    [
      { start: day("1000-01-01"), end: day("9999-12-31") },
      8,
      day("2025-01-01"),
    ],
    [
      { start: day("2005-01-01"), end: day("9999-12-31") },
      8,
      day("2025-06-30"),
    ],
    [
      { start: day("2020-01-01"), end: day("2020-01-05") },
      8,
      day("2020-01-03"),
    ],
    [
      { start: day("2020-01-01"), end: day("2020-12-31") },
      4,
      day("2090-01-01"),
    ],
    [
      { start: day("2020-01-01"), end: day("2020-01-02") },
      3,
      day("2019-01-01"),
    ],
  ];
  for (const [range, count, newest] of cases) {
    const ranges = cutRange(range, count, newest);
    assert(ranges.length >= 1 && ranges.length <= count);
    assertEquals(ranges[0].start, range.start);
    assertEquals(ranges.at(-1)!.end, range.end);
    for (let i = 0; i < ranges.length; i++) {
      assert(ranges[i].start <= ranges[i].end, JSON.stringify(ranges[i]));
      if (i > 0) assertEquals(ranges[i].start, ranges[i - 1].end + 1);
    }
  }
  // Cuts fall between 1990 (or the start) and the newest item.
  const cut = cutRange(
    { start: day("1000-01-01"), end: day("9999-12-31") },
    4,
    day("2030-01-01"),
  );
  assertEquals(cut.length, 4);
  assertEquals(cut[1].start, day("2000-01-01") + 1);
});

interface Setup extends AsyncDisposable {
  google: FakeGoogle;
  library: LibraryClient;
}

async function setup(lib: FakeLibrary): Promise<Setup> {
  const google = await startFakeGoogle({ library: lib, era: "2024" });
  const grant = google.issueToken(["photoslibrary.readonly"]);
  const library = new LibraryClient({
    http: new HttpClient({
      sleep: () => Promise.resolve(),
      random: () => 0.5,
      maxRetries: 0,
      backoffBaseMs: 1,
    }),
    auth: {
      getAccessToken: () => Promise.resolve(grant.access_token),
      refreshAccessToken: () => Promise.resolve(grant.access_token),
    },
    baseUrl: google.url,
  });
  return {
    google,
    library,
    [Symbol.asyncDispose]: () => google.close(),
  };
}

const SINCE_2005: SearchMediaItemsRequest = {
  filters: {
    dateFilter: {
      ranges: [{
        startDate: { year: 2005, month: 1, day: 1 },
        endDate: { year: 9999, month: 12, day: 31 },
      }],
    },
  },
};

/** 10,000 items over 20 years, 30 undated ones and 50 from before 2005. */
function bigLibrary() {
  const lib = new FakeLibrary();
  const dated = lib.generate(10_000, {
    start: "2005-01-01T00:00:00Z",
    stepSec: Math.floor((20 * 365 * 86_400) / 10_000),
  });
  for (let i = 0; i < 30; i++) lib.photo(`NODATE_${i}.JPG`, null);
  for (let i = 0; i < 50; i++) {
    lib.photo(`OLD_${i}.JPG`, `2004-0${1 + (i % 9)}-10T10:00:00Z`);
  }
  return { lib, dated };
}

Deno.test("a long date-filtered search is read as ranges side by side, every item once", async () => {
  const { lib, dated } = bigLibrary();
  await using s = await setup(lib);
  const plans: number[] = [];
  const ids: string[] = [];
  let pages = 0;
  for await (
    const page of shardedSearch(s.library, SINCE_2005, {
      concurrency: 4,
      onPlan: (r) => plans.push(r.length),
    })
  ) {
    pages++;
    ids.push(...page.items.map((i) => i.id));
  }
  assertEquals(plans, [4]);
  assertEquals(ids.length, new Set(ids).size, "no item twice");
  assertEquals(new Set(ids), new Set(dated.map((i) => i.id)));
  // Sequential paging takes 100 requests; cutting costs the first page
  // again and one part-filled page per range: at most 5% more.
  const requests = s.google.requests.count("search");
  assert(requests <= 105, `${requests} requests`);
  assertEquals(requests, pages + 1);
});

Deno.test("a short search is not cut: as many requests as sequential paging", async () => {
  const lib = new FakeLibrary();
  const items = lib.generate(150, { start: "2024-05-01T00:00:00Z" });
  lib.generate(500, { start: "2010-01-01T00:00:00Z", prefix: "OLD_" });
  await using s = await setup(lib);
  const since = {
    filters: {
      dateFilter: {
        ranges: [{
          startDate: { year: 2024, month: 5, day: 1 },
          endDate: { year: 9999, month: 12, day: 31 },
        }],
      },
    },
  };
  const ids: string[] = [];
  let planned = false;
  for await (
    const page of shardedSearch(s.library, since, {
      concurrency: 8,
      onPlan: () => planned = true,
    })
  ) ids.push(...page.items.map((i) => i.id));
  assertEquals(planned, false);
  assertEquals(new Set(ids), new Set(items.map((i) => i.id)));
  assertEquals(s.google.requests.count("search"), 2);
});

Deno.test("searches without one full-date range are never cut", async () => {
  const { lib } = bigLibrary();
  await using s = await setup(lib);
  const uncuttable: SearchMediaItemsRequest[] = [
    { filters: { mediaTypeFilter: { mediaTypes: ["PHOTO"] } } },
    {
      filters: {
        dateFilter: {
          ranges: [
            {
              startDate: { year: 2005, month: 1, day: 1 },
              endDate: { year: 2010, month: 12, day: 31 },
            },
            {
              startDate: { year: 2015, month: 1, day: 1 },
              endDate: { year: 2020, month: 12, day: 31 },
            },
          ],
        },
      },
    },
    {
      filters: {
        dateFilter: {
          ranges: [{
            startDate: { year: 2005, month: 0, day: 0 },
            endDate: { year: 2020, month: 0, day: 0 },
          }],
        },
      },
    },
  ];
  for (const request of uncuttable) {
    s.google.requests.clear();
    let planned = false;
    const ids: string[] = [];
    for await (
      const page of shardedSearch(s.library, request, {
        concurrency: 8,
        onPlan: () => planned = true,
      })
    ) ids.push(...page.items.map((i) => i.id));
    assertEquals(planned, false, JSON.stringify(request));
    assertEquals(ids.length, new Set(ids).size);
    assertEquals(
      s.google.requests.count("search"),
      Math.max(1, Math.ceil(ids.length / 100)),
    );
  }
});

Deno.test("a failing range stops the whole search with its error, nothing left running", async () => {
  const { lib } = bigLibrary();
  await using s = await setup(lib);
  // The first page and the ranges' first pages pass; then one fails for good.
  s.google.faults.add({
    on: "search",
    fault: { kind: "status", status: 403, message: "no" },
    skip: 8,
    times: 1,
  });
  const error = await assertRejects(async () => {
    for await (
      const _ of shardedSearch(s.library, SINCE_2005, { concurrency: 4 })
    ) {
      // consume
    }
  }, ApiError);
  assertEquals(error.status, 403);
});

Deno.test("a caller that stops early cancels every range", async () => {
  const { lib } = bigLibrary();
  await using s = await setup(lib);
  s.google.faults.add({ on: "search", fault: { kind: "delay", ms: 200 } });
  for await (
    const page of shardedSearch(s.library, SINCE_2005, { concurrency: 4 })
  ) {
    assert(page.items.length > 0);
    break;
  }
  // The op sanitizer fails the test if a range's request were left open.
  assert(s.google.requests.count("search") <= 1 + 4 * 2);
});
