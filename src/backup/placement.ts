// Which record a new item is, and where it lands. Every source (Library
// API, Picker, Takeout) asks here before it adds a row: the same upload
// reached through another source is one item, one record and one file,
// whatever source came first. A new item gets its date folder, its
// sanitized original name and its duplicate number, decided once when it is
// first indexed and then kept (gphotos-sync never moved a file it had
// placed).

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

export function placeRecord(
  db: LocalData,
  record: MediaRecord,
  profile: FsProfile,
  layout: PlacementLayout,
): ItemPlacement {
  const path = mediaFolder(record.createTime, layout);
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
