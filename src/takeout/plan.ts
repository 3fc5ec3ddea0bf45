// From the listing of a Takeout export (all parts as one tree) to the plan
// of the import: which entries are items, which sidecar and album each
// belongs to, which copies are the same item, what is skipped and what is
// refused. Nothing is read but the listing and the small JSON files the
// listing captured; nothing is written.
//
// Memory must not grow much with the number of items (libraries hold
// 50,000 to 200,000), so nothing is kept per entry that the import does not
// use, and little is made per entry that lives long. Each JSON file is
// parsed as the listing meets it and only its facts are kept, by column
// (item_facts.ts); entries are kept by column too, their names shared with
// the archive readers. Sidecars are matched folder by folder, which is all
// matching ever looks at. The plan itself is columns; PlannedFile objects
// are made when a file is imported.

import type { ArchiveEntry, ListedEntry } from "../archive/archive.ts";
import type { ArchiveError } from "../archive/archive_errors.ts";
import type { ArchiveSet, SetListing } from "../archive/archive_set.ts";
import { entryKey, parentKey, safeEntryPath } from "../archive/entry_path.ts";
import { F64Column, I32Column, release } from "../archive/columns.ts";
import { FactsTable, type ItemFacts } from "./item_facts.ts";
import { TextPool, utf8 } from "../archive/text_pool.ts";
import {
  type AlbumMetadata,
  type JsonKind,
  jsonKind,
  parseAlbumMetadata,
  parseItemMetadata,
  parseJsonText,
} from "./metadata.ts";
import { foldName, isJsonName, isKnownNonMediaJson } from "./names.ts";
import {
  type MatchMedia,
  type MatchRule,
  type MatchSidecar,
  matchSidecars,
  type MediaMatch,
} from "./sidecar_match.ts";
import {
  type AlbumFile,
  classifyFile,
  type FolderKind,
  type FolderPlace,
  isAlbumFile,
  layoutTree,
  libraryFolders,
  type TakeoutAlbum,
  type TakeoutFolder,
} from "./takeout_tree.ts";

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

export type SkipReason = "trashed" | "archived" | "video";

/** How a file that has no sidecar of its own relates to the one it borrows. */
export type Companion = "edit" | "pair" | "duplicate";

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

export interface PlanOptions {
  includeTrashed: boolean;
  skipArchived: boolean;
  skipVideo?: boolean;
  /**
   * Keep each file's entry and sidecar names (PlannedFile.match.sidecar),
   * for --dry-run, which lists them without reading the parts. Without
   * them, file() is given the entry the data pass met.
   */
  keepNames?: boolean;
  /**
   * Keep each media file's entry name (not its sidecar's), so that file()
   * needs no entry: for the files the data pass does not meet (already in
   * the backup, in a part imported by an earlier run).
   */
  keepMediaNames?: boolean;
  /**
   * Parts an earlier run imported, given again from the index's record of
   * their listing: planned with the others as one export, but their
   * entries are accounted for already, so the report counts none of them.
   */
  silentParts?: ReadonlySet<string>;
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

/**
 * Rules by which a file takes the sidecar of another file that is not in
 * the export (an edit's original, a video's still, the first file of a
 * duplicated upload).
 */
const BORROWING = new Map<MatchRule, Companion>([
  ["edited", "edit"],
  ["live-pair", "pair"],
  ["forgotten-duplicate", "duplicate"],
]);

/** The id part of https://photos.google.com/photo/AF1Qip... */
export function photoIdOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const m = /\/photo\/([A-Za-z0-9_-]{10,})/.exec(url);
  return m?.[1];
}

/** An entry's place in the listing: part number and index, in one number. */
const PART = 2 ** 32;

// A plan row's flags: video, companion kind, skip reason, folder kind, an
// unreadable sidecar and matching rule, packed in one number.
const IS_VIDEO = 1;
const COMPANION_SHIFT = 1;
const COMPANION_MASK = 3 << COMPANION_SHIFT;
const COMPANIONS: readonly (Companion | undefined)[] = [
  undefined,
  "edit",
  "pair",
  "duplicate",
];
const SKIP_SHIFT = 3;
const SKIP_MASK = 3 << SKIP_SHIFT;
const KIND_SHIFT = 5;
const KIND_MASK = 15 << KIND_SHIFT;
const SIDECAR_UNREADABLE = 1 << 9;
const RULE_SHIFT = 10;
const SKIPS: readonly (SkipReason | undefined)[] = [
  undefined,
  "trashed",
  "archived",
  "video",
];
const FOLDER_KINDS: readonly (FolderKind | undefined)[] = [
  undefined,
  "year",
  "album",
  "archive",
  "trash",
  "locked",
  "failed-videos",
  "root",
];
const RULES: readonly MatchRule[] = [
  "none",
  "exact-supplemental",
  "exact-json",
  "duplicate",
  "supplemental-prefix",
  "no-extension",
  "clipped",
  "title",
  "case-insensitive",
  "edited",
  "edited-clipped",
  "live-pair",
  "forgotten-duplicate",
];

