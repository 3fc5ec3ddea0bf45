// The plan of a Takeout import, as the import reads it: which media files
// are copies of one item, which item each file hangs off, what each is
// skipped for, which files wait for the bytes of another, and each file as
// an object made when asked for. It reads the packed rows of
// plan_store.ts, which plan.ts filled folder by folder.

import type { ArchiveEntry } from "../archive/archive.ts";
import { I32Column, release } from "../archive/columns.ts";
import { entryKey } from "../archive/entry_path.ts";
import { utf8 } from "../archive/text_pool.ts";
import type { FactsTable, ItemFacts } from "./item_facts.ts";
import type { AlbumMetadata } from "./metadata.ts";
import type { MediaMatch } from "./sidecar_match.ts";
import type { FolderKind, TakeoutAlbum } from "./takeout_tree.ts";
import { BORROWING, type Companion, type SkipReason } from "./plan_folder.ts";
import { PART, type PlanRows } from "./plan_store.ts";

/** One media file of the export, as the import will treat it. */
export interface PlannedFile {
  /** Its row in the plan. */
  row: number;
  entry: ArchiveEntry;
  /** Stable identity of the item across copies, parts and later exports. */
  key: string;
  match: MediaMatch;
  /** The sidecar's metadata (the original's for edits and video halves). */
  meta?: ItemFacts;
  folderKind?: FolderKind;
  /** The album folder this copy is in. */
  album?: TakeoutAlbum;
  isVideo: boolean;
  /**
   * Key of the item this is an edited copy, a video half or a forgotten
   * duplicate of.
   */
  companionOf?: string;
  companion?: Companion;
  /** Why it is not imported (trash, --skip-archived, --skip-video). */
  skip?: SkipReason;
  /**
   * Its sidecar (its original's, for a companion) is in the export but its
   * bytes could not be read (a damaged part): imported now, the file would
   * stay dated and described without it.
   */
  sidecarUnreadable?: true;
}
/**
 * A sidecar in an album folder with no file of its own beside it (GPTH Neo
 * #133: Takeout stores the media once, in its year folder): it makes its
 * item a member of the album.
 */
export interface AlbumReference {
  /** Index in TakeoutPlan.albums. */
  album: number;
  part: string;
  name: string;
  url?: string;
  /** The sidecar's title: the upload's name. */
  title?: string;
  /** Capture time, epoch ms; NaN when the sidecar has none. */
  takenMs: number;
  /** The sidecar's facts row (TakeoutPlan.referenceFacts). */
  facts: number;
  /** In a part an earlier run imported (PlanOptions.silentParts). */
  silent?: true;
}

/**
 * What the plan made of the entries that are not media files: with the
 * media rows (TakeoutPlan.fileCount) they are every entry of the listing.
 */
export interface EntryCounts {
  /** File entries listed (directories aside). */
  listed: number;
  /** Sidecars matched by at least one media file. */
  sidecars: number;
  /** Album metadata files read. */
  albumMetadata: number;
  /** The same name in several parts: the first copy is used. */
  repeated: number;
}

export interface RefusedEntry {
  part: string;
  name: string;
  reason: string;
  /**
   * For a folder of another product of the export (`Takeout/Drive/`): how
   * many entries it holds, named once rather than one by one.
   */
  entries?: number;
}

export interface PlannedAlbum {
  album: TakeoutAlbum;
  meta?: AlbumMetadata;
  /** Keys of the items imported into it, in plan order. */
  keys: string[];
}

/**
 * Whether the file's sidecar describes another file: its original (edited
 * copies, video halves, and an edit whose original is not in the export),
 * whose photo URL is not this file's.
 */
export function borrowsSidecar(file: PlannedFile): boolean {
  return borrowedFrom(file) !== undefined;
}

/**
 * What the file whose sidecar this file uses is to it: its original, its
 * still, its first copy; undefined when the sidecar is its own.
 */
export function borrowedFrom(file: PlannedFile): Companion | undefined {
  return file.companion ?? BORROWING.get(file.match.matchedBy);
}

/** The last segment of an entry's key: the name matching works with. */
function baseOf(name: string): string {
  const key = entryKey(name);
  return key.slice(key.lastIndexOf("/") + 1);
}

