import { assert, assertEquals, assertRejects } from "../assert.ts";
import { assertStringIncludes } from "./assert_text.ts";
import { AuthError, InterruptedError, UsageError } from "../../src/errors.ts";
import { memoryLogger } from "../../src/log.ts";
import type { ClientSecret } from "../../src/google/client_secret.ts";
import {
  Authorizer,
  DEFAULT_SCOPES,
  SCOPE_APP_CREATED_READONLY,
  SCOPE_LIBRARY_READONLY,
  SCOPE_PICKER,
  SCOPE_SHARING,
  unionScopes,
} from "../../src/google/oauth.ts";
import { pkceChallenge, runConsentFlow } from "../../src/google/consent.ts";
import { TokenExpiredError } from "../../src/google/token_endpoint.ts";
import {
  readTokenFile,
  tokenFilePath,
  writeTokenFile,
} from "../../src/google/token_store.ts";
import {
  googleError,
  json,
  serve,
  testClient,
  type TestServer,
} from "./test_server.ts";

const NOW = Date.parse("2026-03-01T12:00:00Z");
const NOW_S = NOW / 1000;

interface FakeAuth {
  server: TestServer;
  secret: ClientSecret;
  /** code -> PKCE challenge sent with the consent link. */
  challenges: Map<string, string>;
  tokenForms: URLSearchParams[];
  consentLinks: URL[];
  revoked: Set<string>;
  refreshCount: number;
}

/**
 * Google's two OAuth endpoints, small: the consent page redirects straight
 * back (as if the user clicked Allow, or Cancel with `deny`), and the token
 * endpoint checks the code, the PKCE verifier and the client secret.
 */
function fakeAuth(
  options: { deny?: boolean; grant?: string[] } = {},
): FakeAuth {
  const fake: FakeAuth = {
    server: undefined as unknown as TestServer,
    secret: undefined as unknown as ClientSecret,
    challenges: new Map(),
    tokenForms: [],
    consentLinks: [],
    revoked: new Set(),
    refreshCount: 0,
  };
  fake.server = serve(async (req, body) => {
    const url = new URL(req.url);
    if (url.pathname === "/o/oauth2/auth") {
      fake.consentLinks.push(url);
      const p = url.searchParams;
      const back = new URL(p.get("redirect_uri")!);
      back.searchParams.set("state", p.get("state")!);
      if (options.deny) {
        back.searchParams.set("error", "access_denied");
      } else {
        const code = `4/0code${fake.challenges.size}`;
        fake.challenges.set(code, p.get("code_challenge")!);
        back.searchParams.set("code", code);
        back.searchParams.set("scope", p.get("scope")!);
      }
      return Response.redirect(back.href, 302);
    }
    if (url.pathname === "/token") {
      const form = new URLSearchParams(body);
      fake.tokenForms.push(form);
      if (
        form.get("client_id") !== "cid" ||
        form.get("client_secret") !== "csecret"
      ) {
        return json({ error: "invalid_client" }, 401);
      }
      if (form.get("grant_type") === "authorization_code") {
        const challenge = fake.challenges.get(form.get("code") ?? "");
        if (
          !challenge ||
          challenge !== await pkceChallenge(form.get("code_verifier") ?? "")
        ) {
          return json(
            { error: "invalid_grant", error_description: "Bad code" },
            400,
          );
        }
        fake.challenges.delete(form.get("code")!);
        return json({
          access_token: "ya29.first",
          refresh_token: "1//first-refresh",
          expires_in: 3599,
          token_type: "Bearer",
          scope: (options.grant ?? DEFAULT_SCOPES).join(" "),
        });
      }
      if (form.get("grant_type") === "refresh_token") {
        if (fake.revoked.has(form.get("refresh_token") ?? "")) {
          return json({
            error: "invalid_grant",
            error_description: "Token has been expired or revoked.",
          }, 400);
        }
        fake.refreshCount++;
        return json({
          access_token: `ya29.refreshed-${fake.refreshCount}`,
          expires_in: 3599,
          token_type: "Bearer",
          scope: DEFAULT_SCOPES.join(" "),
        });
      }
      return json({ error: "unsupported_grant_type" }, 400);
    }
    return new Response("not found", { status: 404 });
  });
  fake.secret = {
    path: "/config/client_secret.json",
    clientId: "cid",
    clientSecret: "csecret",
    authUri: `${fake.server.url}/o/oauth2/auth`,
    tokenUri: `${fake.server.url}/token`,
    redirectUris: ["http://localhost"],
  };
  return fake;
}

