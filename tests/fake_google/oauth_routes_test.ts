import { createHash } from "node:crypto";
import { base64url } from "./opaque_ids.ts";
import { FakeLibrary } from "./library_state.ts";
import { SCOPES } from "./oauth_state.ts";
import { type FakeGoogle, startFakeGoogle } from "./server.ts";
import { assert, assertEquals, call } from "./test_support.ts";

const VERIFIER =
  "a-pkce-verifier-that-is-long-enough-0123456789-abcdefghijklmnop";
const CHALLENGE = base64url(
  new Uint8Array(createHash("sha256").update(VERIFIER).digest()),
);
const REDIRECT = "http://localhost:8080/";

function consentUrl(
  google: FakeGoogle,
  overrides: Record<string, string | null> = {},
): string {
  const secret = google.clientSecretJson().installed;
  const params: Record<string, string | null> = {
    client_id: secret.client_id,
    redirect_uri: REDIRECT,
    response_type: "code",
    scope: `${SCOPES.readonly} ${SCOPES.readonlyAppCreated}`,
    access_type: "offline",
    prompt: "consent",
    state: "st4te",
    code_challenge: CHALLENGE,
    code_challenge_method: "S256",
    ...overrides,
  };
  const u = new URL(secret.auth_uri);
  for (const [k, v] of Object.entries(params)) {
    if (v !== null) u.searchParams.set(k, v);
  }
  return u.toString();
}

/** What the user's browser does: open the consent page, follow nothing. */
async function consent(
  url: string,
): Promise<{ status: number; location: URL | null; text: string }> {
  const res = await fetch(url, { redirect: "manual" });
  const text = await res.text();
  const loc = res.headers.get("location");
  return {
    status: res.status,
    location: loc === null ? null : new URL(loc),
    text,
  };
}

async function postToken(
  google: FakeGoogle,
  form: Record<string, string>,
  headers: Record<string, string> = {},
) {
  const res = await fetch(google.tokenUri, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...headers,
    },
    body: new URLSearchParams(form),
  });
  return {
    status: res.status,
    body: await res.json() as Record<string, unknown>,
  };
}

function exchangeForm(
  google: FakeGoogle,
  code: string,
  overrides: Record<string, string> = {},
) {
  const s = google.clientSecretJson().installed;
  return {
    grant_type: "authorization_code",
    code,
    redirect_uri: REDIRECT,
    client_id: s.client_id,
    client_secret: s.client_secret,
    code_verifier: VERIFIER,
    ...overrides,
  };
}

async function codeFor(google: FakeGoogle): Promise<string> {
  const c = await consent(consentUrl(google));
  assertEquals(c.status, 302, c.text);
  return c.location!.searchParams.get("code")!;
}

Deno.test("clientSecretJson is Google's installed-app file pointing at the fake", async () => {
  await using google = await startFakeGoogle();
  const s = google.clientSecretJson();
  assertEquals(Object.keys(s), ["installed"]);
  assertEquals(s.installed.redirect_uris, ["http://localhost"]);
  assertEquals([s.installed.auth_uri, s.installed.token_uri], [
    google.url + "/o/oauth2/auth",
    google.url + "/token",
  ]);
  assert(
    s.installed.client_id.endsWith(".apps.googleusercontent.com") &&
      s.installed.client_secret !== "",
  );
});