export class TakeoutPlan {
  readonly refused: RefusedEntry[];
  /** JSON files that could not be read as sidecars or album metadata. */
  readonly badJson: RefusedEntry[];
  /**
   * Sidecars no media file claimed, sorted (album references aside: the
   * import decides whether those find their item).
   */
  readonly unclaimedSidecars: string[];
  /** Sidecars in album folders that name an item kept elsewhere. */
  readonly albumReferences: AlbumReference[];
  /** Entries that are not part of the library, and why. */
  readonly otherFiles: RefusedEntry[];
  /** The entries that are not media files, counted. */
  readonly entryCounts: EntryCounts;
  /** Every album folder of the export, by folder. */
  readonly albums: PlannedAlbum[];
  readonly #parts: readonly string[];
  readonly #rows: PlanRows;
  readonly #facts: FactsTable;
  /** Per part, the row of each entry index (-1: not a planned file). */
  readonly #rowOf: Map<string, Int32Array>;
  /** Row of each item's first copy, items in plan order. */
  readonly #itemFirst: Int32Array;
  /** The next copy of the same item, -1 after the last. */
  readonly #nextCopy: Int32Array;
  readonly #itemOfRow: Int32Array;
  /** First rows of the items in key order (for itemOfKey()). */
  readonly #byKey: Int32Array;
  /** Rows that may be copies of other items: the keys of those items. */
  readonly #waits: Map<number, string[]>;
  readonly #silentParts: ReadonlySet<string>;

