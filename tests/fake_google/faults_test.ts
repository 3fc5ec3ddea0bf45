import { FakeLibrary } from "./library_state.ts";
import { type FakeGoogle, startFakeGoogle } from "./server.ts";
import {
  assert,
  assertEquals,
  assertRejects,
  call,
  type ItemJson,
} from "./test_support.ts";

async function setup(
  seed = 1,
): Promise<{ google: FakeGoogle; token: string; lib: FakeLibrary }> {
  const lib = new FakeLibrary();
  lib.generate(5, { videoEvery: 5 });
  const google = await startFakeGoogle({ library: lib, era: "2024", seed });
  return {
    google,
    token: google.issueToken(["photoslibrary.readonly"]).access_token,
    lib,
  };
}

const isNetworkError = (e: unknown) => e instanceof TypeError;

Deno.test("429 comes with or without Retry-After, in Google's envelope, then calls succeed", async () => {
  const { google, token } = await setup();
  await using _ = google;
  google.faults.next("list", 1, {
    kind: "status",
    status: 429,
    retryAfterSec: 7,
  });
  google.faults.next("list", 1, 429);
  const first = await call(google, token, "/v1/mediaItems");
  assertEquals([first.status, first.headers.get("retry-after")], [429, "7"]);
  assertEquals(
    (first.body.error as { status: string }).status,
    "RESOURCE_EXHAUSTED",
  );
  const second = await call(google, token, "/v1/mediaItems");
  assertEquals([second.status, second.headers.get("retry-after")], [429, null]);
  assertEquals((await call(google, token, "/v1/mediaItems")).status, 200);
  assertEquals(
    google.requests.of("list").map((e) => [e.status, e.fault ?? "-"]),
    [
      [429, "status"],
      [429, "status"],
      [200, "-"],
    ],
  );
});

Deno.test("the next N calls of one class fail; other classes are untouched", async () => {
  const { google, token, lib } = await setup();
  await using _ = google;
  const rule = google.faults.next("batchGet", 3, 503);
  const batch = `/v1/mediaItems:batchGet?mediaItemIds=${lib.items[0].id}`;
  assertEquals((await call(google, token, "/v1/mediaItems")).status, 200);
  const statuses = [];
  for (let i = 0; i < 4; i++) {
    statuses.push((await call(google, token, batch)).status);
  }
  assertEquals(statuses, [503, 503, 503, 200]);
  assertEquals([rule.hits, rule.remaining], [3, 0]);
});

Deno.test("5xx faults look like Google's: JSON for 500/503/504, an HTML page for 502", async () => {
  const { google, token } = await setup();
  await using _ = google;
  for (const status of [500, 502, 503, 504]) {
    google.faults.next("albums", 1, status);
  }
  const a = [];
  for (let i = 0; i < 4; i++) a.push(await call(google, token, "/v1/albums"));
  assertEquals(a.map((x) => x.status), [500, 502, 503, 504]);
  assertEquals((a[0].body.error as { status: string }).status, "INTERNAL");
  assert(String(a[1].body.text).includes("502"), "502 is an HTML page");
  assertEquals(
    (a[3].body.error as { status: string }).status,
    "DEADLINE_EXCEEDED",
  );
});

Deno.test("a removed-scope fault answers 403 PERMISSION_DENIED", async () => {
  const { google, token } = await setup();
  await using _ = google;
  google.faults.next("search", 1, "insufficientScope");
  const a = await call(google, token, "/v1/mediaItems:search", {});
  assertEquals(a.status, 403);
  assertEquals(a.body.error, {
    code: 403,
    message: "Request had insufficient authentication scopes.",
    status: "PERMISSION_DENIED",
  });
});

Deno.test("a delay fault answers normally, late", async () => {
  const { google, token } = await setup();
  await using _ = google;
  google.faults.next("get", 1, { kind: "delay", ms: 200 });
  const id = google.library.items[0].id;
  const t0 = performance.now();
  assertEquals((await call(google, token, `/v1/mediaItems/${id}`)).status, 200);
  assert(performance.now() - t0 >= 190, "the answer was delayed");
});

Deno.test("a stall never answers: the client's timeout fires, and the server carries on", async () => {
  const { google, token } = await setup();
  await using _ = google;
  google.faults.next("list", 1, "stall");
  const t0 = performance.now();
  await assertRejects(
    () =>
      fetch(google.url + "/v1/mediaItems", {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(300),
      }),
    (e) => e instanceof DOMException && e.name === "TimeoutError",
    "stalled fetch",
  );
  assert(performance.now() - t0 >= 290);
  assertEquals((await call(google, token, "/v1/mediaItems")).status, 200);
  assertEquals(
    google.requests.of("list").map((e) => [e.status, e.fault ?? "-"]),
    [[0, "stall"], [200, "-"]],
  );
});

