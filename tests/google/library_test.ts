import { assert, assertEquals, assertRejects } from "../assert.ts";
import { assertStringIncludes } from "./assert_text.ts";
import { ApiError } from "../../src/errors.ts";
import type { AccessTokenSource } from "../../src/google/http.ts";
import type { MediaItem, Page } from "../../src/google/api_types.ts";
import {
  LibraryClient,
  MAX_REPEATED_EMPTY_PAGES,
  MISSING_DATE_FALLBACK,
  toMediaRecord,
} from "../../src/google/library.ts";
import {
  googleError,
  json,
  serve,
  testClient,
  type TestServer,
} from "./test_server.ts";

const auth: AccessTokenSource = {
  getAccessToken: () => Promise.resolve("ya29.lib"),
  refreshAccessToken: () => Promise.resolve("ya29.lib"),
};

function item(id: string, extra: Partial<MediaItem> = {}): MediaItem {
  return {
    id,
    baseUrl: `https://lh3.example/${id}`,
    mimeType: "image/jpeg",
    filename: `${id}.jpg`,
    mediaMetadata: {
      creationTime: "2021-06-01T10:00:00Z",
      width: "4000",
      height: "3000",
    },
    ...extra,
  };
}

async function withLibrary(
  handler: Parameters<typeof serve>[0],
  fn: (client: LibraryClient, server: TestServer) => Promise<void>,
): Promise<void> {
  const server = serve(handler);
  try {
    // A trailing slash on the base URL must not double up in paths.
    await fn(
      new LibraryClient({
        http: testClient(),
        auth,
        baseUrl: `${server.url}/`,
      }),
      server,
    );
  } finally {
    await server.close();
  }
}

