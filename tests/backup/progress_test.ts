import { assertEquals } from "../assert.ts";
import { createProgress, formatDuration } from "../../src/backup/progress.ts";

Deno.test("without a terminal, progress is a plain line at most every interval, and the last one always", () => {
  const out: string[] = [];
  let now = 0;
  const p = createProgress({
    write: (t) => out.push(t),
    isTty: false,
    now: () => now,
    intervalMs: 1000,
  });
  p.indexed(100, 10);
  now = 500;
  p.indexed(200, 20);
  now = 1500;
  p.indexed(300, 30);
  p.downloaded(1, 3, 1_000_000);
  p.downloaded(3, 3, 3_000_000);
  p.finish();
  assertEquals(out, [
    "Indexing: 100 items listed, 10 new\n",
    "Indexing: 300 items listed, 30 new\n",
    "Downloading: 3/3 (100%), 3.0 MB\n",
  ]);
});

Deno.test("on a terminal, progress redraws one line and ends it when finished", () => {
  const out: string[] = [];
  let now = 0;
  const p = createProgress({
    write: (t) => out.push(t),
    isTty: true,
    now: () => now,
    intervalMs: 100,
  });
  p.downloaded(1, 2, 0);
  now = 200;
  p.downloaded(2, 2, 0);
  p.finish();
  assertEquals(out, [
    "\r\x1b[2KDownloading: 1/2 (50%), 0.0 MB",
    "\r\x1b[2KDownloading: 2/2 (100%), 0.0 MB",
    "\n",
  ]);
});

Deno.test("downloads show the rate and the time left once a second has been measured", () => {
  const out: string[] = [];
  let now = 10_000;
  const p = createProgress({
    write: (t) => out.push(t),
    isTty: false,
    now: () => now,
    intervalMs: 0,
  });
  p.downloaded(1, 101, 2_000_000);
  now += 500;
  p.downloaded(2, 101, 3_000_000);
  // 4 s for 20 items and 20 MB: 5 MB/s, 80 items left take 16 s.
  now += 3_500;
  p.downloaded(21, 101, 22_000_000);
  now += 1_000;
  p.downloaded(101, 101, 30_000_000);
  assertEquals(out, [
    "Downloading: 1/101 (0%), 2.0 MB\n",
    "Downloading: 2/101 (1%), 3.0 MB\n",
    "Downloading: 21/101 (20%), 22.0 MB, 5.0 MB/s, about 16 s left\n",
    "Downloading: 101/101 (100%), 30.0 MB, 5.6 MB/s\n",
  ]);
  // A later download phase measures afresh.
  p.finish();
  out.length = 0;
  p.downloaded(1, 2, 0);
  assertEquals(out, ["Downloading: 1/2 (50%), 0.0 MB\n"]);
});

Deno.test("the time left reads as seconds, minutes or hours", () => {
  assertEquals(formatDuration(0), "0 s");
  assertEquals(formatDuration(119.4), "119 s");
  assertEquals(formatDuration(150), "3 min");
  assertEquals(formatDuration(7199), "2 h 00 min");
  assertEquals(formatDuration(3 * 3600 + 5 * 60), "3 h 05 min");
});
