// Time on the wire: abortable sleeps, and a bandwidth cap shared by every
// media download so a benchmark sees a link of a given speed however many
// connections the client opens.

/** Sleeps `ms`; resolves early (false) when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Resolves when the signal aborts (never, if it never does). */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener("abort", () => resolve(), { once: true })
  );
}

/**
 * A shared link of `bytesPerSecond` (0 = unlimited): each chunk reserves
 * its transmission time after everything reserved before it, across all
 * connections, and waits until that time has passed.
 */
export class Bandwidth {
  readonly #rate: () => number;
  #freeAt = 0;

  constructor(bytesPerSecond: () => number) {
    this.#rate = bytesPerSecond;
  }

  /** Waits until `bytes` may be sent; false if aborted meanwhile. */
  take(bytes: number, signal: AbortSignal): Promise<boolean> {
    const rate = this.#rate();
    if (rate <= 0) return Promise.resolve(!signal.aborted);
    const now = performance.now();
    const start = Math.max(now, this.#freeAt);
    this.#freeAt = start + bytes / rate * 1000;
    return sleep(this.#freeAt - now, signal);
  }
}
