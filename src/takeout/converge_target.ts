// What converge (converge.ts) works with: the flags the import leaves per
// item, and a target, what one stored item must become, worked out from
// the file the export has of it, or from an album's lone sidecar.

import { join } from "node:path";
import type { Logger } from "../log.ts";
import type { IndexedItem, ItemExtras, LocalData } from "../db/local_data.ts";
import type { FsProfile } from "../fs/fs_profile.ts";
import { resolveInside } from "../fs/confine.ts";
import { mediaFolder, type MediaFolderOptions } from "../media/date_path.ts";
import { originalName } from "../media/naming.ts";
import {
  folderFor,
  isTakeoutKey,
  type PlacedItem,
} from "../backup/placement.ts";
import type { BestDate, DateSource } from "./best_date.ts";
import type { ItemFacts } from "./item_facts.ts";
import { locationText } from "./metadata.ts";
import { xmpDataOf, xmpDocument } from "./xmp.ts";
import {
  dateFor,
  embeddedDates,
  extrasFor,
  PEEK_BYTES,
  readHead,
  recordOf,
  sourceRefOf,
  xmpFor,
} from "./item.ts";
import type { PlannedFile, TakeoutPlan } from "./plan.ts";

/** Per plan item, what the import knows of it (ConvergeInput.flags). */
export const ITEM_INSERTED = 1;
/** Found by its sidecar URL, stored by another export: nothing to do. */
export const ITEM_SETTLED = 2;
/** Stored by this run with a duplicate number: the number may change. */
export const ITEM_NUMBERED = 4;
/**
 * Found in the backup, decided by this import, and maybe stored otherwise
 * than this import would store it (from another copy, by a later export,
 * with a number a stopped run gave).
 */
export const ITEM_RECHECK = 8;

/** How the import stores what it has done with each key. */
export interface DoneMap {
  get(key: string): string | undefined;
  set(key: string, remoteId: string): void;
  /**
   * The plan items stored under another RemoteId than their key (found in
   * the backup, identical bytes, earlier runs), with that RemoteId.
   */
  elsewhere?(): Iterable<[number, string]>;
}

export interface ConvergeInput {
  plan: TakeoutPlan;
  done: DoneMap;
  /** By plan item: ITEM_INSERTED, ITEM_SETTLED, ITEM_NUMBERED, ITEM_RECHECK. */
  flags: Uint8Array;
  db: LocalData;
  profile: FsProfile;
  options: MediaFolderOptions & { root: string; noXmp: boolean };
  /**
   * Facts of album folders' lone sidecars, by the RemoteId of the item
   * each names (only items stored without a sidecar's facts take them).
   */
  referenceFacts: ReadonlyMap<string, ItemFacts>;
  /** The export the plan is of, when it is one (takeout-<time>). */
  setName?: string;
  now: Date;
  logger: Logger;
}

export interface ConvergeResult {
  /** Items that took a sidecar's facts they did not have. */
  completed: number;
  /** Files moved to another folder or number. */
  moved: number;
  /** Entries (archive names) of items no longer without metadata. */
  dated: Set<string>;
  /** The RemoteIds (as they end) of the items changed. */
  changed: Set<string>;
}

/** What one stored item must become. */
export interface Target {
  id: string;
  stored: IndexedItem;
  extras: ItemExtras | undefined;
  /** The plan item it is, when it is one (not for an album's lone sidecar). */
  item: number;
  file: PlannedFile | undefined;
  key: string;
  date: BestDate;
  createDate: Date;
  description: string;
  location: string | undefined;
  mimeType: string;
  isVideo: boolean;
  path: string;
  origFileName: string;
  duplicateNo: number;
  sourceRef: string | undefined;
  newExtras: ItemExtras;
  xmp: string | undefined;
  /** Keys of other plan items whose bytes are this item's. */
  aliases: string[];
}

/** A target that changes nothing yet. */
export function newTarget(
  id: string,
  stored: IndexedItem,
  extras: ItemExtras | undefined,
  item: number,
  file: PlannedFile | undefined,
  aliases: string[],
): Target {
  return {
    id,
    stored,
    extras,
    item,
    file,
    key: file?.key ?? stored.remoteId,
    date: { date: stored.createDate, source: "entry" },
    createDate: stored.createDate,
    description: stored.description,
    location: stored.location,
    mimeType: stored.mimeType,
    isVideo: stored.isVideo,
    path: stored.path,
    origFileName: stored.origFileName,
    duplicateNo: stored.duplicateNo,
    sourceRef: stored.sourceRef,
    newExtras: extras ?? emptyExtras(),
    xmp: undefined,
    aliases,
  };
}

