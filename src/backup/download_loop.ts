// What every download of a batch of items shares (the sync's and the
// pick's): at most --max-threads transfers at once, the first fatal error
// (a disk error, a session gone) stops them all and is the one the user
// sees, marks of finished downloads committed in groups, and at the end —
// however it ends — every transfer waited for, the last group committed and
// the progress line finished before the outcome is known.

import type { LocalData } from "../db/local_data.ts";
import { InterruptedError } from "../errors.ts";
import { Pool } from "./pool.ts";
import type { Progress } from "./progress.ts";

export class DownloadLoop {
  readonly pool: Pool;
  /** Aborted by the run's signal or by the first fatal error. */
  readonly signal: AbortSignal;
  /** Items finished one way or another (for the progress line). */
  done = 0;
  #stop = new AbortController();
  #fatal: Error | undefined;

  constructor(
    runSignal: AbortSignal,
    maxThreads: number,
    private readonly db: LocalData,
    private readonly progress: Progress,
  ) {
    this.pool = new Pool(maxThreads);
    this.signal = AbortSignal.any([runSignal, this.#stop.signal]);
  }

  /** Stops every download; the first error given is the run's. */
  fail = (e: Error): void => {
    this.#fatal ??= e;
    this.#stop.abort(e);
  };

  /**
   * Runs `body` (which submits the transfers to `pool`), then drains and
   * commits whatever happened; throws the fatal error, or InterruptedError
   * when the run was stopped. An error of `body` after a stop is the stop's.
   */
  async run(
    total: number,
    bytes: () => number,
    body: () => Promise<void>,
    beforeDrain?: () => Promise<unknown>,
  ): Promise<void> {
    // Marks of finished downloads are committed in groups (see beginBatch).
    this.db.beginBatch();
    try {
      await body();
    } catch (e) {
      if (!this.signal.aborted) throw e;
    } finally {
      await beforeDrain?.().catch(() => {});
      await this.pool.drain();
      this.db.endBatch();
      this.progress.downloaded(this.done, total, bytes());
      this.progress.finish();
    }
    if (this.#fatal) throw this.#fatal;
    if (this.signal.aborted) throw new InterruptedError();
  }
}
