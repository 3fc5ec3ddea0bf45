// Secrets: the token file is made 0600, and a looser one is tightened with
// a warning; no access or refresh token, authorization code, PKCE verifier
// or client secret that crossed the wire (collected by the man-in-the-
// middle front, exactly as the fake OAuth server issued them) appears on
// screen, in gphotos.log or in gphotos.trace at trace level, even when the
// token endpoint echoes them back in an error; the sign-in listener takes
// only the expected state, and only on loopback.

import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { type Backup, backup, type RunResult } from "../e2e/harness.ts";
import { type MitmFront, startMitmFront } from "../fake_google/mitm_front.ts";

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Where `secrets` show up in `texts` (name -> secrets found, shortened). */
function leaks(
  secrets: Iterable<string>,
  texts: Record<string, string>,
): string[] {
  const out: string[] = [];
  for (const s of secrets) {
    if (s.length < 8) continue;
    for (const [name, text] of Object.entries(texts)) {
      if (text.includes(s)) out.push(`${name} holds ${s.slice(0, 12)}...`);
    }
  }
  return out;
}

async function readOr(path: string): Promise<string> {
  return await Deno.readTextFile(path).catch(() => "");
}

/**
 * Connects to the sign-in port from a separate process (the test suite
 * itself may reach only 127.0.0.1): through 127.0.0.2 and every other
 * local address. Returns what each attempt gave.
 */
async function reachFromElsewhere(port: number): Promise<string[]> {
  const code = `
    const out = [];
    const hosts = ["127.0.0.2", ...Deno.networkInterfaces()
      .filter((i) => i.family === "IPv4" && i.address !== "127.0.0.1")
      .map((i) => i.address)];
    for (const hostname of hosts) {
      try {
        const c = await Deno.connect({ hostname, port: ${port} });
        c.close();
        out.push(hostname + " connected");
      } catch (e) {
        out.push(hostname + " " + e.name);
      }
    }
    console.log(JSON.stringify(out));`;
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return JSON.parse(new TextDecoder().decode(r.stdout));
}

async function signedInThroughFront(): Promise<
  {
    b: Backup;
    mitm: MitmFront;
    login: RunResult;
    hostile: Record<string, number>;
    elsewhere: string[];
  }
> {
  const b = await backup((lib) => lib.generate(4), { era: "2024" });
  const mitm = startMitmFront(b.google);
  await Deno.writeTextFile(b.secret, JSON.stringify(mitm.clientSecretJson()));
  const port = freePort();
  const hostile: Record<string, number> = {};
  let browsed: Promise<void> | undefined;
  let elsewhere: string[] = [];
  const login = await b.run([
    "login",
    b.root,
    "--secret",
    b.secret,
    "--port",
    String(port),
    "--log-level",
    "trace",
    "--scope",
    "photoslibrary.readonly",
  ], {
    env: { GPHOTOS_LIBRARY_API: mitm.url },
    onStderr: (text) => {
      if (browsed || !text.includes("Waiting for the browser")) return;
      const link = text.match(
        /http:\/\/127\.0\.0\.1:\d+\/o\/oauth2\/auth\?\S+/,
      );
      browsed = (async () => {
        const base = `http://127.0.0.1:${port}/`;
        const state = new URL(link![0]).searchParams.get("state")!;
        // Others knocking first: a wrong state, no state, another path, a POST.
        for (
          const [name, url, method] of [
            [
              "wrong state",
              `${base}?code=evil-code-1&state=not-${state}`,
              "GET",
            ],
            ["no state", `${base}?code=evil-code-2`, "GET"],
            ["other path", `${base}admin?code=evil&state=${state}`, "GET"],
            ["post", `${base}?code=evil-code-3&state=${state}`, "POST"],
          ] as const
        ) {
          const res = await fetch(url, { method });
          await res.body?.cancel();
          hostile[name] = res.status;
        }
        elsewhere = await reachFromElsewhere(port);
        const page = await fetch(link![0]);
        await page.text();
      })();
    },
  });
  await browsed;
  return { b, mitm, login, hostile, elsewhere };
}

Deno.test("the sign-in listener takes only its own state, only on loopback; the token file is 0600", async () => {
  const { b, mitm, login, hostile, elsewhere } = await signedInThroughFront();
  await using _m = mitm;
  await using _b = b;
  assertEquals(login.code, 0, login.stderr);
  assertEquals(hostile, {
    "wrong state": 400,
    "no state": 400,
    "other path": 404,
    "post": 404,
  });
  assertMatch(
    login.stderr,
    /without the expected state; refused it and still waiting/,
  );
  // Only the browser's code was exchanged.
  assertEquals(b.google.requests.count("token"), 1);
  for (const e of elsewhere) assertMatch(e, /ConnectionRefused$/);
  assert(elsewhere.length >= 1);
  const mode = (await Deno.stat(b.path(".gphotos.token"))).mode! & 0o777;
  assertEquals(mode.toString(8), "600");
});

