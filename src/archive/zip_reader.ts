// Reads one .zip part of a Takeout export: the listing from the central
// directory at the end of the file (ZIP64 included: parts of 50 GB, entries
// over 4 GB, more than 65535 entries), entry bytes streamed from a file
// range through DecompressionStream("deflate-raw") and checked against
// their CRC-32 at the end. A part without a readable central directory (a
// cut download) is listed by walking its local headers instead, and the
// part is reported as truncated; what is complete stays readable.

import zlib from "node:zlib";
import {
  type ArchiveEntry,
  type ArchiveItem,
  type ArchiveReader,
  DEFAULT_COLLECT_MAX_BYTES,
  type EntriesOptions,
  type ListedEntry,
  type ListOptions,
  type PartListing,
} from "./archive.ts";
import { EntryBudget } from "./entry_budget.ts";
import {
  ArchiveError,
  CorruptArchiveError,
  describeError,
  TruncatedArchiveError,
  UnsupportedArchiveError,
} from "./archive_errors.ts";
import { ByteCursor, type ChunkSource } from "./byte_cursor.ts";
import { type EntryBody, entryBody, readWhole } from "./entry_body.ts";
import { fileRange, readAt, readInto } from "./file_io.ts";
import { inflate, type Inflater } from "./inflate.ts";
import { inflateSmall } from "./small_inflate.ts";
import {
  CENTRAL_SIZE,
  emptyCentralRecord,
  type EndOfCentralDirectory,
  EOCD_SEARCH,
  findEocd,
  FLAG_ENCRYPTED,
  LOCAL_SIZE,
  localTail,
  METHOD_DEFLATE,
  METHOD_NAMES,
  METHOD_STORED,
  parseZip64Eocd,
  parseZip64Locator,
  readCentralRecord,
  SIG_CENTRAL,
  SIG_LOCAL,
  view,
  ZIP64_EOCD_SIZE,
  ZIP64_LOCATOR_SIZE,
  type ZipRecord,
} from "./zip_format.ts";
import { scanLocalHeaders, type ScanStop } from "./zip_scan.ts";
import { ZipDirectory, ZipDirectoryBuilder } from "./zip_directory.ts";

/** Collected entries nearer than this to the previous one share its read. */
const WINDOW_GAP = 64 << 10;
/** The most bytes one read of collected entries covers. */
const WINDOW_MAX = 1 << 20;
/** Room for a local header's fields being longer than the directory's. */
const HEADER_SLACK = 256;
/** Entries up to this size (both ways) are read whole and inflated in plain code. */
const SMALL_ENTRY = 128 << 10;
/** Room for a local header read with a small entry. */
const SMALL_HEADER = 1 << 10;
/** Bytes of the central directory read at once. */
const CENTRAL_BLOCK = 1 << 20;

export class ZipReader implements ArchiveReader {
  readonly format = "zip" as const;
  readonly randomAccess = true;
  readonly part: string;
  readonly problems: readonly ArchiveError[];
  #directory: ZipDirectory;
  /** Bytes before the archive proper (self-extractor stubs): offsets shift. */
  readonly #bias: number;
  /** Whether the listing came from an intact central directory. */
  readonly #intact: boolean;
  readonly #bodies = new Set<EntryBody>();

  private constructor(
    part: string,
    directory: ZipDirectory,
    bias: number,
    intact: boolean,
    problems: ArchiveError[],
  ) {
    this.part = part;
    this.#directory = directory;
    this.#bias = bias;
    this.#intact = intact;
    this.problems = problems;
  }

