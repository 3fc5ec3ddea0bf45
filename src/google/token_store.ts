// The user's OAuth token on disk: <db-path>/.gphotos.token, in the shape
// gphotos-sync wrote (a requests-oauthlib token dict), so either program can
// use a token the other saved:
//   {"access_token", "refresh_token", "token_type": "Bearer",
//    "scope": [..] (a list), "expires_in", "expires_at": <float epoch s>}
// `scope` is also read as a space-separated string (OAuth's wire form).
// Writes are atomic (temp file + rename) with mode 0600.

import { rememberSecret } from "./redact.ts";
import { fixedFile } from "../fs/confine.ts";
import { AuthError, DiskError } from "../errors.ts";
import type { Logger } from "../log.ts";

export const TOKEN_FILE_NAME = ".gphotos.token";

/** The token file; a link planted there that leads elsewhere is refused. */
export function tokenFilePath(dbPath: string): string {
  return fixedFile(dbPath, TOKEN_FILE_NAME);
}

export interface StoredToken {
  /** May be empty when only a refresh token is known. */
  accessToken: string;
  refreshToken?: string;
  tokenType: string;
  /** Granted scopes; undefined when the file does not say. */
  scopes?: string[];
  /** Epoch seconds (a float, as gphotos-sync wrote it). */
  expiresAt?: number;
  expiresIn?: number;
  /** Other fields of the file (e.g. id_token), written back unchanged. */
  extra: Record<string, unknown>;
}

const KNOWN_FIELDS = new Set([
  "access_token",
  "refresh_token",
  "token_type",
  "scope",
  "expires_in",
  "expires_at",
]);

/** Reads OAuth's `scope`: a JSON list (gphotos-sync) or a space-separated string. */
export function parseScopes(value: unknown): string[] | undefined {
  if (Array.isArray(value)) {
    return value.filter((s): s is string => typeof s === "string" && s !== "");
  }
  if (typeof value === "string") {
    return value.split(/\s+/).filter((s) => s !== "");
  }
  return undefined;
}

function parseSeconds(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && value.trim() !== "") {
    const n = Number(value);
    if (Number.isFinite(n)) return n;
  }
  return undefined;
}

/**
 * The token in a parsed file, or undefined when it holds neither an access
 * nor a refresh token.
 */
export function tokenFromJson(value: unknown): StoredToken | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return undefined;
  }
  const o = value as Record<string, unknown>;
  const access = typeof o.access_token === "string" ? o.access_token : "";
  const refresh = typeof o.refresh_token === "string" && o.refresh_token !== ""
    ? o.refresh_token
    : undefined;
  if (access === "" && refresh === undefined) return undefined;
  rememberSecret(access);
  rememberSecret(refresh);
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (!KNOWN_FIELDS.has(k)) extra[k] = v;
  }
  const token: StoredToken = {
    accessToken: access,
    tokenType: typeof o.token_type === "string" && o.token_type !== ""
      ? o.token_type
      : "Bearer",
    extra,
  };
  if (refresh !== undefined) token.refreshToken = refresh;
  const scopes = parseScopes(o.scope);
  if (scopes !== undefined) token.scopes = scopes;
  const expiresAt = parseSeconds(o.expires_at);
  if (expiresAt !== undefined) token.expiresAt = expiresAt;
  const expiresIn = parseSeconds(o.expires_in);
  if (expiresIn !== undefined) token.expiresIn = expiresIn;
  return token;
}

export function tokenToJson(token: StoredToken): Record<string, unknown> {
  const out: Record<string, unknown> = {
    access_token: token.accessToken,
  };
  if (token.refreshToken !== undefined) {
    out.refresh_token = token.refreshToken;
  }
  out.token_type = token.tokenType;
  if (token.scopes !== undefined) out.scope = [...token.scopes];
  if (token.expiresIn !== undefined) out.expires_in = token.expiresIn;
  if (token.expiresAt !== undefined) out.expires_at = token.expiresAt;
  for (const [k, v] of Object.entries(token.extra)) {
    if (!(k in out)) out[k] = v;
  }
  return out;
}

/**
 * The stored token, or undefined when there is none or it cannot be used
 * (then a new consent replaces it, as gphotos-sync did). A file other users
 * could read is tightened to 0600 with a warning.
 */
export async function readTokenFile(
  path: string,
  logger: Logger,
): Promise<StoredToken | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new AuthError(
      `Cannot read the token file ${path}: ${
        error instanceof Error ? error.message : String(error)
      }. Make it readable by this user, or delete it to sign in again.`,
      { cause: error },
    );
  }
  await tightenMode(path, logger);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    logger.warn(
      `The token file ${path} is not valid JSON; ignoring it and signing in again.`,
    );
    return undefined;
  }
  const token = tokenFromJson(parsed);
  if (!token) {
    logger.warn(
      `The token file ${path} holds no access or refresh token; ignoring it ` +
        "and signing in again.",
    );
  }
  return token;
}

async function tightenMode(path: string, logger: Logger): Promise<void> {
  const info = await Deno.stat(path);
  // mode is null where the OS has no POSIX permissions (Windows).
  if (info.mode === null || (info.mode & 0o077) === 0) return;
  try {
    await Deno.chmod(path, 0o600);
    logger.warn(
      `The token file ${path} was readable by other users (mode ${
        (info.mode & 0o777).toString(8).padStart(3, "0")
      }); it gives access to your Google Photos, so its mode is now 600.`,
    );
  } catch (error) {
    logger.warn(
      `The token file ${path} is readable by other users (mode ${
        (info.mode & 0o777).toString(8).padStart(3, "0")
      }) and could not be changed (${
        error instanceof Error ? error.message : String(error)
      }); run \`chmod 600 ${path}\`.`,
    );
  }
}

/** Saves the token atomically, readable and writable by this user only. */
export async function writeTokenFile(
  path: string,
  token: StoredToken,
): Promise<void> {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  const suffix = Array.from(bytes, (b) => b.toString(16).padStart(2, "0"))
    .join("");
  const temp = `${path}.${suffix}.tmp`;
  try {
    await Deno.writeTextFile(temp, JSON.stringify(tokenToJson(token)), {
      mode: 0o600,
      createNew: true,
    });
    if (Deno.build.os !== "windows") await Deno.chmod(temp, 0o600);
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw new DiskError(
      `Cannot save the sign-in token to ${path}: ${
        error instanceof Error ? error.message : String(error)
      }. Check that the folder exists and is writable (--db-path sets it).`,
      { cause: error },
    );
  }
}
