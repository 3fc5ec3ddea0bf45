// All the parts of one Takeout export, read as one tree: a photo can sit in
// part 2 and its sidecar JSON in part 3. The importer makes two passes:
// list() (names, sizes, and the small sidecars' content captured on the
// way), then entries() (each media entry streamed once, part by part, in
// the order that reads each part sequentially). A damaged part never hides
// the others: its problems are reported and everything readable is read.

import { basename, dirname, extname, join } from "node:path";
import { UsageError } from "../errors.ts";
import type {
  ArchiveEntry,
  ArchiveItem,
  ArchiveReader,
  EntriesOptions,
  ListedEntry,
  ListOptions,
  PartListing,
} from "./archive.ts";
import {
  ArchiveError,
  describeError,
  MissingPartError,
} from "./archive_errors.ts";
import { entryKey, parentKey } from "./entry_path.ts";
import { EntryBudget } from "./entry_budget.ts";
import { readAt } from "./file_io.ts";
import { PART_NAME } from "./part_names.ts";
import { FolderReader } from "./folder_reader.ts";
import { TarReader } from "./tar_reader.ts";
import { ZipReader } from "./zip_reader.ts";

/** A part's file information, or UsageError when the path is not there. */
export async function statPart(path: string): Promise<Deno.FileInfo> {
  try {
    return await Deno.stat(path);
  } catch (err) {
    throw new UsageError(
      `Cannot open the Takeout part ${path}: ${describeError(err)}. Give ` +
        "the path of a .zip or .tgz part, or of an unpacked Takeout folder.",
      { cause: err },
    );
  }
}

/**
 * Parts missing from the middle of a numbered series (001 and 003 given,
 * 002 not): one problem each. Parts missing after the last one given
 * cannot be told from their names.
 */
export function missingParts(paths: readonly string[]): ArchiveError[] {
  const series = new Map<
    string,
    { dir: string; prefix: string; ext: string; numbers: Set<number> }
  >();
  for (const path of paths) {
    const m = PART_NAME.exec(basename(path));
    if (!m) continue;
    const key = `${dirname(path)}\u0000${m[1]}`;
    const s = series.get(key) ??
      { dir: dirname(path), prefix: m[1], ext: m[3], numbers: new Set() };
    s.numbers.add(Number(m[2]));
    series.set(key, s);
  }
  const problems: ArchiveError[] = [];
  for (const { dir, prefix, ext, numbers } of series.values()) {
    const last = Math.max(...numbers);
    for (let n = 1; n < last; n++) {
      if (numbers.has(n)) continue;
      const name = `${prefix}${String(n).padStart(3, "0")}${ext}`;
      problems.push(
        new MissingPartError(
          `The Takeout part ${name} was not given, though later parts of ` +
            "the same export were: the items in it are not imported. Give " +
            "every part of the export in one command.",
          join(dir, name),
        ),
      );
    }
  }
  return problems;
}

/**
 * Opens one part, choosing the reader by what the path is: a folder, a
 * .zip, a .tgz/.tar.gz, a .tar, or (other names) by the file's first bytes.
 * Throws UsageError for a path that does not exist or is none of these, and
 * an ArchiveError for a part too damaged to open or not readable.
 */
export async function openArchive(
  path: string,
  budget: EntryBudget = new EntryBudget(),
): Promise<ArchiveReader> {
  const info = await statPart(path);
  try {
    return await openReader(path, info, budget);
  } catch (err) {
    // A part the user may not read (EACCES): the other parts still are.
    if (
      err instanceof Deno.errors.PermissionDenied ||
      err instanceof Deno.errors.NotCapable
    ) {
      throw new ArchiveError(
        `Cannot read the Takeout part ${path}: ${describeError(err)}. ` +
          "Nothing in it was imported: make it readable and import again.",
        path,
        undefined,
        { cause: err },
      );
    }
    throw err;
  }
}

async function openReader(
  path: string,
  info: Deno.FileInfo,
  budget: EntryBudget,
): Promise<ArchiveReader> {
  if (info.isDirectory) return await FolderReader.open(path);
  const lower = path.toLowerCase();
  if (lower.endsWith(".zip")) return await ZipReader.open(path, budget);
  if (lower.endsWith(".tgz") || lower.endsWith(".tar.gz")) {
    return await TarReader.open(path, true, budget);
  }
  if (lower.endsWith(".tar")) return await TarReader.open(path, false, budget);
  const file = await Deno.open(path, { read: true });
  let magic: Uint8Array;
  try {
    magic = await readAt(file, 0, 2);
  } finally {
    file.close();
  }
  if (magic[0] === 0x50 && magic[1] === 0x4b) {
    return await ZipReader.open(path, budget);
  }
  if (magic[0] === 0x1f && magic[1] === 0x8b) {
    return await TarReader.open(path, true, budget);
  }
  throw new UsageError(
    `${path} is not a Takeout part: expected a .zip, .tgz or .tar.gz file ` +
      `or a folder${extname(path) ? `, not a ${extname(path)} file` : ""}.`,
  );
}

export interface SetEntriesOptions extends EntriesOptions {
  /**
   * Called with a problem that ends a part early (a cut .tgz); the pass
   * then goes on with the next part. Without it, the problem is thrown.
   * Problems known when the parts were opened are in ArchiveSet.problems
   * and the listing, and are not reported again.
   */
  onProblem?: (problem: ArchiveError) => void;
}