  /**
   * Opens a zip part. Throws CorruptArchiveError when the file is no zip at
   * all; a damaged but partly readable part opens, with `problems` saying
   * what is wrong.
   */
  static async open(
    path: string,
    budget: EntryBudget = new EntryBudget(),
  ): Promise<ZipReader> {
    const file = await Deno.open(path, { read: true });
    try {
      const size = (await file.stat()).size;
      let damage: ArchiveError | undefined;
      const tailAt = Math.max(0, size - EOCD_SEARCH);
      const eocd = findEocd(await readAt(file, tailAt, size - tailAt), tailAt);
      if (eocd) {
        try {
          const { directory, bias } = await readCentral(
            file,
            path,
            eocd,
            budget,
          );
          return new ZipReader(path, directory, bias, true, []);
        } catch (err) {
          if (!(err instanceof CorruptArchiveError)) throw err;
          damage = err;
        }
      }
      const scan = await scanLocalHeaders(file, size, budget);
      if (!scan.looksLikeZip) {
        budget.give(scan.taken);
        throw damage ?? new CorruptArchiveError(
          `${path} is not a zip archive: it has neither an end of central ` +
            "directory record nor a local header at its start. Check that " +
            "this is a Takeout part and download it again.",
          path,
        );
      }
      const problem = damage
        ? new CorruptArchiveError(
          `${damage.message} ${
            recovered(scan.records.length, scan.stop, budget)
          }`,
          path,
          scan.stop.kind === "cut" ? scan.stop.entry : undefined,
          { cause: damage },
        )
        : new TruncatedArchiveError(
          `${path} is truncated: it has no end of central directory record ` +
            `(the file ends at byte ${size}). ` +
            `${recovered(scan.records.length, scan.stop, budget)} ` +
            "Download this part again to get the rest.",
          path,
          scan.stop.kind === "cut" ? scan.stop.entry : undefined,
        );
      return new ZipReader(
        path,
        ZipDirectory.of(path, scan.records),
        0,
        false,
        [problem],
      );
    } finally {
      file.close();
    }
  }

  async list(options: ListOptions = {}): Promise<PartListing> {
    const directory = this.#directory;
    const visit = options.visit;
    const entries: ListedEntry[] = visit ? [] : [...directory.entries()];
    const problems: ArchiveError[] = [...this.problems];
    const collect = options.collect;
    const max = options.collectMaxBytes ?? DEFAULT_COLLECT_MAX_BYTES;
    const wanted = (entry: ArchiveEntry) =>
      collect !== undefined && entry.kind === "file" && entry.size <= max &&
      collect(entry);
    const order = directory.dataOrder();
    const picked = collect === undefined
      ? new Uint32Array(0)
      : order.filter((i) => wanted(directory.entry(i)));
    const pickedSet = new Set(picked);
    // One handle for all collected entries: Takeout parts hold tens of
    // thousands of small sidecars, read in windows of neighbouring entries.
    const file = picked.length > 0
      ? await Deno.open(this.part, { read: true })
      : undefined;
    try {
      const reader = file === undefined
        ? undefined
        : this.#collector(file, picked);
      for (const index of order) {
        const entry = directory.entry(index);
        let listed: ListedEntry = entry;
        if (reader !== undefined && pickedSet.has(index)) {
          options.signal?.throwIfAborted();
          try {
            listed = { ...entry, content: await reader.read(index) };
          } catch (err) {
            const error = asArchiveError(err, this.part, entry.name);
            listed = { ...entry, contentError: error };
            problems.push(error);
          }
          if (!visit) entries[index] = listed;
        }
        visit?.(listed);
      }
    } finally {
      file?.close();
    }
    return { part: this.part, format: this.format, entries, problems };
  }

  async *entries(options: EntriesOptions = {}): AsyncIterableIterator<
    ArchiveItem
  > {
    // One handle for the pass: bodies are read one after the other.
    let file: Deno.FsFile | undefined;
    let scratch: Uint8Array | undefined;
    try {
      for (const index of this.#directory.dataOrder()) {
        options.signal?.throwIfAborted();
        const entry = this.#directory.entry(index);
        if (options.want && !options.want(entry)) continue;
        file ??= await Deno.open(this.part, { read: true });
        // Bodies come one after the other here: they may share a buffer.
        scratch ??= new Uint8Array(SMALL_ENTRY + SMALL_HEADER);
        const body = this.#body(index, file, scratch);
        this.#track(body);
        try {
          yield { entry, body: body.stream };
        } finally {
          await body.release();
        }
      }
    } finally {
      file?.close();
    }
  }

  open(entry: ArchiveEntry): ReadableStream<Uint8Array> {
    return this.#body(this.#indexOf(entry)).stream;
  }

