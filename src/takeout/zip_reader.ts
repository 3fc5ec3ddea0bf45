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
import {
  ArchiveError,
  CorruptArchiveError,
  describeError,
  TruncatedArchiveError,
  UnsupportedArchiveError,
} from "./archive_errors.ts";
import { ByteCursor, type ChunkSource } from "./byte_cursor.ts";
import { type EntryBody, entryBody, readWhole } from "./entry_body.ts";
import { fileRange, readAt } from "./file_io.ts";
import { inflate, type Inflater } from "./inflate.ts";
import {
  CENTRAL_SIZE,
  centralTail,
  type EndOfCentralDirectory,
  EOCD_SEARCH,
  findEocd,
  FLAG_ENCRYPTED,
  LOCAL_SIZE,
  localTail,
  METHOD_DEFLATE,
  METHOD_NAMES,
  METHOD_STORED,
  parseCentral,
  parseZip64Eocd,
  parseZip64Locator,
  SIG_CENTRAL,
  SIG_LOCAL,
  view,
  ZIP64_EOCD_SIZE,
  ZIP64_LOCATOR_SIZE,
  type ZipRecord,
} from "./zip_format.ts";
import { scanLocalHeaders, type ScanStop } from "./zip_scan.ts";

export class ZipReader implements ArchiveReader {
  readonly format = "zip" as const;
  readonly randomAccess = true;
  readonly part: string;
  readonly problems: readonly ArchiveError[];
  readonly #records: readonly ZipRecord[];
  readonly #entries: readonly ArchiveEntry[];
  /** Bytes before the archive proper (self-extractor stubs): offsets shift. */
  readonly #bias: number;
  /** Whether the listing came from an intact central directory. */
  readonly #intact: boolean;
  readonly #bodies = new Set<EntryBody>();

