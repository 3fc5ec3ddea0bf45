// Reads one .tgz/.tar.gz (or plain .tar) part of a Takeout export. Tar has
// no directory and gzip no index, so everything is one sequential walk:
// the file streamed through DecompressionStream("gzip") and a tar parser,
// each entry's data handed on as it passes. Cost: listing a part
// decompresses all of it (as fast as gzip goes, with constant memory), and
// the data pass decompresses it again; opening a single entry decompresses
// the part up to that entry. Use list() once, then entries() once.

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
import { ByteCursor } from "./byte_cursor.ts";
import { capEntryName } from "./entry_path.ts";
import { type EntryBody, entryBody, readWhole } from "./entry_body.ts";
import { fileRange, READ_CHUNK, readAt } from "./file_io.ts";
import { inflate, type Inflater } from "./inflate.ts";
import {
  BLOCK,
  decodeText,
  hasData,
  isZeroBlock,
  kindOf,
  parseHeader,
  parsePax,
} from "./tar_format.ts";

/** Long names and pax records longer than this are taken as damage. */
const MAX_META = 1 << 20;

interface WalkItem {
  readonly entry: ArchiveEntry;
  readonly body: EntryBody;
}

export class TarReader implements ArchiveReader {
  readonly format: "tgz" | "tar";
  readonly randomAccess = false;
  readonly part: string;
  readonly problems: readonly ArchiveError[] = [];
  readonly #walks = new Set<AsyncGenerator<WalkItem>>();
  readonly #budget: EntryBudget;
  /** Entries whose cost the budget holds (a second listing takes none). */
  #counted = 0;
  /** Where the budget cut the listing: later passes stop there too. */
  #cut: number | undefined;

  private constructor(
    part: string,
    format: "tgz" | "tar",
    budget: EntryBudget,
  ) {
    this.part = part;
    this.format = format;
    this.#budget = budget;
  }

  /**
   * Opens a tar part; `gzip` says whether it is compressed. Checks the gzip
   * signature; the rest shows only while reading.
   */
  static async open(
    path: string,
    gzip: boolean,
    budget: EntryBudget = new EntryBudget(),
  ): Promise<TarReader> {
    if (gzip) {
      const file = await Deno.open(path, { read: true });
      try {
        const magic = await readAt(file, 0, 2);
        if (magic[0] !== 0x1f || magic[1] !== 0x8b) {
          throw new CorruptArchiveError(
            `${path} is not gzip-compressed although its name says so. ` +
              "Check that this is a Takeout part and download it again.",
            path,
          );
        }
      } finally {
        file.close();
      }
    }
    return new TarReader(path, gzip ? "tgz" : "tar", budget);
  }

