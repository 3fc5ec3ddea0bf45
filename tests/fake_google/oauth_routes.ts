// Google's OAuth endpoints for an installed app: the consent page (which here
// answers at once, as if the user clicked "Allow" or "Cancel") and the token
// endpoint (code exchange with PKCE, refresh).

import { isKnownScope, OAuthFailure, type OAuthState } from "./oauth_state.ts";
import type { Route } from "./router.ts";
import type { ServerDeps } from "./settings.ts";

export const AUTH_PATH = "/o/oauth2/auth";
export const TOKEN_PATH = "/token";

export function oauthRoutes(deps: ServerDeps): Route[] {
  const consent: Route["handle"] = (_req, ctx) =>
    consentAnswer(ctx.url.searchParams, deps.oauth);
  const token: Route["handle"] = async (req) => {
    try {
      return tokenAnswer(await tokenGrant(req, deps.oauth));
    } catch (e) {
      if (e instanceof OAuthFailure) return e.toResponse();
      throw e;
    }
  };
  return [
    {
      method: "GET",
      pattern: /^\/o\/oauth2\/(v2\/)?auth$/,
      requestClass: "auth",
      handle: consent,
    },
    {
      method: "POST",
      pattern: /^\/(o\/oauth2\/)?token$/,
      requestClass: "token",
      handle: token,
    },
  ];
}

/** Google lets installed apps use any port on a loopback address. */
function isLoopbackRedirect(uri: string): boolean {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return false;
  }
  return u.protocol === "http:" &&
    ["localhost", "127.0.0.1", "[::1]"].includes(u.hostname) &&
    u.username === "" && u.password === "" && u.hash === "";
}

function consentAnswer(q: URLSearchParams, oauth: OAuthState): Response {
  const clientId = q.get("client_id");
  if (clientId !== oauth.clientId) {
    return errorPage(401, "invalid_client", "The OAuth client was not found.");
  }
  const redirectUri = q.get("redirect_uri") ?? "";
  if (!isLoopbackRedirect(redirectUri)) {
    return errorPage(
      400,
      "redirect_uri_mismatch",
      `redirect_uri "${redirectUri}" is not registered: an installed app must redirect to http://localhost:PORT/.`,
    );
  }
  if (q.get("response_type") !== "code") {
    return errorPage(400, "invalid_request", `response_type must be "code".`);
  }
  const scopes = (q.get("scope") ?? "").split(/\s+/).filter((s) => s !== "");
  if (scopes.length === 0) {
    return errorPage(
      400,
      "invalid_request",
      "Missing required parameter: scope",
    );
  }
  const unknown = scopes.filter((s) => !isKnownScope(s));
  if (unknown.length > 0) {
    return errorPage(
      400,
      "invalid_scope",
      `Some requested scopes were invalid: ${unknown.join(" ")}`,
    );
  }
  const state = q.get("state");
  if (state === null || state === "") {
    return errorPage(
      400,
      "invalid_request",
      "Missing parameter: state (needed against CSRF).",
    );
  }
  const challenge = q.get("code_challenge") ?? "";
  if (!/^[A-Za-z0-9._~-]{43,128}$/.test(challenge)) {
    return errorPage(
      400,
      "invalid_request",
      "Missing or malformed parameter: code_challenge.",
    );
  }
  if (q.get("code_challenge_method") !== "S256") {
    return errorPage(
      400,
      "invalid_request",
      "code_challenge_method must be S256.",
    );
  }
  if (q.get("access_type") !== "offline") {
    return errorPage(
      400,
      "invalid_request",
      "access_type must be offline, or no refresh token is issued.",
    );
  }
  const back = new URL(redirectUri);
  if (oauth.consent === "deny") {
    back.searchParams.set("error", "access_denied");
    back.searchParams.set("state", state);
    return redirect(back);
  }
  const granted = oauth.grantOnly === undefined
    ? scopes
    : scopes.filter((s) => oauth.grantOnly?.includes(s));
  const code = oauth.createCode({
    clientId,
    redirectUri,
    scopes: granted,
    challenge,
  });
  back.searchParams.set("state", state);
  back.searchParams.set("code", code);
  back.searchParams.set("scope", granted.join(" "));
  return redirect(back);
}

async function tokenGrant(
  req: Request,
  oauth: OAuthState,
): Promise<Record<string, unknown>> {
  const type = req.headers.get("content-type") ?? "";
  if (!type.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    throw new OAuthFailure(
      400,
      "invalid_request",
      "The request body must be application/x-www-form-urlencoded.",
    );
  }
  const form = new URLSearchParams(await req.text());
  let clientId = form.get("client_id");
  let clientSecret = form.get("client_secret");
  // RFC 6749 also allows the client credentials in a Basic header.
  const basic = /^Basic\s+(\S+)$/i.exec(req.headers.get("authorization") ?? "");
  if (basic !== null && clientId === null) {
    const [id, secret] = atob(basic[1]).split(":");
    clientId = decodeURIComponent(id ?? "");
    clientSecret = decodeURIComponent(secret ?? "");
  }
  const grantType = form.get("grant_type");
  if (grantType === "authorization_code") {
    return {
      ...oauth.exchangeCode({
        code: form.get("code") ?? "",
        redirectUri: form.get("redirect_uri"),
        clientId,
        clientSecret,
        codeVerifier: form.get("code_verifier"),
      }),
    };
  }
  if (grantType === "refresh_token") {
    return {
      ...oauth.refresh({
        refreshToken: form.get("refresh_token"),
        clientId,
        clientSecret,
      }),
    };
  }
  throw new OAuthFailure(
    400,
    "unsupported_grant_type",
    `Invalid grant_type: ${grantType ?? ""}`,
  );
}

function tokenAnswer(grant: Record<string, unknown>): Response {
  // expires_at is our own bookkeeping; Google's endpoint sends expires_in.
  const { expires_at: _, ...body } = grant;
  return new Response(JSON.stringify(body, null, 2), {
    headers: {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-cache, no-store, max-age=0, must-revalidate",
    },
  });
}

function redirect(to: URL): Response {
  return new Response(null, {
    status: 302,
    headers: { location: to.toString() },
  });
}

function errorPage(
  status: number,
  error: string,
  description: string,
): Response {
  return new Response(
    `<html><body><h1>Error ${status}: ${error}</h1><p>${description}</p></body></html>\n`,
    { status, headers: { "content-type": "text/html; charset=utf-8" } },
  );
}
