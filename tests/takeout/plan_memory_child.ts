// deno-lint-ignore-file no-console -- the parent test reads this report
// Plans a synthetic export of N items (a photo and its sidecar each, one
// in ten also in an album, sidecars of one in five in the other part) in a
// fresh process, and prints as JSON what the finished plan holds: V8 heap
// and external bytes, after full collections, with the listing gone. Run
// by takeout_plan_test.ts with --v8-flags=--expose-gc.

import { PlanBuilder } from "../../src/takeout/plan.ts";

const items = Number(Deno.args[0]);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("Run with --v8-flags=--expose-gc.");
const enc = new TextEncoder();
const root = "Takeout/Google Photos";
const start = Date.UTC(2012, 0, 1) / 1000;
const parts = ["takeout-001.zip", "takeout-002.zip"];
const index = [0, 0];

gc();
const before = Deno.memoryUsage();
const builder = new PlanBuilder(parts, {
  includeTrashed: false,
  skipArchived: false,
});
const add = (part: number, name: string, size: number, content?: Uint8Array) =>
  builder.add({
    part: parts[part],
    index: index[part]++,
    name,
    size,
    mtime: new Date(start * 1000),
    kind: "file",
    ...(content === undefined ? {} : { content }),
  });
for (let n = 0; n < items; n++) {
  const taken = start + n * 3600;
  const name = `IMG_${String(n).padStart(6, "0")}.jpg`;
  const folder = `${root}/Photos from ${
    new Date(taken * 1000).getUTCFullYear()
  }`;
  const sidecar = enc.encode(JSON.stringify({
    title: name,
    photoTakenTime: { timestamp: String(taken), formatted: "" },
    creationTime: { timestamp: String(taken + 60), formatted: "" },
    geoData: { latitude: 48.85, longitude: 2.29, altitude: 35 },
    url: `https://photos.google.com/photo/AF1QipMemory${n}`,
  }));
  add(0, `${folder}/${name}`, 3000 + n % 1000);
  add(
    n % 5 === 0 ? 1 : 0,
    `${folder}/${name}.supplemental-metadata.json`,
    sidecar.length,
    sidecar,
  );
  if (n % 10 === 3) {
    const album = `${root}/Album ${Math.floor(n / 100)}`;
    add(0, `${album}/${name}`, 3000 + n % 1000);
    add(
      0,
      `${album}/${name}.supplemental-metadata.json`,
      sidecar.length,
      sidecar,
    );
  }
}
const plan = builder.finish();
gc();
gc();
const after = Deno.memoryUsage();
console.log(JSON.stringify({
  items: plan.itemCount,
  files: plan.fileCount,
  heapBytes: after.heapUsed - before.heapUsed,
  externalBytes: after.external - before.external,
}));