Deno.test("consent redirects with code and state; the code and PKCE verifier buy tokens that work", async () => {
  const lib = new FakeLibrary();
  lib.photo("app.jpg", null, { appCreated: true });
  await using google = await startFakeGoogle({
    library: lib,
    accessTokenLifetimeSec: 1800,
  });
  const c = await consent(consentUrl(google));
  assertEquals(c.status, 302);
  assertEquals(c.location!.origin + c.location!.pathname, REDIRECT);
  assertEquals(c.location!.searchParams.get("state"), "st4te");
  const code = c.location!.searchParams.get("code")!;
  assert(code.length > 20);
  const t = await postToken(google, exchangeForm(google, code));
  assertEquals(t.status, 200, JSON.stringify(t.body));
  assertEquals(Object.keys(t.body).sort(), [
    "access_token",
    "expires_in",
    "refresh_token",
    "scope",
    "token_type",
  ]);
  assertEquals([t.body.expires_in, t.body.token_type], [1800, "Bearer"]);
  assertEquals(t.body.scope, `${SCOPES.readonly} ${SCOPES.readonlyAppCreated}`);
  const listed = await call(
    google,
    t.body.access_token as string,
    "/v1/mediaItems",
  );
  assertEquals(listed.status, 200);
  const again = await postToken(google, exchangeForm(google, code));
  assertEquals(
    [again.status, again.body.error],
    [400, "invalid_grant"],
    "a code works once",
  );
  assertEquals(google.requests.count("auth"), 1);
  assertEquals(google.requests.count("token"), 2);
});

Deno.test("the code exchange checks verifier, redirect_uri, client id and secret", async () => {
  await using google = await startFakeGoogle();
  const cases: [Record<string, string>, number, string][] = [
    [{ code_verifier: VERIFIER + "x" }, 400, "invalid_grant"],
    [{ code_verifier: "" }, 400, "invalid_grant"],
    [{ redirect_uri: "http://localhost:9999/" }, 400, "redirect_uri_mismatch"],
    [{ client_secret: "wrong" }, 401, "invalid_client"],
    [{ client_id: "someone-else" }, 401, "invalid_client"],
    [{ code: "4/made-up" }, 400, "invalid_grant"],
  ];
  for (const [override, status, error] of cases) {
    const code = await codeFor(google);
    const t = await postToken(google, exchangeForm(google, code, override));
    assertEquals(
      [t.status, t.body.error],
      [status, error],
      JSON.stringify(override),
    );
  }
  const code = await codeFor(google);
  const wrongType = await fetch(google.tokenUri, {
    method: "POST",
    body: JSON.stringify(exchangeForm(google, code)),
  });
  assertEquals(wrongType.status, 400);
  await wrongType.body?.cancel();
  const badGrant = await postToken(google, { grant_type: "password" });
  assertEquals([badGrant.status, badGrant.body.error], [
    400,
    "unsupported_grant_type",
  ]);
});

Deno.test("the consent page refuses requests that lack what an installed app must send", async () => {
  await using google = await startFakeGoogle();
  const cases: [Record<string, string | null>, number, string][] = [
    [
      { client_id: "unknown.apps.googleusercontent.com" },
      401,
      "invalid_client",
    ],
    [{ redirect_uri: "https://evil.example/" }, 400, "redirect_uri_mismatch"],
    [{ redirect_uri: null }, 400, "redirect_uri_mismatch"],
    [{ response_type: "token" }, 400, "invalid_request"],
    [{ scope: null }, 400, "invalid_request"],
    [
      { scope: "https://www.googleapis.com/auth/drive.nope" },
      400,
      "invalid_scope",
    ],
    [{ state: null }, 400, "invalid_request"],
    [{ code_challenge: null }, 400, "invalid_request"],
    [{ code_challenge_method: "plain" }, 400, "invalid_request"],
    [{ code_challenge_method: null }, 400, "invalid_request"],
    [{ access_type: "online" }, 400, "invalid_request"],
  ];
  for (const [override, status, error] of cases) {
    const c = await consent(consentUrl(google, override));
    assertEquals(
      [c.status, c.location],
      [status, null],
      JSON.stringify(override),
    );
    assert(c.text.includes(error), `${JSON.stringify(override)} -> ${c.text}`);
  }
  const loopback = await consent(
    consentUrl(google, { redirect_uri: "http://127.0.0.1:5555/cb" }),
  );
  assertEquals(loopback.status, 302, "any loopback port is allowed");
});