Deno.test("a reset makes fetch reject with a network error, on fresh and reused connections", async () => {
  const { google, token } = await setup();
  await using _ = google;
  const list = () =>
    fetch(google.url + "/v1/mediaItems", {
      headers: { authorization: `Bearer ${token}` },
    });
  google.faults.next("list", 1, "reset");
  await assertRejects(list, isNetworkError, "reset on a fresh connection");
  const ok = await list();
  await ok.body?.cancel();
  // The connection is now pooled: Deno's fetch retries once by itself, and
  // the fake resets that retry as well.
  const rule = google.faults.next("list", 1, "reset");
  await assertRejects(list, isNetworkError, "reset on a reused connection");
  assertEquals(rule.hits, 1);
  const after = await list();
  assertEquals(after.status, 200);
  await after.body?.cancel();
  const entries = google.requests.of("list");
  assert(entries.every((e) => e.status === 0 || e.status === 200));
  assertEquals(
    entries.filter((e) => e.fault === "reset" && !e.transparentRetry).length,
    2,
  );
  assertEquals(entries.at(-1)?.fault, undefined);
});

Deno.test("a truncated JSON body announces its length, then the read fails", async () => {
  const { google, token } = await setup();
  await using _ = google;
  google.faults.next("list", 1, "truncate");
  const res = await fetch(google.url + "/v1/mediaItems", {
    headers: { authorization: `Bearer ${token}` },
  });
  assertEquals(res.status, 200);
  assert(Number(res.headers.get("content-length")) > 100);
  await assertRejects(
    () => res.text(),
    isNetworkError,
    "reading a truncated body",
  );
  assertEquals(
    (await call(google, token, "/v1/mediaItems")).status,
    200,
    "the server is fine afterwards",
  );
});

Deno.test("a truncated download delivers exactly the bytes sent, then fails", async () => {
  const { google, token, lib } = await setup();
  await using _ = google;
  const big = lib.photo("big.jpg", null, { size: 300_000 });
  const base =
    (await call<ItemJson>(google, token, `/v1/mediaItems/${big.id}`)).body
      .baseUrl;
  google.faults.next("media", 1, { kind: "truncate", bytes: 100_000 });
  const res = await fetch(base + "=d");
  assertEquals(res.headers.get("content-length"), "300000");
  const reader = res.body!.getReader();
  let got = 0;
  const err = await assertRejects(
    async () => {
      while (true) {
        const { done, value } = await reader.read();
        if (done) return;
        got += value.length;
      }
    },
    isNetworkError,
    "reading a truncated download",
  );
  assert(err !== undefined);
  assertEquals(got, 100_000);
  const whole = await fetch(base + "=d");
  assertEquals((await whole.bytes()).length, 300_000);
});

Deno.test("rate faults follow a seeded PRNG: the same seed fails the same calls", async () => {
  const pattern = async (seed: number) => {
    const { google, token } = await setup(seed);
    await using _ = google;
    google.faults.rate("list", 0.3, 503);
    const out: number[] = [];
    for (let i = 0; i < 40; i++) {
      out.push((await call(google, token, "/v1/mediaItems?pageSize=1")).status);
    }
    return out.map((s) => (s === 503 ? "x" : ".")).join("");
  };
  const a = await pattern(42);
  assertEquals(await pattern(42), a);
  const failures = a.split("").filter((c) => c === "x").length;
  assert(failures >= 4 && failures <= 22, `about 30% fail: ${a}`);
  assert(await pattern(43) !== a, "another seed, another pattern");
});

Deno.test("skip, 'any', class lists, removal and clear", async () => {
  const { google, token } = await setup();
  await using _ = google;
  const skipped = google.faults.add({
    on: "list",
    fault: 500,
    skip: 2,
    times: 1,
  });
  const s = [];
  for (let i = 0; i < 4; i++) {
    s.push((await call(google, token, "/v1/mediaItems")).status);
  }
  assertEquals(s, [200, 200, 500, 200]);
  assertEquals(skipped.seen, 4);
  const any = google.faults.add({ on: "any", fault: 503 });
  assertEquals((await call(google, token, "/v1/sharedAlbums")).status, 503);
  assertEquals((await call(google, token, "/v1/albums")).status, 503);
  any.remove();
  assertEquals((await call(google, token, "/v1/albums")).status, 200);
  google.faults.add({ on: ["albums", "sharedAlbums"], fault: 504 });
  assertEquals((await call(google, token, "/v1/sharedAlbums")).status, 504);
  assertEquals((await call(google, token, "/v1/mediaItems")).status, 200);
  google.faults.clear();
  assertEquals((await call(google, token, "/v1/sharedAlbums")).status, 200);
});

Deno.test("token and media requests have their own fault classes", async () => {
  const { google, token, lib } = await setup();
  await using _ = google;
  const grant = google.issueToken(["photoslibrary.readonly"]);
  const s = google.clientSecretJson().installed;
  google.faults.next("token", 1, 503);
  const refresh = () =>
    fetch(google.tokenUri, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: grant.refresh_token,
        client_id: s.client_id,
        client_secret: s.client_secret,
      }),
    });
  const failed = await refresh();
  assertEquals(failed.status, 503);
  await failed.body?.cancel();
  const ok = await refresh();
  assertEquals(ok.status, 200);
  await ok.body?.cancel();
  const base =
    (await call<ItemJson>(google, token, `/v1/mediaItems/${lib.items[0].id}`))
      .body.baseUrl;
  google.faults.next("media", 1, {
    kind: "status",
    status: 429,
    retryAfterSec: 1,
  });
  const media = await fetch(base + "=d");
  assertEquals([media.status, media.headers.get("retry-after")], [429, "1"]);
  await media.body?.cancel();
  assertEquals(google.requests.counts().token, 2);
});
