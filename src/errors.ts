// Typed errors shared by every layer. Each carries the exit code that
// src/main.ts turns it into, and a message that says what failed and what to
// do about it; `cause` keeps the underlying error for the log.

export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  partial: 3,
  /** A person must sign in again (`gphotos-sync login ROOT`). */
  signIn: 4,
  interrupted: 130,
} as const;
export type ExitCode = typeof ExitCode[keyof typeof ExitCode];

/**
 * The exit code of a run that ended: some items or entries failed (3) or
 * none (0). Every other exit is an error on the way, with its own code.
 */
export function endedCode(failed: number): ExitCode {
  return failed > 0 ? ExitCode.partial : ExitCode.ok;
}

/** Base class: every error the program expects to meet is one of these. */
export class GphotosError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Bad command line, config file or flag value (exit 2). */
export class UsageError extends GphotosError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, ExitCode.usage, options);
  }
}

/** Sign-in problems: no client secret, refresh refused, consent failed. */
export class AuthError extends GphotosError {
  constructor(
    message: string,
    options?: ErrorOptions & { exitCode?: ExitCode },
  ) {
    super(message, options?.exitCode ?? ExitCode.failed, options);
  }
}

/** An HTTP answer from Google that is not a success and will not be retried. */
export class ApiError extends GphotosError {
  readonly status: number;
  /** Google's `error.status`, e.g. "PERMISSION_DENIED". */
  readonly code: string;
  constructor(
    message: string,
    status: number,
    code: string,
    options?: ErrorOptions,
  ) {
    super(message, ExitCode.failed, options);
    this.status = status;
    this.code = code;
  }
}

/** Retries ran out on 429 RESOURCE_EXHAUSTED. */
export class QuotaError extends ApiError {}

/**
 * The token lacks a scope Google removed on 31 March 2025 (403 "insufficient
 * authentication scopes").
 */
export class ScopeError extends ApiError {}

/** Ctrl-C or SIGTERM: the run stopped at a consistent point (exit 130). */
export class InterruptedError extends GphotosError {
  constructor(message = "Interrupted.", options?: ErrorOptions) {
    super(message, ExitCode.interrupted, options);
  }
}

/** A local filesystem failure that stops the run (disk full, no permission). */
export class DiskError extends GphotosError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, ExitCode.failed, options);
  }
}
