import { assert, assertEquals, assertRejects } from "../assert.ts";
import { silentLogger } from "../../src/log.ts";
import type { AccessTokenSource } from "../../src/google/http.ts";
import { PickerClient } from "../../src/google/picker.ts";
import {
  PickWaitError,
  type WaitDeps,
  waitForPick,
} from "../../src/picker/wait.ts";
import { FakeLibrary, startFakeGoogle } from "../fake_google/mod.ts";
import { testClient } from "../google/test_server.ts";

/** A fake Google and a poll loop sharing one test clock that sleeping moves. */
async function setup() {
  let clock = Date.parse("2026-03-01T09:00:00Z");
  const lib = new FakeLibrary({ seed: "wait" });
  const photo = lib.photo("a.jpg", "2020-01-01T00:00:00Z");
  const google = await startFakeGoogle({ library: lib, now: () => clock });
  const token = google.issueToken(["photospicker.mediaitems.readonly"])
    .access_token;
  const auth: AccessTokenSource = {
    getAccessToken: () => Promise.resolve(token),
    refreshAccessToken: () => Promise.resolve(token),
  };
  const picker = new PickerClient({
    http: testClient(),
    auth,
    baseUrl: google.pickerUrl,
  });
  const sleeps: number[] = [];
  const deps: WaitDeps = {
    picker,
    now: () => new Date(clock),
    sleep: (ms) => {
      sleeps.push(ms);
      clock += ms;
      return Promise.resolve();
    },
    signal: new AbortController().signal,
    logger: silentLogger,
  };
  return {
    google,
    picker,
    deps,
    sleeps,
    photo,
    advance: (ms: number) => (clock += ms),
  };
}

Deno.test("the poll loop waits the interval Google gives and returns once the items are set", async () => {
  const { google, picker, deps, sleeps, photo } = await setup();
  await using _ = google;
  google.picker.pollIntervalSec = 3.5;
  google.picker.autoPick = { items: [photo], afterPolls: 4 };
  const s = await picker.createSession(10);
  const done = await waitForPick(s, deps, { again: "gphotos-sync pick /b" });
  assertEquals(done.mediaItemsSet, true);
  assertEquals(sleeps, [3500, 3500, 3500, 3500]);
});

Deno.test("Google's timeoutIn reaching 0s stops the wait with its own message", async () => {
  const { google, picker, deps } = await setup();
  await using _ = google;
  google.picker.pollIntervalSec = 10;
  google.picker.pickTimeoutSec = 25;
  const s = await picker.createSession(10);
  const e = await assertRejects(
    () => waitForPick(s, deps, { again: "gphotos-sync pick /b" }),
    PickWaitError,
  );
  assertEquals(e.reason, "timed-out");
  assert(e.message.includes("Google stopped waiting"), e.message);
  assert(e.message.includes("gphotos-sync pick /b"), e.message);
});

Deno.test("the session's expireTime ends the wait even if Google says to keep polling", async () => {
  const { google, picker, deps, sleeps } = await setup();
  await using _ = google;
  google.picker.pollIntervalSec = 30;
  google.picker.sessionLifetimeSec = 70;
  const s = await picker.createSession(10);
  const e = await assertRejects(
    () => waitForPick(s, deps, { again: "gphotos-sync pick /b" }),
    PickWaitError,
  );
  assertEquals(e.reason, "expired");
  assert(e.message.includes("2026-03-01 09:01 UTC"), e.message);
  // The last wait is cut to the expiry, not a full interval past it.
  assertEquals(sleeps, [30_000, 30_000, 10_000]);
});

Deno.test("--timeout cuts the last wait short and polls once more before giving up", async () => {
  const { google, picker, deps, sleeps } = await setup();
  await using _ = google;
  google.picker.pollIntervalSec = 4;
  const s = await picker.createSession(10);
  const e = await assertRejects(
    () =>
      waitForPick(s, deps, { timeoutSec: 10, again: "gphotos-sync pick /b" }),
    PickWaitError,
  );
  assertEquals(e.reason, "timeout");
  assert(e.message.includes("after 10 s"), e.message);
  assertEquals(sleeps, [4000, 4000, 2000]);
  assertEquals(google.picker.latest()!.polls, 3);
});

Deno.test("an interval of 0s is not a busy loop, and a deleted session is said so", async () => {
  const { google, picker, deps, sleeps } = await setup();
  await using _ = google;
  google.picker.pollIntervalSec = 0;
  const s = await picker.createSession(10);
  const deleting = {
    ...deps,
    sleep: (ms: number) => {
      sleeps.push(ms);
      if (sleeps.length === 3) google.picker.delete(s.id);
      return Promise.resolve();
    },
  };
  const e = await assertRejects(
    () => waitForPick(s, deleting, { again: "gphotos-sync pick /b" }),
    PickWaitError,
  );
  assertEquals(e.reason, "gone");
  assert(sleeps.every((ms) => ms >= 100), sleeps.join());
});
