// Sign-in end to end: the program prints the consent link, the test plays
// the browser, and the token lands in ROOT in gphotos-sync's format.

import { assert, assertEquals, assertMatch } from "../assert.ts";
import { backup } from "./harness.ts";

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Follows the consent link as a browser would; returns the final page. */
async function actAsBrowser(stderr: string): Promise<string> {
  const link = stderr.match(/http:\/\/127\.0\.0\.1:\d+\/o\/oauth2\/auth\?\S+/);
  if (!link) throw new Error(`no consent link in: ${stderr}`);
  const page = await fetch(link[0]);
  return await page.text();
}

Deno.test("login runs the consent flow and stores a 0600 token in gphotos-sync's format", async () => {
  await using b = await backup(() => {});
  const port = freePort();
  let browsed: Promise<string> | undefined;
  const r = await b.run([
    "login",
    b.root,
    "--secret",
    b.secret,
    "--port",
    String(port),
  ], {
    onStderr: (text) => {
      if (!browsed && text.includes("Waiting for the browser")) {
        browsed = actAsBrowser(text);
      }
    },
  });
  assertEquals(r.code, 0, r.stderr);
  assert(browsed, "the program never waited for the browser");
  assertMatch(await browsed, /gphotos-sync/i);
  assertMatch(r.stderr, /Signed in/);
  assertMatch(r.stderr, /code_challenge_method=S256/);
  assertMatch(r.stderr, /access_type=offline/);
  const file = b.path(".gphotos.token");
  assertEquals((await Deno.stat(file)).mode! & 0o777, 0o600);
  const token = JSON.parse(await Deno.readTextFile(file));
  for (
    const key of [
      "access_token",
      "refresh_token",
      "token_type",
      "scope",
      "expires_at",
    ]
  ) {
    assert(key in token, `token lacks ${key}`);
  }
  assert(Array.isArray(token.scope));
  assert(
    token.scope.some((s: string) =>
      s.endsWith("photoslibrary.readonly.appcreateddata")
    ),
  );
});

Deno.test("the first sync without a token signs in, then backs up", async () => {
  await using b = await backup((lib) => {
    lib.photo("mine.jpg", "2020-01-01T00:00:00Z", { appCreated: true });
  }, { era: "2025" });
  const port = freePort();
  let browsed: Promise<string> | undefined;
  const r = await b.sync(["--port", String(port)], {
    onStderr: (text) => {
      if (!browsed && text.includes("Waiting for the browser")) {
        browsed = actAsBrowser(text);
      }
    },
  });
  assertEquals(r.code, 0, r.stderr);
  await browsed;
  assert(await Deno.stat(b.path("photos/2020/01/mine.jpg")));
});

Deno.test("a denied consent fails with a message, exit 1, and no token", async () => {
  await using b = await backup(() => {});
  b.google.oauth.consent = "deny";
  const port = freePort();
  let browsed: Promise<string> | undefined;
  const r = await b.run([
    "login",
    b.root,
    "--secret",
    b.secret,
    "--port",
    String(port),
  ], {
    onStderr: (text) => {
      if (!browsed && text.includes("Waiting for the browser")) {
        browsed = actAsBrowser(text);
      }
    },
  });
  await browsed;
  assertEquals(r.code, 1, r.stderr);
  assertMatch(r.stderr, /denied|access_denied/i);
  let exists = true;
  try {
    await Deno.stat(b.path(".gphotos.token"));
  } catch {
    exists = false;
  }
  assert(!exists, "a token was written after a denied consent");
});
