// Which hosts may receive what. An access token is a key to the user's
// photos: it goes only over https to Google's hosts. The OAuth token
// endpoint comes from the client secret file, so it is held to Google's
// token hosts too. The one exception is test mode: when the documented
// endpoint variables (GPHOTOS_LIBRARY_API / GPHOTOS_PICKER_API) point at a
// loopback server, that server's origin is accepted as well, so the tests
// run against a local fake of Google and nothing else.

/** Hosts that serve OAuth tokens for Google's "installed app" clients. */
export const GOOGLE_TOKEN_HOSTS: readonly string[] = [
  "oauth2.googleapis.com",
  "accounts.google.com",
  "www.googleapis.com",
];

/** Hosts of sign-in pages (auth_uri), opened by the browser. */
export const GOOGLE_AUTH_HOSTS: readonly string[] = ["accounts.google.com"];

/** Where an access token may go: the APIs, and the media hosts of baseUrls. */
const TOKEN_API_HOSTS: readonly string[] = [
  "photoslibrary.googleapis.com",
  "photospicker.googleapis.com",
];
const MEDIA_HOST = /^(?:[a-z0-9-]+\.)*googleusercontent\.com$/;

export const ENDPOINT_VARIABLES = [
  "GPHOTOS_LIBRARY_API",
  "GPHOTOS_PICKER_API",
] as const;

/** Origins of the loopback servers the endpoint variables name (test mode). */
export function loopbackOverrides(
  env: (name: string) => string | undefined,
): string[] {
  const out: string[] = [];
  for (const name of ENDPOINT_VARIABLES) {
    const url = parse(env(name));
    if (url && isLoopback(url.hostname)) out.push(url.origin);
  }
  return out;
}

/** True for the loopback names and addresses (127/8, ::1, localhost). */
export function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * Whether `uri` may serve as a client secret's token_uri: https on one of
 * Google's token hosts, or (test mode only) a loopback URL while the
 * endpoint variables point at loopback.
 */
export function acceptableTokenUri(
  uri: string,
  env: (name: string) => string | undefined,
): boolean {
  return acceptable(uri, GOOGLE_TOKEN_HOSTS, env);
}

/** The same rule for auth_uri (the sign-in page the browser opens). */
export function acceptableAuthUri(
  uri: string,
  env: (name: string) => string | undefined,
): boolean {
  return acceptable(uri, GOOGLE_AUTH_HOSTS, env);
}

/**
 * Whether an access token may be sent to `url` (an API call, or a Picker
 * baseUrl from a listing): https on Google's API and media hosts, or the
 * origin of a loopback endpoint override in test mode.
 */
export function mayCarryAccessToken(
  url: string,
  env: (name: string) => string | undefined,
): boolean {
  const u = parse(url);
  if (!u) return false;
  if (loopbackOverrides(env).includes(u.origin)) return true;
  if (u.protocol !== "https:" || u.port !== "") return false;
  const host = u.hostname.toLowerCase();
  return TOKEN_API_HOSTS.includes(host) || MEDIA_HOST.test(host);
}

function acceptable(
  uri: string,
  hosts: readonly string[],
  env: (name: string) => string | undefined,
): boolean {
  const u = parse(uri);
  if (!u) return false;
  if (
    u.protocol === "https:" && u.port === "" &&
    hosts.includes(u.hostname.toLowerCase())
  ) return true;
  return (u.protocol === "http:" || u.protocol === "https:") &&
    isLoopback(u.hostname) && loopbackOverrides(env).length > 0;
}

function parse(text: string | undefined): URL | undefined {
  if (!text) return undefined;
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
