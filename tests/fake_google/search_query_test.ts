import { HttpFailure } from "./google_errors.ts";
import { FakeLibrary } from "./library_state.ts";
import {
  dateMatches,
  itemMatches,
  parseSearchRequest,
  rangeMatches,
} from "./search_query.ts";
import { assert, assertEquals } from "./test_support.ts";

function rejects(body: unknown): string {
  try {
    parseSearchRequest(body);
  } catch (e) {
    if (e instanceof HttpFailure && e.status === 400) return e.message;
    throw e;
  }
  throw new Error(`accepted: ${JSON.stringify(body)}`);
}

const t = (s: string) => new Date(s);

Deno.test("a Date with day 0 means the whole month, with month and day 0 the whole year", () => {
  assert(
    dateMatches({ year: 2017, month: 9, day: 0 }, t("2017-09-30T23:59:59Z")),
  );
  assert(
    !dateMatches({ year: 2017, month: 9, day: 0 }, t("2017-10-01T00:00:00Z")),
  );
  assert(
    dateMatches({ year: 2017, month: 0, day: 0 }, t("2017-12-31T12:00:00Z")),
  );
  assert(
    !dateMatches({ year: 2017, month: 0, day: 0 }, t("2018-01-01T00:00:00Z")),
  );
  assert(
    dateMatches({ year: 2017, month: 9, day: 26 }, t("2017-09-26T15:29:44Z")),
  );
  assert(
    !dateMatches({ year: 2017, month: 9, day: 26 }, t("2017-09-27T00:00:00Z")),
  );
});

Deno.test("a Date with year 0 is an anniversary: that day in every year", () => {
  assert(
    dateMatches({ year: 0, month: 2, day: 29 }, t("2016-02-29T10:00:00Z")),
  );
  assert(
    dateMatches({ year: 0, month: 12, day: 25 }, t("1999-12-25T10:00:00Z")),
  );
  assert(
    !dateMatches({ year: 0, month: 12, day: 25 }, t("1999-12-24T10:00:00Z")),
  );
});

Deno.test("ranges include both ends, at the precision of their format", () => {
  const days = {
    start: { year: 2017, month: 1, day: 10 },
    end: { year: 2017, month: 1, day: 20 },
  };
  assert(rangeMatches(days, t("2017-01-10T00:00:00Z")));
  assert(rangeMatches(days, t("2017-01-20T23:59:59Z")));
  assert(!rangeMatches(days, t("2017-01-21T00:00:00Z")));
  const months = {
    start: { year: 2017, month: 1, day: 0 },
    end: { year: 2017, month: 3, day: 0 },
  };
  assert(
    rangeMatches(months, t("2017-03-31T23:00:00Z")),
    "day 0 at the end = end of that month",
  );
  assert(!rangeMatches(months, t("2017-04-01T00:00:00Z")));
  const years = {
    start: { year: 2015, month: 0, day: 0 },
    end: { year: 2016, month: 0, day: 0 },
  };
  assert(rangeMatches(years, t("2016-12-31T23:00:00Z")));
  assert(!rangeMatches(years, t("2014-12-31T23:00:00Z")));
});

Deno.test("the Date forms Google forbids are rejected with 400", () => {
  const date = (d: Record<string, number>) => ({
    filters: { dateFilter: { dates: [d] } },
  });
  rejects(date({ year: 0, month: 0, day: 0 }));
  rejects(date({ year: 2017, month: 0, day: 5 }));
  rejects(date({ year: 0, month: 5, day: 0 }));
  rejects(date({ year: 2017, month: 13, day: 1 }));
  rejects(date({ year: 2017, month: 2, day: 29 }));
  rejects(date({ year: 10000, month: 1, day: 1 }));
  parseSearchRequest(date({ year: 2016, month: 2, day: 29 }));
  parseSearchRequest(date({ year: 0, month: 2, day: 29 }));
  const range = (a: Record<string, number>, b: Record<string, number>) => ({
    filters: { dateFilter: { ranges: [{ startDate: a, endDate: b }] } },
  });
  const msg = rejects(
    range({ year: 2017, month: 1, day: 0 }, { year: 2017, month: 2, day: 3 }),
  );
  assert(msg.includes("same format"), msg);
  rejects({
    filters: { dateFilter: { ranges: [{ startDate: { year: 2017 } }] } },
  });
});

Deno.test("at most 5 dates and 5 ranges", () => {
  const d = { year: 2017, month: 1, day: 1 };
  parseSearchRequest({ filters: { dateFilter: { dates: Array(5).fill(d) } } });
  rejects({ filters: { dateFilter: { dates: Array(6).fill(d) } } });
  const r = { startDate: d, endDate: d };
  parseSearchRequest({ filters: { dateFilter: { ranges: Array(5).fill(r) } } });
  rejects({ filters: { dateFilter: { ranges: Array(6).fill(r) } } });
});

