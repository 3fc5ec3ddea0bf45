// Removes secrets from text before it reaches a log or the trace file:
// access and refresh tokens, authorization codes, client secrets and PKCE
// verifiers, whether they sit in a URL query, a form body, JSON or a header.
// Patterns catch what is recognisable by its name or shape; the exact
// values the program holds (rememberSecret) are removed wherever they are,
// whatever surrounds them ("access_token: plainsecret").

const SECRET_NAMES = [
  "access_token",
  "refresh_token",
  "id_token",
  "code",
  "client_secret",
  "code_verifier",
];
const NAMES = SECRET_NAMES.join("|");

// `name=value` in queries and form bodies. The name must follow a separator,
// so `error_code=` stays, and `code_challenge=` (a hash, not a secret) does
// not match `code=`.
const FORM_PAIR = new RegExp(`(^|[?&\\s;,])(${NAMES})=([^&\\s"';,]*)`, "g");
// "name": "value" in JSON (escapes inside the value allowed).
const JSON_PAIR = new RegExp(
  `((?<!\\\\)"(?:${NAMES})"\\s*:\\s*")((?:[^"\\\\]|\\\\.)*)(")`,
  "g",
);
// The same inside a JSON string (an error message quoting a body): quotes
// arrive as \" and the value's own escapes are doubled.
const NESTED_JSON_PAIR = new RegExp(
  `(\\\\"(?:${NAMES})\\\\"\\s*:\\s*\\\\")((?:[^"\\\\]|\\\\\\\\.)*)(\\\\")`,
  "g",
);
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/-]+=*/gi;
// Google's own token shapes, caught wherever they appear (e.g. pasted into
// an error message): access tokens start with "ya29.", refresh tokens "1//".
const GOOGLE_ACCESS_TOKEN = /\bya29\.[A-Za-z0-9._-]+/g;
const GOOGLE_REFRESH_TOKEN = /(^|[^A-Za-z0-9])1\/\/[A-Za-z0-9._-]{10,}/g;
// Client secrets of OAuth clients made since 2021 (e.g. echoed back by an
// error description, where no `client_secret=` names them).
const GOOGLE_CLIENT_SECRET = /\bGOCSPX-[A-Za-z0-9_-]{8,}/g;

export const REDACTED = "REDACTED";

/** Shorter values are not secrets worth the name (and would match words). */
const MIN_SECRET_LENGTH = 8;
const held = new Set<string>();

/**
 * Remembers a secret value the program holds (a token read or received, a
 * client secret, a code, a PKCE verifier): redact removes it from then on.
 */
export function rememberSecret(value: string | undefined): void {
  if (value !== undefined && value.length >= MIN_SECRET_LENGTH) held.add(value);
}

/** Returns `text` with every secret it can recognise replaced by REDACTED. */
export function redact(text: string): string {
  for (const value of held) {
    if (text.includes(value)) text = text.replaceAll(value, REDACTED);
  }
  return text
    .replace(FORM_PAIR, (_m, lead, name) => `${lead}${name}=${REDACTED}`)
    .replace(JSON_PAIR, (_m, head, _value, tail) => `${head}${REDACTED}${tail}`)
    .replace(
      NESTED_JSON_PAIR,
      (_m, head, _value, tail) => `${head}${REDACTED}${tail}`,
    )
    .replace(BEARER, (_m, lead) => `${lead}${REDACTED}`)
    .replace(GOOGLE_ACCESS_TOKEN, REDACTED)
    .replace(GOOGLE_REFRESH_TOKEN, (_m, lead) => `${lead}${REDACTED}`)
    .replace(GOOGLE_CLIENT_SECRET, REDACTED);
}
