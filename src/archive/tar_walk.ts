// The one sequential walk of a tar part (gzipped or not): headers read in
// 512-byte blocks, GNU long names and pax records applied to the entry they
// precede, each entry handed on with its body as the data passes, and the
// rest of an unread body skipped. Every failure, met by the walk or by a
// body, becomes one ArchiveError naming the part: a cut when the file ends
// early, damage otherwise.

import type { ArchiveEntry } from "./archive.ts";
import {
  ArchiveError,
  CorruptArchiveError,
  describeError,
  TruncatedArchiveError,
} from "./archive_errors.ts";
import { ByteCursor } from "./byte_cursor.ts";
import { capEntryName } from "./entry_path.ts";
import { type BodySource, type EntryBody, entryBody } from "./entry_body.ts";
import { fileRange, READ_CHUNK } from "./file_io.ts";
import { inflate, type Inflater } from "./inflate.ts";
import {
  BLOCK,
  decodeText,
  hasData,
  isZeroBlock,
  kindOf,
  parseHeader,
  parsePax,
  type TarHeader,
} from "./tar_format.ts";

/** Long names and pax records longer than this are taken as damage. */
const MAX_META = 1 << 20;

export interface WalkItem {
  readonly entry: ArchiveEntry;
  readonly body: EntryBody;
}

/**
 * The entries of the part in archive order, each with its body, which must
 * be read (or cancelled) before the next is asked for. `refuse` says, for
 * each entry before it is yielded, whether the walk stops there (with that
 * error).
 */
export async function* walkTar(
  part: string,
  gzip: boolean,
  signal: AbortSignal | undefined,
  refuse: (index: number, name: string) => ArchiveError | undefined,
): AsyncGenerator<WalkItem> {
  const file = await Deno.open(part, { read: true });
  yield* new TarWalk(part, file, gzip).entries(signal, refuse);
}

/** One walk: where it is in the part, and what the headers so far said. */
class TarWalk {
  readonly #part: string;
  readonly #file: Deno.FsFile;
  readonly #cursor: ByteCursor;
  readonly #inflater: Inflater | undefined;
  #failure: ArchiveError | undefined;
  #sawEnd = false;
  /** The last entry handed on, for messages. */
  #last: string | undefined;
  /** The entry whose data is being read or skipped. */
  #inside: string | undefined;
  #longName: string | undefined;
  #longLink: string | undefined;
  #pax = new Map<string, string>();
  #globalPax = new Map<string, string>();