async function collect<T>(pages: AsyncIterable<Page<T>>): Promise<Page<T>[]> {
  const out: Page<T>[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

Deno.test("listMediaItems walks every page, zero-item pages included, until the token is absent", async () => {
  const pages: Record<string, unknown> = {
    "": { mediaItems: [item("a"), item("b")], nextPageToken: "t1" },
    t1: { nextPageToken: "t2" }, // no items, more to come (gphotos-sync #112)
    t2: { mediaItems: [], nextPageToken: "t3" },
    t3: { mediaItems: [item("c")] },
  };
  await withLibrary(
    (req) => json(pages[new URL(req.url).searchParams.get("pageToken") ?? ""]),
    async (client, server) => {
      const seen = await collect(client.listMediaItems());
      assertEquals(
        seen.map((p) => p.items.map((i) => i.id)),
        [["a", "b"], [], [], ["c"]],
      );
      assertEquals(server.seen.length, 4);
      for (const request of server.seen) {
        assertEquals(request.url.pathname, "/v1/mediaItems");
        assertEquals(request.url.searchParams.get("pageSize"), "100");
        assertEquals(request.headers.get("authorization"), "Bearer ya29.lib");
      }
      assertEquals(server.seen[3].url.searchParams.get("pageToken"), "t3");
    },
  );
});

Deno.test("a page token that comes back again stops the listing with an ApiError", async () => {
  await withLibrary(
    (req) =>
      json({
        mediaItems: [
          item(new URL(req.url).searchParams.get("pageToken") ?? "first"),
        ],
        nextPageToken: "again",
      }),
    async (client, server) => {
      const error = await assertRejects(
        () => collect(client.listMediaItems()),
        ApiError,
      );
      assertStringIncludes(error.message, "same page token twice");
      assertEquals(server.seen.length, 2);
    },
  );
});

Deno.test("an empty page that repeats the token just sent is asked for again, with backoff, and the listing goes on", async () => {
  const waits: number[] = [];
  const asked: string[] = [];
  let echoes = 3;
  const server = serve((req) => {
    const token = new URL(req.url).searchParams.get("pageToken") ?? "";
    asked.push(token);
    if (token === "") {
      return json({ mediaItems: [item("a")], nextPageToken: "t1" });
    }
    // Page t1 answers with no items and t1 itself, three times.
    if (echoes-- > 0) return json({ nextPageToken: "t1" });
    return json({ mediaItems: [item("b")] });
  });
  try {
    const client = new LibraryClient({
      http: testClient(),
      auth,
      baseUrl: server.url,
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    });
    const pages = await collect(client.listMediaItems());
    assertEquals(pages.flatMap((p) => p.items.map((i) => i.id)), ["a", "b"]);
    assertEquals(asked, ["", "t1", "t1", "t1", "t1"]);
    // The HttpClient's backoff (base 10 ms, random 0.5): 5, 10, 20 ms.
    assertEquals(waits, [5, 10, 20]);
  } finally {
    await server.close();
  }
});

Deno.test(`an empty page that keeps repeating the token just sent is asked for ${MAX_REPEATED_EMPTY_PAGES} times more, then the listing stops`, async () => {
  let waits = 0;
  const server = serve((req) => {
    const token = new URL(req.url).searchParams.get("pageToken");
    return json(
      token === null
        ? { mediaItems: [item("a")], nextPageToken: "stuck" }
        : { mediaItems: [], nextPageToken: "stuck" },
    );
  });
  try {
    const client = new LibraryClient({
      http: testClient(),
      auth,
      baseUrl: server.url,
      sleep: () => {
        waits++;
        return Promise.resolve();
      },
    });
    const error = await assertRejects(
      () => collect(client.listMediaItems()),
      ApiError,
    );
    assertStringIncludes(error.message, "same page token twice");
    assertEquals(server.seen.length, 2 + MAX_REPEATED_EMPTY_PAGES);
    assertEquals(waits, MAX_REPEATED_EMPTY_PAGES);
  } finally {
    await server.close();
  }
});

Deno.test("the next page is asked for while the caller works on the current one", async () => {
  const pages: Record<string, unknown> = {
    "": { mediaItems: [item("a")], nextPageToken: "t1" },
    t1: { mediaItems: [item("b")], nextPageToken: "t2" },
    t2: { mediaItems: [item("c")] },
  };
  await withLibrary(
    (req) => json(pages[new URL(req.url).searchParams.get("pageToken") ?? ""]),
    async (client, server) => {
      const it = client.listMediaItems()[Symbol.asyncIterator]();
      const first = await it.next();
      assertEquals(first.value?.items.map((i: MediaItem) => i.id), ["a"]);
      // Page t1 is requested without the caller asking for it.
      for (let i = 0; i < 200 && server.seen.length < 2; i++) {
        await new Promise((r) => setTimeout(r, 5));
      }
      assertEquals(server.seen.length, 2);
      assertEquals(server.seen[1].url.searchParams.get("pageToken"), "t1");
      const rest = [];
      for (let r = await it.next(); !r.done; r = await it.next()) {
        rest.push(r.value.items.map((i: MediaItem) => i.id));
      }
      assertEquals(rest, [["b"], ["c"]]);
      assertEquals(server.seen.length, 3, "nothing asked for past the end");
    },
  );
});

Deno.test("a caller that stops early cancels the page asked for ahead", async () => {
  let aheadEnded: ((aborted: boolean) => void) | undefined;
  const ahead = new Promise<boolean>((r) => aheadEnded = r);
  await withLibrary(
    async (req) => {
      const token = new URL(req.url).searchParams.get("pageToken");
      if (token) {
        // The page ahead takes long; the listing is dropped meanwhile.
        await new Promise<void>((r) => {
          const timer = setTimeout(r, 2000);
          req.signal.addEventListener("abort", () => {
            clearTimeout(timer);
            r();
          });
        });
        aheadEnded?.(req.signal.aborted);
      }
      return json({ mediaItems: [item(token ?? "a")], nextPageToken: "more" });
    },
    async (client) => {
      for await (const page of client.listMediaItems()) {
        assertEquals(page.items[0].id, "a");
        break;
      }
      assert(await ahead, "the request ahead was cancelled");
    },
  );
});

Deno.test("searchMediaItems posts the request and pages with pageToken", async () => {
  await withLibrary(
    (_req, body) => {
      const request = JSON.parse(body);
      return json(
        request.pageToken
          ? { mediaItems: [item("y")] }
          : { mediaItems: [item("x")], nextPageToken: "p2" },
      );
    },
    async (client, server) => {
      const filters = {
        dateFilter: {
          ranges: [{
            startDate: { year: 2020, month: 1, day: 1 },
            endDate: { year: 2020, month: 12, day: 31 },
          }],
        },
        includeArchivedMedia: true,
      };
      const pages = await collect(client.searchMediaItems({ filters }));
      assertEquals(pages.flatMap((p) => p.items.map((i) => i.id)), ["x", "y"]);
      assertEquals(server.seen[0].method, "POST");
      assertEquals(server.seen[0].url.pathname, "/v1/mediaItems:search");
      assertEquals(JSON.parse(server.seen[0].body), { filters, pageSize: 100 });
      assertEquals(JSON.parse(server.seen[1].body), {
        filters,
        pageSize: 100,
        pageToken: "p2",
      });
    },
  );
});

/** batchGet as Google answers it: request order, bad ids as status entries. */
function batchGetHandler(known: Set<string>) {
  return (req: Request) => {
    const ids = new URL(req.url).searchParams.getAll("mediaItemIds");
    if (ids.length > 50) {
      return googleError(400, "INVALID_ARGUMENT", "Too many ids");
    }
    return json({
      mediaItemResults: ids.map((id) =>
        known.has(id)
          ? { mediaItem: item(id) }
          : { status: { code: 3, message: "Invalid media item ID." } }
      ),
    });
  };
}

Deno.test("batchGet gives one result per id in order, bad ids as errors", async () => {
  await withLibrary(
    batchGetHandler(new Set(["a", "c"])),
    async (client, server) => {
      const results = await client.batchGet(["c", "bad", "a", "c"]);
      assertEquals(results.length, 4);
      assert("ok" in results[0] && results[0].ok.id === "c");
      assertEquals(results[1], {
        error: { code: 3, message: "Invalid media item ID." },
      });
      assert("ok" in results[2] && results[2].ok.id === "a");
      assert("ok" in results[3] && results[3].ok.id === "c");
      // Repeats are asked for once: Google refuses repeated ids.
      assertEquals(server.seen[0].url.pathname, "/v1/mediaItems:batchGet");
      assertEquals(server.seen[0].url.searchParams.getAll("mediaItemIds"), [
        "c",
        "bad",
        "a",
      ]);
    },
  );
});

Deno.test("batchGet refuses more than 50 ids without calling Google, and skips an empty list", async () => {
  await withLibrary(batchGetHandler(new Set()), async (client, server) => {
    const ids = Array.from({ length: 51 }, (_, i) => `id${i}`);
    await assertRejects(() => client.batchGet(ids), RangeError);
    assertEquals(await client.batchGet([]), []);
    assertEquals(server.seen.length, 0);
    assertEquals((await client.batchGet(ids.slice(0, 50))).length, 50);
  });
});

Deno.test("batchGet with a result count that does not match is an ApiError", async () => {
  await withLibrary(
    () => json({ mediaItemResults: [{ mediaItem: item("a") }] }),
    async (client) => {
      const error = await assertRejects(
        () => client.batchGet(["a", "b"]),
        ApiError,
      );
      assertStringIncludes(error.message, "mediaItems.batchGet");
      assertStringIncludes(error.message, "2 entries");
    },
  );
});

Deno.test("batchGet with an item under the wrong id is an ApiError", async () => {
  await withLibrary(
    () =>
      json({
        mediaItemResults: [{ mediaItem: item("b") }, { mediaItem: item("a") }],
      }),
    async (client) => {
      await assertRejects(() => client.batchGet(["a", "b"]), ApiError);
    },
  );
});

for (
  const [what, body, expected] of [
    ["a body that is not JSON", "<html>", "not JSON"],
    ["an array at the top", "[]", "response should be an object"],
    [
      "mediaItems that is not a list",
      '{"mediaItems": {"id": "a"}}',
      "response.mediaItems should be an array",
    ],
    [
      "an item without an id",
      '{"mediaItems": [{"filename": "a.jpg"}]}',
      "response.mediaItems[0].id should be a non-empty string but is missing",
    ],
    [
      "an id that is a number",
      '{"mediaItems": [{"id": 7}]}',
      "response.mediaItems[0].id should be a non-empty string but is a number",
    ],
    [
      "a width that is not a number",
      '{"mediaItems": [{"id": "a", "mediaMetadata": {"width": "wide"}}]}',
      "response.mediaItems[0].mediaMetadata.width should be an integer string",
    ],
    [
      "a page token that is not a string",
      '{"mediaItems": [], "nextPageToken": 5}',
      "response.nextPageToken should be a string",
    ],
  ] as const
) {
  Deno.test(`a listing with ${what} is an ApiError naming the field`, async () => {
    await withLibrary(
      () =>
        new Response(body, { headers: { "content-type": "application/json" } }),
      async (client) => {
        const error = await assertRejects(
          () => collect(client.listMediaItems()),
          ApiError,
        );
        assertEquals(error.code, "MALFORMED_RESPONSE");
        assertStringIncludes(error.message, "mediaItems.list");
        assertStringIncludes(error.message, expected);
      },
    );
  });
}

Deno.test("unknown fields and video states are tolerated", async () => {
  await withLibrary(
    () =>
      json({
        mediaItems: [{
          id: "v",
          mimeType: "video/mp4",
          somethingNew: { x: 1 },
          mediaMetadata: { video: { fps: 30, status: "SOMETHING_NEW" } },
        }],
      }),
    async (client) => {
      const [page] = await collect(client.listMediaItems());
      assertEquals(page.items[0].mediaMetadata?.video?.status, "UNSPECIFIED");
      assertEquals(page.items[0].mediaMetadata?.video?.fps, 30);
    },
  );
});

Deno.test("getMediaItem and getAlbum fetch one by id", async () => {
  await withLibrary(
    (req) => {
      const path = decodeURIComponent(new URL(req.url).pathname);
      if (path === "/v1/mediaItems/a/b") return json(item("a/b"));
      if (path === "/v1/albums/al 1") {
        return json({ id: "al 1", title: "Trip", mediaItemsCount: "12" });
      }
      return googleError(404, "NOT_FOUND", "Requested entity was not found.");
    },
    async (client, server) => {
      assertEquals((await client.getMediaItem("a/b")).filename, "a/b.jpg");
      assertEquals(await client.getAlbum("al 1"), {
        id: "al 1",
        title: "Trip",
        mediaItemsCount: "12",
      });
      assertEquals(server.seen[0].url.pathname, "/v1/mediaItems/a%2Fb");
      const error = await assertRejects(
        () => client.getAlbum("nope"),
        ApiError,
      );
      assertEquals(error.status, 404);
      assertEquals(error.code, "NOT_FOUND");
    },
  );
});

Deno.test("listAlbums and listSharedAlbums page 50 at a time", async () => {
  await withLibrary(
    (req) => {
      const url = new URL(req.url);
      if (url.pathname === "/v1/albums") {
        return json(
          url.searchParams.get("pageToken")
            ? { albums: [{ id: "a2" }] }
            : { albums: [{ id: "a1", title: "One" }], nextPageToken: "n" },
        );
      }
      return json({
        sharedAlbums: [{
          id: "s1",
          shareInfo: { isJoined: true, shareToken: "tok" },
        }],
      });
    },
    async (client, server) => {
      const albums = await collect(client.listAlbums());
      assertEquals(albums.flatMap((p) => p.items.map((a) => a.id)), [
        "a1",
        "a2",
      ]);
      const shared = await collect(client.listSharedAlbums());
      assertEquals(shared[0].items[0].shareInfo, {
        isJoined: true,
        shareToken: "tok",
      });
      for (const request of server.seen) {
        assertEquals(request.url.searchParams.get("pageSize"), "50");
      }
      assertEquals(server.seen[2].url.pathname, "/v1/sharedAlbums");
    },
  );
});

Deno.test("toMediaRecord maps a photo", () => {
  const record = toMediaRecord(item("p1", {
    description: "At the beach",
    productUrl: "https://photos.google.com/lr/photo/p1",
    mediaMetadata: {
      creationTime: "2019-03-03T11:12:13.456Z",
      width: "4032",
      height: "3024",
      photo: { cameraMake: "Google", cameraModel: "Pixel 3" },
    },
  }));
  assertEquals(record, {
    remoteId: "p1",
    source: "library",
    filename: "p1.jpg",
    mimeType: "image/jpeg",
    description: "At the beach",
    createTime: new Date("2019-03-03T11:12:13.456Z"),
    isVideo: false,
    productUrl: "https://photos.google.com/lr/photo/p1",
    width: 4032,
    height: 3024,
    cameraMake: "Google",
    cameraModel: "Pixel 3",
  });
});

Deno.test("toMediaRecord detects videos by mimeType, or by video metadata without one", () => {
  const byMime = toMediaRecord(item("v1", {
    mimeType: "video/mp4",
    mediaMetadata: {
      creationTime: "2020-01-01T00:00:00+02:00",
      video: { status: "PROCESSING", cameraModel: "X" },
    },
  }));
  assertEquals(byMime.isVideo, true);
  assertEquals(byMime.videoStatus, "PROCESSING");
  assertEquals(byMime.cameraModel, "X");
  assertEquals(byMime.createTime.toISOString(), "2019-12-31T22:00:00.000Z");

  const noMime = toMediaRecord({
    id: "v2",
    mediaMetadata: { video: { status: "READY" } },
  });
  assertEquals(noMime.isVideo, true);
  assertEquals(noMime.mimeType, "");
  assertEquals(noMime.filename, "");

  const photo = toMediaRecord(item("p2"));
  assertEquals(photo.isVideo, false);
  assertEquals(photo.videoStatus, undefined);
});

Deno.test("toMediaRecord gives items without a usable creationTime gphotos-sync's 1900 date", () => {
  const fallback = new Date(MISSING_DATE_FALLBACK);
  assertEquals(fallback.toISOString(), "1900-01-01T00:00:00.000Z");
  assertEquals(toMediaRecord({ id: "n" }).createTime, fallback);
  assertEquals(
    toMediaRecord({ id: "n", mediaMetadata: { creationTime: "yesterday" } })
      .createTime,
    fallback,
  );
});
