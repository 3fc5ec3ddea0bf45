// The bytes of one zip entry: stored or deflated data streamed from its file
// range (through DecompressionStream("deflate-raw")), or, for a small entry,
// read in one go and inflated in plain code; either way counted and checked
// against the size and CRC-32 the directory lists, and every failure told as
// an ArchiveError naming the entry and the part. One reading object per
// entry and no allocation per chunk: this is every imported file's path.

import zlib from "node:zlib";
import {
  ArchiveError,
  CorruptArchiveError,
  describeError,
  TruncatedArchiveError,
  UnsupportedArchiveError,
} from "./archive_errors.ts";
import { ByteCursor, type ChunkSource } from "./byte_cursor.ts";
import { type BodySource, type EntryBody, entryBody } from "./entry_body.ts";
import { fileRange, readAt, readInto } from "./file_io.ts";
import { inflate, type Inflater } from "./inflate.ts";
import { inflateSmall } from "./small_inflate.ts";
import {
  FLAG_ENCRYPTED,
  LOCAL_SIZE,
  localTail,
  METHOD_DEFLATE,
  METHOD_NAMES,
  METHOD_STORED,
  SIG_LOCAL,
  view,
  type ZipRecord,
} from "./zip_format.ts";

/** Room for a local header's fields being longer than the directory's. */
export const HEADER_SLACK = 256;
/** Entries up to this size (both ways) are read whole and inflated in plain code. */
export const SMALL_ENTRY = 128 << 10;
/** Room for a local header read with a small entry. */
export const SMALL_HEADER = 1 << 10;

/** What the entries of one part share. */
export interface ZipPart {
  /** The part's path, for reading and for messages. */
  readonly path: string;
  /** Bytes before the archive proper (self-extractor stubs): offsets shift. */
  readonly bias: number;
  /** Whether the listing came from an intact central directory. */
  readonly intact: boolean;
}

/**
 * The body of one entry. It opens the part on first read (or uses
 * `shared`, which it leaves open), inflates, and checks size and CRC-32.
 * `scratch`: a buffer a small entry may be read into (bodies read one after
 * the other may share one).
 */
export function zipEntryBody(
  part: ZipPart,
  record: ZipRecord,
  shared?: Deno.FsFile,
  scratch?: Uint8Array,
): EntryBody {
  const source = new ZipEntrySource(part, record, shared, scratch);
  return entryBody(source, source.what);
}

const NOT_CUT = () => false;

/** The reading of one entry, as entryBody asks for it. */
class ZipEntrySource implements BodySource {
  /** `Entry "name" of part`, for messages. */
  readonly what: string;
  readonly #part: ZipPart;
  readonly #record: ZipRecord;
  readonly #shared: Deno.FsFile | undefined;
  readonly #scratch: Uint8Array | undefined;
  #file: Deno.FsFile | undefined;
  #source: ChunkSource | undefined;
  #inflater: Inflater | undefined;
  /** Whether the part ended inside the entry's data. */
  #cut: () => boolean = NOT_CUT;
  #crc = 0;
  #count = 0;

  constructor(
    part: ZipPart,
    record: ZipRecord,
    shared: Deno.FsFile | undefined,
    scratch: Uint8Array | undefined,
  ) {
    this.what = `Entry "${record.name}" of ${part.path}`;
    this.#part = part;
    this.#record = record;
    this.#shared = shared;
    this.#scratch = scratch;
  }

