// What Google's answers mean when they are not the one asked for: its error
// envelope read, and the typed error each refusal, spent retry budget or
// abort becomes, each message saying what failed and what to do. The
// client (http.ts) decides whether to retry; this says what to tell.

import {
  ApiError,
  AuthError,
  GphotosError,
  InterruptedError,
  QuotaError,
  ScopeError,
} from "../errors.ts";
import { redact } from "./redact.ts";

/** Google's answer to a call made with a scope it removed on 31 March 2025. */
export const INSUFFICIENT_SCOPES_MESSAGE =
  "Request had insufficient authentication scopes.";

/**
 * The network failed (no connection, reset, stall, broken body) and retries
 * ran out, or a streamed body broke off after it was handed to the caller.
 * Status 0: there was no HTTP answer to report.
 */
export class NetworkError extends ApiError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 0, "NETWORK_ERROR", options);
  }
}

/** The parts of Google's error envelope the program uses. */
export interface GoogleErrorInfo {
  /** `error.status` ("PERMISSION_DENIED"), or OAuth's `error` ("invalid_grant"). */
  status: string;
  message: string;
}

/**
 * Reads `{"error": {"code", "message", "status"}}` (APIs) or
 * `{"error": "invalid_grant", "error_description"}` (OAuth token endpoint);
 * anything else gives the start of the body as the message.
 */
export function parseGoogleError(text: string): GoogleErrorInfo {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { status: "", message: firstLine(text) };
  }
  if (typeof parsed === "object" && parsed !== null && "error" in parsed) {
    const env = parsed as { error: unknown; error_description?: unknown };
    const err = env.error;
    if (typeof err === "string") {
      const description = typeof env.error_description === "string"
        ? env.error_description
        : "";
      return { status: err, message: description };
    }
    if (typeof err === "object" && err !== null) {
      const e = err as { status?: unknown; message?: unknown };
      return {
        status: typeof e.status === "string" ? e.status : "",
        message: typeof e.message === "string" ? e.message : "",
      };
    }
  }
  return { status: "", message: firstLine(text) };
}

export function firstLine(text: string): string {
  const line = text.trim().split("\n")[0] ?? "";
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}

/** The ScopeError text: what Google changed and what still works. */
export function scopeChangeMessage(label: string): string {
  return [
    `Google refused ${label}: "${INSUFFICIENT_SCOPES_MESSAGE}" (HTTP 403).`,
    "Since 31 March 2025 Google's Library API only lets an app read the photos " +
    "and albums that the app itself created; the scopes gphotos-sync used to " +
    "read a whole library (photoslibrary.readonly, photoslibrary.sharing) were removed.",
    "Nothing already backed up is lost: the files and the index stay as they are.",
    "To back up the rest of the library, use `gphotos-sync pick ROOT` (choose " +
    "items in Google Photos' picker) and `gphotos-sync takeout ROOT ARCHIVE...` " +
    "(import a Google Takeout export).",
  ].join("\n");
}

/** The error to raise when the caller's signal aborted a call. */
export function interruption(signal: AbortSignal, label: string): GphotosError {
  // A caller may abort with its own typed error (e.g. a pick timeout); keep it.
  if (signal.reason instanceof GphotosError) return signal.reason;
  return new InterruptedError(`Interrupted during ${label}.`, {
    cause: signal.reason,
  });
}

/** An attempt that got no usable answer: an HTTP status, or none at all. */
export type Failure =
  | { kind: "status"; status: number; text: string; retryAfter: string | null }
  | { kind: "network"; reason: string; error: unknown };

/** A non-retryable answer. */
export function refusalError(
  outcome: Failure,
  label: string,
  withAuth: boolean,
): GphotosError {
  if (outcome.kind === "network") {
    return new NetworkError(`${label}: ${redact(outcome.reason)}`, {
      cause: outcome.error,
    });
  }
  const info = parseGoogleError(outcome.text);
  const detail = redact(
    [info.status, info.message].filter((s) => s !== "").join(": "),
  );
  if (
    outcome.status === 403 &&
    info.message.trim() === INSUFFICIENT_SCOPES_MESSAGE
  ) {
    return new ScopeError(
      scopeChangeMessage(label),
      403,
      info.status || "PERMISSION_DENIED",
    );
  }
  if (outcome.status === 401 && withAuth) {
    return new AuthError(
      `Google refused the sign-in for ${label} (HTTP 401${
        detail ? `: ${detail}` : ""
      }), even with a freshly refreshed token. Run \`gphotos-sync login ROOT\` ` +
        "to sign in again, or run with --new-token.",
    );
  }
  return new ApiError(
    `Google answered HTTP ${outcome.status} to ${label}${
      detail ? `: ${detail}` : ""
    }`,
    outcome.status,
    info.status,
  );
}

/** A retryable failure that was still failing after every retry. */
export function exhaustedError(
  outcome: Failure,
  label: string,
  retries: number,
): GphotosError {
  const attempts = `${retries + 1} attempt${retries === 0 ? "" : "s"}`;
  if (outcome.kind === "network") {
    return new NetworkError(
      `Cannot reach Google for ${label} (${attempts}): ${
        redact(outcome.reason)
      }. Check the network connection and run again (--max-retries sets ` +
        "how often a call is retried).",
      { cause: outcome.error },
    );
  }
  const info = parseGoogleError(outcome.text);
  const detail = redact(
    [info.status, info.message].filter((s) => s !== "").join(": "),
  );
  if (outcome.status === 429) {
    return new QuotaError(
      `Google's quota is used up: ${label} was refused with HTTP 429${
        detail ? ` (${detail})` : ""
      } after ${attempts}. A Google Cloud project may make 10,000 Library ` +
        "API requests and 75,000 media downloads a day; run again later " +
        "(nothing done so far is lost), or lower --max-threads.",
      429,
      info.status || "RESOURCE_EXHAUSTED",
    );
  }
  return new ApiError(
    `Google answered HTTP ${outcome.status} to ${label}${
      detail ? ` (${detail})` : ""
    } after ${attempts}. Google may be having trouble; run again later ` +
      "(nothing done so far is lost).",
    outcome.status,
    info.status,
  );
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    return error.message ? `${error.name}: ${error.message}` : error.name;
  }
  return String(error);
}
