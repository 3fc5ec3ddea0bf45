// Reading the test server's request log after a soak: how many requests,
// how many faults of which kind, how often each item's bytes were asked
// for, and whether the waits between a failed request and its retry
// honoured Retry-After and the exponential backoff.

import { assert, assertEquals } from "../assert.ts";
import type { FakeGoogle, RequestLogEntry } from "../fake_google/mod.ts";

export interface RetryFigures {
  requests: number;
  byClass: Record<string, number>;
  faults: number;
  faultsByKind: Record<string, number>;
  faultsByClass: Record<string, number>;
  /** Media requests per item: the most any item needed, and the mean. */
  mediaPerItemMax: number;
  mediaPerItemMean: number;
  /** Items whose bytes the server sent whole at least once. */
  itemsServed: number;
  /** Media requests refused because their baseUrl had expired (403). */
  expiredUrls: number;
  /** Retries that followed a 429 with Retry-After, and those too early. */
  retryAfterChecked: number;
  retryAfterTooEarly: string[];
  /** Waits before retries without Retry-After: count, sum, expected sum. */
  backoffSamples: number;
  backoffObservedMs: number;
  backoffExpectedMs: number;
  /** Most requests for one key (method, path, query) in any one second. */
  burstMax: number;
}

export interface StatsOptions {
  /** The program's backoff base (GPHOTOS_BACKOFF_MS). */
  backoffBaseMs: number;
  /** Request classes whose 429s carried Retry-After, and its seconds. */
  retryAfter?: { classes: readonly string[]; seconds: number };
}

/** The item a media request was for, or undefined. */
export function mediaItemId(
  google: FakeGoogle,
  entry: RequestLogEntry,
): string | undefined {
  return google.deps.mediaUrls.parse(entry.path)?.id;
}

/** Requests as the program made them (Deno's own silent resends left out). */
export function programRequests(google: FakeGoogle): RequestLogEntry[] {
  return google.requests.entries.filter((e) => !e.transparentRetry);
}

/** Ids whose bytes the server sent in full at least once. */
export function servedItems(google: FakeGoogle): Set<string> {
  const out = new Set<string>();
  for (const e of programRequests(google)) {
    if (e.requestClass !== "media" || e.status !== 200) continue;
    if (e.fault === "truncate") continue;
    const id = mediaItemId(google, e);
    if (id) out.add(id);
  }
  return out;
}

export function retryFigures(
  google: FakeGoogle,
  options: StatsOptions,
): RetryFigures {
  const entries = programRequests(google);
  const fig: RetryFigures = {
    requests: entries.length,
    byClass: {},
    faults: 0,
    faultsByKind: {},
    faultsByClass: {},
    mediaPerItemMax: 0,
    mediaPerItemMean: 0,
    itemsServed: servedItems(google).size,
    expiredUrls: 0,
    retryAfterChecked: 0,
    retryAfterTooEarly: [],
    backoffSamples: 0,
    backoffObservedMs: 0,
    backoffExpectedMs: 0,
    burstMax: 0,
  };
  const perItem = new Map<string, number>();
  const byKey = new Map<string, RequestLogEntry[]>();
  for (const e of entries) {
    fig.byClass[e.requestClass] = (fig.byClass[e.requestClass] ?? 0) + 1;
    if (e.fault) {
      fig.faults++;
      const kind = e.fault === "status" ? `http ${e.status}` : e.fault;
      fig.faultsByKind[kind] = (fig.faultsByKind[kind] ?? 0) + 1;
      fig.faultsByClass[e.requestClass] =
        (fig.faultsByClass[e.requestClass] ?? 0) + 1;
    }
    if (e.requestClass === "media") {
      if (e.status === 403 && !e.fault) fig.expiredUrls++;
      const id = mediaItemId(google, e);
      if (id) perItem.set(id, (perItem.get(id) ?? 0) + 1);
    }
    // POSTs to one path (search pages, token calls) differ by body, which
    // the log does not keep: only GETs are followed key by key.
    if (e.method !== "GET") continue;
    const key = `${e.method} ${e.path}?${e.query}`;
    let list = byKey.get(key);
    if (!list) byKey.set(key, list = []);
    list.push(e);
  }
  const counts = [...perItem.values()];
  fig.mediaPerItemMax = Math.max(0, ...counts);
  fig.mediaPerItemMean = counts.length
    ? Math.round(counts.reduce((a, b) => a + b, 0) / counts.length * 100) / 100
    : 0;
  const ra = options.retryAfter;
  for (const [key, list] of byKey) {
    let retryIndex = 0;
    for (let i = 0; i < list.length; i++) {
      const t = list[i].time;
      const inSecond = list.filter((e) => e.time >= t && e.time < t + 1000);
      fig.burstMax = Math.max(fig.burstMax, inSecond.length);
      const prev = list[i - 1];
      if (!prev) continue;
      const gap = t - prev.time;
      const statusFault = prev.fault === "status" ? prev.status : undefined;
      if (statusFault === 429 && ra?.classes.includes(prev.requestClass)) {
        fig.retryAfterChecked++;
        // The server's clock and the client's timer differ by a few ms.
        if (gap < ra.seconds * 1000 - 25) {
          fig.retryAfterTooEarly.push(`${key}: retried after ${gap} ms`);
        }
        retryIndex++;
      } else if (statusFault !== undefined || prev.fault === "reset") {
        // The answer (or the reset) came at once: the gap is the wait.
        fig.backoffSamples++;
        fig.backoffObservedMs += gap;
        fig.backoffExpectedMs += options.backoffBaseMs * 2 ** retryIndex / 2;
        retryIndex++;
      } else {
        retryIndex = 0;
      }
    }
  }
  fig.backoffObservedMs = Math.round(fig.backoffObservedMs);
  fig.backoffExpectedMs = Math.round(fig.backoffExpectedMs);
  return fig;
}

/**
 * The retry discipline every soak must show: Retry-After exercised and
 * never cut short, baseUrls expired on the way, waits that follow the
 * backoff (full jitter: each wait uniform in [0, base * 2^n), so over many
 * retries their sum is near half the ceilings'; far below means no
 * backoff), and no storm (a few retries of one URL per second, not dozens).
 */
export function assertRetryDiscipline(f: RetryFigures): void {
  assertEquals(f.retryAfterTooEarly, []);
  assert(f.retryAfterChecked > 0, "no Retry-After was exercised");
  assert(f.expiredUrls > 0, "no baseUrl expired on the way");
  assert(
    f.backoffObservedMs >= f.backoffExpectedMs * 0.4,
    `waited ${f.backoffObservedMs} ms in all, backoff asks ~${f.backoffExpectedMs}`,
  );
  assert(f.burstMax <= 10, `${f.burstMax} requests for one URL in a second`);
}
