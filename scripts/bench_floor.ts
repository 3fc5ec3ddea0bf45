// deno-lint-ignore-file no-console -- a benchmark tool prints its result
// The floor of `deno task bench`: the least a client in the same runtime
// must do to copy a library to disk. It lists the library page by page,
// reads the albums' contents (side by side, `--threads` at a time) to find
// the items only in albums, asks for baseUrls 50 ids at a time, and
// streams each item's bytes into a file named by its position, `--threads`
// at a time. No index, no names, no dates, no flushes, no checks: what is
// left is the link, the disk and the runtime. Prints one JSON line:
// { items, bytes, seconds }. --list-only stops after the listing (to tell
// the calls of the start and the listing from those of each file).
//
// deno run --allow-net --allow-write scripts/bench_floor.ts \
//   --api URL --token TOKEN --dir DIR [--threads 20] [--albums] [--list-only]

const arg = (name: string) => {
  const at = Deno.args.indexOf(`--${name}`);
  return at >= 0 ? Deno.args[at + 1] : undefined;
};
const API = arg("api")!;
const DIR = arg("dir")!;
const THREADS = Number(arg("threads") ?? "20");
const ALBUMS = Deno.args.includes("--albums");
const LIST_ONLY = Deno.args.includes("--list-only");
const headers = { authorization: `Bearer ${arg("token")}` };

interface Item {
  id: string;
  mimeType: string;
  baseUrl?: string;
}

async function json(url: string, init: RequestInit = {}) {
  const r = await fetch(url, { ...init, headers });
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status} ${await r.text()}`);
  return await r.json();
}

/** Runs `task` over `inputs`, `limit` at a time. */
async function bounded<T>(
  inputs: T[],
  limit: number,
  task: (input: T) => Promise<void>,
) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, inputs.length) }, async () => {
      while (next < inputs.length) await task(inputs[next++]);
    }),
  );
}

const started = performance.now();
const ids = new Map<string, Item>();
let token: string | undefined;
do {
  const url = new URL("/v1/mediaItems", API);
  url.searchParams.set("pageSize", "100");
  if (token) url.searchParams.set("pageToken", token);
  const page = await json(url.href);
  for (const item of page.mediaItems ?? []) ids.set(item.id, item);
  token = page.nextPageToken;
} while (token);

if (ALBUMS) {
  const albums: string[] = [];
  let albumToken: string | undefined;
  do {
    const url = new URL("/v1/albums", API);
    url.searchParams.set("pageSize", "50");
    if (albumToken) url.searchParams.set("pageToken", albumToken);
    const page = await json(url.href);
    for (const album of page.albums ?? []) albums.push(album.id);
    albumToken = page.nextPageToken;
  } while (albumToken);
  await bounded(albums, THREADS, async (albumId) => {
    let pageToken: string | undefined;
    do {
      const page = await json(new URL("/v1/mediaItems:search", API).href, {
        method: "POST",
        body: JSON.stringify({ albumId, pageSize: 100, pageToken }),
      });
      for (const item of page.mediaItems ?? []) {
        if (!ids.has(item.id)) ids.set(item.id, item);
      }
      pageToken = page.nextPageToken;
    } while (pageToken);
  });
}

let bytes = 0;
let n = 0;
const all = LIST_ONLY ? [] : [...ids.values()];
const batches: Item[][] = [];
for (let i = 0; i < all.length; i += 50) batches.push(all.slice(i, i + 50));
// One pool of streams across batches; the next batch's baseUrls are asked
// for while the current one downloads.
let b = 0;
const queue: Item[] = [];
let ready = batches.length > 0 ? fetchUrls(batches[b++]) : undefined;
async function nextItem(): Promise<Item | undefined> {
  while (queue.length === 0) {
    if (!ready) return undefined;
    const current = ready;
    ready = b < batches.length ? fetchUrls(batches[b++]) : undefined;
    queue.push(...await current);
  }
  return queue.shift();
}
await Promise.all(Array.from({ length: THREADS }, async () => {
  for (let item = await nextItem(); item; item = await nextItem()) {
    const video = item.mimeType.startsWith("video/");
    const r = await fetch(`${item.baseUrl}${video ? "=dv" : "=d"}`);
    if (!r.ok || !r.body) throw new Error(`media: HTTP ${r.status}`);
    const file = await Deno.open(`${DIR}/${n++}`, {
      write: true,
      createNew: true,
    });
    for await (const chunk of r.body) {
      let off = 0;
      while (off < chunk.byteLength) {
        off += await file.write(chunk.subarray(off));
      }
      bytes += chunk.byteLength;
    }
    file.close();
  }
}));

async function fetchUrls(batch: Item[]): Promise<Item[]> {
  if (batch.length === 0) return [];
  const q = new URLSearchParams();
  for (const item of batch) q.append("mediaItemIds", item.id);
  const answer = await json(`${API}/v1/mediaItems:batchGet?${q}`);
  return answer.mediaItemResults.map((r: { mediaItem: Item }) => r.mediaItem);
}

console.log(JSON.stringify({
  items: n,
  bytes,
  seconds: (performance.now() - started) / 1000,
}));
