// Reads one .zip part of a Takeout export: the listing from the central
// directory at the end of the file (ZIP64 included: parts of 50 GB, entries
// over 4 GB, more than 65535 entries), entry bytes streamed from a file
// range through DecompressionStream("deflate-raw") and checked against
// their CRC-32 at the end. A part without a readable central directory (a
// cut download) is listed by walking its local headers instead, and the
// part is reported as truncated; what is complete stays readable.
// The directory is read in zip_central.ts, an entry's bytes in
// zip_entry.ts, and the small entries a listing collects in zip_collect.ts.

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
  type ArchiveError,
  CorruptArchiveError,
  TruncatedArchiveError,
} from "./archive_errors.ts";
import type { EntryBody } from "./entry_body.ts";
import { readAt } from "./file_io.ts";
import { EOCD_SEARCH, findEocd } from "./zip_format.ts";
import { scanLocalHeaders, type ScanStop } from "./zip_scan.ts";
import { ZipDirectory } from "./zip_directory.ts";
import { readCentral } from "./zip_central.ts";
import { EntryCollector } from "./zip_collect.ts";
import {
  asArchiveError,
  SMALL_ENTRY,
  SMALL_HEADER,
  zipEntryBody,
  type ZipPart,
} from "./zip_entry.ts";

export class ZipReader implements ArchiveReader {
  readonly format = "zip" as const;
  readonly randomAccess = true;
  readonly part: string;
  readonly problems: readonly ArchiveError[];
  #directory: ZipDirectory;
  /** The part as its entries' bodies need it: path, offset shift, intact. */
  readonly #at: ZipPart;
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
    this.#at = { path: part, bias, intact };
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
        : new EntryCollector(this.#at, directory, file, picked);
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
   * The body of entry `index` (zip_entry.ts). It opens the part on first
   * read (or uses `shared`, which it leaves open; such a body is the
   * caller's to release).
   */
  #body(
    index: number,
    shared?: Deno.FsFile,
    scratch?: Uint8Array,
  ): EntryBody {
    const record = this.#directory.record(index);
    const body = zipEntryBody(this.#at, record, shared, scratch);
    if (!shared) this.#track(body);
    return body;
  }

  #track(body: EntryBody) {
    if (this.#bodies.size >= 64) {
      for (const b of this.#bodies) if (b.settled) this.#bodies.delete(b);
    }
    this.#bodies.add(body);
  }
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
