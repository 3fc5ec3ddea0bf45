// Typed errors of the Takeout archive readers. Each names the part (the
// archive file or folder) and, when one is concerned, the entry, so that the
// importer can report "part 3 is truncated after entry X" and carry on with
// what is readable. They exit with code 3 (partial): a damaged part never
// stops the other parts from being imported.

import { ExitCode, GphotosError } from "../errors.ts";

/** Something in one Takeout part cannot be read as it should. */
export class ArchiveError extends GphotosError {
  /** The part's path, as it was given. */
  readonly part: string;
  /** The entry's name inside the part, when the problem is one entry's. */
  readonly entry: string | undefined;
  constructor(
    message: string,
    part: string,
    entry?: string,
    options?: ErrorOptions,
  ) {
    super(message, ExitCode.partial, options);
    this.part = part;
    this.entry = entry;
  }
}

/** A part missing from the middle of a numbered series of parts. */
export class MissingPartError extends ArchiveError {}

/** The part ends early: a download or copy was cut. */
export class TruncatedArchiveError extends ArchiveError {}

/** The part's bytes are wrong: bad signatures, offsets, checksums. */
export class CorruptArchiveError extends ArchiveError {}

/** Readable in principle, but not by this program (encryption, methods). */
export class UnsupportedArchiveError extends ArchiveError {}

/** Text for an unknown thrown value, for messages. */
export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
