// The plan's decisions, packed: one row per media file (the first copy of
// each name), in columns of typed arrays, with its texts (names, keys) in
// one pool of UTF-8 bytes. Libraries hold 50,000 to 200,000 files, and the
// plan lives through the whole import: nothing here is an object or a
// string per file, and a row's flags (video, companion, skip reason, folder
// kind, unreadable sidecar, matching rule) are one number. The rules that
// decide a row are in plan_folder.ts; TakeoutPlan (takeout_plan.ts) reads
// the rows back.

import type { ArchiveEntry } from "../archive/archive.ts";
import { F64Column, I32Column } from "../archive/columns.ts";
import { TextPool } from "../archive/text_pool.ts";
import { foldName } from "./names.ts";
import type { MatchRule } from "./sidecar_match.ts";
import type { FolderKind } from "./takeout_tree.ts";
import type {
  Companion,
  FileDecision,
  FolderDecisions,
  SkipReason,
} from "./plan_folder.ts";

/** An entry's place in the listing: part number and index, in one number. */
export const PART = 2 ** 32;

// A row's flags, packed in one number.
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
const SKIPS: readonly (SkipReason | undefined)[] = [
  undefined,
  "trashed",
  "archived",
  "video",
];
const KIND_SHIFT = 5;
const KIND_MASK = 15 << KIND_SHIFT;
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
const SIDECAR_UNREADABLE = 1 << 9;
const RULE_SHIFT = 10;
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

/** What the store keeps of the entries of a decided folder. */
export interface DecidedEntries {
  names: readonly string[];
  /** The last segment of each name's entryKey(). */
  bases: readonly string[];
  /** part * PART + index. */
  where(at: number): number;
  size(at: number): number;
  /** Epoch milliseconds, NaN when the archive has none. */
  mtime(at: number): number;
  /** The listing's own object, when the plan keeps them. */
  entry?(at: number): ArchiveEntry;
}

/** What a row keeps besides its columns. */
export interface Keep {
  /** Entry and sidecar names (PlanOptions.keepNames). */
  names: boolean;
  /** Entry names only (PlanOptions.keepMediaNames). */
  mediaNames: boolean;
}

/** A row's flags, read back. */
export interface RowFlags {
  matchedBy: MatchRule;
  isVideo: boolean;
  folderKind: FolderKind | undefined;
  companion: Companion | undefined;
  skip: SkipReason | undefined;
  sidecarUnreadable: boolean;
}

/**
 * The plan's columns, one row per media file, rows in the order folders
 * were decided; `where` gives plan order.
 */
export class PlanRows {
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
   * Text ids: the entry name (-1 unless names are kept), the item key, the
   * original's key (-1: none).
   */
  name = new I32Column();
  key = new I32Column();
  companionOf = new I32Column();
  /**
   * A hash of the entry's name and size: copies of one file have the same
   * (see waits()).
   */
  copyHash = new I32Column();
  /** A hash of the folded original name (see TakeoutPlan.duplicateGroups). */
  nameHash = new I32Column();
  texts = new TextPool();
  /** By row, when it is not the name's own last segment. */
  originalName = new Map<number, string>();
  /** By row, with PlanOptions.keepNames. */
  sidecar = new Map<number, string>();
  /** The listing's own objects, when the plan keeps them. */
  entry: ArchiveEntry[] = [];

  get length(): number {
    return this.where.length;
  }

  /** Appends the rows of one decided folder. */
  append(decided: FolderDecisions, entries: DecidedEntries, keep: Keep): void {
    const first = this.length;
    const folderBits = code(FOLDER_KINDS, decided.folderKind) << KIND_SHIFT;
    for (const d of decided.files) {
      this.#push(d, entries, keep, folderBits, decided.album);
    }
    // The texts of a folder go in by kind, names, then original's keys,
    // then keys.
    decided.files.forEach((d, i) => {
      if (d.companionOf !== undefined) {
        this.companionOf.set(first + i, this.texts.add(d.companionOf));
      }
    });
    decided.files.forEach((d, i) =>
      this.key.set(first + i, this.texts.add(d.key))
    );
  }

