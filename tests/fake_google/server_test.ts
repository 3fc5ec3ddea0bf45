import { FakeLibrary } from "./library_state.ts";
import { startFakeGoogle } from "./server.ts";
import { assert, assertEquals, assertRejects, call } from "./test_support.ts";

Deno.test("the request log records method, path, class, status, time and auth presence", async () => {
  const clock = Date.parse("2026-05-01T10:00:00Z");
  const lib = new FakeLibrary();
  const p = lib.photo("a.jpg", null);
  await using google = await startFakeGoogle({
    library: lib,
    era: "2024",
    now: () => clock,
  });
  const token = google.issueToken(["photoslibrary.readonly"]).access_token;
  await call(google, undefined, "/v1/mediaItems?pageSize=5");
  await call(google, token, `/v1/mediaItems:batchGet?mediaItemIds=${p.id}`);
  await call(google, token, "/v1/mediaItems:search", {});
  assertEquals(google.requests.entries.map((e) => ({ ...e })), [
    {
      method: "GET",
      path: "/v1/mediaItems",
      query: "pageSize=5",
      requestClass: "list",
      status: 401,
      time: clock,
      hasAuth: false,
    },
    {
      method: "GET",
      path: "/v1/mediaItems:batchGet",
      query: `mediaItemIds=${p.id}`,
      requestClass: "batchGet",
      status: 200,
      time: clock,
      hasAuth: true,
    },
    {
      method: "POST",
      path: "/v1/mediaItems:search",
      query: "",
      requestClass: "search",
      status: 200,
      time: clock,
      hasAuth: true,
    },
  ]);
  assertEquals(google.requests.counts(), { list: 1, batchGet: 1, search: 1 });
  assertEquals([
    google.requests.count(),
    google.requests.count("search"),
    google.requests.count("media"),
  ], [3, 1, 0]);
  google.requests.clear();
  assertEquals(google.requests.count(), 0);
});

Deno.test("sequential calls reuse one kept-alive connection", async () => {
  await using google = await startFakeGoogle({ era: "2024" });
  const token = google.issueToken(["photoslibrary.readonly"]).access_token;
  for (let i = 0; i < 5; i++) {
    assertEquals((await call(google, token, "/v1/albums")).status, 200);
  }
  assertEquals(google.connections, 1);
});

Deno.test("close ends stalled requests and leaves nothing running", async () => {
  const google = await startFakeGoogle({ era: "2024" });
  const token = google.issueToken(["photoslibrary.readonly"]).access_token;
  google.faults.next("albums", 1, "stall");
  const pending = fetch(google.url + "/v1/albums", {
    headers: { authorization: `Bearer ${token}` },
  });
  while (google.requests.count("albums") === 0) {
    await new Promise((r) => setTimeout(r, 5));
  }
  const t0 = performance.now();
  await google.close();
  assert(performance.now() - t0 < 1000, "close does not wait for the stall");
  await assertRejects(
    () => pending,
    (e) => e instanceof TypeError,
    "the stalled client sees the connection go",
  );
  await google.close();
  await assertRejects(
    () => fetch(google.url + "/v1/albums"),
    (e) => e instanceof TypeError,
    "closed server",
  );
});

Deno.test("close ends throttled downloads in flight", async () => {
  const lib = new FakeLibrary();
  const p = lib.photo("slow.jpg", null, { size: 1024 * 1024 });
  const google = await startFakeGoogle({
    library: lib,
    era: "2024",
    media: { bytesPerSecond: 64 * 1024 },
  });
  const token = google.issueToken(["photoslibrary.readonly"]).access_token;
  const item = await call<{ baseUrl: string }>(
    google,
    token,
    `/v1/mediaItems/${p.id}`,
  );
  const res = await fetch(item.body.baseUrl + "=d");
  const reader = res.body!.getReader();
  await reader.read();
  await google.close();
  await assertRejects(
    async () => {
      while (!(await reader.read()).done) { /* drain */ }
    },
    (e) => e instanceof TypeError,
    "the download breaks off",
  );
});

Deno.test("extra routes plug in with their own request class, faults and log", async () => {
  await using google = await startFakeGoogle({
    routes: (deps) => [{
      method: "POST",
      pattern: /^\/extra\/v1\/things$/,
      requestClass: "extraThings",
      handle: () =>
        Response.json({ id: "s1", items: deps.library.items.length }),
    }],
  });
  google.library.photo("x.jpg", null);
  const post = () =>
    fetch(google.url + "/extra/v1/things", { method: "POST", body: "{}" });
  google.faults.next("extraThings", 1, 503);
  const failed = await post();
  assertEquals(failed.status, 503);
  await failed.body?.cancel();
  const ok = await post();
  assertEquals(await ok.json(), { id: "s1", items: 1 });
  assertEquals(google.requests.count("extraThings"), 2);
  google.addRoutes({
    method: "GET",
    pattern: /^\/boom$/,
    requestClass: "boom",
    handle: () => {
      throw new Error("kaboom");
    },
  });
  const boom = await call(google, undefined, "/boom");
  assertEquals(boom.status, 500);
  assert(
    JSON.stringify(boom.body).includes("kaboom"),
    "a bug in a route says what broke",
  );
});
