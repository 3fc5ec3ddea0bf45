// What a soak with items that can never be fetched must end with, for any
// command that downloads (sync, pick): exit 3, exactly those items (and any
// other whose every attempt failed) in gphotos.bad_ids.yaml, unmarked in
// the index and named on screen; every other item whole; no item asked for
// more than --max-retries 3 + 1 times.

import { assert, assertEquals } from "../assert.ts";
import type { RunResult } from "../e2e/harness.ts";
import { type BackupProblems, hasStackTrace, reportFigures } from "./kit.ts";
import type { RetryFigures } from "./request_stats.ts";

export interface PermanentSoak {
  r: RunResult;
  /** gphotos.bad_ids.yaml as read after the run. */
  yaml: Record<string, { path: string }>;
  /** Ids whose bytes the server never served, sorted. */
  expectFailed: string[];
  /** Ids the index does not mark downloaded, sorted. */
  notDownloaded: string[];
  /** Ids whose bytes always fail, with the status they fail with. */
  poisoned: Map<string, number>;
  /** Ids Google forgot between listing and download. */
  forgotten: string[];
  found: BackupProblems;
  figures: RetryFigures;
  items: number;
}

export function assertPermanent(name: string, s: PermanentSoak) {
  reportFigures(name, {
    items: s.items,
    exit: s.r.code,
    failedForGood: s.expectFailed.length,
    poisoned: s.poisoned.size,
    forgotten: s.forgotten.length,
    verified: s.found.verified,
    losses: s.found.problems.length,
    ...s.figures,
  });
  assertEquals(s.r.code, 3, s.r.stderr.slice(-3000));
  for (const id of [...s.poisoned.keys(), ...s.forgotten]) {
    assert(s.expectFailed.includes(id), `${id} was served after all`);
  }
  assertEquals(Object.keys(s.yaml).sort(), s.expectFailed);
  assertEquals(s.notDownloaded, s.expectFailed);
  for (const entry of Object.values(s.yaml)) {
    assert(s.r.stderr.includes(entry.path), `${entry.path} not named`);
  }
  assertEquals(s.found.problems, []);
  // --max-retries 3: no item's bytes were asked for more than 4 times.
  assert(
    s.figures.mediaPerItemMax <= 4,
    `${s.figures.mediaPerItemMax} requests for one item`,
  );
  assert(!hasStackTrace(s.r.stderr), "stack trace on screen");
}
