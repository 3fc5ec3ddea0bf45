// Who may read what: checks the Bearer token of an API call and applies the
// scope rules of the chosen era. In "2024" photoslibrary.readonly reads the
// whole library; from 31 March 2025 that scope (and .sharing, and the full
// photoslibrary scope) no longer work, and the app-created-data scope sees
// only what the app itself created.

import { googleError, INSUFFICIENT_SCOPES } from "./google_errors.ts";
import { type AccessToken, type OAuthState, SCOPES } from "./oauth_state.ts";

export type Era = "2024" | "2025";

/** "all": the whole library; "appCreated": only items and albums the app made. */
export type Visibility = "all" | "appCreated";

/** Which family of Library API methods is being called. */
export type ApiArea = "library" | "sharedAlbums";

const REMOVED_IN_2025 = new Set<string>([
  SCOPES.library,
  SCOPES.readonly,
  SCOPES.sharing,
]);

/** The visibility the scopes give, or null when they give no read access. */
export function visibilityFor(
  scopes: readonly string[],
  era: Era,
  area: ApiArea,
): Visibility | null {
  if (era === "2025" && area === "sharedAlbums") return null;
  const live = era === "2025"
    ? scopes.filter((s) => !REMOVED_IN_2025.has(s))
    : scopes;
  if (live.includes(SCOPES.library) || live.includes(SCOPES.readonly)) {
    return "all";
  }
  if (area === "sharedAlbums" && live.includes(SCOPES.sharing)) return "all";
  if (live.includes(SCOPES.readonlyAppCreated)) return "appCreated";
  return null;
}

const MISSING_CREDENTIALS =
  "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.";

const WWW_AUTHENTICATE =
  'Bearer realm="https://accounts.google.com/", error="invalid_token"';

/** The access token of a request, or the 401 Google would answer. */
export function bearerToken(
  req: Request,
  oauth: OAuthState,
): AccessToken | Response {
  const header = req.headers.get("authorization");
  const match = header === null ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (match === null) {
    return googleError(401, MISSING_CREDENTIALS, {
      "www-authenticate": 'Bearer realm="https://accounts.google.com/"',
    });
  }
  const found = oauth.lookup(match[1]);
  if (found === "unknown" || found === "expired") {
    return googleError(401, undefined, {
      "www-authenticate": WWW_AUTHENTICATE,
    });
  }
  return found;
}

/** Authenticates and authorises a Library API call: the visibility it gets,
 * or the 401/403 response to send. */
export function authorize(
  req: Request,
  oauth: OAuthState,
  era: Era,
  area: ApiArea,
): Visibility | Response {
  const token = bearerToken(req, oauth);
  if (token instanceof Response) return token;
  const visibility = visibilityFor(token.scopes, era, area);
  if (visibility === null) return insufficientScopes();
  return visibility;
}

export function insufficientScopes(): Response {
  return googleError(403, INSUFFICIENT_SCOPES, {
    "www-authenticate":
      'Bearer realm="https://accounts.google.com/", error="insufficient_scope", scope="' +
      SCOPES.readonlyAppCreated + '"',
  });
}
