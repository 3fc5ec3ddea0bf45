// Wiring for the commands that talk to Google: one HttpClient (one retry
// policy), the Authorizer over the token file, and the API clients, built
// from the options and the run's injected side effects.

import type { GoogleOptions } from "../options.ts";
import { HttpClient } from "../google/http.ts";
import { loadClientSecret } from "../google/client_secret.ts";
import { mayCarryAccessToken } from "../google/endpoints.ts";
import { DEFAULT_LIBRARY_API, LibraryClient } from "../google/library.ts";
import { Authorizer } from "../google/oauth.ts";
import { tokenFilePath } from "../google/token_store.ts";
import {
  DEFAULT_SCOPES,
  SCOPE_APP_CREATED_READONLY,
  SCOPE_LIBRARY_READONLY,
  SCOPE_PICKER,
} from "../google/scopes.ts";
import { SCOPE_LIBRARY } from "../google/oauth.ts";

/** What a run needs its token to grant. */
export type ScopeNeed = "library" | "picker" | "any";

/** Scopes any one of which lets the Library API read items. */
const LIBRARY_READ = [
  SCOPE_LIBRARY_READONLY,
  SCOPE_LIBRARY,
  SCOPE_APP_CREATED_READONLY,
];

/**
 * A stored token is enough when it grants what the command reads with and
 * every scope the user asked for with --scope.
 */
export function tokenAccepts(
  need: ScopeNeed,
  requested: readonly string[],
): (granted: readonly string[]) => boolean {
  const extra = requested.filter((s) => !DEFAULT_SCOPES.includes(s));
  return (granted) => {
    if (!extra.every((s) => granted.includes(s))) return false;
    if (need === "library") {
      return LIBRARY_READ.some((s) => granted.includes(s));
    }
    if (need === "picker") return granted.includes(SCOPE_PICKER);
    return true;
  };
}
import type { RunContext } from "../backup/context.ts";

export interface GoogleSession {
  http: HttpClient;
  auth: Authorizer;
  library: LibraryClient;
}

/** A positive number of milliseconds from the environment, if set. */
function envMs(ctx: RunContext, name: string): number | undefined {
  const v = Number(ctx.env(name));
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

/** Tests shrink gphotos-sync's 5 s backoff factor through this variable. */
export function backoffBase(ctx: RunContext): number | undefined {
  return envMs(ctx, "GPHOTOS_BACKOFF_MS");
}

/**
 * How long an API call (not a download: --image-timeout and
 * --video-timeout rule those) may wait for Google's answer before it is
 * retried; 60 s unless set.
 */
export function apiTimeout(ctx: RunContext): number | undefined {
  return envMs(ctx, "GPHOTOS_API_TIMEOUT_MS");
}

export async function openGoogleSession(
  options: GoogleOptions & { dbPath: string; quiet: boolean },
  ctx: RunContext,
  need: ScopeNeed,
): Promise<GoogleSession> {
  const secret = await loadClientSecret(options.secret, ctx.env);
  const http = new HttpClient({
    fetch: ctx.fetch,
    sleep: ctx.sleep,
    random: ctx.random,
    now: () => ctx.now().getTime(),
    logger: ctx.logger,
    maxRetries: options.maxRetries,
    backoffBaseMs: backoffBase(ctx),
    timeoutMs: apiTimeout(ctx),
    mayCarryToken: (url) => mayCarryAccessToken(url.href, ctx.env),
  });
  const auth = new Authorizer({
    secret,
    tokenFile: tokenFilePath(options.dbPath),
    scopes: options.scopes,
    port: options.port,
    newToken: options.newToken,
    http,
    print: ctx.tell,
    logger: ctx.logger,
    now: () => ctx.now().getTime(),
    accepts: tokenAccepts(need, options.scopes),
    // A scheduled run has nobody to open a sign-in link.
    interactive: !options.quiet,
  });
  const library = new LibraryClient({
    http,
    auth,
    baseUrl: ctx.env("GPHOTOS_LIBRARY_API") || DEFAULT_LIBRARY_API,
    sleep: ctx.sleep,
  });
  return { http, auth, library };
}
