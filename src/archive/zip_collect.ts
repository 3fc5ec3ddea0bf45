// The collected entries of a zip part (a listing's sidecars and other small
// files asked for with their names): read in data order, neighbouring
// entries in one window of the file and inflated in one call each. Takeout
// parts hold tens of thousands of small sidecars; an entry stream each
// would cost a read and a DecompressionStream per file. Anything unusual (a
// header not where expected, a CRC or size mismatch, damaged data,
// encryption) goes through the entry's stream instead, which says precisely
// what is wrong.

import zlib from "node:zlib";
import { readWhole } from "./entry_body.ts";
import { readAt, readInto } from "./file_io.ts";
import { inflateSmall } from "./small_inflate.ts";
import { HEADER_SLACK, zipEntryBody, type ZipPart } from "./zip_entry.ts";
import type { ZipDirectory } from "./zip_directory.ts";
import {
  FLAG_ENCRYPTED,
  LOCAL_SIZE,
  localTail,
  METHOD_DEFLATE,
  METHOD_STORED,
  SIG_LOCAL,
  view,
} from "./zip_format.ts";

/** Collected entries nearer than this to the previous one share its read. */
const WINDOW_GAP = 64 << 10;
/** The most bytes one read of collected entries covers. */
const WINDOW_MAX = 1 << 20;

/** Reads the `picked` entries of a part, asked for in data order. */
export class EntryCollector {
  readonly #part: ZipPart;
  readonly #directory: ZipDirectory;
  readonly #file: Deno.FsFile;
  readonly #picked: Uint32Array;
  // One buffer for all windows: a new one per window would be megabytes
  // of garbage per part.
  readonly #buffer = new Uint8Array(WINDOW_MAX);
  #window: Uint8Array = this.#buffer.subarray(0, 0);
  #windowAt = 0;
  /** Where in `picked` the entry asked for last is. */
  #next = 0;

  /** `file`: the part, open; the caller closes it when done. */
  constructor(
    part: ZipPart,
    directory: ZipDirectory,
    file: Deno.FsFile,
    picked: Uint32Array,
  ) {
    this.#part = part;
    this.#directory = directory;
    this.#file = file;
    this.#picked = picked;
  }

  /** The bytes of entry `index`, checked; an ArchiveError when damaged. */
  async read(index: number): Promise<Uint8Array> {
    const content = await this.#fast(index);
    if (content !== undefined) return content;
    const body = zipEntryBody(
      this.#part,
      this.#directory.record(index),
      this.#file,
    );
    return await readWhole(body.stream, this.#directory.size(index));
  }

  /** The bytes the entry's header and data may take in the file. */
  #span(i: number): { start: number; end: number } {
    const directory = this.#directory;
    const start = directory.dataOffset(i) ??
      directory.localOffset(i) + this.#part.bias;
    return {
      start,
      end: start + LOCAL_SIZE + directory.headerGuess(i) +
        directory.compressedSize(i) + HEADER_SLACK,
    };
  }

  /** Reads a window from picked entry `from` on, as long as the next ones are near. */
  async #fill(from: number): Promise<void> {
    const picked = this.#picked;
    const first = this.#span(picked[from]);
    let end = first.end;
    for (let k = from + 1; k < picked.length; k++) {
      const s = this.#span(picked[k]);
      if (s.start - end > WINDOW_GAP || s.end - first.start > WINDOW_MAX) {
        break;
      }
      end = Math.max(end, s.end);
    }
    const length = end - first.start;
    if (length > this.#buffer.length) {
      // One entry larger than the buffer.
      this.#window = await readAt(this.#file, first.start, length);
    } else {
      const got = await readInto(
        this.#file,
        first.start,
        this.#buffer.subarray(0, length),
      );
      this.#window = this.#buffer.subarray(0, got);
    }
    this.#windowAt = first.start;
  }

  /** The entry's bytes from the window, or undefined when anything is unusual. */
  async #fast(index: number): Promise<Uint8Array | undefined> {
    const directory = this.#directory;
    const flags = directory.flags(index);
    const method = directory.method(index);
    if (
      (flags & FLAG_ENCRYPTED) ||
      (method !== METHOD_STORED && method !== METHOD_DEFLATE)
    ) {
      return undefined;
    }
    const size = directory.size(index);
    const compressedSize = directory.compressedSize(index);
    if (method === METHOD_STORED && compressedSize !== size) return undefined;
    const picked = this.#picked;
    while (this.#next < picked.length && picked[this.#next] !== index) {
      this.#next++;
    }
    const { start, end } = this.#span(index);
    if (start < this.#windowAt || end > this.#windowAt + this.#window.length) {
      await this.#fill(this.#next);
    }
    const window = this.#window;
    const windowAt = this.#windowAt;
    let dataStart = directory.dataOffset(index);
    if (dataStart === undefined) {
      const at = start - windowAt;
      if (at + LOCAL_SIZE > window.length) return undefined;
      const fixed = window.subarray(at, at + LOCAL_SIZE);
      if (view(fixed).getUint32(0, true) !== SIG_LOCAL) return undefined;
      dataStart = start + LOCAL_SIZE + localTail(fixed);
    }
    const from = dataStart - windowAt;
    const packed = from + compressedSize <= window.length
      ? window.subarray(from, from + compressedSize)
      : await readAt(this.#file, dataStart, compressedSize);
    if (packed.length !== compressedSize) return undefined;
    let content: Uint8Array;
    if (method === METHOD_STORED) content = packed.slice();
    else {
      try {
        content = inflateSmall(packed, size);
      } catch {
        return undefined;
      }
    }
    if (
      content.length !== size || zlib.crc32(content) !== directory.crc(index)
    ) {
      return undefined;
    }
    return content;
  }
}
