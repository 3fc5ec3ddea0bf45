// The one HTTP client for every call to Google (Library, Picker, OAuth token
// endpoint, media bytes). Retrying is decided here and nowhere else:
// 429/500/502/503/504/509 and network failures (refused or reset
// connections, broken bodies, stalls past the timeout) are retried with
// exponential backoff and full jitter, honouring Retry-After; other answers
// are not. Every call takes the caller's AbortSignal, and at trace level
// every attempt is logged with its secrets redacted.

import {
  ApiError,
  AuthError,
  GphotosError,
  InterruptedError,
  QuotaError,
  ScopeError,
} from "../errors.ts";
import { type Logger, silentLogger } from "../log.ts";
import { redact } from "./redact.ts";

/** gphotos-sync's retry list (urllib3 status_forcelist), plus 509. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([
  429,
  500,
  502,
  503,
  504,
  509,
]);
export const DEFAULT_MAX_RETRIES = 20;
/** gphotos-sync used urllib3 with backoff_factor 5 (seconds). */
export const DEFAULT_BACKOFF_BASE_MS = 5_000;
/** urllib3's ceiling for one backoff wait. */
export const DEFAULT_MAX_BACKOFF_MS = 120_000;
/** A Retry-After longer than this is not waited out in full (a daily quota
 * can answer "come back tomorrow"); the retry budget still bounds the run. */
export const DEFAULT_MAX_RETRY_AFTER_MS = 600_000;
export const DEFAULT_TIMEOUT_MS = 60_000;
/**
 * The most of an answer read as text or JSON. Google's largest pages are a
 * few hundred kilobytes; a server sending more is broken or hostile, and
 * would otherwise have the whole body held in memory.
 */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;
/** Of an error answer only the start is read: it serves for its message. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** Google's answer to a call made with a scope it removed on 31 March 2025. */
export const INSUFFICIENT_SCOPES_MESSAGE =
  "Request had insufficient authentication scopes.";

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Supplies bearer tokens to the client; the OAuth Authorizer is one. */
export interface AccessTokenSource {
  getAccessToken(signal?: AbortSignal): Promise<string>;
  /**
   * Google answered 401 to `rejected`: return a token worth one more try
   * (a fresh one, or a newer one another caller already fetched).
   */
  refreshAccessToken(rejected: string, signal?: AbortSignal): Promise<string>;
}

export interface HttpClientOptions {
  fetch?: typeof fetch;
  sleep?: Sleep;
  /** In [0, 1); scales each backoff wait (full jitter). */
  random?: () => number;
  /** Epoch milliseconds. */
  now?: () => number;
  logger?: Logger;
  /** Retries after the first attempt (--max-retries). */
  maxRetries?: number;
  backoffBaseMs?: number;
  maxBackoffMs?: number;
  maxRetryAfterMs?: number;
  /** Per-attempt timeout when a call does not give its own. */
  timeoutMs?: number;
  /** Receives one line per attempt; defaults to logger.trace. */
  trace?: (line: string) => void;
  /**
   * Whether a request to `url` may carry the access token (see
   * src/google/endpoints.ts); a request with `auth` elsewhere is refused
   * before anything is sent. Default: anywhere (unit tests).
   */
  mayCarryToken?: (url: URL) => boolean;
}

export interface HttpRequest {
  method?: string;
  headers?: Record<string, string>;
  /** A string is sent as is; URLSearchParams as a form. */
  body?: string | URLSearchParams;
  /** Sent as a JSON body (instead of `body`). */
  json?: unknown;
  signal?: AbortSignal;
  /**
   * Per attempt: the whole call for text/json; for streams, the wait for the
   * headers and then the longest silence between two chunks.
   */
  timeoutMs?: number;
  /** Adds `Authorization: Bearer`; a 401 refreshes once and retries. */
  auth?: AccessTokenSource;
  /** Names the call in messages, e.g. "mediaItems.list". */
  label?: string;
  /**
   * Retries for this call instead of the client's (--max-retries): for a
   * call whose 429 means a limit that waiting seconds will not lift, such
   * as too many open Picker sessions.
   */
  maxRetries?: number;
  /**
   * Retries shared with other calls made for the same piece of work (one
   * item's download, whose broken transfers the caller repeats itself):
   * each retry here takes one, and none is made when it is spent.
   */
  budget?: RetryBudget;
}

