// The token endpoint (the client secret's token_uri): a sign-in code or a
// refresh token exchanged for an access token, the answer read into the
// token we store, and Google's refusals told as what they mean for the user,
// `invalid_grant` on a refresh above all: a TokenExpiredError that says why
// (apps in "Testing" status get 7-day refresh tokens) and what to do.

import { ApiError, AuthError, ExitCode } from "../errors.ts";
import type { ClientSecret } from "./client_secret.ts";
import type { HttpClient } from "./http.ts";
import { JsonReader } from "./json_shape.ts";
import { rememberSecret } from "./redact.ts";
import { parseScopes, type StoredToken } from "./token_store.ts";

/** Google's access tokens last an hour; assumed when an answer omits expires_in. */
const DEFAULT_EXPIRES_IN_S = 3600;

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

export interface TokenAnswer {
  accessToken: string;
  refreshToken?: string;
  tokenType: string;
  scopes?: string[];
  expiresIn?: number;
  extra: Record<string, unknown>;
}

/**
 * One POST to the client secret's token_uri (a code exchanged, or a refresh);
 * the secrets in the answer are remembered for redaction.
 */
export async function tokenRequest(
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

/** What a refused token request means for the user, and what to do. */
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

/** The token to store: the answer over what `previous` held. */
export function tokenFromAnswer(
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