function code<T>(list: readonly T[], value: T): number {
  const at = list.indexOf(value);
  return at < 0 ? 0 : at;
}

/**
 * The plan's columns, one row per media file (first copy of each name),
 * rows in the order folders were planned; `where` gives plan order.
 */
class Rows {
  /** part * PART + index. */
  where = new F64Column();
  size = new F64Column();
  /** Epoch milliseconds, NaN when the archive has none. */
  mtime = new F64Column();
  /** Facts row of the sidecar whose metadata applies, -1 for none. */
  facts = new I32Column();
  /** Album index, -1 for none. */
  album = new I32Column();
  flags = new I32Column();
  /**
   * Text ids: the entry name (-1 unless PlanOptions.keepNames), the item
   * key, the original's key (-1: none).
   */
  name = new I32Column();
  key = new I32Column();
  companionOf = new I32Column();
  /**
   * A hash of the entry's name and size: copies of one file have the same
   * (see PlanBuilder.#waits).
   */
  copyHash = new I32Column();
  /** A hash of the folded original name (see TakeoutPlan.duplicateRanks). */
  nameHash = new I32Column();
  texts = new TextPool();
  /** By row, when it is not the name's own last segment. */
  originalName = new Map<number, string>();
  /** By row, with PlanOptions.keepNames. */
  sidecar = new Map<number, string>();
  /** The listing's own objects, when planImport() was given a whole listing. */
  entry: ArchiveEntry[] = [];

  get length(): number {
    return this.where.length;
  }

  /** Rows in plan order (listing order: parts as given, entries as listed). */
  planOrder(): Int32Array {
    const where = new Float64Array(this.length);
    for (let i = 0; i < where.length; i++) where[i] = this.where.get(i);
    const order = new Int32Array(this.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    return order.sort((a, b) => where[a] - where[b]);
  }
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
  readonly #rows: Rows;
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
    rows: Rows;
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
    return this.#rows.texts.get(this.#rows.key.get(row));
  }

