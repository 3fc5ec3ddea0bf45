// Loads the OAuth client secret file Google's Cloud console hands out for a
// "Desktop app" client ({"installed": {...}}), the file gphotos-sync used.
// "Web application" clients are refused with an explanation: Google only
// accepts their redirect URIs when each one is registered, so the consent on
// http://127.0.0.1:PORT/ would fail later with an obscure redirect_uri_mismatch.

import { UsageError } from "../errors.ts";
import { acceptableAuthUri, acceptableTokenUri } from "./endpoints.ts";
import { rememberSecret } from "./redact.ts";

type Env = (name: string) => string | undefined;
const noEnv: Env = () => undefined;

export interface ClientSecret {
  /** The file it came from, for messages. */
  path: string;
  clientId: string;
  clientSecret: string;
  authUri: string;
  tokenUri: string;
  redirectUris: string[];
}

/** How to get a client secret, for every message about a missing or bad one. */
export function howToGetClientSecret(path: string): string {
  return "To get one: in the Google Cloud console (https://console.cloud.google.com/) " +
    "enable the Photos Library API and the Google Photos Picker API, then open " +
    'APIs & Services > Credentials > Create credentials > OAuth client ID > "Desktop app", ' +
    `press Download JSON and save the file as ${path} (or name another file with --secret FILE).`;
}

/**
 * Reads and checks the client secret. `env` tells test mode apart: only
 * then may its endpoints be a loopback server (src/google/endpoints.ts).
 */
export async function loadClientSecret(
  path: string,
  env: Env = noEnv,
): Promise<ClientSecret> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new UsageError(
        `No client secret file at ${path}. gphotos-sync needs one to sign in ` +
          `to Google. ${howToGetClientSecret(path)}`,
        { cause: error },
      );
    }
    throw new UsageError(
      `Cannot read the client secret file ${path}: ${
        error instanceof Error ? error.message : String(error)
      }. Check that it is a readable file. ${howToGetClientSecret(path)}`,
      { cause: error },
    );
  }
  return parseClientSecret(text, path, env);
}

/**
 * Checks a client secret file's text: a "Desktop app" client whose
 * endpoints are Google's (or, in test mode, a loopback server).
 */
export function parseClientSecret(
  text: string,
  path: string,
  env: Env = noEnv,
): ClientSecret {
  const bad = (what: string): never => {
    throw new UsageError(
      `The client secret file ${path} ${what}. ${howToGetClientSecret(path)}`,
    );
  };
  const fields = installedSection(text, bad);
  const str = (key: string): string => {
    const value = fields[key];
    if (typeof value !== "string" || value.trim() === "") {
      bad(`lacks "installed.${key}"`);
    }
    return (value as string).trim();
  };
  const url = (key: string): string => {
    const value = str(key);
    let parsedUrl: URL | undefined;
    try {
      parsedUrl = new URL(value);
    } catch {
      parsedUrl = undefined;
    }
    if (
      !parsedUrl ||
      (parsedUrl.protocol !== "https:" && parsedUrl.protocol !== "http:")
    ) {
      bad(`has an "installed.${key}" that is not an http(s) URL: ${value}`);
    }
    return value;
  };
  // The token endpoint receives the client secret, the authorization code
  // and every refresh token: it must be Google's, over https.
  const tokenUri = url("token_uri");
  if (!acceptableTokenUri(tokenUri, env)) {
    bad(
      `names ${tokenUri} as its "installed.token_uri"; only https on ` +
        "Google's token host (https://oauth2.googleapis.com/token) is accepted",
    );
  }
  const authUri = url("auth_uri");
  if (!acceptableAuthUri(authUri, env)) {
    bad(
      `names ${authUri} as its "installed.auth_uri"; only https on ` +
        "Google's sign-in host (https://accounts.google.com/o/oauth2/auth) " +
        "is accepted",
    );
  }
  const redirects = fields.redirect_uris;
  const clientSecret = str("client_secret");
  rememberSecret(clientSecret);
  return {
    path,
    clientId: str("client_id"),
    clientSecret,
    authUri,
    tokenUri,
    redirectUris: Array.isArray(redirects)
      ? redirects.filter((u): u is string => typeof u === "string")
      : [],
  };
}

/** The "installed" object of a client secret file; `bad` throws what is wrong. */
function installedSection(
  text: string,
  bad: (what: string) => never,
): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    bad(`is not valid JSON (${error instanceof Error ? error.message : ""})`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return bad("does not hold a JSON object");
  }
  const root = parsed as Record<string, unknown>;
  const installed = root.installed;
  if (installed === undefined) {
    if (root.web !== undefined) {
      bad(
        'is for a "Web application" client; gphotos-sync signs in as a ' +
          'desktop program and needs a "Desktop app" client (a web client ' +
          "refuses the http://127.0.0.1:PORT/ redirect unless that exact " +
          "address is registered)",
      );
    }
    bad(
      'has no "installed" section, so it is not a "Desktop app" client secret',
    );
  }
  if (
    typeof installed !== "object" || installed === null ||
    Array.isArray(installed)
  ) {
    return bad('has an "installed" entry that is not an object');
  }
  return installed as Record<string, unknown>;
}