  async close(): Promise<void> {
    const bodies = [...this.#bodies];
    this.#bodies.clear();
    await Promise.all(bodies.map((b) => b.release()));
  }

  /**
   * Reads collected entries, asked for in data order. Neighbouring small
   * entries are read in one window and inflated in one call each; anything
   * unusual (a header not where expected, a CRC or size mismatch, damaged
   * data, encryption) goes through the entry's stream instead, which says
   * precisely what is wrong.
   */
  #collector(file: Deno.FsFile, picked: Uint32Array) {
    const directory = this.#directory;
    const bias = this.#bias;
    // One buffer for all windows: a new one per window would be megabytes
    // of garbage per part.
    const buffer = new Uint8Array(WINDOW_MAX);
    let window: Uint8Array = buffer.subarray(0, 0);
    let windowAt = 0;
    let next = 0;
    const span = (i: number) => {
      const start = directory.dataOffset(i) ??
        directory.localOffset(i) + bias;
      return {
        start,
        end: start + LOCAL_SIZE + directory.headerGuess(i) +
          directory.compressedSize(i) + HEADER_SLACK,
      };
    };
    const fill = async (from: number) => {
      // From this entry on, as long as the next ones are near.
      const first = span(picked[from]);
      let end = first.end;
      for (let k = from + 1; k < picked.length; k++) {
        const s = span(picked[k]);
        if (s.start - end > WINDOW_GAP || s.end - first.start > WINDOW_MAX) {
          break;
        }
        end = Math.max(end, s.end);
      }
      const length = end - first.start;
      if (length > buffer.length) {
        // One entry larger than the buffer.
        window = await readAt(file, first.start, length);
      } else {
        const got = await readInto(
          file,
          first.start,
          buffer.subarray(0, length),
        );
        window = buffer.subarray(0, got);
      }
      windowAt = first.start;
    };
    const fast = async (index: number): Promise<Uint8Array | undefined> => {
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
      while (next < picked.length && picked[next] !== index) next++;
      const { start, end } = span(index);
      if (start < windowAt || end > windowAt + window.length) {
        await fill(next);
      }
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
        : await readAt(file, dataStart, compressedSize);
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
    };
    return {
      read: async (index: number): Promise<Uint8Array> => {
        const content = await fast(index);
        if (content !== undefined) return content;
        const body = this.#body(index, file);
        return await readWhole(body.stream, directory.size(index));
      },
    };
  }

  nameOf(index: number): string | undefined {
    const at = this.#directory.positionOf(index);
    return at < 0 ? undefined : this.#directory.name(at);
  }

  keepOnly(keep: (index: number) => boolean): void {
    const old = this.#directory;
    this.#directory = old.subset(keep);
    old.free();
  }