  skip(row: number): SkipReason | undefined {
    return SKIPS[(this.#rows.flags.get(row) & SKIP_MASK) >> SKIP_SHIFT];
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
    const flags = r.flags.get(row);
    const match: MediaMatch = {
      media: name,
      matchedBy: RULES[flags >>> RULE_SHIFT],
      originalName: r.originalName.get(row) ?? baseOf(name),
    };
    const sidecar = r.sidecar.get(row);
    if (sidecar !== undefined) match.sidecar = sidecar;
    const file: PlannedFile = {
      row,
      entry,
      key: this.key(row),
      match,
      isVideo: (flags & IS_VIDEO) !== 0,
    };
    const facts = r.facts.get(row);
    if (facts >= 0) file.meta = this.#facts.get(facts);
    const folderKind = FOLDER_KINDS[(flags & KIND_MASK) >> KIND_SHIFT];
    if (folderKind !== undefined) file.folderKind = folderKind;
    const album = r.album.get(row);
    if (album >= 0) file.album = this.albums[album].album;
    const companionOf = this.companionOf(row);
    if (companionOf !== undefined) file.companionOf = companionOf;
    const companion = COMPANIONS[(flags & COMPANION_MASK) >> COMPANION_SHIFT];
    if (companion !== undefined) file.companion = companion;
    const skip = this.skip(row);
    if (skip !== undefined) file.skip = skip;
    if (flags & SIDECAR_UNREADABLE) file.sidecarUnreadable = true;
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

// What the listing said of a JSON file (Catalog.json): a facts row (>= 0)
// for an item sidecar that parsed, else one of these.
const JSON_NONE = -1;
const JSON_ALBUM = -2;
const JSON_UNKNOWN = -3;
const JSON_ITEM = -4;

/** The kind classification sees for a Catalog.json value. */
function kindOf(json: number): JsonKind | undefined {
  // An item sidecar that parsed was no album file, which is all
  // classification asks of its kind.
  if (json >= 0 || json === JSON_ITEM) return "item";
  if (json === JSON_ALBUM) return "album";
  if (json === JSON_UNKNOWN) return "unknown";
  return undefined;
}

/**
 * The listing, kept by column until the plan is made: one row per file
 * entry that may be imported.
 */
class Catalog {
  /** part * PART + index. */
  where = new F64Column();
  size = new F64Column();
  mtime = new F64Column();
  folder = new I32Column();
  /** A facts row, or JSON_NONE, JSON_ALBUM...: see #readJson(). */
  json = new I32Column();
  /**
   * The entries' names, by row: a text id in `names`, or -1 when the
   * part's reader gives the name back (PlanBuilder's `lookup`).
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
}

interface Refusal extends RefusedEntry {
  where: number;
}

interface BadJson extends RefusedEntry {
  phase: number;
  where: number;
}

/** The catalog's columns, once the listing is complete. */
interface Listed {
  where: F64Column;
  size: F64Column;
  mtime: F64Column;
  json: I32Column;
  /** The name of a row. */
  nameOf: (row: number) => string;
}

/** Where a builder can find the name of a listed entry again. */
export interface NameLookup {
  nameOf(part: string, index: number): string | undefined;
}

/** One matching folder's files: rows, names and keys, in listing order. */
interface FolderFiles {
  rows: number[];
  names: string[];
  /** entryKey() of each name (mostly the name itself). */
  keys: string[];
}

/**
 * Builds a plan from listed entries, given one by one in any order (see
 * ListOptions.visit); their collected content is read on the spot and not
 * kept.
 */
export class PlanBuilder {
  readonly #options: PlanOptions;
  readonly #keepEntries: boolean;
  readonly #lookup: NameLookup | undefined;
  readonly #parts: string[] = [];
  readonly #partNo = new Map<string, number>();
  #catalog = new Catalog();
  readonly #facts = new FactsTable();
  readonly #refused: Refusal[] = [];
  /** What the per-folder planning found besides media rows. */
  readonly #found = new Found();

  /**
   * `parts` in the order the import reads them: between two copies of one
   * name, the one in the earlier part (or earlier in its part) is kept.
   * `keepEntries` keeps the listing's entry objects in the plan;
   * `lookup` gives names back, which then need no copy here.
   */
  constructor(
    parts: readonly string[],
    options: PlanOptions,
    keepEntries = false,
    lookup?: NameLookup,
  ) {
    for (const part of parts) this.#partOf(part);
    this.#options = options;
    this.#keepEntries = keepEntries;
    this.#lookup = lookup;
  }

  add(e: ListedEntry): void {
    if (e.kind === "dir") return;
    const silent = this.#options.silentParts?.has(e.part) === true;
    if (!silent) this.#found.counts.listed++;
    const where = this.#partOf(e.part) * PART + e.index;
    if (e.kind !== "file") {
      if (silent) return;
      this.#refused.push({
        where,
        part: e.part,
        name: e.name,
        reason: e.kind === "symlink"
          ? `a symbolic link${e.linkTarget ? ` to ${e.linkTarget}` : ""}`
          : e.kind === "hardlink"
          ? `a hard link${e.linkTarget ? ` to ${e.linkTarget}` : ""}`
          : "a device, pipe or other special file",
      });
      return;
    }
    const safe = safeEntryPath(e.name);
    if (!safe.ok) {
      if (silent) return;
      this.#refused.push({
        where,
        part: e.part,
        name: e.name,
        reason: safe.reason,
      });
      return;
    }
    const c = this.#catalog;
    const key = entryKey(e.name);
    const folderKey = parentKey(key);
    let folder = c.folderOf.get(folderKey);
    if (folder === undefined) {
      folder = c.folders.length;
      c.folders.push(folderKey);
      c.folderOf.set(folderKey, folder);
      c.folderHasJson.push(false);
    }
    const row = c.where.length;
    c.where.push(where);
    c.size.push(e.size);
    c.mtime.push(e.mtime?.getTime() ?? NaN);
    c.nameId.push(
      this.#lookup?.nameOf(e.part, e.index) === e.name
        ? -1
        : c.names.add(e.name),
    );
    c.folder.push(folder);
    if (this.#keepEntries) c.entry.push(e);
    let json = JSON_NONE;
    if (isJsonName(e.name)) {
      c.folderHasJson[folder] = true;
      json = this.#readJson(row, lastSegment(key), e);
    }
    c.json.push(json);
  }

  /** A JSON file's content, read now: what the plan needs of it. */
  #readJson(row: number, base: string, e: ListedEntry): number {
    const c = this.#catalog;
    if (e.content === undefined) {
      if (e.contentError) {
        c.readError.set(row, e.contentError.message);
        c.unreadable.add(row);
      }
      return JSON_NONE;
    }
    const parsed = parseJsonText(e.content);
    if (!parsed.ok) {
      c.readError.set(row, parsed.message);
      return JSON_NONE;
    }
    const kind = jsonKind(parsed.value);
    if (isAlbumFile(base, kind)) {
      const album = parseAlbumMetadata(parsed.value);
      if (album.ok) c.albumMeta.set(row, album.value);
    } else if (!isKnownNonMediaJson(base)) {
      const item = parseItemMetadata(parsed.value);
      if (item.ok) return this.#facts.add(item.value);
      c.itemError.set(row, item.message);
    }
    return kind === "album"
      ? JSON_ALBUM
      : kind === "unknown"
      ? JSON_UNKNOWN
      : JSON_ITEM;
  }

  finish(): TakeoutPlan {
    const c = this.#catalog;
    const lookup = this.#lookup;
    const listed: Listed = {
      where: c.where,
      size: c.size,
      mtime: c.mtime,
      json: c.json,
      nameOf: (row) => {
        const id = c.nameId.get(row);
        if (id >= 0) return c.names.get(id);
        const where = c.where.get(row);
        return lookup!.nameOf(
          this.#parts[Math.floor(where / PART)],
          where % PART,
        )!;
      },
    };
    const names = { get: listed.nameOf };
    const n = c.where.length;
    const where = new Float64Array(n);
    for (let row = 0; row < n; row++) where[row] = c.where.get(row);
    const silentPart = this.#parts.map((p) =>
      this.#options.silentParts?.has(p) === true
    );
    const silent = (row: number) => silentPart[Math.floor(where[row] / PART)];

    // Rows by folder, each folder in listing order.
    const folderCount = c.folders.length;
    const start = new Int32Array(folderCount + 1);
    for (let row = 0; row < n; row++) start[c.folder.get(row) + 1]++;
    for (let f = 0; f < folderCount; f++) start[f + 1] += start[f];
    const grouped = new Int32Array(n);
    const fill = start.slice(0, folderCount);
    for (let row = 0; row < n; row++) grouped[fill[c.folder.get(row)]++] = row;
    const rowsOf = (f: number) => grouped.subarray(start[f], start[f + 1]);
    const byWhere = (a: number, b: number) => where[a] - where[b];

    // The same name may be stored in several parts (a retried download):
    // keep the first copy. Names are made into strings one folder at a
    // time, and dropped with it.
    const dropped = new Uint8Array(n);
    const badJson: BadJson[] = [];
    const bad = (row: number, reason: string, phase: number) =>
      badJson.push({
        phase,
        where: where[row],
        part: this.#parts[Math.floor(where[row] / PART)],
        name: names.get(row),
        reason,
      });
    for (let f = 0; f < folderCount; f++) {
      const rows = rowsOf(f).sort(byWhere);
      if (rows.length < 2) continue;
      const keys = Array.from(rows, (row) => entryKey(names.get(row)));
      const order = new Int32Array(rows.length);
      for (let i = 0; i < order.length; i++) order[i] = i;
      order.sort((a, b) =>
        keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : a - b
      );
      for (let i = 1; i < order.length; i++) {
        if (keys[order[i]] === keys[order[i - 1]]) dropped[rows[order[i]]] = 1;
      }
    }
    for (const [row, reason] of c.readError) {
      if (!dropped[row] && !silent(row)) bad(row, reason, 0);
    }
    const found = this.#found;
    for (let row = 0; row < n; row++) {
      if (dropped[row] && !silent(row)) found.counts.repeated++;
    }

    const layout = layoutTree(
      c.folders.map((path, f) => ({ path, hasJson: c.folderHasJson[f] })),
    );
    // The album files lying directly in each library folder decide which
    // folders are albums.
    const albumFiles = new Map<string, AlbumFile[]>();
    c.folders.forEach((path, f) => {
      const place = layout.place(path);
      if (place?.folder === undefined || place.inside.length !== 1) return;
      if (!c.folderHasJson[f]) return;
      for (const row of rowsOf(f)) {
        const json = listed.json.get(row);
        // Item sidecars that parsed are no album files.
        if (dropped[row] || json >= 0) continue;
        const name = names.get(row);
        if (!isJsonName(name)) continue;
        if (!isAlbumFile(lastSegment(entryKey(name)), kindOf(json))) continue;
        const file: AlbumFile = { path: name };
        const meta = c.albumMeta.get(row);
        if (meta !== undefined) file.metadata = meta;
        const list = albumFiles.get(place.folder);
        if (list === undefined) albumFiles.set(place.folder, [file]);
        else list.push(file);
      }
    });
    const folders = libraryFolders(layout, c.folders, albumFiles, true);
    const albumList = [...folders.values()]
      .flatMap((f) => f.album === undefined ? [] : [f.album])
      .sort((a, b) => a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : 0);
    const albumIndex = new Map(albumList.map((a, i) => [a.folder, i]));

    // Matching folders: parts unpacked side by side put one folder under
    // several prefixes.
    const byDir = new Map<string, { place: FolderPlace; folders: number[] }>();
    // Entries outside the library, by part and product folder
    // (`Takeout/Drive`): an export of every product holds many.
    const outside = new Map<
      string,
      { where: number; name: string; n: number }
    >();
    c.folders.forEach((path, f) => {
      const place = layout.place(path);
      if (place === undefined) {
        const segments = path === "" ? [] : path.split("/");
        const top = segments.slice(
          0,
          foldName(segments[0] ?? "") === "takeout" ? 2 : 1,
        ).join("/");
        for (const row of rowsOf(f)) {
          if (dropped[row] || c.readError.has(row) || silent(row)) continue;
          const key = `${Math.floor(where[row] / PART)}\u0000${top}`;
          const seen = outside.get(key);
          if (seen === undefined) {
            outside.set(key, { where: where[row], name: names.get(row), n: 1 });
          } else {
            seen.n++;
            if (where[row] < seen.where) seen.where = where[row];
            seen.name = `${top}/`;
          }
        }
        return;
      }
      const group = byDir.get(place.dir);
      if (group === undefined) byDir.set(place.dir, { place, folders: [f] });
      else group.folders.push(f);
    });

    const rows = new Rows();
    const unclaimed: string[] = [];
    for (const { place, folders: parts } of byDir.values()) {
      let dirRows: number[] = [];
      for (const f of parts) {
        for (const row of rowsOf(f)) if (!dropped[row]) dirRows.push(row);
      }
      if (parts.length > 1) dirRows = dirRows.sort(byWhere);
      const dirNames = dirRows.map((row) => names.get(row));
      const files: FolderFiles = {
        rows: dirRows,
        names: dirNames,
        keys: dirNames.map(entryKey),
      };
      const folder = place.folder === undefined
        ? undefined
        : folders.get(place.folder);
      this.#planFolder(
        listed,
        files,
        place,
        folder,
        albumIndex,
        rows,
        unclaimed,
        bad,
        silent,
      );
    }
    const waits = this.#waits(rows);
    for (const { where, name, n } of outside.values()) {
      found.other(
        where,
        this.#parts,
        name,
        "outside the Google Photos folder",
        n > 1 ? n : undefined,
      );
    }
    // What is left of the listing is not needed any more: its memory goes
    // back now (V8 would free it only at its next full collection).
    for (
      const column of [c.where, c.size, c.mtime, c.folder, c.json, c.nameId]
    ) column.free();
    c.names.free();
    for (const array of [where, grouped, start, fill, dropped]) release(array);
    this.#catalog = new Catalog();

