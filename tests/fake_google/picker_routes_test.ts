import { FakeLibrary } from "./library_state.ts";
import { type FakeGoogle, startFakeGoogle } from "./server.ts";
import { assert, assertEquals, bytesEqual } from "./test_support.ts";

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function api(
  google: FakeGoogle,
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(google.pickerUrl + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

function errorOf(a: Answer): { code: number; status: string; message: string } {
  return a.body.error as { code: number; status: string; message: string };
}

interface Picked {
  id: string;
  createTime: string;
  type: string;
  mediaFile: {
    baseUrl: string;
    mimeType: string;
    filename: string;
    mediaFileMetadata: Record<string, unknown>;
  };
}

async function setup(build: (lib: FakeLibrary) => void, now?: () => number) {
  const lib = new FakeLibrary({ seed: "picker" });
  build(lib);
  const google = await startFakeGoogle({ library: lib, now, era: "2024" });
  const token = google.issueToken(["photospicker.mediaitems.readonly"])
    .access_token;
  return { lib, google, token };
}

Deno.test("sessions.create gives a session with polling config, expiry and maxItemCount", async () => {
  const { google, token } = await setup(() => {});
  await using _ = google;
  google.picker.pollIntervalSec = 3.5;
  const a = await api(google, token, "POST", "/v1/sessions", {
    pickingConfig: { maxItemCount: "25" },
  });
  assertEquals(a.status, 200);
  const s = a.body as {
    id: string;
    pickerUri: string;
    pollingConfig: { pollInterval: string; timeoutIn: string };
    expireTime: string;
    pickingConfig: { maxItemCount: string };
    mediaItemsSet: boolean;
  };
  assert(/^[0-9a-f-]{36}$/.test(s.id), s.id);
  assertEquals(s.pickerUri, `https://photos.google.com/picker/${s.id}`);
  assertEquals(s.pollingConfig.pollInterval, "3.5s");
  assert(/^\d+(\.\d+)?s$/.test(s.pollingConfig.timeoutIn));
  assert(Date.parse(s.expireTime) > Date.now());
  assertEquals(s.pickingConfig.maxItemCount, "25");
  assertEquals(s.mediaItemsSet, false);
  const empty = await api(google, token, "POST", "/v1/sessions", {});
  assertEquals(empty.body.pickingConfig as { maxItemCount: string }, {
    maxItemCount: "2000",
  });
  for (const bad of ["0", "2001", "ten", -1]) {
    const r = await api(google, token, "POST", "/v1/sessions", {
      pickingConfig: { maxItemCount: bad },
    });
    assertEquals(r.status, 400, `maxItemCount ${bad}`);
    assertEquals(errorOf(r).status, "INVALID_ARGUMENT");
  }
});

Deno.test("mediaItems.list is FAILED_PRECONDITION until the user is done, then pages by 50 up to 100", async () => {
  const { google, token, lib } = await setup((lib) => {
    lib.generate(130, { start: "2020-01-01T00:00:00Z", videoEvery: 10 });
  });
  await using _ = google;
  const s = await api(google, token, "POST", "/v1/sessions", {});
  const id = s.body.id as string;
  const early = await api(
    google,
    token,
    "GET",
    `/v1/mediaItems?sessionId=${id}`,
  );
  assertEquals(early.status, 400);
  assertEquals(errorOf(early).status, "FAILED_PRECONDITION");
  google.picker.pick(id, lib.items);
  const got = await api(google, token, "GET", `/v1/sessions/${id}`);
  assertEquals(got.body.mediaItemsSet, true);
  assertEquals(got.body.pollingConfig, undefined, "no polling once set");

  const pages: Picked[][] = [];
  let pageToken: string | undefined;
  let size = "";
  do {
    const q = `sessionId=${id}${size}${
      pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ""
    }`;
    const a = await api(google, token, "GET", `/v1/mediaItems?${q}`);
    assertEquals(a.status, 200, JSON.stringify(a.body));
    pages.push(a.body.mediaItems as Picked[]);
    pageToken = a.body.nextPageToken as string | undefined;
    size = "&pageSize=500";
  } while (pageToken);
  assertEquals(pages.map((p) => p.length), [50, 80]);
  const all = pages.flat();
  assertEquals(all.map((p) => p.id), lib.items.map((i) => i.id));
  const video = all.find((p) => p.type === "VIDEO")!;
  assertEquals(video.mediaFile.mediaFileMetadata.videoMetadata, {
    fps: 30,
    processingStatus: "READY",
  });
  const photo = all.find((p) => p.type === "PHOTO")!;
  assertEquals(typeof photo.mediaFile.mediaFileMetadata.width, "number");
  assertEquals(photo.createTime, lib.creationTime(lib.item(photo.id)!));
  assert(photo.mediaFile.filename.startsWith("IMG_"));
  assertEquals(photo.mediaFile.mimeType, "image/jpeg");
});

Deno.test("picked baseUrls need the Bearer header", async () => {
  const { google, token, lib } = await setup((lib) => {
    lib.photo("a.jpg", "2021-01-01T00:00:00Z", { id: "a" });
  });
  await using _ = google;
  const s = await api(google, token, "POST", "/v1/sessions", {});
  google.picker.pick(s.body.id as string, ["a"]);
  const list = await api(
    google,
    token,
    "GET",
    `/v1/mediaItems?sessionId=${s.body.id}`,
  );
  const url = (list.body.mediaItems as Picked[])[0].mediaFile.baseUrl + "=d";
  const bare = await fetch(url);
  await bare.body?.cancel();
  assertEquals(bare.status, 401);
  const ok = await fetch(url, {
    headers: { authorization: `Bearer ${token}` },
  });
  assertEquals(ok.status, 200);
  assert(bytesEqual(await ok.bytes(), lib.content("a")));
});

Deno.test("an unknown session is NOT_FOUND, an expired one PERMISSION_DENIED, a deleted one gone", async () => {
  let clock = Date.parse("2026-01-01T00:00:00Z");
  const { google, token } = await setup(() => {}, () => clock);
  await using _ = google;
  google.picker.sessionLifetimeSec = 600;
  const unknown = await api(google, token, "GET", "/v1/sessions/nope");
  assertEquals(unknown.status, 404);
  assertEquals(errorOf(unknown).status, "NOT_FOUND");
  const s = await api(google, token, "POST", "/v1/sessions", {});
  const id = s.body.id as string;
  assertEquals(s.body.expireTime, "2026-01-01T00:10:00.000Z");
  clock += 599_000;
  assertEquals(
    (await api(google, token, "GET", `/v1/sessions/${id}`)).status,
    200,
  );
  clock += 1_000;
  const expired = await api(google, token, "GET", `/v1/sessions/${id}`);
  assertEquals(expired.status, 403);
  assertEquals(errorOf(expired).status, "PERMISSION_DENIED");
  const list = await api(
    google,
    token,
    "GET",
    `/v1/mediaItems?sessionId=${id}`,
  );
  assertEquals(list.status, 403);
  const s2 = await api(google, token, "POST", "/v1/sessions", {});
  const id2 = s2.body.id as string;
  assertEquals(
    (await api(google, token, "DELETE", `/v1/sessions/${id2}`)).body,
    {},
  );
  assertEquals(
    (await api(google, token, "GET", `/v1/sessions/${id2}`)).status,
    404,
  );
  assertEquals(
    (await api(google, token, "DELETE", `/v1/sessions/${id2}`)).status,
    404,
  );
  google.picker.expire(id);
  assertEquals(google.picker.openSessions().length, 0);
});

Deno.test("timeoutIn counts down to 0s and the interval follows the picker's setting", async () => {
  let clock = Date.parse("2026-01-01T00:00:00Z");
  const { google, token } = await setup(() => {}, () => clock);
  await using _ = google;
  google.picker.pickTimeoutSec = 60;
  google.picker.pollIntervalSec = 0.25;
  const s = await api(google, token, "POST", "/v1/sessions", {});
  const id = s.body.id as string;
  const config = async () =>
    (await api(google, token, "GET", `/v1/sessions/${id}`)).body
      .pollingConfig as { pollInterval: string; timeoutIn: string };
  assertEquals(await config(), { pollInterval: "0.25s", timeoutIn: "60s" });
  clock += 59_500;
  assertEquals((await config()).timeoutIn, "0.5s");
  clock += 5_000;
  assertEquals((await config()).timeoutIn, "0s");
});

Deno.test("too many open sessions answer 429 RESOURCE_EXHAUSTED until one is deleted", async () => {
  const { google, token } = await setup(() => {});
  await using _ = google;
  google.picker.maxOpenSessions = 2;
  const a = await api(google, token, "POST", "/v1/sessions", {});
  await api(google, token, "POST", "/v1/sessions", {});
  const third = await api(google, token, "POST", "/v1/sessions", {});
  assertEquals(third.status, 429);
  assertEquals(errorOf(third).status, "RESOURCE_EXHAUSTED");
  await api(google, token, "DELETE", `/v1/sessions/${a.body.id}`);
  assertEquals(
    (await api(google, token, "POST", "/v1/sessions", {})).status,
    200,
  );
});

Deno.test("the Picker scope is required; a Library token gets 403 insufficient scopes", async () => {
  const { google } = await setup(() => {});
  await using _ = google;
  const lib = google.issueToken(["photoslibrary.readonly"]).access_token;
  const a = await api(google, lib, "POST", "/v1/sessions", {});
  assertEquals(a.status, 403);
  assertEquals(
    errorOf(a).message,
    "Request had insufficient authentication scopes.",
  );
  assertEquals(
    (await api(google, undefined, "POST", "/v1/sessions", {})).status,
    401,
  );
});

Deno.test("the simulated user picks by themselves after N polls", async () => {
  const { google, token, lib } = await setup((lib) => {
    lib.photo("a.jpg", "2021-01-01T00:00:00Z", { id: "a" });
    lib.video("b.mp4", "2021-01-02T00:00:00Z", {
      id: "b",
      status: "PROCESSING",
    });
  });
  await using _ = google;
  google.picker.autoPick = { items: ["b", "a"], afterPolls: 3 };
  const s = await api(google, token, "POST", "/v1/sessions", {});
  const id = s.body.id as string;
  const states: boolean[] = [];
  for (let i = 0; i < 3; i++) {
    states.push(
      (await api(google, token, "GET", `/v1/sessions/${id}`)).body
        .mediaItemsSet as boolean,
    );
  }
  assertEquals(states, [false, false, true]);
  const list = await api(
    google,
    token,
    "GET",
    `/v1/mediaItems?sessionId=${id}`,
  );
  const items = list.body.mediaItems as Picked[];
  assertEquals(items.map((i) => i.id), ["b", "a"]);
  assertEquals(
    (items[0].mediaFile.mediaFileMetadata.videoMetadata as {
      processingStatus: string;
    }).processingStatus,
    "PROCESSING",
  );
  lib.update("b", { status: "READY" });
  const again = await api(
    google,
    token,
    "GET",
    `/v1/mediaItems?sessionId=${id}`,
  );
  assertEquals(
    ((again.body.mediaItems as Picked[])[0].mediaFile.mediaFileMetadata
      .videoMetadata as { processingStatus: string }).processingStatus,
    "READY",
  );
  assertEquals(google.picker.latest()!.lists, 2);
});

Deno.test("Picker routes live under /picker and leave the Library API's /v1/mediaItems alone", async () => {
  const { google, lib } = await setup((lib) => {
    lib.photo("a.jpg", "2021-01-01T00:00:00Z");
  });
  await using _ = google;
  const token = google.issueToken([
    "photoslibrary.readonly",
    "photospicker.mediaitems.readonly",
  ]).access_token;
  const res = await fetch(google.url + "/v1/mediaItems", {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = await res.json();
  assertEquals(res.status, 200);
  assertEquals(body.mediaItems[0].id, lib.items[0].id);
  assertEquals(google.requests.count("list"), 1);
  assertEquals(google.requests.count("pickerList"), 0);
});
