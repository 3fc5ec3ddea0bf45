// Per-item filesystem failures. They differ from DiskError (src/errors.ts),
// which stops the run: these concern one file only, so the caller records
// the item as failed (bad ids) or retries it, and carries on with the rest.

import { ExitCode, GphotosError } from "../errors.ts";

/** A path built from names the server sent would land outside ROOT. */
export class UnsafePathError extends GphotosError {
  readonly path: string;
  constructor(message: string, path: string, options?: ErrorOptions) {
    super(message, ExitCode.failed, options);
    this.path = path;
  }
}

/**
 * The filesystem refused one file name (too long, characters it does not
 * take). Other items can still be written.
 */
export class FileNameError extends GphotosError {
  readonly path: string;
  constructor(message: string, path: string, options?: ErrorOptions) {
    super(message, ExitCode.failed, options);
    this.path = path;
  }
}

/**
 * A download ended with a byte count other than the one announced: a cut
 * connection or a truncated body. Worth retrying, like a network error.
 */
export class SizeMismatchError extends GphotosError {
  readonly expected: number;
  readonly received: number;
  constructor(
    message: string,
    expected: number,
    received: number,
    options?: ErrorOptions,
  ) {
    super(message, ExitCode.failed, options);
    this.expected = expected;
    this.received = received;
  }
}