/**
 * Plays the user's browser: opens the consent link as soon as it is
 * printed, following the redirect back to the local listener.
 */
function browser(authUri: string, before?: (link: URL) => Promise<void>) {
  const lines: string[] = [];
  const pages: Promise<{ status: number; text: string }>[] = [];
  return {
    lines,
    pages,
    print(line: string) {
      lines.push(line);
      if (line.startsWith(authUri)) {
        pages.push((async () => {
          try {
            await before?.(new URL(line));
            const response = await fetch(line);
            return { status: response.status, text: await response.text() };
          } catch (error) {
            // Kept as a result: the test checks it, nothing goes unhandled.
            return { status: 0, text: String(error) };
          }
        })());
      }
    },
  };
}

async function withFake(
  options: Parameters<typeof fakeAuth>[0],
  fn: (fake: FakeAuth, dir: string) => Promise<void>,
): Promise<void> {
  const fake = fakeAuth(options);
  const dir = await Deno.makeTempDir();
  try {
    await fn(fake, dir);
  } finally {
    await fake.server.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("consent: the printed link leads through Google back to the listener and the token is saved", async () => {
  await withFake({}, async (fake, dir) => {
    const user = browser(fake.secret.authUri);
    const tokenFile = tokenFilePath(dir);
    const token = await runConsentFlow({
      secret: fake.secret,
      scopes: DEFAULT_SCOPES,
      port: 0,
      tokenFile,
      http: testClient(),
      print: user.print,
      now: () => NOW,
    });
    assertEquals(user.pages.length, 1);
    const page = await user.pages[0];
    assertEquals(page.status, 200);
    assertStringIncludes(page.text, "signed in");

    const link = fake.consentLinks[0].searchParams;
    assertEquals(link.get("client_id"), "cid");
    assertEquals(link.get("response_type"), "code");
    assertEquals(link.get("access_type"), "offline");
    assertEquals(link.get("prompt"), "consent");
    assertEquals(link.get("code_challenge_method"), "S256");
    assertEquals(link.get("scope"), DEFAULT_SCOPES.join(" "));
    assert(/^http:\/\/127\.0\.0\.1:\d+\/$/.test(link.get("redirect_uri")!));
    assert((link.get("state") ?? "").length >= 16);

    const exchange = fake.tokenForms[0];
    assertEquals(exchange.get("grant_type"), "authorization_code");
    assertEquals(exchange.get("redirect_uri"), link.get("redirect_uri"));
    assert((exchange.get("code_verifier") ?? "").length >= 43);

    assertEquals(token.accessToken, "ya29.first");
    assertEquals(JSON.parse(await Deno.readTextFile(tokenFile)), {
      access_token: "ya29.first",
      refresh_token: "1//first-refresh",
      token_type: "Bearer",
      scope: [...DEFAULT_SCOPES],
      expires_in: 3599,
      expires_at: NOW_S + 3599,
    });
    assertEquals((await Deno.stat(tokenFile)).mode! & 0o777, 0o600);

    // The listener is gone: its port can be taken again.
    const port = Number(new URL(link.get("redirect_uri")!).port);
    Deno.listen({ hostname: "127.0.0.1", port }).close();
  });
});

Deno.test("consent: an answer with the wrong state gets a 400 page and the wait goes on", async () => {
  await withFake({}, async (fake, dir) => {
    let forged: { status: number; text: string } | undefined;
    const user = browser(fake.secret.authUri, async (link) => {
      const back = link.searchParams.get("redirect_uri")!;
      const response = await fetch(`${back}?state=forged&code=4/evil`);
      forged = { status: response.status, text: await response.text() };
    });
    const logger = memoryLogger();
    const token = await runConsentFlow({
      secret: fake.secret,
      scopes: DEFAULT_SCOPES,
      port: 0,
      tokenFile: tokenFilePath(dir),
      http: testClient(),
      print: user.print,
      logger,
    });
    assertEquals((await Promise.all(user.pages))[0].status, 200);
    assertEquals(forged?.status, 400);
    assertStringIncludes(forged!.text, "does not belong");
    assertEquals(token.accessToken, "ya29.first");
    assertEquals(fake.tokenForms.length, 1);
    assertEquals(fake.tokenForms[0].get("code"), "4/0code0");
    assertStringIncludes(logger.lines.join("\n"), "without the expected state");
  });
});

Deno.test("consent: declining in the browser is an AuthError", async () => {
  await withFake({ deny: true }, async (fake, dir) => {
    const user = browser(fake.secret.authUri);
    const error = await assertRejects(
      () =>
        runConsentFlow({
          secret: fake.secret,
          scopes: DEFAULT_SCOPES,
          port: 0,
          tokenFile: tokenFilePath(dir),
          http: testClient(),
          print: user.print,
        }),
      AuthError,
    );
    assertStringIncludes(error.message, "declined");
    assertStringIncludes(error.message, "gphotos-sync login ROOT");
    await Promise.all(user.pages);
    assertEquals(fake.tokenForms.length, 0);
    assertEquals(
      await readTokenFile(tokenFilePath(dir), memoryLogger()),
      undefined,
    );
  });
});

Deno.test("consent: nobody coming back within the timeout is an AuthError", async () => {
  await withFake({}, async (fake, dir) => {
    const error = await assertRejects(
      () =>
        runConsentFlow({
          secret: fake.secret,
          scopes: DEFAULT_SCOPES,
          port: 0,
          tokenFile: tokenFilePath(dir),
          http: testClient(),
          print: () => {},
          timeoutMs: 100,
        }),
      AuthError,
    );
    assertStringIncludes(error.message, "No sign-in came back");
  });
});

Deno.test("consent: the abort signal stops the wait", async () => {
  await withFake({}, async (fake, dir) => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await assertRejects(
      () =>
        runConsentFlow({
          secret: fake.secret,
          scopes: DEFAULT_SCOPES,
          port: 0,
          tokenFile: tokenFilePath(dir),
          http: testClient(),
          print: () => {},
          signal: controller.signal,
        }),
      InterruptedError,
    );
  });
});

Deno.test("consent: a port in use is a clear error naming --port", async () => {
  await withFake({}, async (fake, dir) => {
    const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (busy.addr as Deno.NetAddr).port;
    try {
      const error = await assertRejects(
        () =>
          runConsentFlow({
            secret: fake.secret,
            scopes: DEFAULT_SCOPES,
            port,
            tokenFile: tokenFilePath(dir),
            http: testClient(),
            print: () => {},
          }),
        UsageError,
      );
      assertStringIncludes(error.message, `port ${port}`);
      assertStringIncludes(error.message, "--port");
    } finally {
      busy.close();
    }
  });
});

function authorizer(
  fake: FakeAuth,
  dir: string,
  extra: Partial<ConstructorParameters<typeof Authorizer>[0]> = {},
): Authorizer {
  return new Authorizer({
    secret: fake.secret,
    tokenFile: tokenFilePath(dir),
    scopes: DEFAULT_SCOPES,
    port: 0,
    http: testClient(),
    print: () => {
      throw new Error("no consent expected");
    },
    now: () => NOW,
    consentTimeoutMs: 2_000,
    ...extra,
  });
}

async function storeToken(
  dir: string,
  fields: { expiresAt: number; scopes?: string[]; refreshToken?: string },
): Promise<void> {
  await writeTokenFile(tokenFilePath(dir), {
    accessToken: "ya29.stored",
    refreshToken: fields.refreshToken ?? "1//stored-refresh",
    tokenType: "Bearer",
    scopes: fields.scopes ?? [...DEFAULT_SCOPES],
    expiresAt: fields.expiresAt,
    extra: {},
  });
}

Deno.test("a stored token still valid is used as is", async () => {
  await withFake({}, async (fake, dir) => {
    await storeToken(dir, { expiresAt: NOW_S + 3000 });
    assertEquals(await authorizer(fake, dir).getAccessToken(), "ya29.stored");
    assertEquals(fake.server.seen.length, 0);
  });
});

Deno.test("an expired token is refreshed and saved, keeping the refresh token", async () => {
  await withFake({}, async (fake, dir) => {
    await storeToken(dir, { expiresAt: NOW_S - 10 });
    assertEquals(
      await authorizer(fake, dir).getAccessToken(),
      "ya29.refreshed-1",
    );
    const form = fake.tokenForms[0];
    assertEquals(form.get("grant_type"), "refresh_token");
    assertEquals(form.get("refresh_token"), "1//stored-refresh");
    const saved = JSON.parse(await Deno.readTextFile(tokenFilePath(dir)));
    assertEquals(saved.access_token, "ya29.refreshed-1");
    assertEquals(saved.refresh_token, "1//stored-refresh");
    assertEquals(saved.expires_at, NOW_S + 3599);
    assertEquals(saved.scope, [...DEFAULT_SCOPES]);
  });
});

Deno.test("a token within a minute of expiry is refreshed, one with two minutes is not", async () => {
  await withFake({}, async (fake, dir) => {
    await storeToken(dir, { expiresAt: NOW_S + 120 });
    assertEquals(await authorizer(fake, dir).getAccessToken(), "ya29.stored");
    await storeToken(dir, { expiresAt: NOW_S + 59 });
    assertEquals(
      await authorizer(fake, dir).getAccessToken(),
      "ya29.refreshed-1",
    );
  });
});

Deno.test("a refused refresh (invalid_grant) says why and what to do, with a token_expired marker", async () => {
  await withFake({}, async (fake, dir) => {
    await storeToken(dir, { expiresAt: NOW_S - 10 });
    fake.revoked.add("1//stored-refresh");
    const error = await assertRejects(
      () => authorizer(fake, dir).getAccessToken(),
      TokenExpiredError,
    );
    assert(error instanceof AuthError);
    assertEquals(error.reason, "token_expired");
    assertStringIncludes(error.message, "invalid_grant");
    assertStringIncludes(error.message, "expired or was revoked");
    assertStringIncludes(error.message, '"Testing"');
    assertStringIncludes(error.message, "7 days");
    assertStringIncludes(error.message, "publish the app");
    assertStringIncludes(error.message, "gphotos-sync login ROOT");
    assertStringIncludes(error.message, "--new-token");
  });
});

Deno.test("a refused client secret is an AuthError naming the file", async () => {
  await withFake({}, async (fake, dir) => {
    await storeToken(dir, { expiresAt: NOW_S - 10 });
    const error = await assertRejects(
      () =>
        authorizer(
          { ...fake, secret: { ...fake.secret, clientSecret: "old" } },
          dir,
        )
          .getAccessToken(),
      AuthError,
    );
    assert(!(error instanceof TokenExpiredError));
    assertStringIncludes(error.message, "/config/client_secret.json");
    assertStringIncludes(error.message, "invalid_client");
  });
});

Deno.test("with no token file, the Authorizer runs the consent flow", async () => {
  await withFake({}, async (fake, dir) => {
    const user = browser(fake.secret.authUri);
    const auth = authorizer(fake, dir, { print: user.print });
    assertEquals(await auth.getAccessToken(), "ya29.first");
    assertEquals(fake.consentLinks.length, 1);
    assertEquals(
      (await readTokenFile(tokenFilePath(dir), memoryLogger()))?.accessToken,
      "ya29.first",
    );
  });
});

Deno.test("--new-token ignores a valid stored token and signs in again", async () => {
  await withFake({}, async (fake, dir) => {
    await storeToken(dir, { expiresAt: NOW_S + 3000 });
    const user = browser(fake.secret.authUri);
    const auth = authorizer(fake, dir, { print: user.print, newToken: true });
    assertEquals(await auth.getAccessToken(), "ya29.first");
    assertEquals(await auth.getAccessToken(), "ya29.first");
    assertEquals(fake.consentLinks.length, 1);
  });
});

Deno.test("a stored token lacking a scope asks consent for the union, minus removed scopes", async () => {
  await withFake({}, async (fake, dir) => {
    // gphotos-sync's token: the two scopes Google removed in 2025, plus one
    // that still works.
    await storeToken(dir, {
      expiresAt: NOW_S + 3000,
      scopes: [SCOPE_LIBRARY_READONLY, SCOPE_SHARING, SCOPE_PICKER, "extra"],
    });
    const user = browser(fake.secret.authUri);
    const auth = authorizer(fake, dir, {
      print: user.print,
      scopes: [SCOPE_APP_CREATED_READONLY, SCOPE_PICKER],
    });
    assertEquals(await auth.getAccessToken(), "ya29.first");
    assertEquals(
      fake.consentLinks[0].searchParams.get("scope"),
      [SCOPE_APP_CREATED_READONLY, SCOPE_PICKER, "extra"].join(" "),
    );
  });
});

Deno.test("unionScopes keeps required scopes first and drops removed ones", () => {
  assertEquals(
    unionScopes([SCOPE_PICKER], [SCOPE_SHARING, "b", SCOPE_PICKER]),
    [SCOPE_PICKER, "b"],
  );
  assertEquals(unionScopes([SCOPE_LIBRARY_READONLY], undefined), [
    SCOPE_LIBRARY_READONLY,
  ]);
});

Deno.test("login always runs a new consent", async () => {
  await withFake({}, async (fake, dir) => {
    await storeToken(dir, { expiresAt: NOW_S + 3000 });
    const user = browser(fake.secret.authUri);
    const token = await authorizer(fake, dir, { print: user.print }).login();
    assertEquals(token.accessToken, "ya29.first");
    assertEquals(fake.consentLinks.length, 1);
  });
});

Deno.test("a 401 from the API refreshes the token once and the call succeeds", async () => {
  await withFake({}, async (fake, dir) => {
    await storeToken(dir, { expiresAt: NOW_S + 3000 });
    const api = serve((req) =>
      req.headers.get("authorization") === "Bearer ya29.refreshed-1"
        ? json({ albums: [] })
        : googleError(401, "UNAUTHENTICATED", "Invalid Credentials")
    );
    try {
      const auth = authorizer(fake, dir);
      const answer = await testClient().json(`${api.url}/v1/albums`, { auth });
      assertEquals(answer, { albums: [] });
      assertEquals(fake.refreshCount, 1);
      assertEquals(api.seen.length, 2);
    } finally {
      await api.close();
    }
  });
});

Deno.test("callers that find the token expired at once share one refresh", async () => {
  await withFake({}, async (fake, dir) => {
    await storeToken(dir, { expiresAt: NOW_S - 10 });
    const auth = authorizer(fake, dir);
    const tokens = await Promise.all(
      Array.from({ length: 10 }, () => auth.getAccessToken()),
    );
    assertEquals(new Set(tokens), new Set(["ya29.refreshed-1"]));
    assertEquals(fake.refreshCount, 1);
    // A late 401 for the old token needs no second refresh.
    assertEquals(
      await auth.refreshAccessToken("ya29.stored"),
      "ya29.refreshed-1",
    );
    assertEquals(fake.refreshCount, 1);
    // A 401 for the current one does.
    assertEquals(
      await auth.refreshAccessToken("ya29.refreshed-1"),
      "ya29.refreshed-2",
    );
  });
});
