// Signing in to Google as an installed app, and keeping the token fresh.
//
// Consent: print a link to the client secret's auth_uri (state + PKCE S256),
// wait on http://127.0.0.1:PORT/ (listening there only; the URI names the
// address, so no other process can take the code on [::1]:PORT) for the
// browser to come back with a code, exchange it at token_uri, save the token.
// Authorizer: hands out valid access tokens to the HTTP client, refreshing
// through token_uri within a minute of expiry, and turns Google's
// `invalid_grant` into a TokenExpiredError that says why (apps in "Testing"
// status get 7-day refresh tokens) and what to do.

import { ApiError, AuthError, ExitCode, UsageError } from "../errors.ts";
import { type Logger, silentLogger } from "../log.ts";
import type { ClientSecret } from "./client_secret.ts";
import {
  type AccessTokenSource,
  type HttpClient,
  interruption,
} from "./http.ts";
import { JsonReader } from "./json_shape.ts";
import { rememberSecret } from "./redact.ts";
import {
  DEFAULT_SCOPES,
  SCOPE_APP_CREATED_READONLY,
  SCOPE_LIBRARY_READONLY,
  SCOPE_PICKER,
  SCOPE_SHARING,
} from "./scopes.ts";
import {
  parseScopes,
  readTokenFile,
  type StoredToken,
  writeTokenFile,
} from "./token_store.ts";

export {
  DEFAULT_SCOPES,
  SCOPE_APP_CREATED_READONLY,
  SCOPE_LIBRARY_READONLY,
  SCOPE_PICKER,
  SCOPE_SHARING,
};

/** Full-library scope, also removed on 31 March 2025. */
export const SCOPE_LIBRARY = "https://www.googleapis.com/auth/photoslibrary";

/**
 * Scopes Google removed on 31 March 2025. A token may still list them, but
 * asking for them again would spoil the consent, so they are not carried
 * over into a new consent unless the caller asks for them explicitly.
 */
export const REMOVED_SCOPES: ReadonlySet<string> = new Set([
  SCOPE_LIBRARY_READONLY,
  SCOPE_SHARING,
  SCOPE_LIBRARY,
]);

/** Refresh when the access token has less than this left. */
export const REFRESH_MARGIN_MS = 60_000;
/** Google's access tokens last an hour; assumed when an answer omits expires_in. */
const DEFAULT_EXPIRES_IN_S = 3600;
export const DEFAULT_CONSENT_TIMEOUT_MS = 10 * 60_000;

/**
 * The refresh token was refused (invalid_grant): expired or revoked. The
 * `reason` marker lets the caller give this case its own exit code.
 */
export class TokenExpiredError extends AuthError {
  readonly reason = "token_expired" as const;
  constructor(message: string, options?: ErrorOptions) {
    super(message, { ...options, exitCode: ExitCode.signIn });
  }
}

/**
 * Messages name the sign-in command with a literal ROOT; the command line
 * layer, which knows the folder, puts the real one in (src/main.ts).
 */
export const LOGIN_HINT = "gphotos-sync login ROOT";

/**
 * A sign-in is needed but nobody is there to give it (a scheduled run):
 * fail at once instead of waiting for a browser that never comes.
 */
export class SignInNeededError extends AuthError {
  readonly reason = "sign_in_needed" as const;
  constructor(why: string) {
    super(
      `${why} A person must sign in: run \`${LOGIN_HINT}\` once from a terminal; scheduled runs then use the saved token.`,
      { exitCode: ExitCode.signIn },
    );
  }
}

// ---- consent ----

export interface ConsentOptions {
  secret: ClientSecret;
  scopes: readonly string[];
  /** --port; 0 picks a free port (tests). */
  port: number;
  tokenFile: string;
  http: HttpClient;
  /** Shows the link to the user (stderr or the terminal). */
  print: (line: string) => void;
  logger?: Logger;
  /** Epoch milliseconds. */
  now?: () => number;
  signal?: AbortSignal;
  /** How long to wait for the browser; default 10 minutes. */
  timeoutMs?: number;
}

