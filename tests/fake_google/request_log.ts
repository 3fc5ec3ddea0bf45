// What the fake server saw, for assertions: one entry per request (method,
// path, class, status, time, whether it carried an Authorization header,
// the fault injected) and counts per request class.

import type { FaultKind } from "./faults.ts";
import type { RequestClass } from "./router.ts";

export interface RequestLogEntry {
  readonly method: string;
  readonly path: string;
  /** Query string without "?" ("" when none). */
  readonly query: string;
  readonly requestClass: RequestClass;
  /** HTTP status answered; 0 while pending, and for stalls and resets. */
  status: number;
  /** Server clock (epoch ms) when the request arrived. */
  readonly time: number;
  readonly hasAuth: boolean;
  fault?: FaultKind;
  /** Deno's fetch resent this request by itself after a reset on a pooled
   * connection; the fake reset it again (see server.ts). */
  transparentRetry?: true;
}

export class RequestLog {
  #entries: RequestLogEntry[] = [];

  get entries(): readonly RequestLogEntry[] {
    return this.#entries;
  }

  record(entry: RequestLogEntry): RequestLogEntry {
    this.#entries.push(entry);
    return entry;
  }

  /** Requests of a class (all requests when none is given). */
  count(requestClass?: RequestClass): number {
    if (requestClass === undefined) return this.#entries.length;
    return this.#entries.filter((e) => e.requestClass === requestClass).length;
  }

  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.#entries) {
      out[e.requestClass] = (out[e.requestClass] ?? 0) + 1;
    }
    return out;
  }

  of(requestClass: RequestClass): RequestLogEntry[] {
    return this.#entries.filter((e) => e.requestClass === requestClass);
  }

  clear(): void {
    this.#entries = [];
  }
}