  async list(options: ListOptions = {}): Promise<PartListing> {
    const entries: ListedEntry[] = [];
    const problems: ArchiveError[] = [];
    const max = options.collectMaxBytes ?? DEFAULT_COLLECT_MAX_BYTES;
    const walk = this.#walk(options.signal, (index, name) => {
      if (index < this.#counted) return true;
      if (this.#cut === undefined && this.#budget.take(name)) {
        this.#counted = index + 1;
        return true;
      }
      this.#cut ??= index;
      return false;
    });
    try {
      const add = options.visit ?? ((e: ListedEntry) => entries.push(e));
      for await (const { entry, body } of walk) {
        if (
          options.collect && entry.kind === "file" && entry.size <= max &&
          options.collect(entry)
        ) {
          try {
            add({
              ...entry,
              content: await readWhole(body.stream, entry.size),
            });
          } catch (err) {
            const error = this.#asError(err, entry.name);
            add({ ...entry, contentError: error });
            problems.push(error);
            break;
          }
        } else {
          add(entry);
        }
      }
    } catch (err) {
      if (!(err instanceof ArchiveError)) throw err;
      if (!problems.includes(err)) problems.push(err);
    } finally {
      await walk.return(undefined);
    }
    return { part: this.part, format: this.format, entries, problems };
  }

  async *entries(options: EntriesOptions = {}): AsyncIterableIterator<
    ArchiveItem
  > {
    for await (const { entry, body } of this.#walk(options.signal)) {
      if (options.want && !options.want(entry)) continue;
      yield { entry, body: body.stream };
    }
  }

  open(entry: ArchiveEntry): ReadableStream<Uint8Array> {
    if (entry.part !== this.part) {
      throw new RangeError(
        `Entry "${entry.name}" of ${entry.part} is not an entry of ` +
          `${this.part}; open it through the reader that listed it.`,
      );
    }
    let walk: AsyncGenerator<WalkItem> | undefined;
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    const what = `Entry "${entry.name}" of ${this.part}`;
    return entryBody({
      next: async () => {
        if (!reader) {
          walk = this.#walk();
          for (;;) {
            const step = await walk.next();
            if (step.done) {
              throw new CorruptArchiveError(
                `${what} is no longer in the part: it was changed since ` +
                  "it was listed.",
                this.part,
                entry.name,
              );
            }
            if (step.value.entry.index === entry.index) {
              if (step.value.entry.name !== entry.name) break;
              reader = step.value.body.stream.getReader();
              break;
            }
          }
          if (!reader) {
            throw new CorruptArchiveError(
              `${what} is not where the listing found it: the part was ` +
                "changed since it was listed.",
              this.part,
              entry.name,
            );
          }
        }
        const { value, done } = await reader.read();
        return done ? null : value;
      },
      close: async () => {
        reader?.releaseLock();
        await walk?.return(undefined);
      },
      mapError: (err) => this.#asError(err, entry.name),
    }, what).stream;
  }

  async close(): Promise<void> {
    const walks = [...this.#walks];
    this.#walks.clear();
    await Promise.all(walks.map((w) => w.return(undefined)));
  }

  #asError(err: unknown, entry: string): ArchiveError {
    return err instanceof ArchiveError ? err : new CorruptArchiveError(
      `Entry "${entry}" of ${this.part} cannot be read: ` +
        `${describeError(err)}.`,
      this.part,
      entry,
      { cause: err },
    );
  }

  /**
   * The walk over the part: yields each entry with its body, and when asked
   * for the next one, skips whatever of the body was not read.
   */
  #walk(
    signal?: AbortSignal,
    admit: (index: number, name: string) => boolean = (index) =>
      this.#cut === undefined || index < this.#cut,
  ): AsyncGenerator<WalkItem> {
    const walk = walkTar(
      this.part,
      this.format === "tgz",
      signal,
      (index, name) =>
        admit(index, name) ? undefined : new UnsupportedArchiveError(
          this.#budget.exceeded(this.part, true),
          this.part,
        ),
    );
    this.#walks.add(walk);
    const walks = this.#walks;
    return (async function* () {
      try {
        yield* walk;
      } finally {
        walks.delete(walk);
        await walk.return(undefined);
      }
    })();
  }
}

/**
 * The entries of a tar part in archive order, each with its body; the body
 * must be read (or cancelled) before asking for the next. Throws an
 * ArchiveError naming the part after the entries before a cut or damage.
 */
export async function* tarEntries(
  path: string,
  options: EntriesOptions & { gzip?: boolean } = {},
): AsyncIterableIterator<ArchiveItem> {
  const gzip = options.gzip ?? !/\.tar$/i.test(path);
  const reader = await TarReader.open(path, gzip);
  yield* reader.entries(options);
}

/**
 * `refuse` says, for each entry before it is yielded, whether the walk
 * stops there (with that error).
 */