/** Runs the consent flow, saves the token and returns it. */
export async function runConsentFlow(
  options: ConsentOptions,
): Promise<StoredToken> {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? DEFAULT_CONSENT_TIMEOUT_MS;
  const state = randomUrlSafe(16);
  const verifier = randomUrlSafe(32);
  rememberSecret(verifier);
  const challenge = await pkceChallenge(verifier);
  const listener = listenForRedirect(options.port, state, logger);
  try {
    const redirectUri = `http://127.0.0.1:${listener.port}/`;
    const url = consentUrl({
      authUri: options.secret.authUri,
      clientId: options.secret.clientId,
      redirectUri,
      scopes: options.scopes,
      state,
      codeChallenge: challenge,
    });
    options.print(
      "To let gphotos-sync read your Google Photos, open this link in a " +
        "browser and sign in:",
    );
    options.print("");
    options.print(url);
    options.print("");
    options.print(
      `Waiting for the browser to come back to ${redirectUri} ... (if the ` +
        "browser runs on another computer, forward the port first: " +
        `ssh -L ${listener.port}:127.0.0.1:${listener.port} THIS-HOST)`,
    );
    const code = await waitForCode(
      listener.code,
      options.signal,
      timeoutMs,
    );
    const answer = await tokenRequest(
      options.http,
      options.secret,
      {
        grant_type: "authorization_code",
        code,
        redirect_uri: redirectUri,
        code_verifier: verifier,
      },
      "sign-in",
      options.signal,
    );
    const token = tokenFromAnswer(answer, now(), undefined);
    if (!token.refreshToken) {
      logger.warn(
        "Google sent no refresh token with this sign-in; the access token " +
          "will work for an hour, then sign in again.",
      );
    }
    const missing = token.scopes
      ? options.scopes.filter((s) => !token.scopes?.includes(s))
      : [];
    if (missing.length > 0) {
      logger.warn(
        `The sign-in did not grant ${
          missing.map(shortScope).join(", ")
        }; what needs ${
          missing.length === 1 ? "it" : "them"
        } will be refused. Run \`gphotos-sync login ROOT\` and tick every box to grant it.`,
      );
    }
    await writeTokenFile(options.tokenFile, token);
    logger.info(`Signed in; the token is saved in ${options.tokenFile}.`);
    return token;
  } finally {
    await listener.close();
  }
}

export interface ConsentUrlParts {
  authUri: string;
  clientId: string;
  redirectUri: string;
  scopes: readonly string[];
  state: string;
  codeChallenge: string;
}

export function consentUrl(parts: ConsentUrlParts): string {
  const url = new URL(parts.authUri);
  const params = url.searchParams;
  params.set("client_id", parts.clientId);
  params.set("redirect_uri", parts.redirectUri);
  params.set("response_type", "code");
  params.set("scope", parts.scopes.join(" "));
  params.set("access_type", "offline");
  params.set("prompt", "consent");
  params.set("state", parts.state);
  params.set("code_challenge", parts.codeChallenge);
  params.set("code_challenge_method", "S256");
  return url.href;
}

/** base64url of `bytes` random bytes (state, PKCE verifier). */
export function randomUrlSafe(bytes: number): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** PKCE S256: base64url(SHA-256(verifier)). */
export async function pkceChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(verifier),
  );
  return base64url(new Uint8Array(digest));
}

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}

interface RedirectListener {
  port: number;
  /** The authorization code, or an AuthError if the user declined. */
  code: Promise<string>;
  close(): Promise<void>;
}

