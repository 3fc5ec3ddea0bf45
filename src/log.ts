// Logging: people read stderr and the log file; machines read stdout. The
// logger is passed in (never a global) so tests can capture what is said.

export const LOG_LEVELS = [
  "critical",
  "error",
  "warning",
  "info",
  "debug",
  "trace",
] as const;
export type LogLevel = typeof LOG_LEVELS[number];

export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
  /** Every API call at `--log-level trace`; also written to gphotos.trace. */
  trace(message: string): void;
  /** False when trace lines are dropped (they need not be built). */
  readonly tracing?: boolean;
}

/** A logger that drops everything (for library code called without one). */
export const silentLogger: Logger = {
  error() {},
  warn() {},
  info() {},
  debug() {},
  trace() {},
  tracing: false,
};

/** A logger that keeps every line in memory, for tests. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (message: string) => {
    lines.push(`${level}: ${message}`);
  };
  return {
    lines,
    error: at("error"),
    warn: at("warning"),
    info: at("info"),
    debug: at("debug"),
    trace: at("trace"),
  };
}
