import { join } from "node:path";
import { assert, assertEquals } from "../assert.ts";
import { silentLogger } from "../../src/log.ts";
import type { IndexedItem } from "../../src/db/rows.ts";
import { probeFsProfile } from "../../src/fs/fs_profile.ts";
import { ExpiredUrlError } from "../../src/google/media_download.ts";
import { type FreshUrl, ItemFetcher } from "../../src/backup/item_fetch.ts";
import { serve, testClient } from "../google/test_server.ts";

const BYTES = new TextEncoder().encode("picked photo bytes");

function item(fileName: string): IndexedItem {
  return {
    id: 1,
    remoteId: "r1",
    uid: undefined,
    url: undefined,
    path: "photos/2021/06",
    fileName,
    origFileName: fileName,
    duplicateNo: 0,
    mimeType: "image/jpeg",
    description: "",
    fileSize: 0,
    modifyDate: undefined,
    createDate: new Date("2021-06-01T10:00:00Z"),
    syncDate: undefined,
    downloaded: false,
    location: undefined,
    source: "picker",
    isVideo: false,
    videoStatus: undefined,
    failCount: 0,
    badReason: undefined,
    sourceRef: "s",
    width: undefined,
    height: undefined,
    cameraMake: undefined,
    cameraModel: undefined,
  };
}

/** A media host: `/old` is refused (expired), `/new` gives the bytes with Bearer only. */
async function withHost(
  fn: (url: string, fetcher: ItemFetcher, root: string) => Promise<void>,
) {
  const server = serve((req) => {
    const path = new URL(req.url).pathname;
    if (path.startsWith("/old")) return new Response("gone", { status: 403 });
    if (req.headers.get("authorization") !== "Bearer tok") {
      return new Response("who?", { status: 401 });
    }
    return new Response(BYTES, {
      headers: { "content-length": String(BYTES.length) },
    });
  });
  const root = await Deno.makeTempDir({ prefix: "gphotos_fetch_" });
  try {
    const profile = await probeFsProfile(root, {
      ntfs: false,
      caseInsensitiveFs: false,
      maxFilename: 0,
    }, { logger: silentLogger });
    const fetcher = new ItemFetcher({
      root,
      http: testClient({ maxRetries: 3 }),
      profile,
      logger: silentLogger,
      sleep: () => Promise.resolve(),
      imageTimeout: 5,
      videoTimeout: 5,
      auth: {
        getAccessToken: () => Promise.resolve("tok"),
        refreshAccessToken: () => Promise.resolve("tok"),
      },
    });
    await fn(server.url, fetcher, root);
  } finally {
    await server.close();
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("a refused baseUrl is replaced by the caller's fresh one, told why, and the file lands dated", async () => {
  await withHost(async (url, fetcher, root) => {
    const causes: unknown[] = [];
    const outcome = await fetcher.fetch(
      item("a.jpg"),
      `${url}/old`,
      (_signal, cause): Promise<FreshUrl> => {
        causes.push(cause);
        return Promise.resolve({ baseUrl: `${url}/new` });
      },
      new AbortController().signal,
    );
    assertEquals(outcome, { kind: "downloaded", bytes: BYTES.length });
    assertEquals(causes.length, 1);
    assert(causes[0] instanceof ExpiredUrlError);
    const file = join(root, "photos/2021/06/a.jpg");
    assertEquals(await Deno.readFile(file), BYTES);
    assertEquals(
      (await Deno.stat(file)).mtime?.toISOString(),
      "2021-06-01T10:00:00.000Z",
    );
    assertEquals(await fetcher.sizeOnDisk(item("a.jpg")), BYTES.length);
    assertEquals(await fetcher.sizeOnDisk(item("b.jpg")), undefined);
  });
});

Deno.test("the caller's failed and fatal answers end the retries with that outcome", async () => {
  await withHost(async (url, fetcher) => {
    const signal = new AbortController().signal;
    const failed = await fetcher.fetch(
      item("b.jpg"),
      `${url}/old`,
      () => Promise.resolve({ failed: "no longer in the session" }),
      signal,
    );
    assertEquals(failed, {
      kind: "failed",
      reason: "no longer in the session",
    });
    const gone = new Error("session expired");
    const fatal = await fetcher.fetch(
      item("c.jpg"),
      `${url}/old`,
      () => Promise.resolve({ fatal: gone }),
      signal,
    );
    assertEquals(fatal, { kind: "fatal", error: gone });
    // A URL refused at once even when fresh fails after the second fresh
    // one (asking on would only spend retries and quota).
    let asked = 0;
    const refused = await fetcher.fetch(
      item("d.jpg"),
      `${url}/old`,
      () => {
        asked++;
        return Promise.resolve({ baseUrl: `${url}/old-again` });
      },
      signal,
    );
    assertEquals(refused.kind, "failed");
    assertEquals(asked, 2);
  });
});

Deno.test("an aborted run stops without a failure", async () => {
  await withHost(async (url, fetcher) => {
    const stop = new AbortController();
    stop.abort();
    const outcome = await fetcher.fetch(
      item("e.jpg"),
      `${url}/new`,
      () => Promise.resolve({ failed: "unused" }),
      stop.signal,
    );
    assertEquals(outcome, { kind: "stopped" });
  });
});
