// Consent: the installed-app sign-in in a browser. Print a link to the
// client secret's auth_uri (state + PKCE S256), wait on
// http://127.0.0.1:PORT/ for the browser to come back with a code
// (redirect_listener.ts), exchange it at token_uri (token_endpoint.ts), save
// the token, and say which asked-for scopes the user did not grant.

import { type Logger, silentLogger } from "../log.ts";
import type { ClientSecret } from "./client_secret.ts";
import type { HttpClient } from "./http.ts";
import { rememberSecret } from "./redact.ts";
import { listenForRedirect, waitForCode } from "./redirect_listener.ts";
import { tokenFromAnswer, tokenRequest } from "./token_endpoint.ts";
import { type StoredToken, writeTokenFile } from "./token_store.ts";

/** How long the browser has to come back, unless the caller says. */
export const DEFAULT_CONSENT_TIMEOUT_MS = 10 * 60_000;

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

/** The link to Google's consent page, with state and the PKCE challenge. */
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

/** A scope as people read it: without Google's URL prefix. */
export function shortScope(scope: string): string {
  return scope.replace("https://www.googleapis.com/auth/", "");
}
