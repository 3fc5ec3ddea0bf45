// Signing in to Google as an installed app, and keeping the token fresh.
//
// Authorizer: hands out valid access tokens to the HTTP client, loading the
// saved token, refreshing it through token_uri within a minute of expiry
// (token_endpoint.ts), and running the consent in a browser (consent.ts) when
// there is no token, or none good enough for the run; one caller at a time,
// so many downloads that find the token expired cause one refresh.

import { AuthError, ExitCode } from "../errors.ts";
import { type Logger, silentLogger } from "../log.ts";
import type { ClientSecret } from "./client_secret.ts";
import { runConsentFlow, shortScope } from "./consent.ts";
import type { AccessTokenSource, HttpClient } from "./http.ts";
import {
  DEFAULT_SCOPES,
  SCOPE_APP_CREATED_READONLY,
  SCOPE_LIBRARY_READONLY,
  SCOPE_PICKER,
  SCOPE_SHARING,
} from "./scopes.ts";
import { tokenFromAnswer, tokenRequest } from "./token_endpoint.ts";
import {
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
