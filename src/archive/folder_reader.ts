// Reads an unpacked Takeout folder through the same interface as the
// archives. The walk never follows symbolic links (they are reported as
// "symlink" entries, like a symlink stored in a zip), so a link inside the
// folder cannot pull files from elsewhere into the import.

import { join } from "node:path";
import {
  type ArchiveEntry,
  type ArchiveItem,
  type ArchiveReader,
  DEFAULT_COLLECT_MAX_BYTES,
  type EntriesOptions,
  type EntryKind,
  type ListedEntry,
  type ListOptions,
  type PartListing,
} from "./archive.ts";
import { ArchiveError, describeError } from "./archive_errors.ts";
import { type EntryBody, entryBody, readWhole } from "./entry_body.ts";
import { fileRange } from "./file_io.ts";
import { findSorted } from "./columns.ts";

export class FolderReader implements ArchiveReader {
  readonly format = "folder" as const;
  readonly randomAccess = true;
  readonly part: string;
  readonly problems: readonly ArchiveError[] = [];
  #walked: { entries: ArchiveEntry[]; problems: ArchiveError[] } | undefined;
  readonly #bodies = new Set<EntryBody>();

  private constructor(part: string) {
    this.part = part;
  }

  /** Opens a folder (the path itself may be a link to one). */
  static async open(path: string): Promise<FolderReader> {
    const info = await Deno.stat(path);
    if (!info.isDirectory) {
      throw new ArchiveError(`${path} is not a folder.`, path);
    }
    return new FolderReader(path);
  }

  async list(options: ListOptions = {}): Promise<PartListing> {
    const walked = await this.#walk(options.signal);
    const visit = options.visit;
    const entries: ListedEntry[] = visit ? [] : [...walked.entries];
    const problems = [...walked.problems];
    const max = options.collectMaxBytes ?? DEFAULT_COLLECT_MAX_BYTES;
    for (const [i, entry] of walked.entries.entries()) {
      let listed: ListedEntry = entry;
      if (
        options.collect && entry.kind === "file" && entry.size <= max &&
        options.collect(entry)
      ) {
        options.signal?.throwIfAborted();
        try {
          const content = await readWhole(this.open(entry), entry.size);
          listed = { ...entry, content };
        } catch (err) {
          const error = err instanceof ArchiveError
            ? err
            : this.#changed(entry.name, describeError(err));
          listed = { ...entry, contentError: error };
          problems.push(error);
        }
        if (!visit) entries[i] = listed;
      }
      visit?.(listed);
    }
    return { part: this.part, format: this.format, entries, problems };
  }

  async *entries(options: EntriesOptions = {}): AsyncIterableIterator<
    ArchiveItem
  > {
    const { entries } = await this.#walk(options.signal);
    for (const entry of entries) {
      options.signal?.throwIfAborted();
      if (options.want && !options.want(entry)) continue;
      const body = this.#body(entry);
      try {
        yield { entry, body: body.stream };
      } finally {
        await body.release();
      }
    }
  }

  nameOf(index: number): string | undefined {
    const entries = this.#walked?.entries ?? [];
    // Sorted by index (keepOnly keeps the order).
    const at = findSorted(entries.length, (i) => entries[i].index, index);
    return at < 0 ? undefined : entries[at].name;
  }

  keepOnly(keep: (index: number) => boolean): void {
    if (this.#walked === undefined) return;
    this.#walked = {
      entries: this.#walked.entries.filter((e) => keep(e.index)),
      problems: this.#walked.problems,
    };
  }

  open(entry: ArchiveEntry): ReadableStream<Uint8Array> {
    if (entry.part !== this.part) {
      throw new RangeError(
        `Entry "${entry.name}" of ${entry.part} is not an entry of ` +
          `${this.part}; open it through the reader that listed it.`,
      );
    }
    return this.#body(entry).stream;
  }

