import { assert, assertEquals, assertRejects } from "../assert.ts";
import { ApiError } from "../../src/errors.ts";
import type { AccessTokenSource } from "../../src/google/http.ts";
import {
  parseDuration,
  pickedToMediaRecord,
  PickerClient,
  PickerNotReadyError,
  PickerScopeError,
  PickerSessionGoneError,
  PickerSessionLimitError,
} from "../../src/google/picker.ts";
import {
  type FakeGoogle,
  FakeLibrary,
  startFakeGoogle,
} from "../fake_google/mod.ts";
import { googleError, json, serve, testClient } from "./test_server.ts";

function tokenSource(token: string): AccessTokenSource {
  return {
    getAccessToken: () => Promise.resolve(token),
    refreshAccessToken: () => Promise.resolve(token),
  };
}

async function withPicker(
  build: (lib: FakeLibrary) => void,
  fn: (
    client: PickerClient,
    google: FakeGoogle,
    lib: FakeLibrary,
  ) => Promise<void>,
  scopes = ["photospicker.mediaitems.readonly"],
): Promise<void> {
  const lib = new FakeLibrary({ seed: "picker-client" });
  build(lib);
  await using google = await startFakeGoogle({ library: lib });
  const token = google.issueToken(scopes).access_token;
  const client = new PickerClient({
    http: testClient(),
    auth: tokenSource(token),
    baseUrl: google.pickerUrl + "/",
  });
  await fn(client, google, lib);
}

Deno.test("Google's duration strings become milliseconds", () => {
  assertEquals(parseDuration("3.5s"), 3500);
  assertEquals(parseDuration("1800s"), 1_800_000);
  assertEquals(parseDuration("0s"), 0);
  assertEquals(parseDuration("0.000000001s"), 0);
  assertEquals(parseDuration("1.25s"), 1250);
  assertEquals(parseDuration(" 2s "), 2000);
  for (const bad of ["3.5", "s", "-1s", "1m", "1.1234567890s", ""]) {
    assertEquals(parseDuration(bad), undefined, bad);
  }
});

Deno.test("a session is created with maxItemCount, polled, and read with typed fields", async () => {
  await withPicker(() => {}, async (client, google) => {
    google.picker.pollIntervalSec = 0.5;
    const s = await client.createSession(42);
    assertEquals(s.maxItemCount, 42);
    assertEquals(s.mediaItemsSet, false);
    assertEquals(s.pollingConfig?.pollIntervalMs, 500);
    // The server counts timeoutIn down from the session's creation: a
    // millisecond may pass before it answers.
    const timeoutIn = s.pollingConfig?.timeoutInMs ?? 0;
    assert(
      timeoutIn <= 1_800_000 && timeoutIn > 1_790_000,
      `timeoutIn ${timeoutIn}`,
    );
    assert(s.expireTime instanceof Date);
    assertEquals(s.pickerUri, google.picker.latest()!.pickerUri);
    const body = google.requests.of("pickerCreate");
    assertEquals(body.length, 1);
    const again = await client.getSession(s.id);
    assertEquals(again.id, s.id);
    assertEquals(google.picker.latest()!.polls, 1);
  });
});

Deno.test("every page of a large pick is listed at 100 a page, mapped to picker records", async () => {
  await withPicker((lib) => {
    lib.generate(250, { start: "2022-03-01T00:00:00Z", videoEvery: 5 });
  }, async (client, google, lib) => {
    const s = await client.createSession(undefined);
    google.picker.pick(s.id, lib.items);
    const items = await client.listAll(s.id);
    assertEquals(items.length, 250);
    assertEquals(google.requests.count("pickerList"), 3);
    assert(
      google.requests.of("pickerList").every((e) =>
        e.query.includes("pageSize=100")
      ),
    );
    const video = pickedToMediaRecord(items.find((i) => i.type === "VIDEO")!);
    assertEquals(video.isVideo, true);
    assertEquals(video.videoStatus, "READY");
    assertEquals(video.source, "picker");
    assertEquals(video.description, "");
    assertEquals(video.productUrl, undefined);
    const photo = pickedToMediaRecord(items[0]);
    assertEquals(photo.filename, "IMG_000001.JPG");
    assertEquals(photo.createTime.toISOString(), "2022-03-01T00:00:00.000Z");
    assertEquals(photo.isVideo, false);
    assert(photo.width! > 0 && photo.height! > 0);
  });
});

