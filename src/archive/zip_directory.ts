// The central directory of one zip part, kept by column: a Takeout part
// holds hundreds of thousands of entries, and one object per record (plus
// its Date and its name string) cost several hundred bytes each, for the
// whole run, in the heap V8 traces. Here an entry costs about 50 bytes of
// typed arrays plus its name's last segment in UTF-8 (folder prefixes are
// kept once); records, names and ArchiveEntry objects are made when asked
// for.

import type { ArchiveEntry, EntryKind } from "./archive.ts";
import { F64Column, findSorted, I32Column } from "./columns.ts";
import { TextPool } from "./text_pool.ts";
import type { CentralRecord, ZipRecord } from "./zip_format.ts";

const KINDS: readonly EntryKind[] = [
  "file",
  "dir",
  "symlink",
  "hardlink",
  "other",
];
const KIND_CODE = new Map(KINDS.map((k, i) => [k, i]));

/** Collects records while a directory is read; seal() makes the directory. */
export class ZipDirectoryBuilder {
  /** Folder prefixes of the names ("a/b/"), each once. */
  readonly #prefixes: string[] = [];
  readonly #prefixOf = new Map<string, number>();
  readonly #prefix: I32Column;
  /** The rest of each name. */
  readonly #rests: TextPool;
  readonly #localOffset: F64Column;
  readonly #compressedSize: F64Column;
  readonly #size: F64Column;
  readonly #crc: I32Column;
  readonly #mtime: F64Column;
  /** Only for directories recovered from local headers. */
  #dataOffset: F64Column | undefined;
  /** flags | method << 16. */
  readonly #flagsMethod: I32Column;
  /** kind | (mode + 1) << 8. */
  readonly #kindMode: I32Column;
  readonly #headerGuess: I32Column;

  constructor() {
    this.#prefix = new I32Column();
    this.#rests = new TextPool();
    this.#localOffset = new F64Column();
    this.#compressedSize = new F64Column();
    this.#size = new F64Column();
    this.#crc = new I32Column();
    this.#mtime = new F64Column();
    this.#flagsMethod = new I32Column();
    this.#kindMode = new I32Column();
    this.#headerGuess = new I32Column();
  }

  get length(): number {
    return this.#prefix.length;
  }

  /** Adds a record read in place (the object may be reused afterwards). */
  pushCentral(r: CentralRecord): void {
    this.#add(
      r.name,
      r.localOffset,
      r.compressedSize,
      r.size,
      r.crc,
      r.flags,
      r.method,
      r.mtimeMs,
      r.kind,
      r.mode,
      -1,
      r.headerGuess,
    );
  }

  push(record: ZipRecord): void {
    this.#add(
      record.name,
      record.localOffset,
      record.compressedSize,
      record.size,
      record.crc,
      record.flags,
      record.method,
      record.mtime?.getTime() ?? NaN,
      record.kind,
      record.mode ?? -1,
      record.dataOffset ?? -1,
      0,
    );
  }

  #add(
    name: string,
    localOffset: number,
    compressedSize: number,
    size: number,
    crc: number,
    flags: number,
    method: number,
    mtime: number,
    kind: EntryKind,
    mode: number,
    dataOffset: number,
    headerGuess: number,
  ): void {
    const cut = name.lastIndexOf("/", name.length - 2) + 1;
    const prefix = cut === 0 ? "" : name.slice(0, cut);
    let p = this.#prefixOf.get(prefix);
    if (p === undefined) {
      p = this.#prefixes.length;
      this.#prefixes.push(prefix);
      this.#prefixOf.set(prefix, p);
    }
    this.#prefix.push(p);
    this.#rests.add(cut === 0 ? name : name.slice(cut));
    this.#localOffset.push(localOffset);
    this.#compressedSize.push(compressedSize);
    this.#size.push(size);
    this.#crc.push(crc | 0);
    this.#mtime.push(mtime);
    if (dataOffset >= 0 && this.#dataOffset === undefined) {
      // Recovered directories know where data starts: -1 for those before.
      this.#dataOffset = new F64Column();
      for (let i = 0; i < this.#prefix.length - 1; i++) {
        this.#dataOffset.push(-1);
      }
    }
    this.#dataOffset?.push(dataOffset);
    this.#flagsMethod.push(flags | (method << 16));
    this.#kindMode.push((KIND_CODE.get(kind) ?? 4) | ((mode + 1) << 8));
    this.#headerGuess.push(headerGuess);
  }

  seal(part: string): ZipDirectory {
    return new ZipDirectory(part, {
      prefixes: this.#prefixes,
      prefix: this.#prefix,
      rests: this.#rests,
      localOffset: this.#localOffset,
      compressedSize: this.#compressedSize,
      size: this.#size,
      crc: this.#crc,
      mtime: this.#mtime,
      dataOffset: this.#dataOffset,
      flagsMethod: this.#flagsMethod,
      kindMode: this.#kindMode,
      headerGuess: this.#headerGuess,
    });
  }
}

