// deno-lint-ignore-file no-console -- the parent test reads this report
// Streams every entry of the zip named in Deno.args[0] through ZipReader
// in a fresh process and prints, as JSON, how much its peak resident
// memory (VmHWM) grew meanwhile. Garbage is collected every few MB (run
// with --v8-flags=--expose-gc), so the figure is what the reader holds,
// not chunks already dropped that V8 has not yet swept. Run by
// zip_reader_test.ts.

import { ZipReader } from "../../src/archive/zip_reader.ts";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("Run with --v8-flags=--expose-gc.");
const reader = await ZipReader.open(Deno.args[0]);
const { entries } = await reader.list();
gc();
await Deno.writeTextFile("/proc/self/clear_refs", "5");
const before = Deno.memoryUsage().rss;
let bytes = 0;
let sinceGc = 0;
for (const entry of entries) {
  for await (const chunk of reader.open(entry)) {
    bytes += chunk.length;
    sinceGc += chunk.length;
    if (sinceGc >= 8 << 20) {
      gc();
      sinceGc = 0;
    }
  }
}
const status = await Deno.readTextFile("/proc/self/status");
const peak = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)![1]) * 1024;
console.log(JSON.stringify({ bytes, growth: peak - before }));
