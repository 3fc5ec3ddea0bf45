// Waiting for the person to pick: sessions.get at the pollInterval Google
// gives, until the items are set, Google stops waiting (timeoutIn reaches
// 0s), the session expires, or --timeout runs out. Each way of giving up is
// its own error, with a message that says what happened and what to do.

import type { Logger } from "../log.ts";
import { ExitCode, GphotosError } from "../errors.ts";
import {
  type PickerClient,
  PickerSessionGoneError,
  type PickingSession,
} from "../google/picker.ts";

/** What the poll loop uses when Google gives no interval. */
export const DEFAULT_POLL_MS = 5_000;
/** Bounds on Google's interval: never a busy loop, never minutes of silence. */
const MIN_POLL_MS = 100;
const MAX_POLL_MS = 60_000;

export type PickWaitReason = "timeout" | "timed-out" | "expired" | "gone";

/** The wait for the pick ended without picked items (exit 1). */
export class PickWaitError extends GphotosError {
  constructor(readonly reason: PickWaitReason, message: string) {
    super(message, ExitCode.failed);
  }
}

export interface WaitDeps {
  picker: PickerClient;
  now: () => Date;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal: AbortSignal;
  logger: Logger;
}

export interface WaitOptions {
  /** --timeout: give up after this many seconds. */
  timeoutSec?: number;
  /** How to run the program again, for messages ("gphotos-sync pick ROOT"). */
  again: string;
}

/** "2026-02-01 14:03 UTC": when the session ends, for people. */
export function whenText(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** Polls until the user pressed Done; returns the session as then seen. */
export async function waitForPick(
  session: PickingSession,
  deps: WaitDeps,
  options: WaitOptions,
): Promise<PickingSession> {
  const started = deps.now().getTime();
  const giveUpAt = options.timeoutSec === undefined
    ? Infinity
    : started + options.timeoutSec * 1000;
  let current = session;
  let polls = 0;
  for (;;) {
    if (current.mediaItemsSet) return current;
    const t = deps.now().getTime();
    const expireAt = current.expireTime?.getTime() ?? Infinity;
    if (t >= expireAt) {
      throw new PickWaitError(
        "expired",
        `The picker session expired at ${
          whenText(new Date(expireAt))
        } before Done was pressed. Run \`${options.again}\` to start a new one.`,
      );
    }
    const timeoutIn = current.pollingConfig?.timeoutInMs;
    if (timeoutIn !== undefined && timeoutIn <= 0) {
      throw new PickWaitError(
        "timed-out",
        "Google stopped waiting for the pick: the picker session timed out " +
          "before Done was pressed. Run `" + options.again + "` to start a " +
          "new one, and press Done in Google Photos when the items are chosen.",
      );
    }
    if (t >= giveUpAt) {
      throw new PickWaitError(
        "timeout",
        `Gave up waiting for the pick after ${options.timeoutSec} s ` +
          `(--timeout). Run \`${options.again}\` when you are ready to pick.`,
      );
    }
    const interval = Math.min(
      Math.max(
        current.pollingConfig?.pollIntervalMs ?? DEFAULT_POLL_MS,
        MIN_POLL_MS,
      ),
      MAX_POLL_MS,
    );
    const wait = Math.max(
      0,
      Math.min(interval, giveUpAt - t, expireAt - t, timeoutIn ?? Infinity),
    );
    await deps.sleep(wait, deps.signal);
    try {
      current = await deps.picker.getSession(current.id, {
        signal: deps.signal,
      });
    } catch (e) {
      if (!(e instanceof PickerSessionGoneError)) throw e;
      throw new PickWaitError(
        e.reason === "expired" ? "expired" : "gone",
        e.reason === "expired"
          ? `The picker session expired${
            current.expireTime ? ` at ${whenText(current.expireTime)}` : ""
          } before Done was pressed. Run \`${options.again}\` to start a new one.`
          : `The picker session was deleted before Done was pressed (by ` +
            `another program, or in the Google account's settings). Run \`${options.again}\` to start a new one.`,
      );
    }
    polls++;
    deps.logger.debug(
      `Picker session ${current.id}: poll ${polls}, ${
        current.mediaItemsSet ? "items set" : "not picked yet"
      }`,
    );
  }
}