  async close(): Promise<void> {
    const bodies = [...this.#bodies];
    this.#bodies.clear();
    await Promise.all(bodies.map((b) => b.release()));
  }

  /**
   * The body of a file entry. The path is checked again at open, without
   * following links: a file swapped for a link since the listing is refused.
   */
  #body(entry: ArchiveEntry): EntryBody {
    const path = join(this.part, ...entry.name.split("/"));
    let file: Deno.FsFile | undefined;
    let next: (() => Promise<Uint8Array | null>) | undefined;
    let count = 0;
    const body = entryBody({
      next: async () => {
        if (!next) {
          // Directories and devices have no bytes (and a fifo would block).
          if (entry.kind !== "file" && entry.kind !== "symlink") return null;
          const info = await Deno.lstat(path);
          if (entry.kind === "symlink") {
            if (!info.isSymlink) throw this.#changed(entry.name, "not a link");
            const target = new TextEncoder().encode(await Deno.readLink(path));
            let given = false;
            next = () => {
              const out = given ? null : target;
              given = true;
              return Promise.resolve(out);
            };
          } else {
            if (!info.isFile) {
              throw this.#changed(entry.name, "no longer a regular file");
            }
            file = await Deno.open(path, { read: true });
            next = fileRange(file, 0, undefined).next;
          }
        }
        const chunk = await next();
        if (chunk) count += chunk.length;
        return chunk;
      },
      finish: () => {
        if (entry.kind === "file" && count !== entry.size) {
          throw this.#changed(
            entry.name,
            `it holds ${count} bytes where the listing found ${entry.size}`,
          );
        }
      },
      close: () => file?.close(),
      mapError: (err) =>
        err instanceof ArchiveError
          ? err
          : this.#changed(entry.name, describeError(err)),
    }, `File "${entry.name}" of ${this.part}`);
    if (this.#bodies.size >= 64) {
      for (const b of this.#bodies) if (b.settled) this.#bodies.delete(b);
    }
    this.#bodies.add(body);
    return body;
  }

  #changed(name: string, why: string): ArchiveError {
    return new ArchiveError(
      `File "${name}" of ${this.part} cannot be read: ${why}. Was the ` +
        "folder changed during the import? Run it again.",
      this.part,
      name,
    );
  }

  /** The whole tree, depth first, names sorted in each folder; cached. */
  async #walk(
    signal?: AbortSignal,
  ): Promise<{ entries: ArchiveEntry[]; problems: ArchiveError[] }> {
    if (this.#walked) return this.#walked;
    const entries: ArchiveEntry[] = [];
    const problems: ArchiveError[] = [];
    const visit = async (relative: string) => {
      signal?.throwIfAborted();
      const dir = relative ? join(this.part, relative) : this.part;
      const names: string[] = [];
      try {
        for await (const child of Deno.readDir(dir)) names.push(child.name);
      } catch (err) {
        problems.push(
          new ArchiveError(
            `Folder "${relative || "."}" of ${this.part} cannot be read: ` +
              `${describeError(err)}. Its files are left out.`,
            this.part,
            relative || undefined,
            { cause: err },
          ),
        );
        return;
      }
      names.sort();
      for (const name of names) {
        const path = relative ? `${relative}/${name}` : name;
        let info: Deno.FileInfo;
        let linkTarget: string | undefined;
        try {
          info = await Deno.lstat(join(this.part, path));
          if (info.isSymlink) {
            linkTarget = await Deno.readLink(join(this.part, path));
          }
        } catch (err) {
          problems.push(this.#changed(path, describeError(err)));
          continue;
        }
        const kind = kindOf(info);
        const entry: ArchiveEntry = {
          part: this.part,
          index: entries.length,
          name: kind === "dir" ? `${path}/` : path,
          size: kind === "file" ? info.size : 0,
          mtime: info.mtime ?? undefined,
          kind,
          ...(info.mode === null ? {} : { mode: info.mode }),
          ...(linkTarget === undefined ? {} : { linkTarget }),
        };
        entries.push(entry);
        if (kind === "dir") await visit(path);
      }
    };
    await visit("");
    this.#walked = { entries, problems };
    return this.#walked;
  }
}

function kindOf(info: Deno.FileInfo): EntryKind {
  if (info.isSymlink) return "symlink";
  if (info.isDirectory) return "dir";
  if (info.isFile) return "file";
  return "other";
}