  /** The directory position of a listed entry of this part. */
  #indexOf(entry: ArchiveEntry): number {
    const directory = this.#directory;
    const at = entry.part === this.part && Number.isInteger(entry.index)
      ? directory.positionOf(entry.index)
      : -1;
    if (at < 0 || directory.name(at) !== entry.name) {
      throw new RangeError(
        `Entry "${entry.name}" of ${entry.part} is not an entry of ` +
          `${this.part}; open it through the reader that listed it.`,
      );
    }
    return at;
  }

  /**
   * The body of entry `index`. It opens the part on first read (or uses
   * `shared`, which it leaves open), inflates, and checks size and CRC-32.
   */
  #body(
    index: number,
    shared?: Deno.FsFile,
    scratch?: Uint8Array,
  ): EntryBody {
    const record = this.#directory.record(index);
    const part = this.part;
    const name = record.name;
    const what = `Entry "${name}" of ${part}`;
    let file: Deno.FsFile | undefined;
    let source: ChunkSource | undefined;
    let inflater: Inflater | undefined;
    let cut = () => false;
    let crc = 0;
    let count = 0;
    const start = async (): Promise<ChunkSource> => {
      if (record.flags & FLAG_ENCRYPTED) {
        throw new UnsupportedArchiveError(
          `${what} is encrypted; Takeout never encrypts entries, so this ` +
            "part was not made by Google Takeout. Extract it with its tool.",
          part,
          name,
        );
      }
      if (record.method !== METHOD_STORED && record.method !== METHOD_DEFLATE) {
        const method = METHOD_NAMES[record.method] ?? "unknown";
        throw new UnsupportedArchiveError(
          `${what} uses compression method ${record.method} (${method}); ` +
            "only stored and deflated entries can be read. Unpack the part " +
            "with a zip tool and import the folder instead.",
          part,
          name,
        );
      }
      file = shared ?? await Deno.open(part, { read: true });
      if (
        record.compressedSize <= SMALL_ENTRY && record.size <= SMALL_ENTRY
      ) {
        const whole = await this.#readSmall(file, record, scratch);
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
        await this.#dataStart(file, record);
      const range = fileRange(
        file,
        dataStart,
        dataStart + record.compressedSize,
      );
      cut = range.short;
      if (record.method === METHOD_STORED) {
        if (record.compressedSize !== record.size) {
          throw new CorruptArchiveError(
            `${what} is stored uncompressed but lists ${record.size} bytes ` +
              `and ${record.compressedSize} stored bytes. The part is ` +
              "damaged: download it again.",
            part,
            name,
          );
        }
        return range.next;
      }
      inflater = inflate("deflate-raw", new ByteCursor(range.next, dataStart));
      return inflater.next;
    };
    const body = entryBody({
      next: async () => {
        source ??= await start();
        const chunk = await source();
        if (chunk !== null) {
          crc = zlib.crc32(chunk, crc);
          count += chunk.length;
          if (count > record.size) {
            throw new CorruptArchiveError(
              `${what} holds more than the ${record.size} bytes its header ` +
                "lists. The part is damaged: download it again.",
              part,
              name,
            );
          }
        }
        return chunk;
      },
      finish: () => {
        if (count !== record.size) {
          throw cut()
            ? this.#cutError(what, name, count)
            : new CorruptArchiveError(
              `${what} holds ${count} bytes where its header lists ` +
                `${record.size}. The part is damaged: download it again.`,
              part,
              name,
            );
        }
        if (crc !== record.crc) {
          throw new CorruptArchiveError(
            `${what} fails its CRC-32 check (${hex(crc)} where the archive ` +
              `says ${hex(record.crc)}): its bytes are damaged. Download ` +
              "this part again.",
            part,
            name,
          );
        }
      },
      close: async () => {
        await inflater?.cancel();
        if (file && file !== shared) file.close();
      },
      mapError: (err) =>
        err instanceof ArchiveError || !cut()
          ? asArchiveError(err, part, name)
          : this.#cutError(what, name, count),
    }, what);
    if (!shared) this.#track(body);
    return body;
  }

  #cutError(what: string, name: string, count: number): ArchiveError {
    const message = `${what} is cut after ${count} bytes: the part ends ` +
      "inside its data. Download this part again.";
    return this.#intact
      ? new CorruptArchiveError(message, this.part, name)
      : new TruncatedArchiveError(message, this.part, name);
  }

  /**
   * A small entry's bytes, read in one go and inflated in plain code (a
   * DecompressionStream per entry costs tens of KB and hundreds of µs,
   * and exports hold 100,000 small files). Undefined when anything is
   * unusual: the caller then streams the entry, which reports precisely
   * what is wrong. Size and CRC are checked by the caller as for a stream.
   */
  async #readSmall(
    file: Deno.FsFile,
    record: ZipRecord,
    scratch?: Uint8Array,
  ): Promise<Uint8Array | undefined> {
    const known = record.dataOffset;
    const start = known ?? record.localOffset + this.#bias;
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
  async #dataStart(file: Deno.FsFile, record: ZipRecord): Promise<number> {
    const at = record.localOffset + this.#bias;
    const fixed = await readAt(file, at, LOCAL_SIZE);
    if (
      fixed.length < LOCAL_SIZE || view(fixed).getUint32(0, true) !== SIG_LOCAL
    ) {
      throw new CorruptArchiveError(
        `Entry "${record.name}" of ${this.part} has no local header at ` +
          `offset ${at}: the central directory points to the wrong place. ` +
          "The part is damaged: download it again.",
        this.part,
        record.name,
      );
    }
    return at + LOCAL_SIZE + localTail(fixed);
  }

  #track(body: EntryBody) {
    if (this.#bodies.size >= 64) {
      for (const b of this.#bodies) if (b.settled) this.#bodies.delete(b);
    }
    this.#bodies.add(body);
  }
}

/** The central directory records, and the offset correction. */
async function readCentral(
  file: Deno.FsFile,
  part: string,
  eocd: EndOfCentralDirectory,
  budget: EntryBudget,
): Promise<{ directory: ZipDirectory; bias: number }> {
  let taken = 0;
  try {
    return await readCentralRecords(file, part, eocd, budget, (cost) => {
      taken += cost;
    });
  } catch (err) {
    // A directory not kept gives back what it took.
    budget.give(taken);
    throw err;
  }
}

