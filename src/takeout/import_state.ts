// What an import keeps while it runs: where each entry ended, the counts,
// the items failed and those done, and the lines of the report. Compact by
// design: a byte per entry and per item of the plan, so that memory does
// not grow with every item imported.

import type { ArchiveError } from "../archive/archive_errors.ts";
import type { BestDate } from "./best_date.ts";
import type { RefusedEntry, TakeoutPlan } from "./plan.ts";

/**
 * Where each media entry ended (by plan row); rows left at 0 were never met
 * by the data pass (their part could not be read that far).
 */
export const IMPORTED = 1;
export const REPLACED = 2;
export const IDENTICAL = 3;
export const COPY = 4;
export const PRESENT = 5;
export const FAILED = 6;

export interface Unmatched {
  entry: string;
  part: string;
  date: string;
  dateFrom: BestDate["source"];
  path?: string;
}

/** A numbered file dated by the sidecar Google wrote for its first copy. */
export interface ForgottenDuplicate {
  entry: string;
  part: string;
  date: string;
  path: string;
}

export interface TakeoutCounts {
  imported: number;
  /** Already in the index from an earlier import or this one. */
  alreadyPresent: number;
  /** Same bytes as an item already stored under another name. */
  identical: number;
  /** Library API items whose file was replaced by Takeout's original. */
  replacedApiCopies: number;
  editedCopies: number;
  livePairs: number;
  /** Numbered files dated by their first copy's sidecar (immich-go #68). */
  forgottenDuplicates: number;
  /** Items already stored that a sidecar of this import dated and described. */
  completed: number;
  unmatched: number;
  skippedTrash: number;
  skippedArchived: number;
  skippedVideos: number;
  refused: number;
  failed: number;
  albums: number;
  bytes: number;
}

export interface ImportState {
  counts: TakeoutCounts;
  unmatched: Unmatched[];
  forgottenDuplicates: ForgottenDuplicate[];
  /** Where each media entry ended, by plan row (IMPORTED...). */
  outcome: Uint8Array;
  /** Failed items by key; a later copy of the item that imports clears it. */
  failed: Map<string, RefusedEntry>;
  problems: ArchiveError[];
  /** Items imported (or being imported), and the RemoteId each is stored as. */
  done: DoneItems;
  /** Items and bytes handled so far, for --progress. */
  progressItems: number;
  progressBytes: number;
  /** By plan item: what converge needs to know (ITEM_INSERTED...). */
  flags: Uint8Array;
}

/** The state of an import of `plan` that has done nothing yet. */
export function newState(
  plan: TakeoutPlan,
  problems: ArchiveError[],
): ImportState {
  const state: ImportState = {
    counts: emptyCounts(),
    unmatched: [],
    forgottenDuplicates: [],
    outcome: new Uint8Array(plan.fileCount),
    failed: new Map(),
    problems,
    done: new DoneItems(plan),
    progressItems: 0,
    progressBytes: 0,
    flags: new Uint8Array(plan.itemCount),
  };
  state.counts.refused = plan.refused.length;
  return state;
}

function emptyCounts(): TakeoutCounts {
  return {
    imported: 0,
    alreadyPresent: 0,
    identical: 0,
    replacedApiCopies: 0,
    editedCopies: 0,
    livePairs: 0,
    forgottenDuplicates: 0,
    completed: 0,
    unmatched: 0,
    skippedTrash: 0,
    skippedArchived: 0,
    skippedVideos: 0,
    refused: 0,
    failed: 0,
    albums: 0,
    bytes: 0,
  };
}

/**
 * Items imported (or being imported) by this run, and the RemoteId each is
 * stored as: a byte per item of the plan, the RemoteId kept only when it is
 * not the item's key (an item found in the index, identical bytes). A Map
 * of every key would grow with every item imported.
 */
export class DoneItems {
  readonly #plan: TakeoutPlan;
  readonly #done: Uint8Array;
  readonly #other = new Map<number, string>();
  /** Keys that are no item of the plan (none are expected). */
  readonly #outside = new Map<string, string>();

  constructor(plan: TakeoutPlan) {
    this.#plan = plan;
    this.#done = new Uint8Array(plan.itemCount);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  get(key: string): string | undefined {
    const item = this.#plan.itemOfKey(key);
    if (item < 0) return this.#outside.get(key);
    if (!this.#done[item]) return undefined;
    return this.#other.get(item) ?? key;
  }

  set(key: string, remoteId: string): void {
    const item = this.#plan.itemOfKey(key);
    if (item < 0) {
      this.#outside.set(key, remoteId);
      return;
    }
    this.#done[item] = 1;
    if (remoteId === key) this.#other.delete(item);
    else this.#other.set(item, remoteId);
  }

  /** The items stored under another RemoteId than their key. */
  *elsewhere(): Iterable<[number, string]> {
    yield* this.#other;
  }

  delete(key: string): void {
    const item = this.#plan.itemOfKey(key);
    if (item < 0) {
      this.#outside.delete(key);
      return;
    }
    this.#done[item] = 0;
    this.#other.delete(item);
  }
}