Deno.test("listing before the user is done is a PickerNotReadyError", async () => {
  await withPicker(() => {}, async (client) => {
    const s = await client.createSession(5);
    await assertRejects(() => client.listAll(s.id), PickerNotReadyError);
  });
});

Deno.test("an expired session and an unknown one are PickerSessionGoneError with the reason", async () => {
  await withPicker(() => {}, async (client, google) => {
    const s = await client.createSession(5);
    google.picker.expire(s.id);
    const expired = await assertRejects(
      () => client.getSession(s.id),
      PickerSessionGoneError,
    );
    assertEquals(expired.reason, "expired");
    assert(expired.message.includes("has expired"), expired.message);
    const gone = await assertRejects(
      () => client.getSession("nope"),
      PickerSessionGoneError,
    );
    assertEquals(gone.reason, "not-found");
    // Deleting what is already gone is not an error.
    await client.deleteSession("nope");
    await client.deleteSession(s.id);
  });
});

Deno.test("too many open sessions: a few retries, then PickerSessionLimitError naming --resume", async () => {
  await withPicker(() => {}, async (client, google) => {
    google.picker.maxOpenSessions = 1;
    await client.createSession(1);
    google.requests.clear();
    const e = await assertRejects(
      () => client.createSession(1),
      PickerSessionLimitError,
    );
    assert(e.message.includes("--resume"), e.message);
    // The first try and two retries, not the client's 3 (--max-retries).
    assertEquals(google.requests.count("pickerCreate"), 1 + 2);
  });
});

Deno.test("a token without the Picker scope is a PickerScopeError that says what to allow", async () => {
  await withPicker(() => {}, async (client) => {
    const e = await assertRejects(
      () => client.createSession(1),
      PickerScopeError,
    );
    assert(e.message.includes("photospicker.mediaitems.readonly"), e.message);
    assert(!e.message.includes("31 March 2025"), e.message);
  }, ["photoslibrary.readonly"]);
});

Deno.test("malformed answers name the call and the field", async () => {
  const server = serve((req) => {
    if (req.method === "POST") {
      return json({
        id: "s1",
        pickerUri: "https://photos.google.com/picker/s1",
        pollingConfig: { pollInterval: "soon" },
      });
    }
    return googleError(500, "INTERNAL", "boom");
  });
  try {
    const client = new PickerClient({
      http: testClient({ maxRetries: 0 }),
      auth: tokenSource("t"),
      baseUrl: server.url,
    });
    const e = await assertRejects(() => client.createSession(1), ApiError);
    assert(e.message.includes("sessions.create"), e.message);
    assert(e.message.includes("pollInterval"), e.message);
  } finally {
    await server.close();
  }
});

Deno.test("a page of 200,000 items is listed whole (no call-stack overflow)", async () => {
  const page = JSON.stringify({
    mediaItems: Array.from({ length: 200_000 }, (_, i) => ({
      id: `id${i}`,
      type: "PHOTO",
    })),
  });
  const server = serve(() =>
    new Response(page, { headers: { "content-type": "application/json" } })
  );
  try {
    const client = new PickerClient({
      http: testClient(),
      auth: tokenSource("t"),
      baseUrl: server.url,
    });
    const items = await client.listAll("s");
    assertEquals(items.length, 200_000);
    assertEquals(items[199_999].id, "id199999");
  } finally {
    await server.close();
  }
});