async function readCentralRecords(
  file: Deno.FsFile,
  part: string,
  eocd: EndOfCentralDirectory,
  budget: EntryBudget,
  took: (cost: number) => void,
): Promise<{ directory: ZipDirectory; bias: number }> {
  const damaged = (why: string) =>
    new CorruptArchiveError(
      `${part} has a damaged central directory: ${why}.`,
      part,
    );
  let end = eocd;
  if (eocd.at >= ZIP64_LOCATOR_SIZE) {
    const locatorAt = eocd.at - ZIP64_LOCATOR_SIZE;
    const pointer = parseZip64Locator(
      await readAt(file, locatorAt, ZIP64_LOCATOR_SIZE),
    );
    if (pointer !== undefined) {
      // The pointer is wrong by the length of any prefix; the record
      // normally sits right before the locator.
      const candidates = [pointer, locatorAt - ZIP64_EOCD_SIZE];
      let found: EndOfCentralDirectory | undefined;
      for (const at of candidates) {
        if (at < 0) continue;
        found = parseZip64Eocd(await readAt(file, at, ZIP64_EOCD_SIZE), at);
        if (found) break;
      }
      if (!found) throw damaged("its ZIP64 end record is missing");
      end = found;
    }
  }
  if (end.disk !== 0 || end.cdDisk !== 0) {
    throw new UnsupportedArchiveError(
      `${part} is one piece of a zip split across several files (disk ` +
        `${end.disk}); join the pieces first (zip -s 0 in.zip --out joined.zip).`,
      part,
    );
  }
  const cdStart = end.at - end.cdSize;
  const bias = cdStart - end.cdOffset;
  if (cdStart < 0 || bias < 0) {
    throw damaged(
      `it claims ${end.cdSize} bytes at offset ${end.cdOffset}, which do ` +
        `not fit before its end record at ${end.at}`,
    );
  }
  const records = new ZipDirectoryBuilder();
  const record = emptyCentralRecord();
  // Read in blocks and parsed in place: one buffer for the whole directory,
  // however many records it holds (a record is at most 46 + 3 x 65535
  // bytes, well within a block).
  const block = new Uint8Array(CENTRAL_BLOCK);
  const blockView = view(block);
  let blockAt = cdStart;
  let filled = 0;
  let at = 0;
  /** Whether `n` bytes from `at` are in the block, reading more if needed. */
  const have = async (n: number): Promise<boolean> => {
    if (at + n <= filled) return true;
    block.copyWithin(0, at, filled);
    blockAt += at;
    filled -= at;
    at = 0;
    const want = Math.min(block.length, end.at - blockAt) - filled;
    if (want > 0) {
      filled += await readInto(
        file,
        blockAt + filled,
        block.subarray(filled, filled + want),
      );
    }
    return at + n <= filled;
  };
  // The count in the end record wraps at 65536 in some writers: the
  // directory's byte range is what decides.
  while (blockAt + at < end.at) {
    const position = blockAt + at;
    if (
      !await have(CENTRAL_SIZE) ||
      blockView.getUint32(at, true) !== SIG_CENTRAL
    ) {
      throw damaged(`no directory record at offset ${position}`);
    }
    const length = CENTRAL_SIZE + blockView.getUint16(at + 28, true) +
      blockView.getUint16(at + 30, true) + blockView.getUint16(at + 32, true);
    if (!await have(length)) {
      throw damaged(`the record at offset ${position} runs past its end`);
    }
    readCentralRecord(block, blockView, at, record);
    if (!budget.take(record.name)) {
      // A crafted directory of millions of entries would fill memory.
      throw new UnsupportedArchiveError(budget.exceeded(part, false), part);
    }
    took(EntryBudget.cost(record.name));
    records.pushCentral(record);
    at += length;
  }
  if (records.length % 0x10000 !== end.entries % 0x10000) {
    throw damaged(
      `it holds ${records.length} records where its end record lists ` +
        `${end.entries}`,
    );
  }
  return { directory: records.seal(part), bias };
}

function recovered(
  count: number,
  stop: ScanStop,
  budget: EntryBudget,
): string {
  const found = `${count} complete ${
    count === 1 ? "entry was" : "entries were"
  } recovered by scanning its local headers`;
  switch (stop.kind) {
    case "cut":
      return stop.entry
        ? `${found}; the data of "${stop.entry}" is cut.`
        : `${found}.`;
    case "garbage":
      return `${found}; the bytes at offset ${stop.at} are no zip header.`;
    case "directory":
      return `${found}.`;
    case "limit":
      return `${found}; the rest was not read: ${
        budget.exceeded("the part", true)
      }`;
  }
}

function asArchiveError(
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
