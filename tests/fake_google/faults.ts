// Injected failures, per request class: HTTP errors (429 with or without
// Retry-After, 5xx), removed-scope 403s, slow answers, stalls, connection
// resets and truncated bodies. A rule fires for the next N matching requests
// or at a rate drawn from a seeded PRNG, so soak tests stay repeatable.

import { insufficientScopes } from "./access.ts";
import { badGatewayPage, googleError } from "./google_errors.ts";
import type { RequestClass } from "./router.ts";

export type Fault =
  /** An error answer; 502 comes as Google's HTML page, others as JSON. */
  | { kind: "status"; status: number; retryAfterSec?: number; message?: string }
  /** Answer normally after a delay. */
  | { kind: "delay"; ms: number }
  /** Never answer; the request hangs until the client gives up. */
  | { kind: "stall" }
  /** Close the connection without an answer: the client's fetch rejects. */
  | { kind: "reset" }
  /** Send the full Content-Length but only `bytes` of the body (default
   * half), then close the connection: reading the body fails. */
  | { kind: "truncate"; bytes?: number }
  /** 403 PERMISSION_DENIED "Request had insufficient authentication scopes." */
  | { kind: "insufficientScope" };

export type FaultKind = Fault["kind"];

/** A Fault, or shorthand: an HTTP status number, or a kind without options. */
export type FaultInput =
  | Fault
  | number
  | "stall"
  | "reset"
  | "truncate"
  | "insufficientScope";

export type FaultTarget = RequestClass | "any" | readonly RequestClass[];

export interface FaultSpec {
  on: FaultTarget;
  fault: FaultInput;
  /** Fire at most this many times (default: no limit). */
  times?: number;
  /** Fire with this probability per matching request (default 1). */
  rate?: number;
  /** Let this many matching requests through before the rule applies. */
  skip?: number;
}

export class FaultRule {
  readonly on: FaultTarget;
  readonly fault: Fault;
  readonly times: number;
  readonly rate: number;
  readonly skip: number;
  /** Requests this rule fired on. */
  hits = 0;
  /** Matching requests seen (fired or not). */
  seen = 0;
  readonly #random: () => number;
  readonly #owner: Faults;

  constructor(spec: FaultSpec, random: () => number, owner: Faults) {
    if (spec.rate !== undefined && !(spec.rate >= 0 && spec.rate <= 1)) {
      throw new Error(`fault rate must be within 0..1, got ${spec.rate}`);
    }
    this.on = spec.on;
    this.fault = normalizeFault(spec.fault);
    this.times = spec.times ?? Infinity;
    this.rate = spec.rate ?? 1;
    this.skip = spec.skip ?? 0;
    this.#random = random;
    this.#owner = owner;
  }

  get remaining(): number {
    return this.times - this.hits;
  }

  matches(cls: RequestClass): boolean {
    if (this.on === "any") return true;
    return typeof this.on === "string"
      ? this.on === cls
      : this.on.includes(cls);
  }

  /** Counts the request and says whether the rule fires on it. */
  fires(): boolean {
    this.seen++;
    if (this.seen <= this.skip || this.hits >= this.times) return false;
    if (this.rate < 1 && this.#random() >= this.rate) return false;
    this.hits++;
    return true;
  }

  remove(): void {
    this.#owner.remove(this);
  }
}

export class Faults {
  readonly #seed: number;
  #rules: FaultRule[] = [];
  #created = 0;

  constructor(seed = 1) {
    this.#seed = seed;
  }

  get rules(): readonly FaultRule[] {
    return this.#rules;
  }

  add(spec: FaultSpec): FaultRule {
    const rule = new FaultRule(
      spec,
      mulberry32(this.#seed * 7919 + ++this.#created),
      this,
    );
    this.#rules.push(rule);
    return rule;
  }

  /** "The next `count` requests of `on` fail with `fault`." */
  next(on: FaultTarget, count: number, fault: FaultInput): FaultRule {
    return this.add({ on, fault, times: count });
  }

  /** "A `rate` share of `on` requests fail with `fault`" (seeded PRNG). */
  rate(on: FaultTarget, rate: number, fault: FaultInput): FaultRule {
    return this.add({ on, fault, rate });
  }

  remove(rule: FaultRule): void {
    this.#rules = this.#rules.filter((r) => r !== rule);
  }

  clear(): void {
    this.#rules = [];
  }

  /** The fault for this request, if a rule fires (first rule wins). */
  pick(cls: RequestClass): Fault | undefined {
    for (const rule of this.#rules) {
      if (rule.matches(cls) && rule.fires()) return rule.fault;
    }
    return undefined;
  }
}

export function normalizeFault(input: FaultInput): Fault {
  if (typeof input === "number") return { kind: "status", status: input };
  if (typeof input === "string") {
    return input === "truncate" ? { kind: "truncate" } : { kind: input };
  }
  return input;
}

/** The answer a status or scope fault gives, shaped for the request class. */
export function faultResponse(
  fault: Extract<Fault, { kind: "status" | "insufficientScope" }>,
  cls: RequestClass,
): Response {
  if (fault.kind === "insufficientScope") return insufficientScopes();
  const headers: Record<string, string> = {};
  if (fault.retryAfterSec !== undefined) {
    headers["retry-after"] = String(fault.retryAfterSec);
  }
  if (fault.status === 502 && fault.message === undefined) {
    const page = badGatewayPage();
    for (const [k, v] of Object.entries(headers)) page.headers.set(k, v);
    return page;
  }
  if (cls === "media" || cls === "auth") {
    return new Response(`<html><body>Error ${fault.status}</body></html>\n`, {
      status: fault.status,
      headers: { ...headers, "content-type": "text/html; charset=UTF-8" },
    });
  }
  return googleError(fault.status, fault.message, headers);
}

/** Small seeded PRNG (mulberry32): uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
