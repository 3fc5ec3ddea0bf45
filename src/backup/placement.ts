// Which record a new item is, and where it lands. Every source (Library
// API, Picker, Takeout) asks here before it adds a row: the same upload
// reached through another source is one item, one record and one file,
// whatever source came first. A new item gets its date folder, its
// sanitized original name and its duplicate number, decided once when it is
// first indexed and then kept (gphotos-sync never moved a file it had
// placed).

import { join } from "node:path";
import type { LocalData } from "../db/local_data.ts";
import type { IndexedItem, ItemPlacement } from "../db/rows.ts";
import type { FsProfile } from "../fs/fs_profile.ts";
import { MISSING_DATE_FALLBACK } from "../google/library.ts";
import { mediaFolder } from "../media/date_path.ts";
import {
  localFileName,
  originalName,
  splitExtension,
} from "../media/naming.ts";
import type { MediaRecord } from "../media/record.ts";
import { isMediaExtension, nfc } from "../media/extensions.ts";

/**
 * The Takeout match rules (ItemExtras.matchedBy, named in
 * src/takeout/sidecar_match.ts) by which a file takes the sidecar written for
 * another file (an edit's original, a video half's still, a duplicate's
 * first copy): the file gets that file's metadata, not its identity.
 */
export const BORROWING_RULES: ReadonlySet<string> = new Set([
  "edited",
  "edited-clipped",
  "live-pair",
  "forgotten-duplicate",
]);

export interface PlacementLayout {
  photosPath: string;
  useFlatPath: boolean;
}

/** The place of an item of the index, or of one staged and not recorded yet. */
export interface PlacedItem {
  path: string;
  createDate: Date;
}

/**
 * The folder a new item goes into: its original's when it has one (an
 * edited copy, a video half), taking the original's date too, so that the
 * two stay side by side whatever date each file carries; else its date
 * folder.
 */
export function folderFor(
  record: MediaRecord,
  layout: PlacementLayout,
  original?: PlacedItem,
): string {
  if (original === undefined) return mediaFolder(record.createTime, layout);
  record.createTime = original.createDate;
  return original.path;
}

/** A new item's place: date folder, sanitized name, first free number. */
export function placeRecord(
  db: LocalData,
  record: MediaRecord,
  profile: FsProfile,
  layout: PlacementLayout,
): ItemPlacement {
  const path = folderFor(record, layout);
  const origFileName = originalName(
    record.filename || record.remoteId,
    profile,
  );
  const duplicateNo = db.nextDuplicateNo(
    path,
    origFileName,
    profile.caseInsensitive,
  );
  return {
    path,
    origFileName,
    duplicateNo,
    fileName: localFileName(origFileName, duplicateNo, profile),
  };
}

/**
 * An item's place among the new items of one source that share its folder
 * and name: they are numbered together, `rank` of `of`, in the source's
 * order rather than the order they come in. free() gives the place back.
 */
export interface DuplicateRank {
  rank: number;
  of: number;
  free: () => void;
}

/** Where a staged item goes, and what to do once it is or is not stored. */
export interface StagedPlacement {
  placement: ItemPlacement & { remoteId: string };
  /** Not stored after all (identical bytes, a failure): the place is free. */
  release: () => void;
  /** Recorded: the index answers for the number from now on. */
  settle: () => void;
}

/**
 * Placement for a source that stages many items before it records them
 * (Takeout, a batch at a time): the rules of placeRecord, and besides them
 * - the numbers given to items staged and not recorded yet, which the
 *   index does not know, are held until each is recorded or released;
 * - items a source ranks (DuplicateRank) get a block of numbers kept for
 *   the whole run;
 * - a file the index does not know, already at a name (put there by hand),
 *   is never written over: the number is skipped. One of the entry's size
 *   is its own, renamed by a run stopped before it recorded it, and is
 *   written over, as that run would have left it;
 * - an edited copy or a video half finds its original's place even while
 *   the original is only staged.
 */
export class StagedPlacements {
  readonly #db: LocalData;
  readonly #profile: FsProfile;
  readonly #layout: PlacementLayout & { root: string };
  /** Next free duplicate number per folder and name, for items not yet recorded. */
  readonly #reserved = new Map<string, number>();
  /** Numbers kept for the items a source ranks, per folder and name. */
  readonly #blocks = new Map<string, { base: number; end: number }>();
  /** The place of the items staged and not recorded yet, by RemoteId. */
  readonly #staged = new Map<string, PlacedItem>();

  constructor(
    db: LocalData,
    profile: FsProfile,
    layout: PlacementLayout & { root: string },
  ) {
    this.#db = db;
    this.#profile = profile;
    this.#layout = layout;
  }

  /** The place of item `id`: staged by this run, or in the index. */
  placeOf(id: string): PlacedItem | undefined {
    return this.#staged.get(id) ?? this.#db.getItem(id);
  }

  /** Whether item `id` is staged and not recorded yet. */
  isStaged(id: string): boolean {
    return this.#staged.has(id);
  }

  /** Item `id` is staged at `place` (until forget()). */
  staged(id: string, place: PlacedItem): void {
    this.#staged.set(id, place);
  }

  /** Item `id` is recorded, or dropped: the index answers for it. */
  forget(id: string): void {
    this.#staged.delete(id);
  }

