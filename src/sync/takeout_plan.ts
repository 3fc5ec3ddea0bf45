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

import type { ArchiveEntry, ListedEntry } from "../takeout/archive.ts";
import type { ArchiveError } from "../takeout/archive_errors.ts";
import type { ArchiveSet, SetListing } from "../takeout/archive_set.ts";
import { entryKey, parentKey, safeEntryPath } from "../takeout/entry_path.ts";
import { F64Column, I32Column, release } from "../takeout/columns.ts";
import { FactsTable, type ItemFacts } from "../takeout/item_facts.ts";
import { TextPool, utf8 } from "../takeout/text_pool.ts";
import {
  type AlbumMetadata,
  type JsonKind,
  jsonKind,
  parseAlbumMetadata,
  parseItemMetadata,
  parseJsonText,
} from "../takeout/metadata.ts";
import { foldName, isJsonName, isKnownNonMediaJson } from "../takeout/names.ts";
import {
  type MatchMedia,
  type MatchRule,
  type MatchSidecar,
  matchSidecars,
  type MediaMatch,
} from "../takeout/sidecar_match.ts";
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
} from "../takeout/takeout_tree.ts";

/** One media file of the export, as the import will treat it. */
export interface PlannedFile {
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
  /** Key of the item this is an edited copy or video half of. */
  companionOf?: string;
  companion?: "edit" | "pair";
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

export interface RefusedEntry {
  part: string;
  name: string;
  reason: string;
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
}

/**
 * Whether the file's sidecar describes another file: its original (edited
 * copies, video halves, and an edit whose original is not in the export),
 * whose photo URL is not this file's.
 */
export function borrowsSidecar(file: PlannedFile): boolean {
  return file.companion !== undefined || file.match.matchedBy === "edited";
}

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
const EDIT = 2;
const PAIR = 4;
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
  /** Sidecars no media file claimed, sorted. */
  readonly unclaimedSidecars: string[];
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

  constructor(init: {
    parts: readonly string[];
    rows: Rows;
    facts: FactsTable;
    albums: PlannedAlbum[];
    refused: RefusedEntry[];
    badJson: RefusedEntry[];
    unclaimedSidecars: string[];
  }) {
    this.#parts = init.parts;
    this.#rows = init.rows;
    this.#facts = init.facts;
    this.albums = init.albums;
    this.refused = init.refused;
    this.badJson = init.badJson;
    this.unclaimedSidecars = init.unclaimedSidecars;
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

  /** Key of the item this row is an edited copy or video half of. */
  companionOf(row: number): string | undefined {
    const id = this.#rows.companionOf.get(row);
    return id < 0 ? undefined : this.#rows.texts.get(id);
  }

  /** The item a row is a copy of. */
  itemOf(row: number): number {
    return this.#itemOfRow[row];
  }

  /** The item of a key, -1 when no file has that key. */
  itemOfKey(key: string): number {
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
      matchedBy: RULES[flags >> RULE_SHIFT],
      originalName: r.originalName.get(row) ?? baseOf(name),
    };
    const sidecar = r.sidecar.get(row);
    if (sidecar !== undefined) match.sidecar = sidecar;
    const file: PlannedFile = {
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
    if (flags & EDIT) file.companion = "edit";
    else if (flags & PAIR) file.companion = "pair";
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
    const where = this.#partOf(e.part) * PART + e.index;
    if (e.kind !== "file") {
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
      if (!dropped[row]) bad(row, reason, 0);
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
    c.folders.forEach((path, f) => {
      const place = layout.place(path);
      if (place === undefined) return;
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
  ): void {
    const { rows: dirRows, names, keys } = files;
    const json = (row: number) => listed.json.get(row);
    const c = this.#catalog;
    const facts = this.#facts;
    const options = this.#options;
    let folded: Set<string> | undefined;
    const namesHere = {
      has: (name: string) => {
        folded ??= new Set(keys.map((k) => foldName(lastSegment(k))));
        return folded.has(name);
      },
    };
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
        namesHere,
        kindOf(json(dirRows[at])),
      );
      if (cls.class === "media") {
        media.push(at);
        videos.push(cls.mediaType === "video");
        folderKind = cls.folderKind;
        libraryFolder = cls.folder;
      } else if (cls.class === "sidecar") {
        sidecars.push(at);
        const reason = c.itemError.get(dirRows[at]);
        if (reason !== undefined) bad(dirRows[at], reason, 1);
      }
    }
    if (media.length === 0) {
      for (const s of sidecars) unclaimed.push(names[s]);
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
    for (const path of matched.unclaimedSidecars) unclaimed.push(path);
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
    const album = libraryFolder === undefined
      ? -1
      : albumIndex.get(libraryFolder) ?? -1;
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
      let flags = (videos[i] ? IS_VIDEO : 0) | kindBits |
        (code(RULES, match.matchedBy) << RULE_SHIFT);
      if (match.editOf) flags |= EDIT;
      else if (match.pairOf) flags |= PAIR;
      if (sidecar >= 0 && c.unreadable.has(dirRows[sidecar])) {
        flags |= SIDECAR_UNREADABLE;
      }
      const companion = (flags & (EDIT | PAIR)) !== 0;
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
        options.keepNames ? rows.texts.add(names[at]) : -1,
      );
      rows.key.push(-1);
      rows.companionOf.push(-1);
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
    // and size; companions hang off their original's key.
    const isCompanion = (p: number) =>
      (rows.flags.get(p) & (EDIT | PAIR)) !== 0;
    const baseKey = (p: number, at: number): string => {
      const meta = rows.facts.get(p);
      const id = meta < 0 ? undefined : photoIdOf(facts.url(meta));
      if (id && !isCompanion(p)) return `takeout:${id}`;
      const ms = meta < 0 ? NaN : facts.takenMs(meta);
      const taken = Number.isNaN(ms) ? "none" : ms;
      const original = rows.originalName.get(p) ?? lastSegment(keys[at]);
      return `takeout:${original.normalize("NFC")}:${taken}:${
        rows.size.get(p)
      }`;
    };
    /** Keys of this folder's files, by position in `media` ("" until known). */
    const folderKeys: string[] = [];
    media.forEach((at, i) => {
      const p = first + i;
      // An edit whose original is not here has its sidecar's metadata, not
      // its identity: it gets the key it has beside its original, so that
      // the original, found in a later import, is not taken as present.
      const orphanEdit = !isCompanion(p) &&
        RULES[rows.flags.get(p) >> RULE_SHIFT] === "edited";
      folderKeys.push(
        isCompanion(p)
          ? ""
          : orphanEdit
          ? `${baseKey(p, at)}:edit:${lastSegment(keys[at])}`
          : baseKey(p, at),
      );
    });
    let byPath: Map<string, number> | undefined;
    media.forEach((at, i) => {
      const p = first + i;
      if (!isCompanion(p)) return;
      byPath ??= new Map(media.map((a, k) => [names[a], k]));
      const match = matched.matches[i];
      const original = byPath.get(match.editOf ?? match.pairOf ?? "");
      const parent = (original === undefined ? "" : folderKeys[original]) ||
        baseKey(p, at);
      rows.companionOf.set(p, rows.texts.add(parent));
      const kind = rows.flags.get(p) & EDIT ? "edit" : "pair";
      folderKeys[i] = `${parent}:${kind}:${lastSegment(keys[at])}`;
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
