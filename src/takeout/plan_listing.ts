// The listing of an export as the planner keeps it until the plan is made:
// one row per file entry that may be imported, by column (hundreds of
// thousands of entries: no object per entry), each JSON file read as the
// listing meets it and only its facts kept (item_facts.ts). Once the
// listing is complete, its rows are grouped by folder and the repeated
// names (one entry stored in several parts) are set aside.

import type { ArchiveEntry, ListedEntry } from "../archive/archive.ts";
import { F64Column, I32Column, release } from "../archive/columns.ts";
import { entryKey, parentKey } from "../archive/entry_path.ts";
import { TextPool } from "../archive/text_pool.ts";
import type { FactsTable } from "./item_facts.ts";
import {
  type AlbumMetadata,
  type JsonKind,
  jsonKind,
  parseAlbumMetadata,
  parseItemMetadata,
  parseJsonText,
} from "./metadata.ts";
import { isJsonName, isKnownNonMediaJson } from "./names.ts";
import { isAlbumFile } from "./takeout_tree.ts";
import { PART } from "./plan_store.ts";

// What the listing said of a JSON file (Catalog.json): a facts row (>= 0)
// for an item sidecar that parsed, else one of these.
const JSON_NONE = -1;
const JSON_ALBUM = -2;
const JSON_UNKNOWN = -3;
const JSON_ITEM = -4;

/** The kind classification sees for a Catalog.json value. */
export function kindOf(json: number): JsonKind | undefined {
  // An item sidecar that parsed was no album file, which is all
  // classification asks of its kind.
  if (json >= 0 || json === JSON_ITEM) return "item";
  if (json === JSON_ALBUM) return "album";
  if (json === JSON_UNKNOWN) return "unknown";
  return undefined;
}

/** Where a builder can find the name of a listed entry again. */
export interface NameLookup {
  nameOf(part: string, index: number): string | undefined;
}

/**
 * The listing, kept by column until the plan is made: one row per file
 * entry that may be imported.
 */
export class Catalog {
  /** part * PART + index. */
  where = new F64Column();
  size = new F64Column();
  mtime = new F64Column();
  folder = new I32Column();
  /** A facts row, or JSON_NONE, JSON_ALBUM...: see #readJson(). */
  json = new I32Column();
  /**
   * The entries' names, by row: a text id in `names`, or -1 when the
   * part's reader gives the name back (`lookup`).
   */
  nameId = new I32Column();
  names = new TextPool();
  /** Why a JSON file could not be read at all. */
  readError = new Map<number, string>();
  /** JSON files whose bytes could not be read from their part. */
  unreadable = new Set<number>();
  /** Why a JSON file that parsed is not an item's sidecar. */
  itemError = new Map<number, string>();
  albumMeta = new Map<number, AlbumMetadata>();
  entry: ArchiveEntry[] = [];
  /** NFC keys of the folders holding rows, by folder number. */
  folders: string[] = [];
  folderOf = new Map<string, number>();
  /** Whether a .json file lies directly in the folder. */
  folderHasJson: boolean[] = [];

  /**
   * `parts` (the builder's, growing as parts are met) and `lookup` give
   * names back; `facts` takes the facts of the item sidecars.
   */
  constructor(
    readonly parts: readonly string[],
    readonly facts: FactsTable,
    readonly lookup: NameLookup | undefined,
    readonly keepEntries: boolean,
  ) {}

  /** A file entry whose name is safe, at `where` (part * PART + index). */
  add(e: ListedEntry, where: number): void {
    const key = entryKey(e.name);
    const folderKey = parentKey(key);
    let folder = this.folderOf.get(folderKey);
    if (folder === undefined) {
      folder = this.folders.length;
      this.folders.push(folderKey);
      this.folderOf.set(folderKey, folder);
      this.folderHasJson.push(false);
    }
    const row = this.where.length;
    this.where.push(where);
    this.size.push(e.size);
    this.mtime.push(e.mtime?.getTime() ?? NaN);
    this.nameId.push(
      this.lookup?.nameOf(e.part, e.index) === e.name
        ? -1
        : this.names.add(e.name),
    );
    this.folder.push(folder);
    if (this.keepEntries) this.entry.push(e);
    let json = JSON_NONE;
    if (isJsonName(e.name)) {
      this.folderHasJson[folder] = true;
      json = this.#readJson(row, lastSegment(key), e);
    }
    this.json.push(json);
  }

