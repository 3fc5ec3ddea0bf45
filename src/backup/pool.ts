// Bounded concurrency: run tasks with at most `limit` in flight, in order of
// submission, and wait for all of them.

export class Pool {
  #limit: number;
  #running = 0;
  #waiting: (() => void)[] = [];
  #tasks = new Set<Promise<void>>();

  constructor(limit: number) {
    if (!(limit >= 1)) throw new RangeError("pool limit must be at least 1");
    this.#limit = limit;
  }

  /**
   * Waits for a free slot, then starts `task` without waiting for it. Errors
   * of the task must be handled by the task itself; they are swallowed here
   * so one failure never leaves the pool stuck.
   */
  async submit(task: () => Promise<void>): Promise<void> {
    while (this.#running >= this.#limit) {
      await new Promise<void>((r) => this.#waiting.push(r));
    }
    this.#running++;
    const p = (async () => {
      try {
        await task();
      } catch {
        // The task reports its own failure.
      } finally {
        this.#running--;
        this.#waiting.shift()?.();
      }
    })();
    this.#tasks.add(p);
    p.finally(() => this.#tasks.delete(p));
  }

  /** Resolves when every submitted task has finished. */
  async drain(): Promise<void> {
    while (this.#tasks.size > 0) await Promise.all([...this.#tasks]);
  }
}