Deno.test("a user who cancels sends the browser back with error=access_denied", async () => {
  await using google = await startFakeGoogle();
  google.oauth.consent = "deny";
  const c = await consent(consentUrl(google));
  assertEquals(c.status, 302);
  assertEquals(c.location!.searchParams.get("error"), "access_denied");
  assertEquals(c.location!.searchParams.get("state"), "st4te");
  assertEquals(c.location!.searchParams.get("code"), null);
});

Deno.test("granular consent can grant fewer scopes than asked", async () => {
  await using google = await startFakeGoogle();
  google.oauth.grantOnly = [SCOPES.readonlyAppCreated];
  const t = await postToken(
    google,
    exchangeForm(google, await codeFor(google)),
  );
  assertEquals(t.body.scope, SCOPES.readonlyAppCreated);
});

Deno.test("refresh gives a new access token; short lifetimes make tokens expire", async () => {
  let clock = Date.parse("2026-03-01T00:00:00Z");
  const lib = new FakeLibrary();
  lib.photo("app.jpg", null, { appCreated: true });
  await using google = await startFakeGoogle({
    library: lib,
    now: () => clock,
    accessTokenLifetimeSec: 5,
  });
  const first = await postToken(
    google,
    exchangeForm(google, await codeFor(google)),
  );
  assertEquals(first.body.expires_in, 5);
  clock += 6000;
  assertEquals(
    (await call(google, first.body.access_token as string, "/v1/mediaItems"))
      .status,
    401,
  );
  const s = google.clientSecretJson().installed;
  const refreshed = await postToken(google, {
    grant_type: "refresh_token",
    refresh_token: first.body.refresh_token as string,
    client_id: s.client_id,
    client_secret: s.client_secret,
  });
  assertEquals(refreshed.status, 200);
  assertEquals(Object.keys(refreshed.body).sort(), [
    "access_token",
    "expires_in",
    "scope",
    "token_type",
  ]);
  assert(refreshed.body.access_token !== first.body.access_token);
  assertEquals(refreshed.body.scope, first.body.scope);
  assertEquals(
    (await call(
      google,
      refreshed.body.access_token as string,
      "/v1/mediaItems",
    )).status,
    200,
  );
  const basic = await postToken(
    google,
    {
      grant_type: "refresh_token",
      refresh_token: first.body.refresh_token as string,
    },
    { authorization: "Basic " + btoa(`${s.client_id}:${s.client_secret}`) },
  );
  assertEquals(
    basic.status,
    200,
    "client credentials may come in a Basic header",
  );
});

Deno.test("refresh answers invalid_grant when switched to fail or when the token is revoked", async () => {
  await using google = await startFakeGoogle();
  const s = google.clientSecretJson().installed;
  const grant = google.issueToken(["photoslibrary.readonly.appcreateddata"]);
  const refresh = () =>
    postToken(google, {
      grant_type: "refresh_token",
      refresh_token: grant.refresh_token,
      client_id: s.client_id,
      client_secret: s.client_secret,
    });
  assertEquals((await refresh()).status, 200);
  google.oauth.refreshFails = true;
  const failed = await refresh();
  assertEquals(failed, {
    status: 400,
    body: {
      error: "invalid_grant",
      error_description: "Token has been expired or revoked.",
    },
  });
  google.oauth.refreshFails = false;
  google.oauth.revoke(grant.refresh_token);
  assertEquals((await refresh()).body.error, "invalid_grant");
  const unknown = await postToken(google, {
    grant_type: "refresh_token",
    refresh_token: "1//nope",
    client_id: s.client_id,
    client_secret: s.client_secret,
  });
  assertEquals(unknown.body.error, "invalid_grant");
});

Deno.test("expireAccessTokens makes signed-in tests need a refresh", async () => {
  await using google = await startFakeGoogle({ era: "2024" });
  const grant = google.issueToken("photoslibrary.readonly");
  assertEquals(grant.scope, SCOPES.readonly, "short scope names are expanded");
  assertEquals(
    (await call(google, grant.access_token, "/v1/albums")).status,
    200,
  );
  google.oauth.expireAccessTokens();
  assertEquals(
    (await call(google, grant.access_token, "/v1/albums")).status,
    401,
  );
});
