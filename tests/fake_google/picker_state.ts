// What the fake Picker API remembers: the user's picking sessions (created,
// polled, picked, deleted, expired on the server's clock) and the simulated
// person on the phone who picks items from the FakeLibrary, either when a
// test calls `pick()` or by itself after a number of polls (for tests that
// run the program as a subprocess and cannot step in at the right moment).

import type { FakeItem, FakeLibrary } from "./library_state.ts";
import { digest } from "./opaque_ids.ts";

/** Google's ceiling for one session (third-party apps). */
export const PICKER_MAX_ITEMS = 2000;

/** The person on the phone, for sessions created from now on. */
export interface AutoPick {
  /** What they pick (at most the session's maxItemCount). */
  items: readonly (string | FakeItem)[];
  /** They are done after this many sessions.get calls; default 1. */
  afterPolls?: number;
}

export interface FakePickerSession {
  readonly id: string;
  readonly pickerUri: string;
  readonly createdAtMs: number;
  /** When the session and its picked items stop working. */
  expireAtMs: number;
  /** Polling stops being useful after this (pollingConfig.timeoutIn). */
  readonly pickDeadlineMs: number;
  readonly maxItemCount: number;
  /** pollingConfig.pollInterval of this session. */
  readonly pollIntervalMs: number;
  /** Set when the user is done: the item ids in the order picked. */
  picked: readonly string[] | undefined;
  deleted: boolean;
  /** sessions.get calls answered for this session. */
  polls: number;
  /** mediaItems.list calls answered for this session. */
  lists: number;
  autoPick: AutoPick | undefined;
}

export type SessionLookup =
  | { kind: "ok"; session: FakePickerSession }
  | { kind: "unknown" }
  | { kind: "expired"; session: FakePickerSession };

export class FakePicker {
  /** Sessions a user may have open at once; more gets RESOURCE_EXHAUSTED. */
  maxOpenSessions = 10;
  /** pollingConfig.pollInterval, in seconds (Google says e.g. "3.5s"). */
  pollIntervalSec = 3.5;
  /** How long the user has to pick, from creation (timeoutIn counts down). */
  pickTimeoutSec = 1800;
  /** From creation to expireTime. */
  sessionLifetimeSec = 3600;
  /** Applied to every session created while it is set. */
  autoPick: AutoPick | undefined;
  /**
   * Called when a session is deleted, before the answer leaves (a test stops
   * the client there); `signal` aborts when the client is gone.
   */
  onDelete: ((id: string, signal: AbortSignal) => Promise<void>) | undefined;
  /** When set, listings name baseUrls on this origin (a hostile server). */
  baseUrlOrigin: string | undefined;

  readonly #library: FakeLibrary;
  readonly #now: () => number;
  readonly #seed: string;
  readonly #sessions = new Map<string, FakePickerSession>();
  #counter = 0;

  constructor(deps: { library: FakeLibrary; now: () => number; seed: string }) {
    this.#library = deps.library;
    this.#now = deps.now;
    this.#seed = deps.seed;
  }

  /** Every session ever created, deleted ones too, oldest first. */
  get sessions(): readonly FakePickerSession[] {
    return [...this.#sessions.values()];
  }

  /** The session created last. */
  latest(): FakePickerSession | undefined {
    return this.sessions.at(-1);
  }

  /** Sessions neither deleted nor expired. */
  openSessions(): FakePickerSession[] {
    const now = this.#now();
    return this.sessions.filter((s) => !s.deleted && now < s.expireAtMs);
  }

  /** sessions.create; undefined when the user has too many open sessions. */
  create(maxItemCount = PICKER_MAX_ITEMS): FakePickerSession | undefined {
    if (this.openSessions().length >= this.maxOpenSessions) return undefined;
    const n = ++this.#counter;
    const hex = [...digest(this.#seed, "picker-session", String(n))]
      .map((b) => b.toString(16).padStart(2, "0")).join("");
    const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${
      hex.slice(16, 20)
    }-${hex.slice(20, 32)}`;
    const now = this.#now();
    const session: FakePickerSession = {
      id,
      pickerUri: `https://photos.google.com/picker/${id}`,
      createdAtMs: now,
      expireAtMs: now + this.sessionLifetimeSec * 1000,
      pickDeadlineMs: now + this.pickTimeoutSec * 1000,
      maxItemCount,
      pollIntervalMs: this.pollIntervalSec * 1000,
      picked: undefined,
      deleted: false,
      polls: 0,
      lists: 0,
      autoPick: this.autoPick,
    };
    this.#sessions.set(id, session);
    return session;
  }

  /** A session as the API sees it: deleted ones are unknown. */
  lookup(id: string): SessionLookup {
    const session = this.#sessions.get(id);
    if (session === undefined || session.deleted) return { kind: "unknown" };
    if (this.#now() >= session.expireAtMs) return { kind: "expired", session };
    return { kind: "ok", session };
  }

  /** sessions.get: counts the poll and lets the simulated user act. */
  poll(session: FakePickerSession): void {
    session.polls++;
    const auto = session.autoPick;
    if (
      auto !== undefined && session.picked === undefined &&
      session.polls >= (auto.afterPolls ?? 1) &&
      this.#now() < session.pickDeadlineMs
    ) {
      this.pick(session.id, auto.items);
    }
  }

  /** The user taps "Done" after choosing `items` (library items, in order). */
  pick(sessionId: string, items: readonly (string | FakeItem)[]): void {
    const session = this.#sessions.get(sessionId);
    if (session === undefined || session.deleted) {
      throw new Error(`FakePicker.pick: no open session ${sessionId}`);
    }
    if (this.#now() >= session.expireAtMs) {
      throw new Error(`FakePicker.pick: session ${sessionId} has expired`);
    }
    if (session.picked !== undefined) {
      throw new Error(`FakePicker.pick: session ${sessionId} is already done`);
    }
    const ids = items.map((x) => typeof x === "string" ? x : x.id);
    if (ids.length > session.maxItemCount) {
      throw new Error(
        `FakePicker.pick: ${ids.length} items exceed the session's maxItemCount ${session.maxItemCount}`,
      );
    }
    for (const id of ids) {
      if (this.#library.item(id) === undefined) {
        throw new Error(`FakePicker.pick: no library item ${id}`);
      }
    }
    // Picking the same photo twice in the picker selects it once.
    session.picked = [...new Set(ids)];
  }

  /** Makes the session expire now (the server clock can also move past it). */
  expire(sessionId: string): void {
    const session = this.#sessions.get(sessionId);
    if (session === undefined) {
      throw new Error(`FakePicker.expire: no session ${sessionId}`);
    }
    session.expireAtMs = Math.min(session.expireAtMs, this.#now());
  }

  /** sessions.delete; false when there was nothing to delete. */
  delete(sessionId: string): boolean {
    const session = this.#sessions.get(sessionId);
    if (session === undefined || session.deleted) return false;
    session.deleted = true;
    return true;
  }

  /** The picked items still in the library, in picking order. */
  pickedItems(session: FakePickerSession): FakeItem[] {
    const out: FakeItem[] = [];
    for (const id of session.picked ?? []) {
      const item = this.#library.item(id);
      if (item !== undefined) out.push(item);
    }
    return out;
  }
}