Deno.test("albumId and filters together, and unknown fields, are 400", () => {
  assert(rejects({ albumId: "x", filters: {} }).includes("album"));
  assert(rejects({ pagesize: 10 }).includes('Unknown name "pagesize"'));
  rejects({ filters: { mediaTypeFilter: { mediaType: ["PHOTO"] } } });
  rejects({ filters: { mediaTypeFilter: { mediaTypes: ["PHOTO", "VIDEO"] } } });
  rejects({ filters: { mediaTypeFilter: { mediaTypes: ["MOVIE"] } } });
  rejects({ filters: { featureFilter: { includedFeatures: ["STARRED"] } } });
  rejects({ pageSize: -1 });
  rejects({ pageSize: "ten" });
  rejects("not an object");
  // gphotos-sync sends "pageToken": null on the first page.
  assertEquals(
    parseSearchRequest({ pageToken: null, albumId: "a", pageSize: "100" })
      .pageSize,
    100,
  );
});

Deno.test("orderBy needs a dateFilter and no other content filters", () => {
  const dateFilter = { dates: [{ year: 2017, month: 0, day: 0 }] };
  assertEquals(
    parseSearchRequest({
      orderBy: "MediaMetadata.creation_time",
      filters: { dateFilter },
    }).order,
    "oldest",
  );
  assertEquals(
    parseSearchRequest({
      orderBy: "MediaMetadata.creation_time desc",
      filters: { dateFilter },
    }).order,
    "newest",
  );
  rejects({ orderBy: "MediaMetadata.creation_time" });
  rejects({
    orderBy: "MediaMetadata.creation_time",
    filters: { includeArchivedMedia: true },
  });
  rejects({ orderBy: "MediaMetadata.creation_time", albumId: "x" });
  rejects({ orderBy: "creation_time", filters: { dateFilter } });
  rejects({
    orderBy: "MediaMetadata.creation_time",
    filters: { dateFilter, mediaTypeFilter: { mediaTypes: ["PHOTO"] } },
  });
  parseSearchRequest({
    orderBy: "MediaMetadata.creation_time",
    filters: {
      dateFilter,
      includeArchivedMedia: true,
      excludeNonAppCreatedData: true,
    },
  });
});

Deno.test("filters combine with AND; undated items never match a date filter", () => {
  const lib = new FakeLibrary();
  const fav = lib.photo("fav.jpg", "2017-05-01T00:00:00Z", {
    favorite: true,
    categories: ["PETS"],
  });
  const vid = lib.video("v.mp4", "2017-05-02T00:00:00Z", { favorite: true });
  const nodate = lib.photo("nodate.jpg", null, {
    favorite: true,
    uploadTime: "2017-05-03T00:00:00Z",
  });
  const arch = lib.photo("arch.jpg", "2017-05-04T00:00:00Z", {
    archived: true,
  });
  const match = (body: unknown) => {
    const f = parseSearchRequest(body).filters;
    assert(f !== undefined);
    return lib.items.filter((i) => itemMatches(i, f)).map((i) => i.filename);
  };
  assertEquals(match({ filters: {} }), [
    fav.filename,
    vid.filename,
    nodate.filename,
  ]);
  assertEquals(match({ filters: { includeArchivedMedia: true } }).length, 4);
  assertEquals(
    match({
      filters: { dateFilter: { dates: [{ year: 2017, month: 5, day: 0 }] } },
    }),
    [
      fav.filename,
      vid.filename,
    ],
  );
  assertEquals(
    match({
      filters: {
        dateFilter: { dates: [{ year: 2017, month: 5, day: 0 }] },
        includeArchivedMedia: true,
      },
    }),
    [fav.filename, vid.filename, arch.filename],
  );
  assertEquals(
    match({ filters: { mediaTypeFilter: { mediaTypes: ["VIDEO"] } } }),
    [vid.filename],
  );
  assertEquals(
    match({
      filters: {
        mediaTypeFilter: { mediaTypes: ["PHOTO"] },
        featureFilter: { includedFeatures: ["FAVORITES"] },
      },
    }),
    [
      fav.filename,
      nodate.filename,
    ],
  );
  assertEquals(
    match({ filters: { featureFilter: { includedFeatures: ["NONE"] } } })
      .length,
    3,
  );
  assertEquals(
    match({
      filters: { contentFilter: { includedContentCategories: ["PETS"] } },
    }),
    [fav.filename],
  );
  assertEquals(
    match({
      filters: { contentFilter: { excludedContentCategories: ["PETS"] } },
    }).length,
    2,
  );
});