  private constructor(
    part: string,
    records: ZipRecord[],
    bias: number,
    intact: boolean,
    problems: ArchiveError[],
  ) {
    this.part = part;
    this.#records = records;
    this.#bias = bias;
    this.#intact = intact;
    this.problems = problems;
    this.#entries = records.map((r, index) => ({
      part,
      index,
      name: r.name,
      size: r.kind === "dir" ? 0 : r.size,
      mtime: r.mtime,
      kind: r.kind,
      ...(r.mode === undefined ? {} : { mode: r.mode }),
    }));
  }

  /**
   * Opens a zip part. Throws CorruptArchiveError when the file is no zip at
   * all; a damaged but partly readable part opens, with `problems` saying
   * what is wrong.
   */
  static async open(path: string): Promise<ZipReader> {
    const file = await Deno.open(path, { read: true });
    try {
      const size = (await file.stat()).size;
      let damage: ArchiveError | undefined;
      const tailAt = Math.max(0, size - EOCD_SEARCH);
      const eocd = findEocd(await readAt(file, tailAt, size - tailAt), tailAt);
      if (eocd) {
        try {
          const { records, bias } = await readCentral(file, path, eocd);
          return new ZipReader(path, records, bias, true, []);
        } catch (err) {
          if (!(err instanceof CorruptArchiveError)) throw err;
          damage = err;
        }
      }
      const scan = await scanLocalHeaders(file, size);
      if (!scan.looksLikeZip) {
        throw damage ?? new CorruptArchiveError(
          `${path} is not a zip archive: it has neither an end of central ` +
            "directory record nor a local header at its start. Check that " +
            "this is a Takeout part and download it again.",
          path,
        );
      }
      const problem = damage
        ? new CorruptArchiveError(
          `${damage.message} ${recovered(scan.records.length, scan.stop)}`,
          path,
          scan.stop.kind === "cut" ? scan.stop.entry : undefined,
          { cause: damage },
        )
        : new TruncatedArchiveError(
          `${path} is truncated: it has no end of central directory record ` +
            `(the file ends at byte ${size}). ` +
            `${recovered(scan.records.length, scan.stop)} ` +
            "Download this part again to get the rest.",
          path,
          scan.stop.kind === "cut" ? scan.stop.entry : undefined,
        );
      return new ZipReader(path, scan.records, 0, false, [problem]);
    } finally {
      file.close();
    }
  }

  async list(options: ListOptions = {}): Promise<PartListing> {
    const entries: ListedEntry[] = [...this.#entries];
    const problems: ArchiveError[] = [...this.problems];
    const collect = options.collect;
    if (collect) {
      const max = options.collectMaxBytes ?? DEFAULT_COLLECT_MAX_BYTES;
      // One handle for all collected entries: Takeout parts hold tens of
      // thousands of small sidecars.
      const file = await Deno.open(this.part, { read: true });
      try {
        for (const index of this.#dataOrder()) {
          options.signal?.throwIfAborted();
          const entry = this.#entries[index];
          if (entry.kind !== "file" || entry.size > max) continue;
          if (!collect(entry)) continue;
          const body = this.#body(index, file);
          try {
            const content = await readWhole(body.stream, entry.size);
            entries[index] = { ...entry, content };
          } catch (err) {
            const error = asArchiveError(err, this.part, entry.name);
            entries[index] = { ...entry, contentError: error };
            problems.push(error);
          }
        }
      } finally {
        file.close();
      }
    }
    return { part: this.part, format: this.format, entries, problems };
  }

  async *entries(options: EntriesOptions = {}): AsyncIterableIterator<
    ArchiveItem
  > {
    for (const index of this.#dataOrder()) {
      options.signal?.throwIfAborted();
      const entry = this.#entries[index];
      if (options.want && !options.want(entry)) continue;
      const body = this.#body(index);
      try {
        yield { entry, body: body.stream };
      } finally {
        await body.release();
      }
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

  #indexOf(entry: ArchiveEntry): number {
    const own = this.#entries[entry.index];
    if (entry.part !== this.part || !own || own.name !== entry.name) {
      throw new RangeError(
        `Entry "${entry.name}" of ${entry.part} is not an entry of ` +
          `${this.part}; open it through the reader that listed it.`,
      );
    }
    return entry.index;
  }

  /** Entry indexes in the order their data lies in the file. */
  #dataOrder(): number[] {
    return this.#records.map((_, i) => i)
      .sort((a, b) =>
        this.#records[a].localOffset - this.#records[b].localOffset
      );
  }

  /**
   * The body of entry `index`. It opens the part on first read (or uses
   * `shared`, which it leaves open), inflates, and checks size and CRC-32.
   */
  #body(index: number, shared?: Deno.FsFile): EntryBody {
    const record = this.#records[index];
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
): Promise<{ records: ZipRecord[]; bias: number }> {
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
  const range = fileRange(file, cdStart, end.at);
  const cursor = new ByteCursor(range.next, cdStart);
  const records: ZipRecord[] = [];
  // The count in the end record wraps at 65536 in some writers: the
  // directory's byte range is what decides.
  while (cursor.position < end.at) {
    const at = cursor.position;
    const fixed = await cursor.read(CENTRAL_SIZE);
    if (
      fixed.length < CENTRAL_SIZE ||
      view(fixed).getUint32(0, true) !== SIG_CENTRAL
    ) {
      throw damaged(`no directory record at offset ${at}`);
    }
    const restLength = centralTail(fixed);
    const rest = await cursor.read(restLength);
    if (rest.length < restLength) {
      throw damaged(`the record at offset ${at} runs past its end`);
    }
    records.push(parseCentral(fixed, rest));
  }
  if (records.length % 0x10000 !== end.entries % 0x10000) {
    throw damaged(
      `it holds ${records.length} records where its end record lists ` +
        `${end.entries}`,
    );
  }
  return { records, bias };
}

function recovered(count: number, stop: ScanStop): string {
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