function listenForRedirect(
  port: number,
  state: string,
  logger: Logger,
): RedirectListener {
  let settled = false;
  let resolveCode: (code: string) => void = () => {};
  let rejectCode: (error: Error) => void = () => {};
  const code = new Promise<string>((resolve, reject) => {
    resolveCode = resolve;
    rejectCode = reject;
  });
  // The waiter may have gone (abort, timeout) when a late answer arrives.
  code.catch(() => {});

  const handler = (request: Request): Response => {
    const url = new URL(request.url);
    if (request.method !== "GET" || url.pathname !== "/") {
      return page(404, "Not found", "This address only takes the sign-in.");
    }
    const params = url.searchParams;
    // Only the browser we sent, carrying our state, may answer: anything
    // else (another tab, another program) is turned away and we keep waiting.
    if (params.get("state") !== state) {
      logger.warn(
        "A request reached the sign-in listener without the expected state; " +
          "refused it and still waiting.",
      );
      return page(
        400,
        "Not this sign-in",
        "This answer does not belong to the sign-in gphotos-sync is waiting " +
          "for. Use the link gphotos-sync printed last.",
      );
    }
    if (settled) {
      return page(200, "Already done", "You can close this tab.");
    }
    const error = params.get("error");
    if (error !== null) {
      settled = true;
      rejectCode(
        error === "access_denied"
          ? new AuthError(
            "The sign-in was declined in the browser (access_denied), so " +
              "gphotos-sync cannot read your Google Photos. Run " +
              "`gphotos-sync login ROOT` again and allow access.",
          )
          : new AuthError(
            `Google's sign-in page answered "${error}"${
              params.get("error_description")
                ? ` (${params.get("error_description")})`
                : ""
            }. Check the client secret file and run \`gphotos-sync login ROOT\` again.`,
          ),
      );
      return page(
        200,
        "Sign-in not completed",
        "gphotos-sync did not get access. You can close this tab.",
      );
    }
    const value = params.get("code");
    if (!value) {
      return page(
        400,
        "No code",
        "The answer carries no authorization code. Use the link again.",
      );
    }
    settled = true;
    rememberSecret(value);
    resolveCode(value);
    return page(
      200,
      "Signed in",
      "gphotos-sync is signed in. You can close this tab.",
    );
  };

  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve(
      { hostname: "127.0.0.1", port, onListen: () => {} },
      handler,
    );
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new UsageError(
        `Cannot wait for the sign-in on port ${port}: another program is ` +
          "using it. Stop that program, or choose a free port with --port N.",
        { cause: error },
      );
    }
    if (
      error instanceof Deno.errors.PermissionDenied ||
      error instanceof Deno.errors.NotCapable
    ) {
      throw new UsageError(
        `Cannot wait for the sign-in on port ${port}: not allowed (${
          error instanceof Error ? error.message : String(error)
        }). Choose a port above 1023 with --port N.`,
        { cause: error },
      );
    }
    throw error;
  }
  return {
    port: server.addr.port,
    code,
    close: () => server.shutdown(),
  };
}

function page(status: number, title: string, text: string): Response {
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>` +
    `gphotos-sync: ${title}</title></head><body><h1>${title}</h1><p>${text}` +
    "</p></body></html>";
  return new Response(html, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "connection": "close",
    },
  });
}

async function waitForCode(
  code: Promise<string>,
  signal: AbortSignal | undefined,
  timeoutMs: number,
): Promise<string> {
  const cleanups: (() => void)[] = [];
  const stop = new Promise<never>((_, reject) => {
    if (signal) {
      const onAbort = () => reject(interruption(signal, "the sign-in"));
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener("abort", onAbort, { once: true });
        cleanups.push(() => signal.removeEventListener("abort", onAbort));
      }
    }
    const timer = setTimeout(() =>
      reject(
        new AuthError(
          `No sign-in came back within ${
            Math.round(timeoutMs / 1000)
          } s. Run \`gphotos-sync login ROOT\` again and open the link it ` +
            "prints in a browser.",
        ),
      ), timeoutMs);
    cleanups.push(() => clearTimeout(timer));
  });
  try {
    return await Promise.race([code, stop]);
  } finally {
    for (const cleanup of cleanups) cleanup();
  }
}

// ---- the token endpoint ----

interface TokenAnswer {
  accessToken: string;
  refreshToken?: string;
  tokenType: string;
  scopes?: string[];
  expiresIn?: number;
  extra: Record<string, unknown>;
}

async function tokenRequest(
  http: HttpClient,
  secret: ClientSecret,
  fields: Record<string, string>,
  purpose: "sign-in" | "token refresh",
  signal: AbortSignal | undefined,
): Promise<TokenAnswer> {
  const body = new URLSearchParams({
    ...fields,
    client_id: secret.clientId,
    client_secret: secret.clientSecret,
  });
  let json: unknown;
  try {
    json = await http.json(secret.tokenUri, {
      method: "POST",
      body,
      signal,
      label: `${purpose} at ${new URL(secret.tokenUri).origin}`,
    });
  } catch (error) {
    throw tokenError(error, secret, purpose);
  }
  const r = new JsonReader(`the ${purpose} at ${secret.tokenUri}`);
  const o = r.object(json, "response");
  const accessToken = r.string(o, "access_token", "response");
  rememberSecret(accessToken);
  const answer: TokenAnswer = {
    accessToken,
    tokenType: r.optString(o, "token_type", "response") || "Bearer",
    extra: {},
  };
  const refresh = r.optString(o, "refresh_token", "response");
  rememberSecret(refresh);
  if (refresh) answer.refreshToken = refresh;
  const scopes = parseScopes(o.scope);
  if (scopes !== undefined) answer.scopes = scopes;
  const expiresIn = o.expires_in === undefined
    ? undefined
    : Number(o.expires_in);
  if (expiresIn !== undefined && Number.isFinite(expiresIn)) {
    answer.expiresIn = expiresIn;
  }
  for (const key of ["id_token"]) {
    if (o[key] !== undefined) answer.extra[key] = o[key];
  }
  return answer;
}

