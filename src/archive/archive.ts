// The one interface every Takeout part is read through, whatever its format
// (.zip, .tgz/.tar.gz, .tar or an unpacked folder): a listing that reads no
// file data, and streams of entry bytes with constant memory. Readers never
// write anything and pass entry names through as the archive spells them;
// deciding whether a name is safe to write is the importer's job, with
// safeEntryPath() from entry_path.ts.

import type { ArchiveError } from "./archive_errors.ts";

/**
 * What an entry is. "hardlink" is tar's link to an earlier entry; "other"
 * covers devices, fifos, sockets and tar types this reader does not know.
 */
export type EntryKind = "file" | "dir" | "symlink" | "hardlink" | "other";

export type ArchiveFormat = "zip" | "tgz" | "tar" | "folder";

/** One entry of one part, as listed. */
export interface ArchiveEntry {
  /** The part (archive file or folder path, as given) holding the entry. */
  readonly part: string;
  /** Position in the part's listing; how open() finds the entry again. */
  readonly index: number;
  /**
   * Path inside the part, decoded to a string and otherwise as stored:
   * NFC and NFD kept as given, "/" separators, directories usually with a
   * trailing "/". Never trusted as a file system path (see entry_path.ts).
   */
  readonly name: string;
  /** Uncompressed size in bytes (0 for directories and links). */
  readonly size: number;
  /** Modification time, when the archive records one. */
  readonly mtime: Date | undefined;
  readonly kind: EntryKind;
  /** Where a symlink or hardlink points, when known without reading data. */
  readonly linkTarget?: string;
  /** Unix permission and type bits, when the archive records them. */
  readonly mode?: number;
}

/** A listed entry, with its bytes when the listing was asked to collect them. */
export interface ListedEntry extends ArchiveEntry {
  /** The whole entry, for entries picked by ListOptions.collect. */
  readonly content?: Uint8Array;
  /** Why a picked entry has no content (CRC mismatch, truncation...). */
  readonly contentError?: ArchiveError;
}

export interface ListOptions {
  /**
   * Entries whose bytes the listing should capture on the way (small JSON
   * sidecars, which may sit in another part than their media). Only "file"
   * entries no larger than collectMaxBytes are captured.
   */
  collect?: (entry: ArchiveEntry) => boolean;
  /** Size limit for collected entries; default 1 MiB. */
  collectMaxBytes?: number;
  signal?: AbortSignal;
  /**
   * Hands each entry over as it is listed (with its content when
   * collected), in an order the reader chooses, instead of returning them:
   * PartListing.entries is then empty. The caller keeps what it needs, so a
   * listing of hundreds of thousands of entries, or of their sidecars'
   * bytes, is never held at once.
   */
  visit?: (entry: ListedEntry) => void;
}

export const DEFAULT_COLLECT_MAX_BYTES = 1 << 20;

/** What listing one part found. */
export interface PartListing {
  readonly part: string;
  readonly format: ArchiveFormat;
  /**
   * Entries in archive order (for zip: central directory order); empty
   * when ListOptions.visit received them.
   */
  readonly entries: ListedEntry[];
  /**
   * Problems of the part (those found at open, then those met while
   * listing): a truncated part lists the entries before the cut.
   */
  readonly problems: ArchiveError[];
}

export interface EntriesOptions {
  /** Entries to visit; those refused are skipped without being read. */
  want?: (entry: ArchiveEntry) => boolean;
  signal?: AbortSignal;
}

/** An entry met by a data pass, with its bytes. */
export interface ArchiveItem {
  readonly entry: ArchiveEntry;
  /**
   * The entry's stored bytes (a symlink's target for zip; empty for tar
   * links and directories). Zip entries are checked against their CRC-32
   * and size at the end: a mismatch or truncation errors the stream with an
   * ArchiveError naming part and entry. The body is valid until the next
   * item is requested: read it (or cancel it) first; reading it later fails.
   */
  readonly body: ReadableStream<Uint8Array>;
}

/** One opened part. */
export interface ArchiveReader {
  readonly part: string;
  readonly format: ArchiveFormat;
  /**
   * Whether open() is cheap. False for tar parts: gzip has no index, so
   * opening one entry decompresses the part from its start up to the entry.
   */
  readonly randomAccess: boolean;
  /** Problems found when opening (a zip whose central directory is lost). */
  readonly problems: readonly ArchiveError[];
  /**
   * The listing pass. Zip and folder parts read only their directory (plus
   * collected entries); a tar part is decompressed from end to end, streaming,
   * because tar has no directory. Part problems land in the result, they are
   * not thrown.
   */
  list(options?: ListOptions): Promise<PartListing>;
  /**
   * The data pass: the wanted entries once each, in the order that reads the
   * part sequentially (tar: archive order; zip: by data offset; folder:
   * listing order). A problem
   * that ends the part early (a tar cut) is thrown after the entries before
   * it; problems known at open are in `problems`, not thrown again.
   */
  entries(options?: EntriesOptions): AsyncIterableIterator<ArchiveItem>;
  /** One entry's bytes (see randomAccess for the cost on tar parts). */
  open(entry: ArchiveEntry): ReadableStream<Uint8Array>;
  /**
   * Forgets every entry but those kept, once the caller knows which it
   * will read: the data pass then visits only those (they keep their
   * indexes). A listing of hundreds of thousands of entries is half
   * sidecars, which a data pass does not read. Readers that hold no
   * listing need not have it.
   */
  keepOnly?(keep: (index: number) => boolean): void;
  /**
   * The name of entry `index`, for readers that keep their listing (zip,
   * folder): a caller that took the listing through ListOptions.visit can
   * look names up again rather than keep a copy of each.
   */
  nameOf?(index: number): string | undefined;
  /** Releases what the reader holds open; streams in progress are failed. */
  close(): Promise<void>;
}
