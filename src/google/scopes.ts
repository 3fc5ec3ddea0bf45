// OAuth scopes of the Photos APIs, and which of them Google still grants
// after the 31 March 2025 change.

const BASE = "https://www.googleapis.com/auth/";

export const SCOPE_APP_CREATED_READONLY =
  `${BASE}photoslibrary.readonly.appcreateddata`;
export const SCOPE_PICKER = `${BASE}photospicker.mediaitems.readonly`;
/** gphotos-sync's scopes; removed by Google on 31 March 2025. */
export const SCOPE_LIBRARY_READONLY = `${BASE}photoslibrary.readonly`;
export const SCOPE_SHARING = `${BASE}photoslibrary.sharing`;

/** What a sign-in asks for unless --scope adds more. */
export const DEFAULT_SCOPES: readonly string[] = [
  SCOPE_APP_CREATED_READONLY,
  SCOPE_PICKER,
];

/**
 * Accepts a full scope URL or its short name ("photoslibrary.readonly") and
 * returns the URL; undefined for something that is not a scope name.
 */
export function normalizeScope(text: string): string | undefined {
  const t = text.trim();
  if (/^https:\/\/www\.googleapis\.com\/auth\/[a-z0-9._]+$/.test(t)) return t;
  if (/^[a-z][a-z0-9._]*$/.test(t)) return BASE + t;
  return undefined;
}