  #push(
    d: FileDecision,
    entries: DecidedEntries,
    keep: Keep,
    folderBits: number,
    album: number,
  ): void {
    const { at, match } = d;
    const base = entries.bases[at];
    const size = entries.size(at);
    let flags = (d.isVideo ? IS_VIDEO : 0) | folderBits |
      (code(RULES, match.matchedBy) << RULE_SHIFT) |
      (code(COMPANIONS, d.companion) << COMPANION_SHIFT) |
      (code(SKIPS, d.skip) << SKIP_SHIFT);
    if (d.sidecarUnreadable) flags |= SIDECAR_UNREADABLE;
    const row = this.length;
    this.where.push(entries.where(at));
    this.size.push(size);
    this.mtime.push(entries.mtime(at));
    this.facts.push(d.facts);
    this.album.push(album);
    this.flags.push(flags);
    this.name.push(
      keep.names || keep.mediaNames ? this.texts.add(entries.names[at]) : -1,
    );
    this.key.push(-1);
    this.companionOf.push(-1);
    this.copyHash.push(hash32(`${foldName(base)}\u0000${size}`));
    this.nameHash.push(hash32(foldName(match.originalName)));
    if (match.originalName !== base) {
      this.originalName.set(row, match.originalName);
    }
    if (keep.names && match.sidecar !== undefined) {
      this.sidecar.set(row, match.sidecar);
    }
    if (entries.entry !== undefined) this.entry.push(entries.entry(at));
  }

  keyOf(row: number): string {
    return this.texts.get(this.key.get(row));
  }

  isSkipped(row: number): boolean {
    return (this.flags.get(row) & SKIP_MASK) !== 0;
  }

  skip(row: number): SkipReason | undefined {
    return SKIPS[(this.flags.get(row) & SKIP_MASK) >> SKIP_SHIFT];
  }

  flagsOf(row: number): RowFlags {
    const flags = this.flags.get(row);
    return {
      matchedBy: RULES[flags >>> RULE_SHIFT],
      isVideo: (flags & IS_VIDEO) !== 0,
      folderKind: FOLDER_KINDS[(flags & KIND_MASK) >> KIND_SHIFT],
      companion: COMPANIONS[(flags & COMPANION_MASK) >> COMPANION_SHIFT],
      skip: SKIPS[(flags & SKIP_MASK) >> SKIP_SHIFT],
      sidecarUnreadable: (flags & SIDECAR_UNREADABLE) !== 0,
    };
  }

  /** Rows in plan order (listing order: parts as given, entries as listed). */
  planOrder(): Int32Array {
    const where = new Float64Array(this.length);
    for (let i = 0; i < where.length; i++) where[i] = this.where.get(i);
    const order = new Int32Array(this.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    return order.sort((a, b) => where[a] - where[b]);
  }

  /**
   * Files without a sidecar whose name and size are those of files with
   * one (Takeout's copies of an item in album folders come with or without
   * their sidecar): the keys they wait for. Nothing is made per row but
   * for those files.
   */
  waits(): Map<number, string[]> {
    const waits = new Map<number, string[]>();
    const lone = new Set<number>();
    const n = this.length;
    // Video halves and edits too: their original may be such a copy.
    const isLone = (p: number) => this.facts.get(p) < 0 && !this.isSkipped(p);
    for (let p = 0; p < n; p++) if (isLone(p)) lone.add(this.copyHash.get(p));
    if (lone.size === 0) return waits;
    const keysOf = new Map<number, Set<string>>();
    for (let p = 0; p < n; p++) {
      if (this.facts.get(p) < 0 || this.isSkipped(p)) continue;
      const hash = this.copyHash.get(p);
      if (!lone.has(hash)) continue;
      let keys = keysOf.get(hash);
      if (keys === undefined) keysOf.set(hash, keys = new Set());
      keys.add(this.keyOf(p));
    }
    for (let p = 0; p < n; p++) {
      if (!isLone(p)) continue;
      const keys = keysOf.get(this.copyHash.get(p));
      if (keys !== undefined) waits.set(p, [...keys].sort());
    }
    return waits;
  }
}

/** A 32-bit hash (FNV-1a) of a text. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}