  constructor(init: {
    parts: readonly string[];
    rows: PlanRows;
    facts: FactsTable;
    albums: PlannedAlbum[];
    refused: RefusedEntry[];
    badJson: RefusedEntry[];
    unclaimedSidecars: string[];
    albumReferences: AlbumReference[];
    otherFiles: RefusedEntry[];
    entryCounts: EntryCounts;
    waits: Map<number, string[]>;
    silentParts?: ReadonlySet<string>;
  }) {
    this.#silentParts = init.silentParts ?? new Set();
    this.#parts = init.parts;
    this.#rows = init.rows;
    this.#facts = init.facts;
    this.albums = init.albums;
    this.refused = init.refused;
    this.badJson = init.badJson;
    this.unclaimedSidecars = init.unclaimedSidecars;
    this.albumReferences = init.albumReferences;
    this.otherFiles = init.otherFiles;
    this.entryCounts = init.entryCounts;
    this.#waits = init.waits;
    const { where, key, texts } = init.rows;
    const count = init.rows.length;
    const last = new Array<number>(init.parts.length).fill(-1);
    for (let i = 0; i < count; i++) {
      const w = where.get(i);
      const part = Math.floor(w / PART);
      last[part] = Math.max(last[part], w % PART);
    }
    this.#rowOf = new Map();
    last.forEach((max, part) => {
      if (max >= 0) {
        this.#rowOf.set(init.parts[part], new Int32Array(max + 1).fill(-1));
      }
    });
    for (let i = 0; i < count; i++) {
      const w = where.get(i);
      this.#rowOf.get(init.parts[Math.floor(w / PART)])![w % PART] = i;
    }
    // Copies of one item are the rows of one key: found by sorting the
    // keys' bytes (a Map of every key would hold them all as strings), then
    // by plan order.
    const rank = new Int32Array(count);
    init.rows.planOrder().forEach((row, i) => rank[row] = i);
    const byKey = new Int32Array(count);
    for (let i = 0; i < count; i++) byKey[i] = i;
    byKey.sort((a, b) =>
      texts.compare(key.get(a), key.get(b)) || rank[a] - rank[b]
    );
    this.#nextCopy = new Int32Array(count).fill(-1);
    const firsts = new I32Column();
    for (let i = 0; i < count; i++) {
      if (
        i > 0 &&
        texts.compare(key.get(byKey[i]), key.get(byKey[i - 1])) === 0
      ) {
        this.#nextCopy[byKey[i - 1]] = byKey[i];
      } else firsts.push(byKey[i]);
    }
    this.#byKey = firsts.toArray();
    this.#itemFirst = this.#byKey.slice().sort((a, b) => rank[a] - rank[b]);
    this.#itemOfRow = new Int32Array(count);
    this.#itemFirst.forEach((first, item) => {
      for (let r = first; r >= 0; r = this.#nextCopy[r]) {
        this.#itemOfRow[r] = item;
      }
    });
    release(rank);
    release(byKey);
    firsts.free();
  }

  /** The parts planned, in the order their entries are ranked. */
  get parts(): readonly string[] {
    return this.#parts;
  }

  /** Media files planned (every copy). */
  get fileCount(): number {
    return this.#rows.length;
  }

  /** Distinct items (copies of one item count once). */
  get itemCount(): number {
    return this.#itemFirst.length;
  }

  /** The row of a listed entry, or -1 when it is not a planned media file. */
  rowOf(part: string, index: number): number {
    return this.#rowOf.get(part)?.[index] ?? -1;
  }

  key(row: number): string {
    return this.#rows.keyOf(row);
  }

  skip(row: number): SkipReason | undefined {
    return this.#rows.skip(row);
  }

  size(row: number): number {
    return this.#rows.size.get(row);
  }

  /**
   * The keys of the items this row may be an identical copy of: a file
   * with no sidecar whose name and size are those of files that have one
   * (an album's copy of a year-folder photo). Imported after them, it is
   * found to be their bytes, and their sidecar's facts hold, whatever the
   * order of the listing.
   */
  waitsFor(row: number): readonly string[] | undefined {
    return this.#waits.get(row);
  }

  /**
   * Items that land in one month folder under one name (a camera's counter
   * met twice, an upload made twice), in groups, each in the order of
   * capture time, then key; by item, its group. The import numbers their
   * duplicates in this order, so that `IMG.jpg` and `IMG (2).jpg` do not
   * swap with the order of the listing. Only items dated by a sidecar are
   * known here (companions too: they go beside their original, in the month
   * of the sidecar they borrow).
   */
  duplicateGroups(): {
    groupOf: ReadonlyMap<number, number>;
    groups: readonly (readonly number[])[];
  } {
    if (this.#groups !== undefined) return this.#groups;
    const r = this.#rows;
    const count = this.itemCount;
    const group = new Int32Array(count);
    const taken = new Float64Array(count).fill(NaN);
    const order: number[] = [];
    for (let item = 0; item < count; item++) {
      let row = this.#itemFirst[item];
      while (row >= 0 && this.skip(row) !== undefined) {
        row = this.#nextCopy[row];
      }
      if (row < 0) continue;
      const facts = r.facts.get(row);
      const ms = facts < 0 ? NaN : this.#facts.takenMs(facts);
      if (Number.isNaN(ms)) continue;
      const date = new Date(ms);
      const month = date.getUTCFullYear() * 12 + date.getUTCMonth();
      group[item] = Math.imul(r.nameHash.get(row), 0x01000193) ^ month;
      taken[item] = ms;
      order.push(item);
    }
    order.sort((a, b) =>
      group[a] - group[b] || taken[a] - taken[b] ||
      r.texts.compare(
        r.key.get(this.#itemFirst[a]),
        r.key.get(this.#itemFirst[b]),
      )
    );
    const groupOf = new Map<number, number>();
    const groups: number[][] = [];
    for (let i = 0; i < order.length;) {
      let end = i + 1;
      while (end < order.length && group[order[end]] === group[order[i]]) {
        end++;
      }
      if (end - i > 1) {
        const members = order.slice(i, end);
        for (const item of members) groupOf.set(item, groups.length);
        groups.push(members);
      }
      i = end;
    }
    release(group);
    release(taken);
    this.#groups = { groupOf, groups };
    return this.#groups;
  }

  #groups:
    | { groupOf: Map<number, number>; groups: number[][] }
    | undefined;

  /** Where a row's entry is: its part and its index in the part. */
  entryOf(row: number): { part: string; index: number } {
    const where = this.#rows.where.get(row);
    return { part: this.#parts[Math.floor(where / PART)], index: where % PART };
  }

  /** Whether a row is in a part an earlier run imported (PlanOptions.silentParts). */
  silent(row: number): boolean {
    return this.#silentParts.has(
      this.#parts[Math.floor(this.#rows.where.get(row) / PART)],
    );
  }

  /** The album (index in `albums`) a row's file is in, -1 for none. */
  albumOf(row: number): number {
    return this.#rows.album.get(row);
  }

  /** The facts of an album folder's lone sidecar. */
  referenceFacts(ref: AlbumReference): ItemFacts {
    return this.#facts.get(ref.facts);
  }

  /** Key of the item this row is an edited copy or video half of. */
  companionOf(row: number): string | undefined {
    const id = this.#rows.companionOf.get(row);
    return id < 0 ? undefined : this.#rows.texts.get(id);
  }

  /** The item a row is a copy of. */
  itemOf(row: number): number {
    return this.#itemOfRow[row];
  }

  /**
   * The last key looked up, and its item: an import asks for the same key
   * several times in a row as it handles one file.
   */
  #lastKey: string | undefined;
  #lastItem = -1;

  /** The item of a key, -1 when no file has that key. */
  itemOfKey(key: string): number {
    if (key === this.#lastKey) return this.#lastItem;
    const item = this.#searchKey(key);
    this.#lastKey = key;
    this.#lastItem = item;
    return item;
  }

  #searchKey(key: string): number {
    const { key: keys, texts } = this.#rows;
    const wanted = utf8(key);
    let lo = 0;
    let hi = this.#byKey.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const order = texts.compareWith(keys.get(this.#byKey[mid]), wanted);
      if (order === 0) return this.#itemOfRow[this.#byKey[mid]];
      if (order < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  hasItem(key: string): boolean {
    return this.itemOfKey(key) >= 0;
  }

  /** Whether a copy of the item of `key` is to be imported (not skipped). */
  willImport(key: string): boolean {
    const item = this.itemOfKey(key);
    return item >= 0 &&
      this.copies(item).some((row) => this.skip(row) === undefined);
  }

  itemKey(item: number): string {
    return this.key(this.#itemFirst[item]);
  }

  /** The rows of an item's copies, in plan order. */
  copies(item: number): number[] {
    const rows: number[] = [];
    for (let r = this.#itemFirst[item]; r >= 0; r = this.#nextCopy[r]) {
      rows.push(r);
    }
    return rows;
  }

  /**
   * One file, as an object made for the asking. `entry` is the entry the
   * data pass met for this row (the plan keeps names only for --dry-run).
   */
  file(row: number, entry?: ArchiveEntry): PlannedFile {
    const r = this.#rows;
    const nameId = r.name.get(row);
    const where = r.where.get(row);
    const mtime = r.mtime.get(row);
    entry ??= r.entry[row];
    if (entry === undefined) {
      if (nameId < 0) {
        throw new RangeError(
          `The plan keeps no names: give file(${row}) the entry read for it.`,
        );
      }
      entry = {
        part: this.#parts[Math.floor(where / PART)],
        index: where % PART,
        name: r.texts.get(nameId),
        size: r.size.get(row),
        mtime: Number.isNaN(mtime) ? undefined : new Date(mtime),
        kind: "file",
      };
    }
    const name = entry.name;
    const flags = r.flagsOf(row);
    const match: MediaMatch = {
      media: name,
      matchedBy: flags.matchedBy,
      originalName: r.originalName.get(row) ?? baseOf(name),
    };
    const sidecar = r.sidecar.get(row);
    if (sidecar !== undefined) match.sidecar = sidecar;
    const file: PlannedFile = {
      row,
      entry,
      key: this.key(row),
      match,
      isVideo: flags.isVideo,
    };
    const facts = r.facts.get(row);
    if (facts >= 0) file.meta = this.#facts.get(facts);
    if (flags.folderKind !== undefined) file.folderKind = flags.folderKind;
    const album = r.album.get(row);
    if (album >= 0) file.album = this.albums[album].album;
    const companionOf = this.companionOf(row);
    if (companionOf !== undefined) file.companionOf = companionOf;
    if (flags.companion !== undefined) file.companion = flags.companion;
    if (flags.skip !== undefined) file.skip = flags.skip;
    if (flags.sidecarUnreadable) file.sidecarUnreadable = true;
    return file;
  }

  /** Every file as an object: for tests and small exports only. */
  get files(): PlannedFile[] {
    return Array.from({ length: this.fileCount }, (_, i) => this.file(i));
  }

  /** Every item's copies as objects: for tests and small exports only. */
  get items(): Map<string, PlannedFile[]> {
    const items = new Map<string, PlannedFile[]>();
    for (let i = 0; i < this.itemCount; i++) {
      items.set(this.itemKey(i), this.copies(i).map((r) => this.file(r)));
    }
    return items;
  }
}
