// Reads one .tgz/.tar.gz (or plain .tar) part of a Takeout export. Tar has
// no directory and gzip no index, so everything is one sequential walk:
// the file streamed through DecompressionStream("gzip") and a tar parser,
// each entry's data handed on as it passes. Cost: listing a part
// decompresses all of it (as fast as gzip goes, with constant memory), and
// the data pass decompresses it again; opening a single entry decompresses
// the part up to that entry. Use list() once, then entries() once. The
// walk itself is in tar_walk.ts.

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
  UnsupportedArchiveError,
} from "./archive_errors.ts";
import { entryBody, readWhole } from "./entry_body.ts";
import { readAt } from "./file_io.ts";
import { type WalkItem, walkTar } from "./tar_walk.ts";

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