async function* walkTar(
  part: string,
  gzip: boolean,
  signal: AbortSignal | undefined,
  refuse: (index: number, name: string) => ArchiveError | undefined,
): AsyncGenerator<WalkItem> {
  const file = await Deno.open(part, { read: true });
  let inflater: Inflater | undefined;
  let failure: ArchiveError | undefined;
  let sawEnd = false;
  let last: string | undefined;
  /** The entry whose data is being read or skipped. */
  let inside: string | undefined;
  const range = fileRange(file, 0, undefined, READ_CHUNK);
  let cursor = new ByteCursor(range.next);
  if (gzip) {
    inflater = inflate("gzip", cursor);
    cursor = new ByteCursor(inflater.next);
  }
  const after = () => last === undefined ? "" : ` after entry "${last}"`;
  const cut = (where: string, entry?: string) =>
    new TruncatedArchiveError(
      `${part} is truncated: it ends ${where}. The entries before the cut ` +
        "were read; download this part again to get the rest.",
      part,
      entry,
    );
  // Every failure met by the walk or by a body becomes one error, kept, so
  // that a body and the walk report the same object.
  const fail = (err: unknown, entry = inside): ArchiveError => {
    if (failure) return failure;
    if (err instanceof ArchiveError) failure = err;
    else if (inflater?.inputEnded() && !sawEnd) {
      failure = cut(
        entry
          ? `inside the data of "${entry}" (${describeError(err)})`
          : `inside its compressed data${after()} (${describeError(err)})`,
        entry,
      );
    } else {
      failure = new CorruptArchiveError(
        `${part} has damaged compressed data${after()}: ` +
          `${describeError(err)}. Download this part again.`,
        part,
        entry,
        { cause: err },
      );
    }
    return failure;
  };
  const damaged = (why: string, at: number) =>
    new CorruptArchiveError(
      `${part} is damaged at byte ${at} of its tar data${after()}: ${why}. ` +
        "Download this part again.",
      part,
    );
  const readMeta = async (size: number, at: number): Promise<Uint8Array> => {
    if (size > MAX_META) {
      throw damaged(`a ${size}-byte name or pax record`, at);
    }
    const bytes = await cursor.read(size);
    if (bytes.length < size) throw cut(`inside a header${after()}`);
    const padding = padOf(size);
    if (await cursor.skip(padding) < padding) {
      throw cut(`inside a header${after()}`);
    }
    return bytes;
  };

  let index = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax = new Map<string, string>();
  let globalPax = new Map<string, string>();
  try {
    for (;;) {
      signal?.throwIfAborted();
      const at = cursor.position;
      const block = await cursor.read(BLOCK);
      if (block.length === 0) {
        if (longName !== undefined || longLink !== undefined || pax.size) {
          throw cut(`between a long-name or pax header and its entry`);
        }
        break; // no end-of-archive blocks, but nothing is missing
      }
      if (block.length < BLOCK) throw cut(`inside a header${after()}`);
      if (isZeroBlock(block)) {
        sawEnd = true;
        break;
      }
      const header = parseHeader(block);
      if (typeof header === "string") throw damaged(header, at);
      switch (header.type) {
        case "L":
          longName = capEntryName(decodeText(await readMeta(header.size, at)));
          continue;
        case "K":
          longLink = capEntryName(decodeText(await readMeta(header.size, at)));
          continue;
        case "x":
        case "g": {
          const records = parsePax(await readMeta(header.size, at));
          if (typeof records === "string") throw damaged(records, at);
          if (header.type === "x") pax = records;
          else globalPax = new Map([...globalPax, ...records]);
          continue;
        }
      }
      const meta = new Map([...globalPax, ...pax]);
      const name = capEntryName(meta.get("path") ?? longName ?? header.name);
      const linkTarget = capEntryName(
        meta.get("linkpath") ?? longLink ?? header.linkname,
      );
      const paxSize = meta.has("size") ? Number(meta.get("size")) : undefined;
      if (paxSize !== undefined && !Number.isSafeInteger(paxSize)) {
        throw damaged(`the pax size of "${name}" is unreadable`, at);
      }
      const paxTime = meta.has("mtime") ? Number(meta.get("mtime")) : NaN;
      const mtime = Number.isFinite(paxTime) ? paxTime : header.mtime;
      longName = longLink = undefined;
      pax = new Map();

      // A crafted part of millions of tiny entries would fill memory with
      // the listing the plan keeps.
      const refused = refuse(index, name);
      if (refused !== undefined) throw refused;
      const kind = kindOf(header.type, name);
      const dataSize = hasData(header.type) ? paxSize ?? header.size : 0;
      const entry: ArchiveEntry = {
        part,
        index,
        name,
        size: kind === "file" || kind === "other" ? dataSize : 0,
        mtime: new Date(mtime * 1000),
        kind,
        mode: header.mode,
        ...(kind === "symlink" || kind === "hardlink" ? { linkTarget } : {}),
      };
      let remaining = dataSize;
      const what = `Entry "${name}" of ${part}`;
      const body = entryBody({
        next: async () => {
          if (remaining === 0) return null;
          const chunk = await cursor.take(Math.min(remaining, READ_CHUNK));
          if (chunk === null) {
            throw cut(
              `inside the data of "${name}" (${dataSize - remaining} of ` +
                `${dataSize} bytes)`,
              name,
            );
          }
          remaining -= chunk.length;
          return chunk;
        },
        mapError: (err) => fail(err, name),
      }, what);
      last = name;
      inside = dataSize > 0 ? name : undefined;
      try {
        yield { entry, body };
      } finally {
        // Also when the walk is closed early: a late read must not see the
        // cancelled decompressor as a cut part.
        await body.release();
      }
      if (failure) throw failure;
      const skipped = await cursor.skip(remaining);
      if (skipped < remaining) {
        throw cut(
          `inside the data of "${name}" (${dataSize - remaining + skipped} ` +
            `of ${dataSize} bytes)`,
          name,
        );
      }
      inside = undefined;
      const padding = padOf(dataSize);
      if (await cursor.skip(padding) < padding) {
        throw cut(`after entry "${name}"`);
      }
      index++;
    }
    // Read the gzip stream to its end: its checksum comes last.
    if (inflater) await cursor.skip(Number.MAX_SAFE_INTEGER);
  } catch (err) {
    if (signal?.aborted && err === signal.reason) throw err;
    throw fail(err);
  } finally {
    await inflater?.cancel();
    file.close();
  }
}

function padOf(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}
