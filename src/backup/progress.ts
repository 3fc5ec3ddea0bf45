// --progress: live counts on stderr while indexing and downloading, with
// the download rate and an estimate of the time left. On a terminal one
// line is redrawn; otherwise (cron, a log) a plain line is written at most
// every `intervalMs`, so mails stay readable.

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
  // The first download report: rate and time left are measured from it.
  let from: { t: number; done: number; bytes: number } | undefined;
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
      const t = deps.now();
      from ??= { t, done, bytes };
      const pct = total > 0 ? Math.floor((done / total) * 100) : 100;
      let text = `Downloading: ${done}/${total} (${pct}%), ${
        (bytes / 1e6).toFixed(1)
      } MB`;
      const ms = t - from.t;
      // A second of downloads is the least that says anything about the rest.
      if (ms >= 1000 && done > from.done) {
        text += `, ${((bytes - from.bytes) / 1e3 / ms).toFixed(1)} MB/s`;
        if (done < total) {
          const left = ((total - done) * ms) / (done - from.done) / 1000;
          text += `, about ${formatDuration(left)} left`;
        }
      }
      show(text, done === total);
    },
    finish() {
      if (open) deps.write("\n");
      open = false;
      last = -Infinity;
      from = undefined;
    },
  };
}

/** "45 s", "12 min", "3 h 05 min": an estimate, so no more precision than that. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 120) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 120) return `${min} min`;
  return `${Math.floor(min / 60)} h ${String(min % 60).padStart(2, "0")} min`;
}
