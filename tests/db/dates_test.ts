import assert from "node:assert/strict";
import { formatIndexDate, parseIndexDate } from "../../src/db/dates.ts";
import { GPHOTOS_MINIMUM_DATE } from "../../src/media/date_path.ts";

const utc = (iso: string) => new Date(iso);

Deno.test("dates are written as UTC 'YYYY-MM-DD HH:MM:SS' like gphotos-sync", () => {
  assert.equal(
    formatIndexDate(utc("2017-09-26T15:29:44Z")),
    "2017-09-26 15:29:44",
  );
  assert.equal(formatIndexDate(GPHOTOS_MINIMUM_DATE), "1900-01-01 00:00:00");
  assert.equal(
    formatIndexDate(utc("0999-01-02T03:04:05Z")),
    "0999-01-02 03:04:05",
  );
});

Deno.test("milliseconds are written as Python's six-digit fraction", () => {
  assert.equal(
    formatIndexDate(utc("2017-09-26T15:29:44.120Z")),
    "2017-09-26 15:29:44.120000",
  );
});

Deno.test("dates Python's datetime cannot hold are refused", () => {
  assert.throws(() => formatIndexDate(new Date(Number.NaN)), RangeError);
  assert.throws(
    () => formatIndexDate(utc("+010000-01-01T00:00:00Z")),
    RangeError,
  );
});

Deno.test("every text format gphotos-sync wrote is read as the same instant", () => {
  const cases: [string, string][] = [
    // Utils.date_to_string and the sqlite3 adapter for whole seconds
    ["2017-09-26 15:29:44", "2017-09-26T15:29:44.000Z"],
    // the sqlite3 adapter with microseconds (LocalFiles mtimes, datetime.max)
    ["2017-09-26 15:29:44.123456", "2017-09-26T15:29:44.123Z"],
    ["9999-12-31 23:59:59.999999", "9999-12-31T23:59:59.999Z"],
    // isoformat of a zone-aware datetime
    ["2017-09-26 15:29:44+02:00", "2017-09-26T13:29:44.000Z"],
    ["2017-09-26 15:29:44.5-01:30", "2017-09-26T16:59:44.500Z"],
    // the API's RFC 3339 text, in case it was stored as given
    ["2017-09-26T15:29:44Z", "2017-09-26T15:29:44.000Z"],
    ["2017-09-26T15:29:44.25Z", "2017-09-26T15:29:44.250Z"],
    // string_to_date's fallback: a date alone is midnight
    ["2017-09-26", "2017-09-26T00:00:00.000Z"],
    ["2017:09:26 15:29:44", "2017-09-26T15:29:44.000Z"],
    ["1800-01-01 00:00:00", "1800-01-01T00:00:00.000Z"],
    ["0050-06-07 08:09:10", "0050-06-07T08:09:10.000Z"],
  ];
  for (const [text, iso] of cases) {
    assert.equal(parseIndexDate(text)?.toISOString(), iso, text);
  }
});

Deno.test("unreadable dates are undefined, as gphotos-sync's None", () => {
  for (
    const value of [
      null,
      undefined,
      "",
      "yesterday",
      "2017-02-30 00:00:00",
      "2017-13-01",
      42,
    ]
  ) {
    assert.equal(parseIndexDate(value), undefined, String(value));
  }
});

Deno.test("dates round-trip through the index format to the millisecond", () => {
  const samples = [
    "1900-01-01T00:00:00.000Z",
    "1970-01-01T00:00:00.001Z",
    "2000-02-29T23:59:59.999Z",
    "2024-12-31T12:00:00.500Z",
    "0001-01-01T00:00:00.000Z",
    "9999-12-31T23:59:59.999Z",
  ];
  for (const iso of samples) {
    assert.equal(parseIndexDate(formatIndexDate(utc(iso)))?.toISOString(), iso);
  }
});