    this.#facts.forgetTitles();

    const albums: PlannedAlbum[] = albumList.map((album) => {
      const planned: PlannedAlbum = { album, keys: [] };
      if (album.metadata !== undefined) planned.meta = album.metadata;
      return planned;
    });
    const inAlbum = albums.map(() => new Set<string>());
    for (const i of rows.planOrder()) {
      const a = rows.album.get(i);
      if (a < 0 || (rows.flags.get(i) & SKIP_MASK) !== 0) continue;
      const key = rows.texts.get(rows.key.get(i));
      if (inAlbum[a].has(key)) continue;
      inAlbum[a].add(key);
      albums[a].keys.push(key);
    }

    return new TakeoutPlan({
      parts: this.#parts,
      rows,
      facts: this.#facts,
      albums,
      albumReferences: found.references.sort((a, b) =>
        a.album - b.album || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
      ),
      otherFiles: found.others
        .sort((a, b) => a.where - b.where)
        .map(({ where: _, ...other }) => other),
      entryCounts: found.counts,
      waits,
      silentParts: this.#options.silentParts,
      refused: this.#refused
        .sort((a, b) => a.where - b.where)
        .map(({ part, name, reason }) => ({ part, name, reason })),
      badJson: badJson
        .sort((a, b) => a.phase - b.phase || a.where - b.where)
        .map(({ part, name, reason }) => ({ part, name, reason })),
      unclaimedSidecars: unclaimed.sort(),
    });
  }

  /** Classifies, matches and plans the files of one matching folder. */
  #planFolder(
    listed: Listed,
    files: FolderFiles,
    place: FolderPlace,
    folder: TakeoutFolder | undefined,
    albumIndex: Map<string, number>,
    rows: Rows,
    unclaimed: string[],
    bad: (row: number, reason: string, phase: number) => void,
    silent: (row: number) => boolean,
  ): void {
    const { rows: dirRows, names, keys } = files;
    const json = (row: number) => listed.json.get(row);
    const c = this.#catalog;
    const facts = this.#facts;
    const options = this.#options;
    const found = this.#found;
    const whereOf = (at: number) => listed.where.get(dirRows[at]);
    // Positions in `files` of the media and the sidecars.
    const media: number[] = [];
    const videos: boolean[] = [];
    const sidecars: number[] = [];
    let folderKind: FolderKind | undefined;
    let libraryFolder: string | undefined;
    for (let at = 0; at < dirRows.length; at++) {
      const cls = classifyFile(
        lastSegment(keys[at]),
        place,
        folder,
        kindOf(json(dirRows[at])),
      );
      folderKind ??= cls.folderKind;
      libraryFolder ??= cls.folder;
      // A JSON file that could not be read is counted as such (badJson),
      // whatever it was meant to be.
      const unreadable = c.readError.has(dirRows[at]);
      if (cls.class === "media") {
        media.push(at);
        videos.push(cls.mediaType === "video");
      } else if (cls.class === "sidecar") {
        sidecars.push(at);
        const reason = c.itemError.get(dirRows[at]);
        if (reason !== undefined && !silent(dirRows[at])) {
          bad(dirRows[at], reason, 1);
        }
      } else if (unreadable || silent(dirRows[at])) continue;
      else if (cls.class === "album-metadata") found.counts.albumMetadata++;
      else {
        found.other(whereOf(at), this.#parts, names[at], cls.reason ?? "");
      }
    }
    /** Sidecars that were read and parsed, by position in `files`. */
    const readable = (at: number) =>
      !c.readError.has(dirRows[at]) && !c.itemError.has(dirRows[at]);
    const album = libraryFolder === undefined
      ? -1
      : albumIndex.get(libraryFolder) ?? -1;
    /** A sidecar no file here claimed: an album reference, or unclaimed. */
    const leftOver = (at: number) => {
      if (!readable(at)) return;
      const f = json(dirRows[at]);
      if (album >= 0 && folderKind === "album" && f >= 0) {
        found.reference(
          album,
          this.#parts,
          whereOf(at),
          names[at],
          facts,
          f,
          silent(dirRows[at]),
        );
      } else if (!silent(dirRows[at])) unclaimed.push(names[at]);
    };
    if (media.length === 0) {
      for (const at of sidecars) leftOver(at);
      return;
    }
    const matched = matchSidecars(
      media.map((at): MatchMedia => ({ path: names[at], folder: place.dir })),
      sidecars.map((at): MatchSidecar => {
        const f = json(dirRows[at]);
        return {
          path: names[at],
          folder: place.dir,
          title: f < 0 ? undefined : facts.title(f),
        };
      }),
    );
    // Sidecars by name, searched (a Map per folder would be a large object).
    sidecars.sort((a, b) => (names[a] < names[b] ? -1 : 1));
    const sidecarAt = (path: string): number => {
      let lo = 0;
      let hi = sidecars.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const name = names[sidecars[mid]];
        if (name === path) return sidecars[mid];
        if (name < path) lo = mid + 1;
        else hi = mid - 1;
      }
      return -1;
    };
    for (const path of matched.unclaimedSidecars) leftOver(sidecarAt(path));
    const counted = (at: number) => readable(at) && !silent(dirRows[at]);
    found.counts.sidecars += sidecars.filter(counted).length -
      matched.unclaimedSidecars.filter((p) => counted(sidecarAt(p))).length;
    const kindBits = code(FOLDER_KINDS, folderKind) << KIND_SHIFT;

    // This folder's files, in listing order, as rows of the plan.
    const first = rows.length;
    media.forEach((at, i) => {
      const row = dirRows[at];
      const match = matched.matches[i];
      const sidecar = match.sidecar === undefined
        ? -1
        : sidecarAt(match.sidecar);
      const meta = sidecar < 0 ? -1 : Math.max(-1, json(dirRows[sidecar]));
      const companion = match.editOf
        ? "edit"
        : match.pairOf
        ? "pair"
        : match.duplicateOf
        ? "duplicate"
        : undefined;
      let flags = (videos[i] ? IS_VIDEO : 0) | kindBits |
        (code(RULES, match.matchedBy) << RULE_SHIFT) |
        (code(COMPANIONS, companion) << COMPANION_SHIFT);
      if (sidecar >= 0 && c.unreadable.has(dirRows[sidecar])) {
        flags |= SIDECAR_UNREADABLE;
      }
      const trashed = (meta >= 0 && facts.trashed(meta)) ||
        folderKind === "trash";
      const archived = (meta >= 0 && facts.archived(meta)) ||
        folderKind === "archive";
      let skip = 0;
      if (trashed && !options.includeTrashed && !companion) skip = 1;
      else if (archived && options.skipArchived && !companion) skip = 2;
      else if (videos[i] && options.skipVideo) skip = 3;
      flags |= skip << SKIP_SHIFT;
      rows.where.push(listed.where.get(row));
      rows.size.push(listed.size.get(row));
      rows.mtime.push(listed.mtime.get(row));
      rows.facts.push(meta);
      rows.album.push(album);
      rows.flags.push(flags);
      const p = rows.length - 1;
      rows.name.push(
        options.keepNames || options.keepMediaNames
          ? rows.texts.add(names[at])
          : -1,
      );
      rows.key.push(-1);
      rows.companionOf.push(-1);
      rows.copyHash.push(
        hash32(
          `${foldName(lastSegment(keys[at]))}\u0000${listed.size.get(row)}`,
        ),
      );
      rows.nameHash.push(hash32(foldName(match.originalName)));
      if (match.originalName !== lastSegment(keys[at])) {
        rows.originalName.set(p, match.originalName);
      }
      if (options.keepNames && match.sidecar !== undefined) {
        rows.sidecar.set(p, match.sidecar);
      }
      if (this.#keepEntries) rows.entry.push(c.entry[row]);
    });

    // Item keys: the sidecar's photo id when there is one (the same in every
    // folder and every later export), else the original name, capture time
    // and size (and folder, without a capture time); companions hang off
    // their original's key.
    const companionOfRow = (p: number) =>
      COMPANIONS[(rows.flags.get(p) & COMPANION_MASK) >> COMPANION_SHIFT];
    const baseKey = (p: number, at: number): string => {
      const meta = rows.facts.get(p);
      const id = meta < 0 ? undefined : photoIdOf(facts.url(meta));
      if (id && companionOfRow(p) === undefined) return `takeout:${id}`;
      const ms = meta < 0 ? NaN : facts.takenMs(meta);
      const original = rows.originalName.get(p) ?? lastSegment(keys[at]);
      const key = `takeout:${original.normalize("NFC")}:${
        Number.isNaN(ms) ? "none" : ms
      }:${rows.size.get(p)}`;
      // Nothing says when a file without a sidecar's date was taken: two
      // of one name and size in two folders may be two photos. Each is an
      // item of its own; the same bytes are stored once all the same.
      return Number.isNaN(ms) ? `${key}:${place.inside.join("/")}` : key;
    };
    /** Keys of this folder's files, by position in `media` ("" until known). */
    const folderKeys: string[] = [];
    media.forEach((at, i) => {
      const p = first + i;
      // A file that borrows the sidecar of a file not in the export (an
      // edit's original, a video's still, a duplicate's first copy) has its
      // metadata, not its identity: it gets the key it has beside that
      // file, so that the file, found in a later import, is not taken as
      // present.
      const borrowed = companionOfRow(p) === undefined
        ? BORROWING.get(RULES[rows.flags.get(p) >>> RULE_SHIFT])
        : undefined;
      folderKeys.push(
        companionOfRow(p) !== undefined
          ? ""
          : borrowed !== undefined
          ? `${baseKey(p, at)}:${KEY_TAGS[borrowed]}:${lastSegment(keys[at])}`
          : baseKey(p, at),
      );
    });
    let byPath: Map<string, number> | undefined;
    media.forEach((at, i) => {
      const p = first + i;
      const kind = companionOfRow(p);
      if (kind === undefined) return;
      byPath ??= new Map(media.map((a, k) => [names[a], k]));
      const match = matched.matches[i];
      const original = byPath.get(
        match.editOf ?? match.pairOf ?? match.duplicateOf ?? "",
      );
      const parent = (original === undefined ? "" : folderKeys[original]) ||
        baseKey(p, at);
      rows.companionOf.set(p, rows.texts.add(parent));
      folderKeys[i] = `${parent}:${KEY_TAGS[kind]}:${lastSegment(keys[at])}`;
      if (original !== undefined) {
        const skip = rows.flags.get(first + original) & SKIP_MASK;
        if (skip !== 0 && SKIPS[skip >> SKIP_SHIFT] !== "video") {
          rows.flags.set(p, (rows.flags.get(p) & ~SKIP_MASK) | skip);
        }
        rows.flags.set(
          p,
          rows.flags.get(p) |
            (rows.flags.get(first + original) & SIDECAR_UNREADABLE),
        );
      }
    });
    folderKeys.forEach((key, i) =>
      rows.key.set(first + i, rows.texts.add(key))
    );
  }

  /**
   * Files without a sidecar whose name and size are those of files with
   * one (Takeout's copies of an item in album folders come with or without
   * their sidecar): the keys they wait for. Nothing is made per row but
   * for those files.
   */
  #waits(rows: Rows): Map<number, string[]> {
    const waits = new Map<number, string[]>();
    const lone = new Set<number>();
    const n = rows.length;
    // Video halves and edits too: their original may be such a copy.
    const isLone = (p: number) =>
      rows.facts.get(p) < 0 && (rows.flags.get(p) & SKIP_MASK) === 0;
    for (let p = 0; p < n; p++) if (isLone(p)) lone.add(rows.copyHash.get(p));
    if (lone.size === 0) return waits;
    const keysOf = new Map<number, Set<string>>();
    for (let p = 0; p < n; p++) {
      if (rows.facts.get(p) < 0 || (rows.flags.get(p) & SKIP_MASK) !== 0) {
        continue;
      }
      const hash = rows.copyHash.get(p);
      if (!lone.has(hash)) continue;
      let keys = keysOf.get(hash);
      if (keys === undefined) keysOf.set(hash, keys = new Set());
      keys.add(rows.texts.get(rows.key.get(p)));
    }
    for (let p = 0; p < n; p++) {
      if (!isLone(p)) continue;
      const keys = keysOf.get(rows.copyHash.get(p));
      if (keys !== undefined) waits.set(p, [...keys].sort());
    }
    return waits;
  }

  #partOf(part: string): number {
    let n = this.#partNo.get(part);
    if (n === undefined) {
      n = this.#parts.length;
      this.#parts.push(part);
      this.#partNo.set(part, n);
    }
    return n;
  }
}

