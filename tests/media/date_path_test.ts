import { strict as assert } from "node:assert";
import { joinLikePathlib, mediaFolder } from "../../src/media/date_path.ts";

const nested = { photosPath: "photos", useFlatPath: false };
const flat = { photosPath: "photos", useFlatPath: true };

Deno.test("media folder is photos/YYYY/MM from the creation time", () => {
  assert.equal(
    mediaFolder(new Date("2017-09-30T12:00:00Z"), nested),
    "photos/2017/09",
  );
  assert.equal(
    mediaFolder(new Date("2021-01-05T00:00:00Z"), nested),
    "photos/2021/01",
  );
});

Deno.test("--use-flat-path gives photos/YYYY-MM", () => {
  assert.equal(
    mediaFolder(new Date("2017-09-30T12:00:00Z"), flat),
    "photos/2017-09",
  );
  assert.equal(
    mediaFolder(new Date("1999-12-31T23:59:59Z"), flat),
    "photos/1999-12",
  );
});

Deno.test("the month is the UTC one, as in Google's creationTime text", () => {
  // 01:00 on 1 October in Paris is 23:00 UTC on 30 September.
  const paris = new Date("2017-10-01T01:00:00+02:00");
  assert.equal(mediaFolder(paris, nested), "photos/2017/09");
  // 20:00 on 31 December in New York is already January in UTC.
  const newYork = new Date("2019-12-31T20:00:00-05:00");
  assert.equal(mediaFolder(newYork, nested), "photos/2020/01");
});

Deno.test("years are four digits, early ones zero-padded", () => {
  const early = new Date(Date.UTC(999, 4, 1));
  assert.equal(mediaFolder(early, nested), "photos/0999/05");
  assert.equal(
    mediaFolder(new Date("1800-01-01T00:00:00Z"), nested),
    "photos/1800/01",
  );
});

Deno.test("the photos path is normalised the way pathlib wrote it", () => {
  const when = new Date("2017-09-30T12:00:00Z");
  assert.equal(
    mediaFolder(when, { photosPath: "./Google Photos/", useFlatPath: false }),
    "Google Photos/2017/09",
  );
  assert.equal(
    mediaFolder(when, { photosPath: "a//b", useFlatPath: true }),
    "a/b/2017-09",
  );
  assert.equal(
    mediaFolder(when, { photosPath: "", useFlatPath: false }),
    "2017/09",
  );
  assert.equal(joinLikePathlib("/abs/", "x"), "/abs/x");
  assert.equal(joinLikePathlib("", "."), ".");
});

Deno.test("an invalid or out-of-range date is refused", () => {
  assert.throws(() => mediaFolder(new Date("nonsense"), nested), RangeError);
  const tooLate = new Date(Date.UTC(10000, 0, 1));
  assert.throws(() => mediaFolder(tooLate, nested), RangeError);
});
