// What the fake Google account server remembers: the registered OAuth client,
// authorization codes with their PKCE challenge, and the access and refresh
// tokens it issued with their scopes and lifetimes.

import { base64url, digest, sha256Base64url } from "./opaque_ids.ts";

const SCOPE_PREFIX = "https://www.googleapis.com/auth/";

/** The scopes the Library and Picker APIs know, by short name. */
export const SCOPES = {
  library: SCOPE_PREFIX + "photoslibrary",
  readonly: SCOPE_PREFIX + "photoslibrary.readonly",
  sharing: SCOPE_PREFIX + "photoslibrary.sharing",
  appendonly: SCOPE_PREFIX + "photoslibrary.appendonly",
  readonlyAppCreated: SCOPE_PREFIX + "photoslibrary.readonly.appcreateddata",
  editAppCreated: SCOPE_PREFIX + "photoslibrary.edit.appcreateddata",
  picker: SCOPE_PREFIX + "photospicker.mediaitems.readonly",
} as const;

const KNOWN_SCOPES = new Set<string>([
  ...Object.values(SCOPES),
  "openid",
  "email",
  "profile",
  SCOPE_PREFIX + "userinfo.email",
  SCOPE_PREFIX + "userinfo.profile",
]);

/** "photoslibrary.readonly" -> its full URL; full URLs pass unchanged. */
export function expandScope(scope: string): string {
  return scope.includes(":") || !scope.startsWith("photos")
    ? scope
    : SCOPE_PREFIX + scope;
}

export function isKnownScope(scope: string): boolean {
  return KNOWN_SCOPES.has(scope);
}

/** What `issueToken` and the token endpoint hand out. `expires_at` (epoch
 * seconds) is what gphotos-sync's token file stores. */
export interface TokenGrant {
  access_token: string;
  refresh_token: string;
  token_type: "Bearer";
  scope: string;
  expires_in: number;
  expires_at: number;
}

export interface AccessToken {
  readonly token: string;
  readonly scopes: readonly string[];
  readonly expiresAtMs: number;
}

interface RefreshToken {
  readonly scopes: readonly string[];
  readonly clientId: string;
  revoked: boolean;
}

interface PendingCode {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly challenge: string;
  readonly expiresAtMs: number;
}

/** OAuth errors as the token endpoint reports them. */
export class OAuthFailure extends Error {
  readonly status: number;
  readonly error: string;
  constructor(status: number, error: string, description: string) {
    super(description);
    this.name = "OAuthFailure";
    this.status = status;
    this.error = error;
  }

  toResponse(): Response {
    return new Response(
      JSON.stringify(
        { error: this.error, error_description: this.message },
        null,
        2,
      ),
      {
        status: this.status,
        headers: { "content-type": "application/json; charset=utf-8" },
      },
    );
  }
}

export interface OAuthStateOptions {
  now: () => number;
  clientId: string;
  clientSecret: string;
  seed: string;
  accessTokenLifetimeSec: number;
}

export class OAuthState {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Lifetime of access tokens issued from now on (seconds). */
  accessTokenLifetimeSec: number;
  /** When true every refresh answers 400 invalid_grant, as Google does for
   * revoked tokens and for 7-day tokens of apps left in "Testing". */
  refreshFails = false;
  /** "deny" makes the consent page redirect with error=access_denied. */
  consent: "allow" | "deny" = "allow";
  /** Scopes the user grants; undefined = all requested (granular consent
   * lets users untick some). */
  grantOnly: readonly string[] | undefined;

  readonly #now: () => number;
  readonly #seed: string;
  #counter = 0;
  #access = new Map<string, AccessToken>();
  #refresh = new Map<string, RefreshToken>();
  #codes = new Map<string, PendingCode>();

  constructor(options: OAuthStateOptions) {
    this.#now = options.now;
    this.clientId = options.clientId;
    this.clientSecret = options.clientSecret;
    this.#seed = options.seed;
    this.accessTokenLifetimeSec = options.accessTokenLifetimeSec;
  }

  /** A signed-in grant without the consent dance, for tests that start
   * signed in. Scopes may be short names ("photoslibrary.readonly"). */
  issueToken(
    scopes: string | readonly string[],
    options: { expiresInSec?: number } = {},
  ): TokenGrant {
    const list =
      (typeof scopes === "string" ? scopes.split(/\s+/) : [...scopes])
        .filter((s) => s !== "").map(expandScope);
    const refreshToken = this.#newRefreshToken(list, this.clientId);
    return this.#grant(list, refreshToken, options.expiresInSec);
  }