/** A count of retries several calls draw from (see HttpRequest.budget). */
export interface RetryBudget {
  left: number;
}

export interface StreamResponse {
  status: number;
  headers: Headers;
  /** Fails with NetworkError on a stall or a short body, InterruptedError on abort. */
  body: ReadableStream<Uint8Array>;
  /** Byte count the server announced, when the body is not re-encoded. */
  contentLength?: number;
  contentType: string;
}

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

function firstLine(text: string): string {
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

/** Waits `ms`, rejecting with the signal's reason if it aborts first. */
export const defaultSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });

/** The error to raise when the caller's signal aborted a call. */
export function interruption(signal: AbortSignal, label: string): GphotosError {
  // A caller may abort with its own typed error (e.g. a pick timeout); keep it.
  if (signal.reason instanceof GphotosError) return signal.reason;
  return new InterruptedError(`Interrupted during ${label}.`, {
    cause: signal.reason,
  });
}

type Outcome<T> =
  | { kind: "ok"; value: T }
  | { kind: "status"; status: number; text: string; retryAfter: string | null }
  | { kind: "network"; reason: string; error: unknown };

type Consumer<T> = (
  response: Response,
  attempt: { signal: AbortSignal; stopTimer: () => void; timeoutMs: number },
) => Promise<{ value: T; traceBody?: string }>;

const TRACE_BODY_LIMIT = 2_000;

export class HttpClient {
  readonly maxRetries: number;
  readonly #fetch: typeof fetch;
  readonly #sleep: Sleep;
  readonly #random: () => number;
  readonly #now: () => number;
  readonly #logger: Logger;
  readonly #backoffBaseMs: number;
  readonly #maxBackoffMs: number;
  readonly #maxRetryAfterMs: number;
  readonly #timeoutMs: number;
  readonly #trace: (line: string) => void;
  readonly #tracing: boolean;
  readonly #mayCarryToken: (url: URL) => boolean;

  constructor(options: HttpClientOptions = {}) {
    this.#mayCarryToken = options.mayCarryToken ?? (() => true);
    this.#fetch = options.fetch ?? fetch;
    this.#sleep = options.sleep ?? defaultSleep;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
    this.#logger = options.logger ?? silentLogger;
    this.maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
    this.#backoffBaseMs = options.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS;
    this.#maxBackoffMs = options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
    this.#maxRetryAfterMs = options.maxRetryAfterMs ??
      DEFAULT_MAX_RETRY_AFTER_MS;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const logger = this.#logger;
    this.#trace = options.trace ?? ((line) => logger.trace(line));
    this.#tracing = options.trace !== undefined || (logger.tracing ?? true);
  }

