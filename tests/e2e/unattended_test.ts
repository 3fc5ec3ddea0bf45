// Scheduled runs: quiet output, health-check pings, the JSON summary and
// the exit code that asks a person to sign in.

import { assert, assertEquals, assertMatch } from "../assert.ts";
import { backup, pingServer } from "./harness.ts";

Deno.test("--quiet prints nothing when the run succeeds", async () => {
  await using b = await backup((lib) => lib.generate(3));
  await b.signIn();
  const r = await b.sync(["--quiet"]);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(r.stderr, "");
  assertEquals(r.stdout, "");
});

Deno.test("--quiet prints one paragraph when items fail", async () => {
  await using b = await backup((lib) => {
    lib.photo("good.jpg", "2020-05-01T00:00:00Z");
    lib.photo("gone.jpg", "2020-05-02T00:00:00Z", { id: "gone" });
  });
  await b.signIn();
  assertEquals((await b.sync(["--index-only", "--quiet"])).code, 0);
  b.library.remove("gone");
  const r = await b.sync(["--quiet"]);
  assertEquals(r.code, 3);
  const lines = r.stderr.trimEnd().split("\n");
  assertEquals(lines.length, 1, r.stderr);
  assertMatch(lines[0], /finished, but some items failed \(exit 3\)/);
  assertMatch(lines[0], /gone\.jpg/);
  assertMatch(lines[0], /The log is .*gphotos\.log\./);
});

Deno.test("an expired sign-in exits 4 and names the exact command to run", async () => {
  await using b = await backup((lib) => lib.generate(1));
  await b.signIn(["photoslibrary.readonly"], -100);
  b.google.oauth.refreshFails = true;
  const r = await b.sync(["--quiet"]);
  assertEquals(r.code, 4);
  assertMatch(r.stderr, /needs a person to sign in again \(exit 4\)/);
  assert(r.stderr.includes(`gphotos-sync login ${b.root}`), r.stderr);
});

Deno.test("--quiet never waits for a browser: no token means exit 4 at once", async () => {
  await using b = await backup((lib) => lib.generate(1));
  const started = Date.now();
  const r = await b.sync(["--quiet"]);
  assertEquals(r.code, 4, r.stderr);
  assert(Date.now() - started < 20_000, "waited for a sign-in");
  assert(r.stderr.includes(`gphotos-sync login ${b.root}`), r.stderr);
});

Deno.test("--healthcheck-url pings /start then the URL on success, /start then /fail with a report on failure", async () => {
  await using b = await backup((lib) =>
    lib.photo("a.jpg", "2020-01-01T00:00:00Z", { id: "a" })
  );
  await b.signIn();
  const hc = pingServer();
  try {
    const ok = await b.sync(["--healthcheck-url", hc.url]);
    assertEquals(ok.code, 0, ok.stderr);
    assertEquals(hc.pings.map((p) => p.path), ["/ping/abc/start", "/ping/abc"]);
    hc.pings.length = 0;
    b.google.oauth.refreshFails = true;
    await b.signIn(["photoslibrary.readonly"], -100);
    const bad = await b.sync(["--healthcheck-url", hc.url]);
    assertEquals(bad.code, 4);
    assertEquals(hc.pings.map((p) => p.path), [
      "/ping/abc/start",
      "/ping/abc/fail",
    ]);
    assertMatch(hc.pings[1].body, /needs a person to sign in again/);
  } finally {
    await hc.close();
  }
});

Deno.test("a health-check endpoint that is down does not fail the backup", async () => {
  await using b = await backup((lib) => lib.generate(2));
  await b.signIn();
  const r = await b.sync(["--healthcheck-url", "http://127.0.0.1:1/ping"]);
  assertEquals(r.code, 0, r.stderr);
  assertMatch(r.stderr, /Health check ping .* failed/);
});

Deno.test("--json ends the run with a JSON summary on stdout", async () => {
  await using b = await backup((lib) => lib.generate(4));
  await b.signIn();
  const r = await b.sync(["--json"]);
  assertEquals(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assertEquals(s.exitCode, 0);
  assertEquals(s.indexed.added, 4);
  assertEquals(s.downloaded.items, 4);
  assert(s.downloaded.bytes > 0);
  assertMatch(r.stderr, /gphotos-sync: 4 new items indexed, 4 downloaded/);
});