function tokenError(
  error: unknown,
  secret: ClientSecret,
  purpose: "sign-in" | "token refresh",
): unknown {
  // Network trouble, quota and Google's own 5xx stay what they are: they
  // say nothing about the sign-in.
  if (
    !(error instanceof ApiError) || error.status === 0 ||
    error.status === 429 || error.status >= 500
  ) {
    return error;
  }
  const detail = error.message;
  switch (error.code) {
    case "invalid_grant":
      if (purpose === "token refresh") {
        return new TokenExpiredError(
          "Google refused to refresh the saved sign-in (invalid_grant): the " +
            "refresh token has expired or was revoked. Google expires the " +
            'refresh tokens of apps whose OAuth consent screen is in "Testing" ' +
            "status after 7 days. To stop this for good, publish the app " +
            "(Google Cloud console > APIs & Services > OAuth consent screen > " +
            "Publish app); then sign in again with `gphotos-sync login ROOT`, " +
            "or run this command again with --new-token.",
          { cause: error },
        );
      }
      return new AuthError(
        "Google refused the sign-in code (invalid_grant); it may have been " +
          "used already or expired. Run `gphotos-sync login ROOT` again.",
        { cause: error },
      );
    case "invalid_client":
    case "unauthorized_client":
      return new AuthError(
        `Google does not accept the OAuth client in ${secret.path} ` +
          `(${error.code}). It may have been deleted or its secret reset: ` +
          "download the client secret again from the Google Cloud console " +
          "(APIs & Services > Credentials) and save it over that file.",
        { cause: error },
      );
    default:
      return new AuthError(
        `The ${purpose} failed: ${detail}. Run \`gphotos-sync login ROOT\` again.`,
        { cause: error },
      );
  }
}

function tokenFromAnswer(
  answer: TokenAnswer,
  nowMs: number,
  previous: StoredToken | undefined,
): StoredToken {
  const expiresIn = answer.expiresIn ?? DEFAULT_EXPIRES_IN_S;
  const token: StoredToken = {
    accessToken: answer.accessToken,
    tokenType: answer.tokenType,
    expiresIn,
    expiresAt: nowMs / 1000 + expiresIn,
    extra: { ...previous?.extra, ...answer.extra },
  };
  // Google usually answers a refresh without a refresh token: keep the old.
  const refresh = answer.refreshToken ?? previous?.refreshToken;
  if (refresh !== undefined) token.refreshToken = refresh;
  const scopes = answer.scopes ?? previous?.scopes;
  if (scopes !== undefined) token.scopes = scopes;
  return token;
}

// ---- the Authorizer ----

export interface AuthorizerOptions {
  secret: ClientSecret;
  tokenFile: string;
  /** Scopes the run needs (GoogleOptions.scopes). */
  scopes: readonly string[];
  port: number;
  /** --new-token: ignore the stored token and sign in again (once). */
  newToken?: boolean;
  http: HttpClient;
  print: (line: string) => void;
  logger?: Logger;
  now?: () => number;
  consentTimeoutMs?: number;
  /**
   * Whether a stored token's scopes are enough for this run. Default: it
   * grants every scope in `scopes`. A command that can work with any of
   * several scopes (sync reads with gphotos-sync's photoslibrary.readonly as
   * well as with the app-created one) says so here, so a gphotos-sync token
   * works unchanged.
   */
  accepts?: (granted: readonly string[]) => boolean;
  /**
   * False for unattended runs (--quiet): a needed consent fails at once
   * with SignInNeededError. Default true.
   */
  interactive?: boolean;
}

/**
 * Gives out valid access tokens, signing in or refreshing as needed. Calls
 * are serialised, so twenty downloads that find the token expired cause one
 * refresh, not twenty.
 */