  /** A JSON file's content, read now: what the plan needs of it. */
  #readJson(row: number, base: string, e: ListedEntry): number {
    if (e.content === undefined) {
      if (e.contentError) {
        this.readError.set(row, e.contentError.message);
        this.unreadable.add(row);
      }
      return JSON_NONE;
    }
    const parsed = parseJsonText(e.content);
    if (!parsed.ok) {
      this.readError.set(row, parsed.message);
      return JSON_NONE;
    }
    const kind = jsonKind(parsed.value);
    if (isAlbumFile(base, kind)) {
      const album = parseAlbumMetadata(parsed.value);
      if (album.ok) this.albumMeta.set(row, album.value);
    } else if (!isKnownNonMediaJson(base)) {
      const item = parseItemMetadata(parsed.value);
      if (item.ok) return this.facts.add(item.value);
      this.itemError.set(row, item.message);
    }
    return kind === "album"
      ? JSON_ALBUM
      : kind === "unknown"
      ? JSON_UNKNOWN
      : JSON_ITEM;
  }

  /** The name of a row. */
  nameOf(row: number): string {
    const id = this.nameId.get(row);
    if (id >= 0) return this.names.get(id);
    const where = this.where.get(row);
    return this.lookup!.nameOf(
      this.parts[Math.floor(where / PART)],
      where % PART,
    )!;
  }

  /** Gives the columns' memory back (the catalog is empty afterwards). */
  free(): void {
    for (
      const column of [
        this.where,
        this.size,
        this.mtime,
        this.folder,
        this.json,
        this.nameId,
      ]
    ) column.free();
    this.names.free();
  }
}

/**
 * The complete listing's rows by folder, each folder in listing order,
 * with the copies of a name met again set aside.
 */
export class ListedFolders {
  /** part * PART + index, by row. */
  readonly where: Float64Array;
  /** Rows grouped by folder: folder f's are grouped[start[f]..start[f+1]]. */
  readonly #start: Int32Array;
  readonly #grouped: Int32Array;
  readonly #fill: Int32Array;
  /**
   * The same name may be stored in several parts (a retried download):
   * the first copy is kept, the others are dropped.
   */
  readonly dropped: Uint8Array;
  readonly #silentPart: readonly boolean[];

  constructor(readonly catalog: Catalog, silentPart: readonly boolean[]) {
    const c = catalog;
    const n = c.where.length;
    this.#silentPart = silentPart;
    this.where = new Float64Array(n);
    for (let row = 0; row < n; row++) this.where[row] = c.where.get(row);
    const folderCount = c.folders.length;
    const start = new Int32Array(folderCount + 1);
    for (let row = 0; row < n; row++) start[c.folder.get(row) + 1]++;
    for (let f = 0; f < folderCount; f++) start[f + 1] += start[f];
    const grouped = new Int32Array(n);
    const fill = start.slice(0, folderCount);
    for (let row = 0; row < n; row++) grouped[fill[c.folder.get(row)]++] = row;
    this.#start = start;
    this.#grouped = grouped;
    this.#fill = fill;
    this.dropped = new Uint8Array(n);
    for (let f = 0; f < folderCount; f++) this.#dropRepeated(f);
  }

  get length(): number {
    return this.where.length;
  }

  /** Folder f's rows. */
  rowsOf(f: number): Int32Array {
    return this.#grouped.subarray(this.#start[f], this.#start[f + 1]);
  }

  /** Whether a row is in a part an earlier run imported. */
  silent(row: number): boolean {
    return this.#silentPart[Math.floor(this.where[row] / PART)];
  }

  /** Listing order of two rows. */
  readonly byWhere = (a: number, b: number): number =>
    this.where[a] - this.where[b];

  /**
   * Sorts folder f's rows into listing order and drops the copies of a
   * name. Names are made into strings one folder at a time, and dropped
   * with it.
   */
  #dropRepeated(f: number): void {
    const rows = this.rowsOf(f).sort(this.byWhere);
    if (rows.length < 2) return;
    const keys = Array.from(rows, (row) => entryKey(this.catalog.nameOf(row)));
    const order = new Int32Array(rows.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    order.sort((a, b) =>
      keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : a - b
    );
    for (let i = 1; i < order.length; i++) {
      if (keys[order[i]] === keys[order[i - 1]]) {
        this.dropped[rows[order[i]]] = 1;
      }
    }
  }

  /** Gives the memory back (nothing may be asked afterwards). */
  free(): void {
    for (
      const array of [
        this.where,
        this.#grouped,
        this.#start,
        this.#fill,
        this.dropped,
      ]
    ) release(array);
  }
}

/** The last segment of a key ("a/b/c.jpg" -> "c.jpg"). */
export function lastSegment(key: string): string {
  return key.slice(key.lastIndexOf("/") + 1);
}