export class ArchiveSet {
  /** The parts that opened, in the order given. */
  readonly parts: readonly ArchiveReader[];
  /** Parts that could not be opened at all (their readable twins are in parts). */
  readonly problems: readonly ArchiveError[];

  readonly #byPart: Map<string, ArchiveReader>;

  private constructor(parts: ArchiveReader[], problems: ArchiveError[]) {
    this.parts = parts;
    this.problems = problems;
    this.#byPart = new Map(parts.map((p) => [p.part, p]));
  }

  /**
   * Opens the parts of one export. A path that does not exist or is no
   * archive throws UsageError; a part too damaged to open is left out and
   * named in `problems`.
   */
  static async open(
    paths: readonly string[],
    budget: EntryBudget = new EntryBudget(),
  ): Promise<ArchiveSet> {
    const parts: ArchiveReader[] = [];
    const problems: ArchiveError[] = missingParts(paths);
    try {
      // One budget for every part: what the import lists is bounded, not
      // what each part lists.
      for (const path of paths) {
        try {
          parts.push(await openArchive(path, budget));
        } catch (err) {
          if (!(err instanceof ArchiveError)) throw err;
          problems.push(err);
        }
      }
    } catch (err) {
      await Promise.all(parts.map((p) => p.close()));
      throw err;
    }
    return new ArchiveSet(parts, problems);
  }

  /**
   * The listing pass over every part. Zip and folder parts cost a read of
   * their directory; tar parts are decompressed in full (see tar_reader.ts).
   */
  async list(options: ListOptions = {}): Promise<SetListing> {
    const listings: PartListing[] = [];
    for (const part of this.parts) listings.push(await part.list(options));
    return new SetListing(listings, this.problems);
  }

  /**
   * The data pass: wanted entries of every part, part after part, each
   * body to be read or cancelled before asking for the next item.
   */
  async *entries(options: SetEntriesOptions = {}): AsyncIterableIterator<
    ArchiveItem
  > {
    for (const part of this.parts) {
      try {
        yield* part.entries(options);
      } catch (err) {
        if (!(err instanceof ArchiveError) || !options.onProblem) throw err;
        options.onProblem(err);
      }
    }
  }

  /** The name of an entry, when its part keeps its listing (see ArchiveReader.nameOf). */
  nameOf(part: string, index: number): string | undefined {
    return this.#byPart.get(part)?.nameOf?.(index);
  }

  /** Forgets every entry but those kept (see ArchiveReader.keepOnly). */
  keepOnly(keep: (part: string, index: number) => boolean): void {
    for (const part of this.parts) {
      part.keepOnly?.((index) => keep(part.part, index));
    }
  }

  /** One entry's bytes, from whichever part holds it. */
  open(entry: ArchiveEntry): ReadableStream<Uint8Array> {
    const part = this.parts.find((p) => p.part === entry.part);
    if (!part) {
      throw new RangeError(
        `Entry "${entry.name}" belongs to ${entry.part}, which is not a ` +
          "part of this set.",
      );
    }
    return part.open(entry);
  }

  async close(): Promise<void> {
    await Promise.all(this.parts.map((p) => p.close()));
  }
}

/**
 * What the listing pass found in all parts, as one tree. Lookups go by
 * entryKey() (NFC, "/" separators), so a name written NFD in one part finds
 * the entry written NFC in another; each entry keeps its name as given.
 */
export class SetListing {
  readonly parts: readonly PartListing[];
  /** Every entry of every part, part after part, in listing order. */
  readonly entries: readonly ListedEntry[];
  /**
   * Parts that could not be opened, then each part's own problems
   * (truncation, damage, sidecars that could not be read).
   */
  readonly problems: readonly ArchiveError[];
  readonly #byKey = new Map<string, ListedEntry[]>();
  readonly #byFolder = new Map<string, ListedEntry[]>();
  readonly #folders = new Set<string>();

  constructor(
    parts: readonly PartListing[],
    openProblems: readonly ArchiveError[] = [],
  ) {
    this.parts = parts;
    this.entries = parts.flatMap((p) => p.entries);
    this.problems = [...openProblems, ...parts.flatMap((p) => p.problems)];
    for (const entry of this.entries) {
      const key = entryKey(entry.name);
      push(this.#byKey, key, entry);
      if (entry.kind === "dir") this.#addFolder(key);
      else {
        const folder = parentKey(key);
        push(this.#byFolder, folder, entry);
        this.#addFolder(folder);
      }
    }
  }

  /** Entries stored under this name, in any part (several if repeated). */
  lookup(name: string): ListedEntry[] {
    return this.#byKey.get(entryKey(name)) ?? [];
  }

  /** The non-folder entries directly inside a folder ("" for the top). */
  children(folder: string): ListedEntry[] {
    return this.#byFolder.get(entryKey(folder)) ?? [];
  }

  /** Every folder key, listed or implied by the entries' paths, sorted. */
  folders(): string[] {
    return [...this.#folders].sort();
  }

  #addFolder(key: string) {
    for (let k = key; !this.#folders.has(k); k = parentKey(k)) {
      this.#folders.add(k);
      if (k === "") break;
    }
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V) {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