  /**
   * The body as text, read inside the retry loop (a broken body is
   * retried); one longer than `maxBytes` (default MAX_BODY_BYTES) is an
   * ApiError, not retried.
   */
  text(
    url: string,
    request: HttpRequest = {},
    maxBytes = MAX_BODY_BYTES,
  ): Promise<string> {
    return this.#run(url, request, async (response) => {
      const label = request.label ?? describeTarget(request, new URL(url));
      const text = await readBodyText(response, maxBytes, label);
      return { value: text, traceBody: text };
    });
  }

  /** The body parsed as JSON; malformed JSON is an ApiError, not retried. */
  async json(url: string, request: HttpRequest = {}): Promise<unknown> {
    const text = await this.text(url, request);
    try {
      return JSON.parse(text);
    } catch (error) {
      const label = request.label ?? describeTarget(request, new URL(url));
      throw new ApiError(
        `Google sent a malformed answer to ${label}: the body is not JSON ` +
          `(${firstLine(redact(text)) || "empty"}). Run again later; if it ` +
          "keeps happening, run with --log-level trace and report the trace.",
        200,
        "MALFORMED_RESPONSE",
        { cause: error },
      );
    }
  }

  /**
   * The body as a stream, for media bytes. Retries cover the wait for the
   * headers; once the body is handed over, a failure surfaces from the
   * stream (NetworkError) and the caller decides whether to start again.
   */
  stream(url: string, request: HttpRequest = {}): Promise<StreamResponse> {
    return this.#run(url, request, (response, attempt) => {
      // Headers are here: from now on the timeout guards silences, not the
      // whole transfer, which can rightly take long for a big video.
      attempt.stopTimer();
      const headers = response.headers;
      const encoded = (headers.get("content-encoding") ?? "identity") !==
        "identity";
      const announced = Number(headers.get("content-length") ?? NaN);
      const contentLength = !encoded && Number.isSafeInteger(announced) &&
          announced >= 0
        ? announced
        : undefined;
      const source = response.body ?? new ReadableStream<Uint8Array>({
        start: (c) => c.close(),
      });
      const label = request.label ??
        describeTarget(request, new URL(url));
      return Promise.resolve({
        value: {
          status: response.status,
          headers,
          contentLength,
          contentType: headers.get("content-type") ?? "",
          body: guardBody(source, {
            idleMs: attempt.timeoutMs,
            signal: request.signal,
            label,
            expectedLength: contentLength,
          }),
        },
      });
    });
  }

  async #run<T>(
    url: string,
    request: HttpRequest,
    consume: Consumer<T>,
  ): Promise<T> {
    const target = new URL(url);
    const label = request.label ?? describeTarget(request, target);
    const signal = request.signal;
    const maxRetries = request.maxRetries ?? this.maxRetries;
    if (request.auth && !this.#mayCarryToken(target)) {
      throw new ApiError(
        `Refusing ${label}: it would send the access token to ` +
          `${target.origin}, which is not one of Google's hosts over https.`,
        0,
        "UNTRUSTED_HOST",
      );
    }
    let retries = 0;
    let refreshed = false;
    let token: string | undefined;
    for (;;) {
      if (signal?.aborted) throw interruption(signal, label);
      if (request.auth && token === undefined) {
        token = await request.auth.getAccessToken(signal);
      }
      const outcome = await this.#attempt(
        target,
        request,
        label,
        token,
        consume,
      );
      if (outcome.kind === "ok") return outcome.value;
      if (
        outcome.kind === "status" && outcome.status === 401 && request.auth &&
        token !== undefined && !refreshed
      ) {
        // An access token can be revoked or expire early; one fresh token
        // settles it, a second 401 means the sign-in itself is bad.
        refreshed = true;
        token = await request.auth.refreshAccessToken(token, signal);
        continue;
      }
      const retryable = outcome.kind === "network" ||
        RETRYABLE_STATUSES.has(outcome.status);
      if (!retryable) throw this.#refusal(outcome, label, request);
      if (
        retries >= maxRetries ||
        (request.budget !== undefined && request.budget.left <= 0)
      ) {
        throw this.#exhausted(outcome, label, retries);
      }
      if (request.budget !== undefined) request.budget.left--;
      const delay = this.#delayMs(
        retries,
        outcome.kind === "status" ? outcome.retryAfter : null,
      );
      retries++;
      this.#logger.info(
        `${label}: ${
          outcome.kind === "status"
            ? `HTTP ${outcome.status}`
            : redact(outcome.reason)
        }; retry ${retries} of ${maxRetries} in ${(delay / 1000).toFixed(1)} s`,
      );
      try {
        await this.#sleep(delay, signal);
      } catch (error) {
        if (signal?.aborted) throw interruption(signal, label);
        throw error;
      }
    }
  }

  async #attempt<T>(
    target: URL,
    request: HttpRequest,
    label: string,
    token: string | undefined,
    consume: Consumer<T>,
  ): Promise<Outcome<T>> {
    const method = (request.method ?? "GET").toUpperCase();
    const timeoutMs = request.timeoutMs ?? this.#timeoutMs;
    const timeout = new AbortController();
    const timer = setTimeout(
      () => timeout.abort(new Error("timeout")),
      timeoutMs,
    );
    const signal = request.signal
      ? AbortSignal.any([request.signal, timeout.signal])
      : timeout.signal;
    const headers: Record<string, string> = { ...request.headers };
    let body: string | URLSearchParams | undefined = request.body;
    if (request.json !== undefined) {
      body = JSON.stringify(request.json);
      headers["content-type"] = "application/json";
    }
    if (token !== undefined) headers["authorization"] = `Bearer ${token}`;
    const started = this.#now();
    const traceHead = () =>
      `${method} ${target.href}${
        body === undefined ? "" : ` request: ${clip(body.toString())}`
      }`;
    try {
      const response = await this.#fetch(target, {
        method,
        headers,
        body,
        signal,
      });
      if (response.ok) {
        const { value, traceBody } = await consume(response, {
          signal,
          timeoutMs,
          stopTimer: () => clearTimeout(timer),
        });
        this.#traceLine(() =>
          `${traceHead()} -> ${response.status} in ${this.#now() - started} ms${
            traceBody === undefined ? "" : ` response: ${clip(traceBody)}`
          }`
        );
        return { kind: "ok", value };
      }
      // An unreadable error body still leaves the status to act on; only
      // its start is read.
      const text = await readBodyText(response, MAX_ERROR_BODY_BYTES)
        .catch(() => "");
      this.#traceLine(() =>
        `${traceHead()} -> ${response.status} in ${
          this.#now() - started
        } ms response: ${clip(text)}`
      );
      return {
        kind: "status",
        status: response.status,
        text,
        retryAfter: response.headers.get("retry-after"),
      };
    } catch (error) {
      if (request.signal?.aborted) {
        throw interruption(request.signal, label);
      }
      if (error instanceof GphotosError) throw error;
      const reason = timeout.signal.aborted
        ? `no answer within ${timeoutMs} ms`
        : describeError(error);
      this.#traceLine(() =>
        `${traceHead()} -> network error in ${
          this.#now() - started
        } ms: ${reason}`
      );
      return { kind: "network", reason, error };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * A line of the trace, built only when it is kept: redacting a whole
   * page of JSON for every call costs more than the call's own work.
   */
  #traceLine(line: () => string): void {
    if (this.#tracing) this.#trace(redact(line()));
  }

  /**
   * The wait before retry number `retryIndex` (0-based) of something the
   * caller repeats itself, such as a download whose body broke off after
   * the request succeeded: the same backoff and jitter as every request.
   */
  backoffMs(retryIndex: number): number {
    return this.#delayMs(retryIndex, null);
  }

  #delayMs(retryIndex: number, retryAfter: string | null): number {
    const asked = parseRetryAfter(retryAfter, this.#now());
    if (asked !== undefined) return Math.min(asked, this.#maxRetryAfterMs);
    const ceiling = Math.min(
      this.#maxBackoffMs,
      this.#backoffBaseMs * 2 ** retryIndex,
    );
    return Math.floor(this.#random() * ceiling);
  }

  /** A non-retryable answer. */
  #refusal(
    outcome: Exclude<Outcome<unknown>, { kind: "ok" }>,
    label: string,
    request: HttpRequest,
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
    if (outcome.status === 401 && request.auth) {
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
  #exhausted(
    outcome: Exclude<Outcome<unknown>, { kind: "ok" }>,
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
}

/**
 * Reads a body as UTF-8 text, at most `maxBytes`. With a `label`, a longer
 * body is an ApiError naming the call; without, it is cut at the limit
 * (error bodies, read for their message only).
 */
async function readBodyText(
  response: Response,
  maxBytes: number,
  label?: string,
): Promise<string> {
  const tooLarge = (what: string) =>
    new ApiError(
      `Google sent ${what} to ${label}, more than the ${
        maxBytes / 1024 / 1024
      } MiB any answer of its API takes. Nothing was changed; run again ` +
        "later, and if it keeps happening, check that GPHOTOS_LIBRARY_API " +
        "and GPHOTOS_PICKER_API are not set to another server.",
      200,
      "ANSWER_TOO_LARGE",
    );
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (label !== undefined && Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge(`an answer of ${declared} bytes`);
  }
  if (!response.body) return "";
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  let text = "";
  let read = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const room = maxBytes - read;
      if (value.length > room) {
        if (label !== undefined) throw tooLarge("an answer of more bytes");
        text += decoder.decode(value.subarray(0, room), { stream: true });
        break;
      }
      read += value.length;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  return text + decoder.decode();
}

/**
 * Retry-After as milliseconds from now: delta-seconds or an HTTP date;
 * undefined when absent or unreadable.
 */
export function parseRetryAfter(
  value: string | null,
  nowMs: number,
): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

function describeTarget(request: HttpRequest, target: URL): string {
  return `${(request.method ?? "GET").toUpperCase()} ${target.origin}${
    redact(target.pathname)
  }`;
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    return error.message ? `${error.name}: ${error.message}` : error.name;
  }
  return String(error);
}

/** Redacted first, so a secret cut in half by the clipping still goes. */
function clip(text: string): string {
  const flat = redact(text).replace(/\s*\n\s*/g, " ");
  return flat.length > TRACE_BODY_LIMIT
    ? `${flat.slice(0, TRACE_BODY_LIMIT)}... (${flat.length} chars)`
    : flat;
}

/**
 * Wraps a response body so that a silence longer than `idleMs`, a body
 * shorter than announced, or the caller's abort ends it with a typed error
 * instead of hanging or passing a truncated file on as complete.
 *
 * The result is a byte stream: a reader in "byob" mode has the bytes read
 * straight into its own buffer (fetch's body is a byte stream too), so a
 * download allocates nothing per chunk; a default reader gets chunks of
 * CHUNK_SIZE. A memory the garbage collector frees late is memory held:
 * one fresh 64 KiB chunk per socket read added up to tens of MB.
 */
function guardBody(
  source: ReadableStream<Uint8Array>,
  options: {
    idleMs: number;
    signal?: AbortSignal;
    label: string;
    expectedLength?: number;
  },
): ReadableStream<Uint8Array> {
  const { idleMs, signal, label, expectedLength } = options;
  let byob: ReadableStreamBYOBReader | undefined;
  let plain: ReadableStreamDefaultReader<Uint8Array> | undefined;
  try {
    byob = source.getReader({ mode: "byob" });
  } catch {
    plain = source.getReader();
  }
  const reader = byob ?? plain!;
  let received = 0;
  const fail = (error: unknown): GphotosError => {
    if (signal?.aborted) return interruption(signal, label);
    if (error instanceof GphotosError) return error;
    return new NetworkError(
      `The download for ${label} broke off: ${describeError(error)}`,
      { cause: error },
    );
  };
  return new ReadableStream({
    type: "bytes",
    autoAllocateChunkSize: CHUNK_SIZE,
    async pull(controller: ReadableByteStreamController) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let onAbort: (() => void) | undefined;
      const stop = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new NetworkError(
                `The download for ${label} stalled: no data for ${idleMs} ms.`,
              ),
            ),
          idleMs,
        );
        if (signal) {
          onAbort = () => reject(interruption(signal, label));
          if (signal.aborted) onAbort();
          else signal.addEventListener("abort", onAbort, { once: true });
        }
      });
      stop.catch(() => {});
      try {
        // With autoAllocateChunkSize there is always a request to fill.
        const request = controller.byobRequest!;
        const view = request.view as Uint8Array;
        const chunk = byob
          ? await Promise.race([byob.read(view), stop])
          : await Promise.race([plain!.read(), stop]);
        if (chunk.done) {
          if (expectedLength !== undefined && received < expectedLength) {
            throw new NetworkError(
              `The download for ${label} ended after ${received} of ` +
                `${expectedLength} bytes.`,
            );
          }
          controller.close();
          // A closed stream still owes the request its (empty) answer.
          if (byob && chunk.value) request.respondWithNewView(chunk.value);
          else request.respond(0);
          return;
        }
        received += chunk.value.byteLength;
        // The source read into the request's own buffer (taking it over):
        // hand that buffer back. A chunk of the plain source is copied in.
        if (byob) request.respondWithNewView(chunk.value);
        else controller.enqueue(chunk.value);
      } catch (error) {
        reader.cancel().catch(() => {});
        controller.error(fail(error));
      } finally {
        clearTimeout(timer);
        if (onAbort) signal?.removeEventListener("abort", onAbort);
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/** What a default reader of a guarded body gets per read, at most. */
const CHUNK_SIZE = 64 * 1024;