/** What an item key says of a file that hangs off another item. */
const KEY_TAGS: Record<Companion, string> = {
  edit: "edit",
  pair: "pair",
  duplicate: "dup",
};

/** A 32-bit hash (FNV-1a) of a text. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/**
 * What the planning of the folders found besides media rows: the entries
 * that are not part of the library, the album references and the counts.
 */
class Found {
  readonly counts: EntryCounts = {
    listed: 0,
    sidecars: 0,
    albumMetadata: 0,
    repeated: 0,
  };
  readonly others: Refusal[] = [];
  readonly references: AlbumReference[] = [];

  other(
    where: number,
    parts: readonly string[],
    name: string,
    reason: string,
    entries?: number,
  ) {
    const other: Refusal = {
      where,
      part: parts[Math.floor(where / PART)],
      name,
      reason,
    };
    if (entries !== undefined) other.entries = entries;
    this.others.push(other);
  }

  reference(
    album: number,
    parts: readonly string[],
    where: number,
    name: string,
    facts: FactsTable,
    row: number,
    silent: boolean,
  ) {
    const ref: AlbumReference = {
      album,
      part: parts[Math.floor(where / PART)],
      name,
      takenMs: facts.takenMs(row),
      facts: row,
    };
    const url = facts.url(row);
    if (url !== undefined) ref.url = url;
    const title = facts.title(row);
    if (title !== undefined) ref.title = title;
    if (silent) ref.silent = true;
    this.references.push(ref);
  }
}

