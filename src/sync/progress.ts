// --progress: live counts on stderr while indexing and downloading. On a
// terminal one line is redrawn; otherwise (cron, a log) a plain line is
// written at most every `intervalMs`, so mails stay readable.

export interface Progress {
  indexed(seen: number, added: number): void;
  downloaded(done: number, total: number, bytes: number): void;
  /** Ends a redrawn line so later output starts on its own line. */
  finish(): void;
}

export const noProgress: Progress = {
  indexed() {},
  downloaded() {},
  finish() {},
};

export function createProgress(deps: {
  write: (text: string) => void;
  isTty: boolean;
  now: () => number;
  intervalMs?: number;
}): Progress {
  const interval = deps.intervalMs ?? (deps.isTty ? 200 : 10_000);
  let last = -Infinity;
  let open = false;
  const show = (text: string, force = false) => {
    const t = deps.now();
    if (!force && t - last < interval) return;
    last = t;
    if (deps.isTty) {
      deps.write(`\r\x1b[2K${text}`);
      open = true;
    } else deps.write(`${text}\n`);
  };
  return {
    indexed(seen, added) {
      show(`Indexing: ${seen} items listed, ${added} new`);
    },
    downloaded(done, total, bytes) {
      const pct = total > 0 ? Math.floor((done / total) * 100) : 100;
      show(
        `Downloading: ${done}/${total} (${pct}%), ${
          (bytes / 1e6).toFixed(1)
        } MB`,
        done === total,
      );
    },
    finish() {
      if (open) deps.write("\n");
      open = false;
      last = -Infinity;
    },
  };
}