/** The directory's fields, one column per field. */
interface Columns {
  /** Each record's index in the part (absent: its position). */
  index?: I32Column;
  prefixes: string[];
  prefix: I32Column;
  rests: TextPool;
  localOffset: F64Column;
  compressedSize: F64Column;
  size: F64Column;
  /** As signed 32-bit numbers. */
  crc: I32Column;
  /** Epoch milliseconds, NaN when unknown. */
  mtime: F64Column;
  /** -1 when unknown; absent when none is known. */
  dataOffset: F64Column | undefined;
  flagsMethod: I32Column;
  kindMode: I32Column;
  headerGuess: I32Column;
}

export class ZipDirectory {
  readonly part: string;
  /** Records held (positions 0 to length - 1). */
  readonly length: number;
  readonly #c: Columns;
  /** ArchiveEntry objects, once asked for as a whole (see entries()). */
  #entries: ArchiveEntry[] | undefined;

  constructor(part: string, columns: Columns) {
    this.part = part;
    this.length = columns.prefix.length;
    this.#c = columns;
  }

  static of(part: string, records: readonly ZipRecord[]): ZipDirectory {
    const builder = new ZipDirectoryBuilder();
    for (const r of records) builder.push(r);
    return builder.seal(part);
  }

  /** The index in the part of the record at position `i`. */
  indexOf(i: number): number {
    return this.#c.index?.get(i) ?? i;
  }

  /** The position of the record with index `index` in the part, or -1. */
  positionOf(index: number): number {
    const column = this.#c.index;
    if (column === undefined) {
      return index >= 0 && index < this.length ? index : -1;
    }
    return findSorted(this.length, (i) => column.get(i), index);
  }

  /** A directory of the kept records only, in the same order. */
  subset(keep: (index: number) => boolean): ZipDirectory {
    const c = this.#c;
    const out: Columns = {
      index: new I32Column(),
      prefixes: c.prefixes,
      prefix: new I32Column(),
      rests: new TextPool(),
      localOffset: new F64Column(),
      compressedSize: new F64Column(),
      size: new F64Column(),
      crc: new I32Column(),
      mtime: new F64Column(),
      dataOffset: c.dataOffset === undefined ? undefined : new F64Column(),
      flagsMethod: new I32Column(),
      kindMode: new I32Column(),
      headerGuess: new I32Column(),
    };
    for (let i = 0; i < this.length; i++) {
      const index = this.indexOf(i);
      if (!keep(index)) continue;
      out.index!.push(index);
      out.prefix.push(c.prefix.get(i));
      out.rests.copy(c.rests, i);
      out.localOffset.push(c.localOffset.get(i));
      out.compressedSize.push(c.compressedSize.get(i));
      out.size.push(c.size.get(i));
      out.crc.push(c.crc.get(i));
      out.mtime.push(c.mtime.get(i));
      out.dataOffset?.push(c.dataOffset!.get(i));
      out.flagsMethod.push(c.flagsMethod.get(i));
      out.kindMode.push(c.kindMode.get(i));
      out.headerGuess.push(c.headerGuess.get(i));
    }
    return new ZipDirectory(this.part, out);
  }