/** The copy an item is imported from: its first not left out. */
export function chosenFile(
  plan: TakeoutPlan,
  item: number,
): PlannedFile | undefined {
  const row = plan.copies(item).find((r) => plan.skip(r) === undefined);
  return row === undefined ? undefined : plan.file(row);
}

/** A target from the file the item is (and its original, for companions). */
export async function fileTarget(
  target: Target,
  file: PlannedFile,
  input: ConvergeInput,
  inserted: boolean,
  targets: ReadonlyMap<string, Target>,
): Promise<void> {
  const { done, db, profile, options, now } = input;
  let date: BestDate;
  const source = target.extras?.dateSource as DateSource | undefined;
  if (file.meta?.photoTakenTime !== undefined) date = dateFor(file, {}, now);
  else if (inserted || source === "exif" || source === "video") {
    // Read from these very bytes by the run that stored them.
    date = { date: target.stored.createDate, source: source ?? "entry" };
  } else {
    date = dateFor(file, await storedDates(target.stored, file, input), now);
  }
  const record = recordOf(file, date);
  let original: string | undefined;
  let placed: PlacedItem | undefined;
  if (file.companionOf !== undefined) {
    const id = done.get(file.companionOf);
    const converged = id === undefined ? undefined : targets.get(id);
    placed = converged ?? (id === undefined ? undefined : db.getItem(id));
    original = converged === undefined ? id : finalId(converged);
  }
  target.path = folderFor(record, options, placed);
  target.key = file.key;
  target.date = date;
  target.createDate = record.createTime;
  target.description = record.description;
  target.location = record.location;
  target.mimeType = record.mimeType;
  target.isVideo = record.isVideo;
  target.origFileName = originalName(
    record.filename || record.remoteId,
    profile,
  );
  target.sourceRef = sourceRefOf(file);
  target.newExtras = extrasFor(file, date, original);
  target.xmp = options.noXmp ? undefined : xmpFor(file, date);
}

/** The RemoteId a target ends with: its key, unless it has an API's id. */
export function finalId(t: Target): string {
  return isTakeoutKey(t.stored.remoteId) ? t.key : t.stored.remoteId;
}

/** A target from an album sidecar's facts alone. */
export function factsOnly(
  target: Target,
  facts: ItemFacts,
  input: ConvergeInput,
): void {
  const taken = facts.photoTakenTime ?? target.stored.createDate;
  target.date = { date: taken, source: "sidecar" };
  target.createDate = taken;
  target.description = facts.description ?? "";
  target.location = facts.geo ? locationText(facts.geo) : undefined;
  target.path = mediaFolder(taken, input.options);
  target.newExtras = {
    ...(target.extras ?? emptyExtras()),
    people: facts.people ?? [],
    favorite: facts.favorited === true,
    photoUrl: facts.url,
    matchedBy: "album-sidecar",
    dateSource: "sidecar",
  };
  target.xmp = input.options.noXmp ? undefined : xmpDocument({
    ...xmpDataOf(facts),
    takenAt: taken,
  });
}

/** The EXIF or video date of an item's stored file. */
export async function storedDates(
  item: IndexedItem,
  file: PlannedFile,
  input: ConvergeInput,
): Promise<Parameters<typeof dateFor>[1]> {
  let handle: Deno.FsFile | undefined;
  try {
    const abs = await resolveInside(
      input.options.root,
      join(item.path, item.fileName),
    );
    handle = await Deno.open(abs, { read: true });
    const reader = handle.readable.getReader();
    try {
      const head = await readHead(reader, PEEK_BYTES);
      return await embeddedDates(head, {
        ...file,
        entry: { ...file.entry, size: item.fileSize },
      });
    } finally {
      await reader.cancel().catch(() => {});
    }
  } catch {
    return {};
  } finally {
    try {
      handle?.close();
    } catch {
      // Closed with its stream.
    }
  }
}

export function emptyExtras(): ItemExtras {
  return { people: [], favorite: false, archived: false, trashed: false };
}