Deno.test("tokens, codes and client secrets never reach the screen, gphotos.log or gphotos.trace", async () => {
  const { b, mitm, login } = await signedInThroughFront();
  await using _m = mitm;
  await using _b = b;
  assertEquals(login.code, 0, login.stderr);
  const env = { GPHOTOS_LIBRARY_API: mitm.url };
  const outputs: Record<string, string> = { "login screen": login.stderr };
  // A sync at trace level whose access tokens are always within the
  // refresh margin (each call refreshes), with one 401 on a listing call.
  b.google.oauth.accessTokenLifetimeSec = 60;
  b.google.faults.next("list", 1, 401);
  const sync = await b.sync(["--log-level", "trace"], { env });
  assertEquals(sync.code, 0, sync.stderr);
  outputs["sync screen"] = sync.stderr;
  assert(b.google.requests.count("token") >= 4, "too few token refreshes");
  // A token endpoint that echoes the refresh token back in its error.
  const token = JSON.parse(await Deno.readTextFile(b.path(".gphotos.token")));
  await Deno.writeTextFile(
    b.path(".gphotos.token"),
    JSON.stringify({ ...token, expires_at: 0 }),
  );
  mitm.tamper({
    on: "token",
    respond: () =>
      Response.json({
        error: "invalid_grant",
        error_description:
          `Bad token ${token.refresh_token} for client ${b.google.oauth.clientSecret}, access ${token.access_token}`,
      }, { status: 400 }),
  });
  const refused = await b.sync(["--log-level", "trace"], { env });
  assertEquals(refused.code, 4, refused.stderr);
  outputs["refused screen"] = refused.stderr;
  outputs["gphotos.log"] = await readOr(b.path("gphotos.log"));
  outputs["gphotos.trace"] = await readOr(b.path("gphotos.trace"));
  assert(
    outputs["gphotos.trace"].includes("/v1/mediaItems"),
    "no trace written",
  );
  assert(mitm.secrets.size >= 6, `only ${mitm.secrets.size} secrets seen`);
  assertEquals(leaks(mitm.secrets, outputs), []);
});

Deno.test("a token file readable by others is tightened to 0600, with a warning", async () => {
  await using b = await backup((lib) => lib.generate(1), { era: "2024" });
  await b.signIn();
  const file = b.path(".gphotos.token");
  await Deno.chmod(file, 0o644);
  const r = await b.sync();
  assertEquals(r.code, 0, r.stderr);
  assertMatch(r.stderr, /readable by other users \(mode 644\).*now 600/);
  assertEquals(((await Deno.stat(file)).mode! & 0o777).toString(8), "600");
  // Refreshed and saved again: still 0600, and no temp file beside it.
  await b.signIn(["photoslibrary.readonly"], -100);
  await Deno.chmod(file, 0o666);
  const again = await b.sync();
  assertEquals(again.code, 0, again.stderr);
  assertEquals(((await Deno.stat(file)).mode! & 0o777).toString(8), "600");
  const beside = (await Array.fromAsync(Deno.readDir(b.root))).map((e) =>
    e.name
  )
    .filter((n) => n.startsWith(".gphotos.token"));
  assertEquals(beside, [".gphotos.token"]);
  assertEquals(
    (await Deno.stat(join(b.root, "gphotos.log"))).mode! & 0o077,
    0,
    "gphotos.log readable by others",
  );
});

Deno.test("token values without Google's shape are redacted too, wherever an error echoes them", async () => {
  await using b = await backup((lib) => lib.generate(1), { era: "2024" });
  await using mitm = startMitmFront(b.google);
  await Deno.writeTextFile(b.secret, JSON.stringify(mitm.clientSecretJson()));
  // Tokens no pattern knows, as another issuer might shape them.
  const access = "plainaccess-0123456789";
  const refresh = "plainrefresh-0123456789";
  await Deno.mkdir(b.root, { recursive: true });
  await Deno.writeTextFile(
    b.path(".gphotos.token"),
    JSON.stringify({
      access_token: access,
      refresh_token: refresh,
      token_type: "Bearer",
      scope: ["https://www.googleapis.com/auth/photoslibrary.readonly"],
      expires_at: 0,
    }),
    { mode: 0o600 },
  );
  mitm.tamper({
    on: "token",
    respond: () =>
      Response.json({
        error: "invalid_grant",
        error_description:
          `access_token: ${access}; refresh token ${refresh} is unknown`,
      }, { status: 400 }),
  });
  const r = await b.sync(["--log-level", "trace"], {
    env: { GPHOTOS_LIBRARY_API: mitm.url },
  });
  assertEquals(r.code, 4, r.stderr);
  assertMatch(r.stderr, /REDACTED/);
  assertEquals(
    leaks([access, refresh], {
      screen: r.stderr,
      "gphotos.log": await readOr(b.path("gphotos.log")),
      "gphotos.trace": await readOr(b.path("gphotos.trace")),
    }),
    [],
  );
});