  /** Gives the memory back now; the directory is unusable afterwards. */
  free(): void {
    const c = this.#c;
    for (
      const column of [
        c.index,
        c.prefix,
        c.localOffset,
        c.compressedSize,
        c.size,
        c.crc,
        c.mtime,
        c.dataOffset,
        c.flagsMethod,
        c.kindMode,
        c.headerGuess,
      ]
    ) column?.free();
    c.rests.free();
  }

  name(i: number): string {
    const prefix = this.#c.prefixes[this.#c.prefix.get(i)];
    const rest = this.#c.rests.get(i);
    return prefix === "" ? rest : prefix + rest;
  }

  kind(i: number): EntryKind {
    return KINDS[this.#c.kindMode.get(i) & 0xff];
  }

  size(i: number): number {
    return this.#c.size.get(i);
  }

  compressedSize(i: number): number {
    return this.#c.compressedSize.get(i);
  }

  localOffset(i: number): number {
    return this.#c.localOffset.get(i);
  }

  crc(i: number): number {
    return this.#c.crc.get(i) >>> 0;
  }

  flags(i: number): number {
    return this.#c.flagsMethod.get(i) & 0xffff;
  }

  method(i: number): number {
    return this.#c.flagsMethod.get(i) >>> 16;
  }

  /** Where the data starts, when a local header scan found it. */
  dataOffset(i: number): number | undefined {
    const at = this.#c.dataOffset?.get(i) ?? -1;
    return at < 0 ? undefined : at;
  }

  /** Name and extra field lengths of the directory record. */
  headerGuess(i: number): number {
    return this.#c.headerGuess.get(i);
  }

  #mode(i: number): number | undefined {
    const mode = (this.#c.kindMode.get(i) >> 8) - 1;
    return mode < 0 ? undefined : mode;
  }

  #mtime(i: number): Date | undefined {
    const mtime = this.#c.mtime.get(i);
    return Number.isNaN(mtime) ? undefined : new Date(mtime);
  }

  /** Record `i` as an object (for reading one entry's bytes). */
  record(i: number): ZipRecord {
    return {
      name: this.name(i),
      flags: this.flags(i),
      method: this.method(i),
      crc: this.crc(i),
      compressedSize: this.compressedSize(i),
      size: this.size(i),
      localOffset: this.localOffset(i),
      mtime: this.#mtime(i),
      kind: this.kind(i),
      mode: this.#mode(i),
      dataOffset: this.dataOffset(i),
    };
  }

  /**
   * The ArchiveEntry of record `i`: the same object every time once
   * entries() was called, else a new one.
   */
  entry(i: number): ArchiveEntry {
    return this.#entries?.[i] ?? this.#makeEntry(i);
  }

  /**
   * Every entry as an object, kept from now on: callers that hold the whole
   * listing (and compare entries by identity) get the same objects from
   * entry() afterwards.
   */
  entries(): ArchiveEntry[] {
    this.#entries ??= Array.from(
      { length: this.length },
      (_, i) => this.#makeEntry(i),
    );
    return this.#entries;
  }

  /** Indexes in the order their data lies in the file. */
  dataOrder(): Uint32Array {
    const order = new Uint32Array(this.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    const offsets = new Float64Array(this.length);
    for (let i = 0; i < offsets.length; i++) {
      offsets[i] = this.#c.localOffset.get(i);
    }
    return order.sort((a, b) => offsets[a] - offsets[b] || a - b);
  }

  #makeEntry(i: number): ArchiveEntry {
    const kind = this.kind(i);
    const mode = this.#mode(i);
    return {
      part: this.part,
      index: this.indexOf(i),
      name: this.name(i),
      size: kind === "dir" ? 0 : this.#c.size.get(i),
      mtime: this.#mtime(i),
      kind,
      ...(mode === undefined ? {} : { mode }),
    };
  }
}
