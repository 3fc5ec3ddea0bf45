// The real logger: stderr for people, the log file for the record, and at
// trace level every API call also in <ROOT>/gphotos.trace.

import { dirname } from "node:path";
import { LOG_LEVELS, type Logger, type LogLevel } from "../log.ts";
import { safeText } from "./safe_text.ts";

export interface LogSinks {
  /** Writes a line for a person (stderr). */
  stderr: (line: string) => void;
  /** Appends a line to the log file; undefined when there is none. */
  file?: (line: string) => void;
  /** Appends a line to the trace file; undefined unless level is trace. */
  trace?: (line: string) => void;
  now: () => Date;
}

const RANK = new Map(LOG_LEVELS.map((l, i) => [l, i]));

/** Builds a logger writing every line at or above `level` to its sinks. */
export function createLogger(level: LogLevel, sinks: LogSinks): Logger {
  const limit = RANK.get(level)!;
  const emit = (at: LogLevel, message: string) => {
    if (RANK.get(at)! > limit) return;
    const stamp = sinks.now().toISOString().replace("T", " ").slice(0, 19);
    const tag = at.toUpperCase().padEnd(8);
    message = safeText(message);
    sinks.file?.(`${stamp} ${tag} ${message}`);
    if (at === "trace") {
      sinks.trace?.(`${stamp} ${message}`);
      return;
    }
    sinks.stderr(`${stamp} ${tag} ${message}`);
  };
  return {
    error: (m) => emit("error", m),
    warn: (m) => emit("warning", m),
    info: (m) => emit("info", m),
    debug: (m) => emit("debug", m),
    trace: (m) => emit("trace", m),
    tracing: level === "trace",
  };
}

/** An append-only text file, written synchronously so nothing is lost on exit. */
export function openAppendFile(path: string): {
  write: (line: string) => void;
  close: () => void;
} {
  const open = () =>
    Deno.openSync(path, { append: true, create: true, mode: 0o600 });
  let file: Deno.FsFile;
  try {
    file = open();
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    // --logfile may name a folder that is not there yet. Only then is the
    // folder touched: a run may write the log file, not its folder.
    Deno.mkdirSync(dirname(path), { recursive: true });
    file = open();
  }
  const enc = new TextEncoder();
  return {
    write: (line) => {
      const bytes = enc.encode(line + "\n");
      let off = 0;
      while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
    },
    close: () => file.close(),
  };
}