  /** The token behind an Authorization header value, or why it is refused. */
  lookup(token: string): AccessToken | "expired" | "unknown" {
    const t = this.#access.get(token);
    if (t === undefined) return "unknown";
    return this.#now() >= t.expiresAtMs ? "expired" : t;
  }

  /** Make every access token issued so far expire now. */
  expireAccessTokens(): void {
    for (const [k, t] of this.#access) {
      this.#access.set(k, { ...t, expiresAtMs: this.#now() });
    }
  }

  /** Revoke one refresh token, or all when none is given. */
  revoke(refreshToken?: string): void {
    for (const [k, t] of this.#refresh) {
      if (refreshToken === undefined || k === refreshToken) t.revoked = true;
    }
  }

  /** The consent page's code, remembered with everything the exchange checks. */
  createCode(
    p: Omit<PendingCode, "expiresAtMs">,
  ): string {
    const code = "4/0A" +
      base64url(digest(this.#seed, "code", String(++this.#counter))) +
      base64url(digest(this.#seed, "code2", String(this.#counter))).slice(
        0,
        20,
      );
    this.#codes.set(code, { ...p, expiresAtMs: this.#now() + 10 * 60_000 });
    return code;
  }

  exchangeCode(p: {
    code: string;
    redirectUri: string | null;
    clientId: string | null;
    clientSecret: string | null;
    codeVerifier: string | null;
  }): TokenGrant {
    this.#checkClient(p.clientId, p.clientSecret);
    const pending = this.#codes.get(p.code);
    // Codes are single use: a replayed code is refused like a bad one.
    this.#codes.delete(p.code);
    if (pending === undefined || this.#now() >= pending.expiresAtMs) {
      throw new OAuthFailure(400, "invalid_grant", "Malformed auth code.");
    }
    if (pending.clientId !== p.clientId) {
      throw new OAuthFailure(400, "invalid_grant", "Bad Request");
    }
    if (p.redirectUri !== pending.redirectUri) {
      throw new OAuthFailure(400, "redirect_uri_mismatch", "Bad Request");
    }
    if (p.codeVerifier === null || p.codeVerifier === "") {
      throw new OAuthFailure(400, "invalid_grant", "Missing code verifier.");
    }
    if (sha256Base64url(p.codeVerifier) !== pending.challenge) {
      throw new OAuthFailure(400, "invalid_grant", "Invalid code verifier.");
    }
    const refreshToken = this.#newRefreshToken(
      pending.scopes,
      pending.clientId,
    );
    return this.#grant(pending.scopes, refreshToken);
  }

  refresh(p: {
    refreshToken: string | null;
    clientId: string | null;
    clientSecret: string | null;
  }): Omit<TokenGrant, "refresh_token"> {
    this.#checkClient(p.clientId, p.clientSecret);
    const t = p.refreshToken === null
      ? undefined
      : this.#refresh.get(p.refreshToken);
    if (
      this.refreshFails || t === undefined || t.revoked ||
      t.clientId !== p.clientId
    ) {
      throw new OAuthFailure(
        400,
        "invalid_grant",
        "Token has been expired or revoked.",
      );
    }
    const { refresh_token: _, ...rest } = this.#grant(
      t.scopes,
      p.refreshToken ?? "",
    );
    return rest;
  }

  #checkClient(clientId: string | null, clientSecret: string | null): void {
    if (clientId !== this.clientId) {
      throw new OAuthFailure(
        401,
        "invalid_client",
        "The OAuth client was not found.",
      );
    }
    if (clientSecret !== this.clientSecret) {
      throw new OAuthFailure(401, "invalid_client", "Unauthorized");
    }
  }

  #newRefreshToken(scopes: readonly string[], clientId: string): string {
    const token = "1//0g" +
      base64url(digest(this.#seed, "refresh", String(++this.#counter))) +
      base64url(digest(this.#seed, "refresh2", String(this.#counter))).slice(
        0,
        40,
      );
    this.#refresh.set(token, { scopes: [...scopes], clientId, revoked: false });
    return token;
  }

  #grant(
    scopes: readonly string[],
    refreshToken: string,
    lifetimeSec = this.accessTokenLifetimeSec,
  ): TokenGrant {
    const token = "ya29.a0" +
      base64url(digest(this.#seed, "access", String(++this.#counter))) +
      base64url(digest(this.#seed, "access2", String(this.#counter)));
    const now = this.#now();
    const expiresAtMs = now + lifetimeSec * 1000;
    this.#access.set(token, { token, scopes: [...scopes], expiresAtMs });
    return {
      access_token: token,
      refresh_token: refreshToken,
      token_type: "Bearer",
      scope: scopes.join(" "),
      expires_in: lifetimeSec,
      expires_at: Math.floor(expiresAtMs / 1000),
    };
  }
}