  /**
   * Where a new item of `size` bytes goes: beside `original` when it has
   * one (see folderFor), numbered in its rank's block when it has one
   * free of foreign files, else with the next number free. The number is
   * held until release() or settle().
   */
  place(
    record: MediaRecord,
    size: number,
    original: PlacedItem | undefined,
    rank: DuplicateRank | undefined,
  ): StagedPlacement {
    const profile = this.#profile;
    const path = folderFor(record, this.#layout, original);
    const origFileName = originalName(
      record.filename || record.remoteId,
      profile,
    );
    const key = `${path}\u0000${
      profile.caseInsensitive ? origFileName.toLowerCase() : origFileName
    }`;
    if (rank !== undefined && !this.#blocks.has(key)) {
      const base = this.#next(key, path, origFileName);
      for (let n = base; n < base + rank.of; n++) {
        if (this.#foreign(path, origFileName, n, size)) {
          // Numbered as they come, around that file.
          rank.free();
          rank = undefined;
          break;
        }
      }
      if (rank !== undefined) {
        this.#blocks.set(key, { base, end: base + rank.of });
      }
    }
    if (rank !== undefined) {
      const duplicateNo = this.#blocks.get(key)!.base + rank.rank;
      return {
        placement: this.#at(record, path, origFileName, duplicateNo),
        release: rank.free,
        settle: () => {},
      };
    }
    let duplicateNo = this.#next(key, path, origFileName);
    while (this.#foreign(path, origFileName, duplicateNo, size)) duplicateNo++;
    const reserved = this.#reserved;
    reserved.set(key, duplicateNo + 1);
    return {
      placement: this.#at(record, path, origFileName, duplicateNo),
      release: () => {
        if (reserved.get(key) === duplicateNo + 1) {
          reserved.set(key, duplicateNo);
        }
      },
      settle: () => {
        if (reserved.get(key) === duplicateNo + 1) reserved.delete(key);
      },
    };
  }

  /** The first number free in the index, among the held ones and blocks. */
  #next(key: string, path: string, origFileName: string): number {
    return Math.max(
      this.#db.nextDuplicateNo(
        path,
        origFileName,
        this.#profile.caseInsensitive,
      ),
      this.#reserved.get(key) ?? 0,
      this.#blocks.get(key)?.end ?? 0,
    );
  }

  /** Whether a file the index does not know is at number `n` (see the class). */
  #foreign(
    path: string,
    origFileName: string,
    n: number,
    size: number,
  ): boolean {
    const name = localFileName(origFileName, n, this.#profile);
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(join(this.#layout.root, path, name));
    } catch {
      return false;
    }
    if (info.isFile && info.size === size) return false;
    return this.#db.itemByPath(path, name) === undefined;
  }

  #at(
    record: MediaRecord,
    path: string,
    origFileName: string,
    duplicateNo: number,
  ): ItemPlacement & { remoteId: string } {
    return {
      remoteId: record.remoteId,
      path,
      origFileName,
      duplicateNo,
      fileName: localFileName(origFileName, duplicateNo, this.#profile),
    };
  }
}

/**
 * Whether two original names (as placement stores them) are one upload's
 * as two sources spell it: NFC and NFD forms alike (macOS uploads NFD, a
 * Takeout sidecar's title is NFC), and an upload that had no extension
 * (`Peanut Butter Balls`, `20030616`) the same as the name Takeout gives its
 * file (`Peanut Butter Balls.jpg`).
 */
export function sameUploadName(
  a: string,
  b: string,
  caseInsensitive: boolean,
): boolean {
  const fold = (s: string) => caseInsensitive ? nfc(s).toLowerCase() : nfc(s);
  const x = fold(a);
  const y = fold(b);
  if (x === y) return true;
  const [short, long] = x.length < y.length ? [x, y] : [y, x];
  const { stem, ext } = splitExtension(long);
  return stem === short && isMediaExtension(ext) &&
    !isMediaExtension(splitExtension(short).ext);
}

/**
 * The item of the index that is the upload named `filename` taken at
 * `createTime`, reached through another source (lowest SyncFiles.Id first),
 * among those `accept` takes. Files that borrow another file's Takeout
 * sidecar (edited copies, video halves, forgotten duplicates) share its
 * name or time but are not it, and are never found.
 */
export function findSameUpload(
  db: LocalData,
  filename: string,
  createTime: Date,
  profile: FsProfile,
  accept: (item: IndexedItem) => boolean = () => true,
): IndexedItem | undefined {
  if (createTime.getTime() === Date.parse(MISSING_DATE_FALLBACK)) {
    // Items without a capture date all share this one: no evidence.
    return undefined;
  }
  const name = originalName(filename, profile);
  for (const item of db.itemsTakenAt(createTime)) {
    if (!accept(item)) continue;
    if (!sameUploadName(item.origFileName, name, profile.caseInsensitive)) {
      continue;
    }
    if (item.source === "takeout" && borrowsTakeoutSidecar(db, item)) continue;
    return item;
  }
  return undefined;
}

function borrowsTakeoutSidecar(db: LocalData, item: IndexedItem): boolean {
  const extras = db.getItemExtras(item.remoteId);
  return extras !== undefined &&
    (extras.editOf !== undefined || extras.pairOf !== undefined ||
      BORROWING_RULES.has(extras.matchedBy ?? ""));
}

/** A record a Takeout import made under its own key (not an API id yet). */
export function isTakeoutKey(remoteId: string): boolean {
  return remoteId.startsWith("takeout:");
}

/**
 * For an item of the Library or Picker API that the index does not hold by
 * its id: the record a Takeout import made of the same upload, which takes
 * the API's id from now on (its file, Takeout's original, stays as it is,
 * and nothing is downloaded again). Undefined when there is none.
 */
export function adoptSameUpload(
  db: LocalData,
  record: MediaRecord,
  profile: FsProfile,
): IndexedItem | undefined {
  const same = findSameUpload(
    db,
    record.filename || record.remoteId,
    record.createTime,
    profile,
    (item) => isTakeoutKey(item.remoteId),
  );
  if (same === undefined || !db.renameItem(same.remoteId, record.remoteId)) {
    return undefined;
  }
  return db.getItem(record.remoteId);
}