  async next(): Promise<Uint8Array | null> {
    this.#source ??= await this.#start();
    const chunk = await this.#source();
    if (chunk !== null) {
      this.#crc = zlib.crc32(chunk, this.#crc);
      this.#count += chunk.length;
      if (this.#count > this.#record.size) {
        throw this.#corrupt(
          `holds more than the ${this.#record.size} bytes its header ` +
            "lists. The part is damaged: download it again.",
        );
      }
    }
    return chunk;
  }

  finish(): void {
    const record = this.#record;
    const count = this.#count;
    if (count !== record.size) {
      throw this.#cut() ? this.#cutError() : this.#corrupt(
        `holds ${count} bytes where its header lists ` +
          `${record.size}. The part is damaged: download it again.`,
      );
    }
    if (this.#crc !== record.crc) {
      throw this.#corrupt(
        `fails its CRC-32 check (${hex(this.#crc)} where the archive ` +
          `says ${hex(record.crc)}): its bytes are damaged. Download ` +
          "this part again.",
      );
    }
  }

  async close(): Promise<void> {
    await this.#inflater?.cancel();
    if (this.#file && this.#file !== this.#shared) this.#file.close();
  }

  mapError(err: unknown): unknown {
    return err instanceof ArchiveError || !this.#cut()
      ? asArchiveError(err, this.#part.path, this.#record.name)
      : this.#cutError();
  }

  /** Opens the entry's bytes: whole when small, else a stream of its range. */
  async #start(): Promise<ChunkSource> {
    const record = this.#record;
    this.#refuseUnreadable();
    const file = this.#file = this.#shared ??
      await Deno.open(this.#part.path, { read: true });
    if (record.compressedSize <= SMALL_ENTRY && record.size <= SMALL_ENTRY) {
      const whole = await readSmall(file, this.#part, record, this.#scratch);
      if (whole !== undefined) {
        let given = false;
        return () => {
          const out = given ? null : whole;
          given = true;
          return Promise.resolve(out);
        };
      }
    }
    const dataStart = record.dataOffset ??
      await dataStartOf(file, this.#part, record);
    const range = fileRange(
      file,
      dataStart,
      dataStart + record.compressedSize,
    );
    this.#cut = range.short;
    if (record.method === METHOD_STORED) {
      if (record.compressedSize !== record.size) {
        throw this.#corrupt(
          `is stored uncompressed but lists ${record.size} bytes ` +
            `and ${record.compressedSize} stored bytes. The part is ` +
            "damaged: download it again.",
        );
      }
      return range.next;
    }
    this.#inflater = inflate(
      "deflate-raw",
      new ByteCursor(range.next, dataStart),
    );
    return this.#inflater.next;
  }

  /** Encrypted entries and other methods than stored and deflate. */
  #refuseUnreadable(): void {
    const record = this.#record;
    if (record.flags & FLAG_ENCRYPTED) {
      throw new UnsupportedArchiveError(
        `${this.what} is encrypted; Takeout never encrypts entries, so this ` +
          "part was not made by Google Takeout. Extract it with its tool.",
        this.#part.path,
        record.name,
      );
    }
    if (record.method !== METHOD_STORED && record.method !== METHOD_DEFLATE) {
      const method = METHOD_NAMES[record.method] ?? "unknown";
      throw new UnsupportedArchiveError(
        `${this.what} uses compression method ${record.method} (${method}); ` +
          "only stored and deflated entries can be read. Unpack the part " +
          "with a zip tool and import the folder instead.",
        this.#part.path,
        record.name,
      );
    }
  }

  #corrupt(why: string): CorruptArchiveError {
    return new CorruptArchiveError(
      `${this.what} ${why}`,
      this.#part.path,
      this.#record.name,
    );
  }

  #cutError(): ArchiveError {
    const message = `${this.what} is cut after ${this.#count} bytes: the ` +
      "part ends inside its data. Download this part again.";
    return this.#part.intact
      ? new CorruptArchiveError(message, this.#part.path, this.#record.name)
      : new TruncatedArchiveError(message, this.#part.path, this.#record.name);
  }
}

/**
 * A small entry's bytes, read in one go and inflated in plain code (a
 * DecompressionStream per entry costs tens of KB and hundreds of µs,
 * and exports hold 100,000 small files). Undefined when anything is
 * unusual: the caller then streams the entry, which reports precisely
 * what is wrong. Size and CRC are checked by the caller as for a stream.
 */
async function readSmall(
  file: Deno.FsFile,
  part: ZipPart,
  record: ZipRecord,
  scratch?: Uint8Array,
): Promise<Uint8Array | undefined> {
  const known = record.dataOffset;
  const start = known ?? record.localOffset + part.bias;
  const header = known === undefined
    ? Math.min(
      SMALL_HEADER,
      LOCAL_SIZE + record.name.length * 3 + HEADER_SLACK,
    )
    : 0;
  const length = header + record.compressedSize;
  // Read into the pass's buffer when there is one: what is returned is
  // always a new array (inflated, or copied).
  const bytes = scratch !== undefined && length <= scratch.length
    ? scratch.subarray(
      0,
      await readInto(file, start, scratch.subarray(0, length)),
    )
    : await readAt(file, start, length);
  let dataAt = 0;
  if (known === undefined) {
    if (
      bytes.length < LOCAL_SIZE ||
      view(bytes).getUint32(0, true) !== SIG_LOCAL
    ) {
      return undefined;
    }
    dataAt = LOCAL_SIZE + localTail(bytes.subarray(0, LOCAL_SIZE));
  }
  if (dataAt + record.compressedSize > bytes.length) return undefined;
  const packed = bytes.subarray(dataAt, dataAt + record.compressedSize);
  if (record.method === METHOD_STORED) {
    return record.compressedSize === record.size ? packed.slice() : undefined;
  }
  try {
    return inflateSmall(packed, record.size);
  } catch {
    return undefined;
  }
}

/** Where an entry's data starts, from its local header. */
async function dataStartOf(
  file: Deno.FsFile,
  part: ZipPart,
  record: ZipRecord,
): Promise<number> {
  const at = record.localOffset + part.bias;
  const fixed = await readAt(file, at, LOCAL_SIZE);
  if (
    fixed.length < LOCAL_SIZE || view(fixed).getUint32(0, true) !== SIG_LOCAL
  ) {
    throw new CorruptArchiveError(
      `Entry "${record.name}" of ${part.path} has no local header at ` +
        `offset ${at}: the central directory points to the wrong place. ` +
        "The part is damaged: download it again.",
      part.path,
      record.name,
    );
  }
  return at + LOCAL_SIZE + localTail(fixed);
}

/** Any failure reading an entry, as the ArchiveError that names it. */
export function asArchiveError(
  err: unknown,
  part: string,
  entry: string,
): ArchiveError {
  if (err instanceof ArchiveError) return err;
  return new CorruptArchiveError(
    `Entry "${entry}" of ${part} cannot be decompressed: ` +
      `${describeError(err)}. The part is damaged: download it again.`,
    part,
    entry,
    { cause: err },
  );
}

function hex(n: number): string {
  return n.toString(16).padStart(8, "0");
}
