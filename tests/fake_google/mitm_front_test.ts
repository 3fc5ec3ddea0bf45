import { assert, assertEquals } from "../assert.ts";
import { FakeLibrary, startFakeGoogle } from "./mod.ts";
import { classify, startMitmFront } from "./mitm_front.ts";

Deno.test("the front forwards, puts its own address in answers, and tampers only what a rule names", async () => {
  const library = new FakeLibrary();
  library.photo("a.jpg", "2020-01-01T00:00:00Z");
  library.photo("b.jpg", "2020-01-02T00:00:00Z");
  await using google = await startFakeGoogle({ library, era: "2024" });
  await using mitm = startMitmFront(google);
  const grant = google.issueToken(["photoslibrary.readonly"]);
  const headers = { authorization: `Bearer ${grant.access_token}` };
  const list = await (await fetch(`${mitm.url}/v1/mediaItems`, { headers }))
    .json();
  assertEquals(list.mediaItems.length, 2);
  assert(
    list.mediaItems[0].baseUrl.startsWith(mitm.url),
    "baseUrl not rewritten",
  );
  // Media bytes come through unchanged.
  const bytes = new Uint8Array(
    await (await fetch(`${list.mediaItems[0].baseUrl}=d`)).arrayBuffer(),
  );
  assertEquals(bytes, library.content(list.mediaItems[0].id));

  mitm.tamper({ on: "list", json: () => ({ mediaItems: "nope" }), times: 1 });
  mitm.tamper({ on: "albums", text: () => "{cut" });
  mitm.tamper({
    on: "media",
    respond: () => new Response("gone", { status: 404 }),
  });
  assertEquals(
    await (await fetch(`${mitm.url}/v1/mediaItems`, { headers })).json(),
    { mediaItems: "nope" },
  );
  const again = await (await fetch(`${mitm.url}/v1/mediaItems`, { headers }))
    .json();
  assertEquals(again.mediaItems.length, 2, "a rule with times: 1 fired twice");
  assertEquals(
    await (await fetch(`${mitm.url}/v1/albums`, { headers })).text(),
    "{cut",
  );
  const media = await fetch(`${again.mediaItems[0].baseUrl}=d`);
  assertEquals([media.status, await media.text()], [404, "gone"]);
  assertEquals(mitm.tampered, { list: 1, albums: 1, media: 1 });
});

Deno.test("the front collects the secrets that cross it", async () => {
  await using google = await startFakeGoogle({ era: "2024" });
  await using mitm = startMitmFront(google);
  const grant = google.issueToken(["photoslibrary.readonly"]);
  const res = await fetch(mitm.clientSecretJson().installed.token_uri, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: grant.refresh_token,
      client_id: google.oauth.clientId,
      client_secret: google.oauth.clientSecret,
    }),
  });
  const answer = await res.json();
  assertEquals(res.status, 200, JSON.stringify(answer));
  for (
    const s of [
      grant.refresh_token,
      google.oauth.clientSecret,
      answer.access_token,
    ]
  ) {
    assert(mitm.secrets.has(s), `${s.slice(0, 8)}... not collected`);
  }
});

Deno.test("request classes are named as the fake's router names them", () => {
  assertEquals(classify("GET", "/v1/mediaItems"), "list");
  assertEquals(classify("POST", "/v1/mediaItems:search"), "search");
  assertEquals(classify("GET", "/v1/mediaItems:batchGet"), "batchGet");
  assertEquals(classify("GET", "/v1/mediaItems/abc"), "get");
  assertEquals(classify("GET", "/v1/albums"), "albums");
  assertEquals(classify("GET", "/v1/sharedAlbums"), "sharedAlbums");
  assertEquals(classify("GET", "/lr/xyz=d"), "media");
  assertEquals(classify("POST", "/token"), "token");
});
