// The one HTTP client for every call to Google (Library, Picker, OAuth token
// endpoint, media bytes). Retrying is decided here and nowhere else:
// 429/500/502/503/504/509 and network failures (refused or reset
// connections, broken bodies, stalls past the timeout) are retried with
// exponential backoff and full jitter, honouring Retry-After; other answers
// are not. Every call takes the caller's AbortSignal, and at trace level
// every attempt is logged with its secrets redacted. What a refusal means
// and how it is told is in http_errors.ts; reading a body within its limits,
// and guarding a media stream, in response_body.ts.

import { ApiError, GphotosError } from "../errors.ts";
import { type Logger, silentLogger } from "../log.ts";
import {
  describeError,
  exhaustedError,
  type Failure,
  firstLine,
  interruption,
  refusalError,
} from "./http_errors.ts";
import { redact } from "./redact.ts";
import { guardBody, readBodyText } from "./response_body.ts";

export { interruption, NetworkError } from "./http_errors.ts";

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

type Outcome<T> = { kind: "ok"; value: T } | Failure;

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
      if (!retryable) throw refusalError(outcome, label, Boolean(request.auth));
      if (
        retries >= maxRetries ||
        (request.budget !== undefined && request.budget.left <= 0)
      ) {
        throw exhaustedError(outcome, label, retries);
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
    const { headers, body } = outgoing(request, token);
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

/** Redacted first, so a secret cut in half by the clipping still goes. */
function clip(text: string): string {
  const flat = redact(text).replace(/\s*\n\s*/g, " ");
  return flat.length > TRACE_BODY_LIMIT
    ? `${flat.slice(0, TRACE_BODY_LIMIT)}... (${flat.length} chars)`
    : flat;
}

/** The headers and body an attempt sends: JSON encoded, the token added. */
function outgoing(
  request: HttpRequest,
  token: string | undefined,
): { headers: Record<string, string>; body?: string | URLSearchParams } {
  const headers: Record<string, string> = { ...request.headers };
  let body: string | URLSearchParams | undefined = request.body;
  if (request.json !== undefined) {
    body = JSON.stringify(request.json);
    headers["content-type"] = "application/json";
  }
  if (token !== undefined) headers["authorization"] = `Bearer ${token}`;
  return { headers, body };
}
