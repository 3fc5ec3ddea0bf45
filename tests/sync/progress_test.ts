import { assertEquals } from "../assert.ts";
import { createProgress } from "../../src/sync/progress.ts";

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