export class Authorizer implements AccessTokenSource {
  readonly #options: AuthorizerOptions;
  readonly #logger: Logger;
  readonly #now: () => number;
  #newToken: boolean;
  #token: StoredToken | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: AuthorizerOptions) {
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.#now = options.now ?? Date.now;
    this.#newToken = options.newToken ?? false;
  }

  getAccessToken(signal?: AbortSignal): Promise<string> {
    return this.#exclusive(async () => (await this.#valid(signal)).accessToken);
  }

  refreshAccessToken(rejected: string, signal?: AbortSignal): Promise<string> {
    return this.#exclusive(async () => {
      const current = this.#token;
      // Another caller may have refreshed while this one waited its turn.
      if (
        current && current.accessToken !== rejected && !this.#expiring(current)
      ) {
        return current.accessToken;
      }
      if (!current) await this.#load(signal);
      return (await this.#renew(signal)).accessToken;
    });
  }

  /**
   * The `login` command: always a new consent, for the scopes asked for plus
   * those the stored token already grants (except removed ones).
   */
  login(signal?: AbortSignal): Promise<StoredToken> {
    return this.#exclusive(async () => {
      let granted: string[] | undefined;
      if (!this.#newToken) {
        granted = (await readTokenFile(this.#options.tokenFile, this.#logger))
          ?.scopes;
      }
      this.#newToken = false;
      return await this.#consent(
        unionScopes(this.#options.scopes, granted),
        signal,
      );
    });
  }

  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => {});
    return run;
  }

  #expiring(token: StoredToken): boolean {
    return token.accessToken === "" || token.expiresAt === undefined ||
      token.expiresAt * 1000 - this.#now() < REFRESH_MARGIN_MS;
  }

  async #valid(signal: AbortSignal | undefined): Promise<StoredToken> {
    const token = this.#token ?? await this.#load(signal);
    return this.#expiring(token) ? await this.#renew(signal) : token;
  }

  async #load(signal: AbortSignal | undefined): Promise<StoredToken> {
    const { tokenFile, scopes } = this.#options;
    if (this.#newToken) {
      this.#newToken = false;
      this.#logger.info(
        "--new-token: ignoring the saved token, signing in again.",
      );
      return await this.#consent(scopes, signal);
    }
    const stored = await readTokenFile(tokenFile, this.#logger);
    if (!stored) {
      this.#logger.info(`No usable token in ${tokenFile}; signing in.`);
      return await this.#consent(scopes, signal);
    }
    const accepts = this.#options.accepts;
    const missing = !stored.scopes || accepts?.(stored.scopes)
      ? []
      : scopes.filter((s) => !stored.scopes?.includes(s));
    if (missing.length > 0) {
      this.#logger.warn(
        `The saved token does not grant ${
          missing.map(shortScope).join(", ")
        }; asking for consent again.`,
      );
      return await this.#consent(unionScopes(scopes, stored.scopes), signal);
    }
    this.#token = stored;
    return stored;
  }

  /** Refreshes, or signs in again when there is nothing to refresh with. */
  async #renew(signal: AbortSignal | undefined): Promise<StoredToken> {
    const current = this.#token;
    if (!current?.refreshToken) {
      this.#logger.warn(
        "The saved token has no refresh token; signing in again.",
      );
      return await this.#consent(
        unionScopes(this.#options.scopes, current?.scopes),
        signal,
      );
    }
    const answer = await tokenRequest(
      this.#options.http,
      this.#options.secret,
      {
        grant_type: "refresh_token",
        refresh_token: current.refreshToken,
      },
      "token refresh",
      signal,
    );
    const token = tokenFromAnswer(answer, this.#now(), current);
    await writeTokenFile(this.#options.tokenFile, token);
    this.#token = token;
    this.#logger.debug("Refreshed the access token.");
    return token;
  }

  async #consent(
    scopes: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<StoredToken> {
    const o = this.#options;
    if (o.interactive === false) {
      throw new SignInNeededError(
        `The saved sign-in in ${o.tokenFile} is missing or not enough for this command.`,
      );
    }
    const token = await runConsentFlow({
      secret: o.secret,
      scopes,
      port: o.port,
      tokenFile: o.tokenFile,
      http: o.http,
      print: o.print,
      logger: this.#logger,
      now: this.#now,
      signal,
      timeoutMs: o.consentTimeoutMs,
    });
    this.#token = token;
    return token;
  }
}

/** `required` plus what `granted` holds, minus the scopes Google removed. */
export function unionScopes(
  required: readonly string[],
  granted: readonly string[] | undefined,
): string[] {
  const out = [...required];
  for (const scope of granted ?? []) {
    if (!out.includes(scope) && !REMOVED_SCOPES.has(scope)) out.push(scope);
  }
  return out;
}

function shortScope(scope: string): string {
  return scope.replace("https://www.googleapis.com/auth/", "");
}