  constructor(part: string, file: Deno.FsFile, gzip: boolean) {
    this.#part = part;
    this.#file = file;
    const range = fileRange(file, 0, undefined, READ_CHUNK);
    let cursor = new ByteCursor(range.next);
    if (gzip) {
      this.#inflater = inflate("gzip", cursor);
      cursor = new ByteCursor(this.#inflater.next);
    }
    this.#cursor = cursor;
  }

  async *entries(
    signal: AbortSignal | undefined,
    refuse: (index: number, name: string) => ArchiveError | undefined,
  ): AsyncGenerator<WalkItem> {
    const part = this.#part;
    let index = 0;
    try {
      for (;;) {
        signal?.throwIfAborted();
        const at = this.#cursor.position;
        const header = await this.#header();
        if (header === undefined) break;
        if (await this.#meta(header, at)) continue;
        const meta = new Map([...this.#globalPax, ...this.#pax]);
        const name = capEntryName(
          meta.get("path") ?? this.#longName ?? header.name,
        );
        const linkTarget = capEntryName(
          meta.get("linkpath") ?? this.#longLink ?? header.linkname,
        );
        const paxSize = meta.has("size") ? Number(meta.get("size")) : undefined;
        if (paxSize !== undefined && !Number.isSafeInteger(paxSize)) {
          throw this.#damaged(`the pax size of "${name}" is unreadable`, at);
        }
        const paxTime = meta.has("mtime") ? Number(meta.get("mtime")) : NaN;
        const mtime = Number.isFinite(paxTime) ? paxTime : header.mtime;
        this.#longName = this.#longLink = undefined;
        this.#pax = new Map();

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
        const source = new TarEntrySource(this, this.#cursor, name, dataSize);
        const body = entryBody(source, `Entry "${name}" of ${part}`);
        this.#last = name;
        this.#inside = dataSize > 0 ? name : undefined;
        try {
          yield { entry, body };
        } finally {
          // Also when the walk is closed early: a late read must not see the
          // cancelled decompressor as a cut part.
          await body.release();
        }
        if (this.#failure) throw this.#failure;
        await this.#skipRest(name, dataSize, source.remaining);
        index++;
      }
      // Read the gzip stream to its end: its checksum comes last.
      if (this.#inflater) await this.#cursor.skip(Number.MAX_SAFE_INTEGER);
    } catch (err) {
      if (signal?.aborted && err === signal.reason) throw err;
      throw this.fail(err);
    } finally {
      await this.#inflater?.cancel();
      this.#file.close();
    }
  }

  /** The next header, or undefined at the end of the archive. */
  async #header(): Promise<TarHeader | undefined> {
    const at = this.#cursor.position;
    const block = await this.#cursor.read(BLOCK);
    if (block.length === 0) {
      if (
        this.#longName !== undefined || this.#longLink !== undefined ||
        this.#pax.size
      ) {
        throw this.cut(`between a long-name or pax header and its entry`);
      }
      return undefined; // no end-of-archive blocks, but nothing is missing
    }
    if (block.length < BLOCK) throw this.cut(`inside a header${this.#after()}`);
    if (isZeroBlock(block)) {
      this.#sawEnd = true;
      return undefined;
    }
    const header = parseHeader(block);
    if (typeof header === "string") throw this.#damaged(header, at);
    return header;
  }

  /** Takes a long name or pax header in; false for an entry's own header. */
  async #meta(header: TarHeader, at: number): Promise<boolean> {
    switch (header.type) {
      case "L":
        this.#longName = capEntryName(
          decodeText(await this.#readMeta(header.size, at)),
        );
        return true;
      case "K":
        this.#longLink = capEntryName(
          decodeText(await this.#readMeta(header.size, at)),
        );
        return true;
      case "x":
      case "g": {
        const records = parsePax(await this.#readMeta(header.size, at));
        if (typeof records === "string") throw this.#damaged(records, at);
        if (header.type === "x") this.#pax = records;
        else this.#globalPax = new Map([...this.#globalPax, ...records]);
        return true;
      }
    }
    return false;
  }

  async #readMeta(size: number, at: number): Promise<Uint8Array> {
    if (size > MAX_META) {
      throw this.#damaged(`a ${size}-byte name or pax record`, at);
    }
    const bytes = await this.#cursor.read(size);
    if (bytes.length < size) throw this.cut(`inside a header${this.#after()}`);
    const padding = padOf(size);
    if (await this.#cursor.skip(padding) < padding) {
      throw this.cut(`inside a header${this.#after()}`);
    }
    return bytes;
  }

  /** Skips what the caller left of the entry's data, and its padding. */
  async #skipRest(
    name: string,
    dataSize: number,
    remaining: number,
  ): Promise<void> {
    const skipped = await this.#cursor.skip(remaining);
    if (skipped < remaining) {
      throw this.cut(
        `inside the data of "${name}" (${dataSize - remaining + skipped} ` +
          `of ${dataSize} bytes)`,
        name,
      );
    }
    this.#inside = undefined;
    const padding = padOf(dataSize);
    if (await this.#cursor.skip(padding) < padding) {
      throw this.cut(`after entry "${name}"`);
    }
  }

  #after(): string {
    return this.#last === undefined ? "" : ` after entry "${this.#last}"`;
  }

  /** The part ends early: `where`, inside `entry` when it is known. */
  cut(where: string, entry?: string): TruncatedArchiveError {
    return new TruncatedArchiveError(
      `${this.#part} is truncated: it ends ${where}. The entries before the ` +
        "cut were read; download this part again to get the rest.",
      this.#part,
      entry,
    );
  }

  #damaged(why: string, at: number): CorruptArchiveError {
    return new CorruptArchiveError(
      `${this.#part} is damaged at byte ${at} of its tar data${this.#after()}: ` +
        `${why}. Download this part again.`,
      this.#part,
    );
  }

  /**
   * Every failure met by the walk or by a body becomes one error, kept, so
   * that a body and the walk report the same object.
   */
  fail(err: unknown, entry = this.#inside): ArchiveError {
    if (this.#failure) return this.#failure;
    const part = this.#part;
    if (err instanceof ArchiveError) this.#failure = err;
    else if (this.#inflater?.inputEnded() && !this.#sawEnd) {
      this.#failure = this.cut(
        entry
          ? `inside the data of "${entry}" (${describeError(err)})`
          : `inside its compressed data${this.#after()} (${
            describeError(err)
          })`,
        entry,
      );
    } else {
      this.#failure = new CorruptArchiveError(
        `${part} has damaged compressed data${this.#after()}: ` +
          `${describeError(err)}. Download this part again.`,
        part,
        entry,
        { cause: err },
      );
    }
    return this.#failure;
  }
}

/** The body of one tar entry: the next `dataSize` bytes of the walk. */
class TarEntrySource implements BodySource {
  /** Bytes of the entry's data not read yet. */
  remaining: number;
  readonly #walk: TarWalk;
  readonly #cursor: ByteCursor;
  readonly #name: string;
  readonly #dataSize: number;

  constructor(
    walk: TarWalk,
    cursor: ByteCursor,
    name: string,
    dataSize: number,
  ) {
    this.#walk = walk;
    this.#cursor = cursor;
    this.#name = name;
    this.#dataSize = dataSize;
    this.remaining = dataSize;
  }

  async next(): Promise<Uint8Array | null> {
    if (this.remaining === 0) return null;
    const chunk = await this.#cursor.take(
      Math.min(this.remaining, READ_CHUNK),
    );
    if (chunk === null) {
      throw this.#walk.cut(
        `inside the data of "${this.#name}" (${
          this.#dataSize - this.remaining
        } of ${this.#dataSize} bytes)`,
        this.#name,
      );
    }
    this.remaining -= chunk.length;
    return chunk;
  }

  mapError(err: unknown): unknown {
    return this.#walk.fail(err, this.#name);
  }
}

function padOf(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}
