// What every command's core receives besides its options: the side effects,
// injected so tests can run the core against the test server and a fake clock.

import type { ExitCode } from "../errors.ts";
import type { Logger } from "../log.ts";

export interface RunContext {
  logger: Logger;
  fetch: typeof fetch;
  now: () => Date;
  /** Resolves after `ms`, or rejects when `signal` aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  /** Aborted on Ctrl-C / SIGTERM. */
  signal: AbortSignal;
  env: (name: string) => string | undefined;
  /** A line of results on stdout. */
  print: (line: string) => void;
  /** A line for the person at the terminal (stderr), whatever the log level. */
  tell: (line: string) => void;
  /** Raw text to stderr (progress redraws its line). */
  stderr: (text: string) => void;
  /** stderr is a terminal (progress bars, QR codes). */
  isTty: boolean;
  /**
   * --json: the fields of the run's last object, which main prints when the
   * run ends, with its exitCode and `message` (default: the last line told).
   */
  result: (fields: object, message?: string) => void;
}

/**
 * What a command's run comes to, in one shape for every command;
 * src/commands/result.ts says it and turns it into the exit code.
 */
export interface CommandResult {
  /** Items the run could not back up (exit 3 when there are any). */
  failed: number;
  /**
   * Lines on stdout without --json (a table, a dry run's list), written as
   * they are read.
   */
  lines?: Iterable<string>;
  /** The run's last line for the person, on stderr. */
  summary?: string;
  /** Lines for the person after the summary (the problems met). */
  notes?: readonly string[];
  /** --json's message when it is not the summary. */
  message?: string;
  /** --json: the fields of the last object, given the run's exit code. */
  report?: (code: ExitCode) => object;
}