/** The last segment of a key ("a/b/c.jpg" -> "c.jpg"). */
function lastSegment(key: string): string {
  return key.slice(key.lastIndexOf("/") + 1);
}

/** The plan of a listing held whole (entries with their collected content). */
export function planImport(
  listing: SetListing,
  options: PlanOptions,
): TakeoutPlan {
  const builder = new PlanBuilder(
    listing.parts.map((p) => p.part),
    options,
    true,
  );
  for (const e of listing.entries) builder.add(e);
  return builder.finish();
}

/**
 * Lists every part of the set, collecting the JSON files, and plans the
 * import on the way: neither the listing nor the JSON bytes are held.
 */
export async function planArchives(
  set: ArchiveSet,
  options: PlanOptions & { signal?: AbortSignal; collectMaxBytes?: number },
): Promise<{ plan: TakeoutPlan; problems: ArchiveError[] }> {
  const builder = new PlanBuilder(
    set.parts.map((p) => p.part),
    options,
    false,
    set,
  );
  const listing = await set.list({
    collect: (e) => isJsonName(e.name),
    collectMaxBytes: options.collectMaxBytes ?? 4 * 1024 * 1024,
    signal: options.signal,
    visit: (e) => builder.add(e),
  });
  return { plan: builder.finish(), problems: [...listing.problems] };
}
