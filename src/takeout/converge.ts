// After a Takeout import has written what was new, every item the export
// decides is brought to what the whole export says of it, whatever the
// order in which its files and sidecars came:
//
// - an item stored without a sidecar's facts takes them when its sidecar
//   turns up (in a later part, in a later run, beside an identical copy, or
//   as an album's lone sidecar): its key, date, place in photos/YYYY/MM,
//   description, GPS, XMP and file time;
// - edited copies and video halves follow their original;
// - items of the export that share a month folder and a name are numbered
//   `(2)`, `(3)` by capture time, then by key (the sidecar's photo id, or
//   the name and size), then by their bytes' SHA-256, never by the order
//   files came in.
//
// Only items this export decides are touched: those of its parts, those a
// later export stored (its parts came first; exports count in order), and
// those stored without any sidecar's facts. An item an earlier export or
// another source placed keeps its place, so a later export changes album
// folders only where albums changed. Files move through the ItemMoves
// journal (item_moves.ts).

import { join } from "node:path";
import type { Logger } from "../log.ts";
import type { IndexedItem, ItemExtras, LocalData } from "../db/local_data.ts";
import { formatIndexDate } from "../db/dates.ts";
import type { FsProfile } from "../fs/fs_profile.ts";
import { resolveInside } from "../fs/confine.ts";
import { mediaFolder, type MediaFolderOptions } from "../media/date_path.ts";
import { localFileName, originalName } from "../media/naming.ts";
import type { BestDate, DateSource } from "./best_date.ts";
import type { ItemFacts } from "./item_facts.ts";
import { locationText } from "./metadata.ts";
import { xmpDataOf, xmpDocument } from "./xmp.ts";
import { type ItemMove, moveItems } from "../backup/item_moves.ts";
import { isTakeoutKey } from "../backup/placement.ts";
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
import { decidesItem, setOfSourceRef } from "./set.ts";

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
interface Target {
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

export async function convergeItems(
  input: ConvergeInput,
): Promise<ConvergeResult> {
  const { plan, done, flags, db, referenceFacts } = input;
  const result: ConvergeResult = {
    completed: 0,
    moved: 0,
    dated: new Set(),
    changed: new Set(),
  };
  const owned = (item: IndexedItem) =>
    decidesItem(item.sourceRef, plan.parts, input.setName);

  // The items that may differ from what the whole export says: those the
  // import found stored otherwise (another key, identical bytes, another
  // copy, a later export), stored with a duplicate number, edits and video
  // halves (their original may move), and those an album's lone sidecar
  // names. The others were stored as this plan says (their numbers are
  // looked at with their folder's, below).
  const candidates = new Set<number>();
  for (let item = 0; item < plan.itemCount; item++) {
    const f = flags[item];
    if (f & ITEM_SETTLED) continue;
    if (f & (ITEM_NUMBERED | ITEM_RECHECK)) candidates.add(item);
    else if (
      plan.companionOf(plan.copies(item)[0]) !== undefined &&
      done.get(plan.itemKey(item)) !== undefined
    ) candidates.add(item);
  }
  for (const [item, id] of done.elsewhere?.() ?? []) {
    if (flags[item] & ITEM_SETTLED) continue;
    candidates.add(item);
    const own = plan.itemOfKey(id);
    if (own >= 0) candidates.add(own);
  }
  // Plan items by the stored item they are (identical copies share one).
  const byStored = new Map<string, number[]>();
  for (const item of candidates) {
    const id = done.get(plan.itemKey(item));
    if (id === undefined) continue;
    const list = byStored.get(id);
    if (list === undefined) byStored.set(id, [item]);
    else list.push(item);
  }
  for (const id of referenceFacts.keys()) {
    if (!byStored.has(id)) byStored.set(id, []);
  }

  const targets = new Map<string, Target>();
  const companions: Target[] = [];
  for (const [id, items] of byStored) {
    const stored = db.getItem(id);
    if (stored === undefined || stored.source !== "takeout") continue;
    const extras = db.getItemExtras(id);
    const files = items.map((item) => chosenFile(plan, item));
    const ref = referenceFacts.get(id);
    const sidecarDated = (f: PlannedFile | undefined) =>
      f?.meta?.photoTakenTime !== undefined;
    // The item the bytes are: one with a sidecar's date first, then the
    // smallest key; the others are its aliases.
    let owner = -1;
    files.forEach((f, i) => {
      if (f === undefined) return;
      if (owner < 0) {
        owner = i;
        return;
      }
      const a = sidecarDated(f) ? 1 : 0;
      const b = sidecarDated(files[owner]) ? 1 : 0;
      if (a > b || (a === b && f.key < files[owner]!.key)) owner = i;
    });
    let file = owner < 0 ? undefined : files[owner];
    const hadFacts = extras?.dateSource === "sidecar";
    if (
      ref !== undefined && !hadFacts &&
      (file === undefined || (file.meta === undefined && !file.companionOf))
    ) {
      file = file === undefined
        ? undefined
        : { ...file, meta: ref, match: { ...file.match } };
    }
    if (file === undefined && ref === undefined) continue;
    const upgrade = !hadFacts && (sidecarDated(file) || file === undefined);
    // An album's lone sidecar adds facts only to an item that had none.
    if (file === undefined && !upgrade) continue;
    const inserted = items.some((item) => flags[item] & ITEM_INSERTED);
    if (!owned(stored) && !inserted && !upgrade) continue;
    const target = newTarget(
      id,
      stored,
      extras,
      owner < 0 ? -1 : items[owner],
      file,
      files.flatMap((f, i) => f !== undefined && i !== owner ? [f.key] : []),
    );
    if (file === undefined) {
      // An album's lone sidecar names an item of the backup that is no
      // file of this export: the item takes its facts, keeps its name.
      factsOnly(target, ref!, input);
    } else if (file.companionOf !== undefined) {
      companions.push(target);
      targets.set(id, target);
      continue;
    } else {
      await fileTarget(target, file, input, inserted, targets);
    }
    if (upgrade && ref !== undefined && file?.meta === ref) {
      target.newExtras.matchedBy = "album-sidecar";
    }
    targets.set(id, target);
  }
  // Edits and video halves go beside their original, with its date.
  for (const target of companions) {
    await fileTarget(target, target.file!, input, false, targets);
  }

  await number(targets, input);
  await apply(targets, input, result);
  return result;
}

/** A target that changes nothing yet. */
function newTarget(
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
function chosenFile(plan: TakeoutPlan, item: number): PlannedFile | undefined {
  const row = plan.copies(item).find((r) => plan.skip(r) === undefined);
  return row === undefined ? undefined : plan.file(row);
}

/** A target from the file the item is (and its original, for companions). */
async function fileTarget(
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
  let path: string | undefined;
  if (file.companionOf !== undefined) {
    const id = done.get(file.companionOf);
    const converged = id === undefined ? undefined : targets.get(id);
    const placed = converged ?? (id === undefined ? undefined : db.getItem(id));
    if (placed !== undefined) {
      path = placed.path;
      record.createTime = placed.createDate;
    }
    original = converged === undefined ? id : finalId(converged);
  }
  target.key = file.key;
  target.date = date;
  target.createDate = record.createTime;
  target.description = record.description;
  target.location = record.location;
  target.mimeType = record.mimeType;
  target.isVideo = record.isVideo;
  target.path = path ?? mediaFolder(record.createTime, options);
  target.origFileName = originalName(
    record.filename || record.remoteId,
    profile,
  );
  target.sourceRef = sourceRefOf(file);
  target.newExtras = extrasFor(file, date, original);
  target.xmp = options.noXmp ? undefined : xmpFor(file, date);
}

/** The RemoteId a target ends with: its key, unless it has an API's id. */
function finalId(t: Target): string {
  return isTakeoutKey(t.stored.remoteId) ? t.key : t.stored.remoteId;
}

/** A target from an album sidecar's facts alone. */
function factsOnly(
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
async function storedDates(
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

function emptyExtras(): ItemExtras {
  return { people: [], favorite: false, archived: false, trashed: false };
}

/**
 * Duplicate numbers: in each folder, the targets sharing a name take, in
 * the order of capture time, key and content, the lowest numbers no other
 * item of the folder holds. Items a later export stored there (its parts
 * came first) are numbered again after them, as if that export had come
 * after this one.
 */
async function number(
  targets: Map<string, Target>,
  input: ConvergeInput,
): Promise<void> {
  const { db, profile, setName, plan, done, flags } = input;
  /** By folder and name: the folder, the name, the targets going there. */
  const groups = new Map<
    string,
    { path: string; origFileName: string; members: Target[] }
  >();
  const group = (path: string, origFileName: string) => {
    const name = profile.caseInsensitive
      ? origFileName.toLowerCase()
      : origFileName;
    const k = `${path}\u0000${name}`;
    let g = groups.get(k);
    if (g === undefined) {
      groups.set(k, g = { path, origFileName, members: [] });
    }
    return g;
  };
  for (const t of targets.values()) {
    group(t.path, t.origFileName).members.push(t);
    // The place it leaves: the items of this import left there may move
    // down a number.
    group(t.stored.path, t.stored.origFileName);
  }
  const sql = db.database();
  const sameName = sql.prepare(
    profile.caseInsensitive
      ? "SELECT RemoteId, DuplicateNo, OrigFileName, SourceRef, Source FROM SyncFiles WHERE Path = ? AND lower(OrigFileName) = lower(?)"
      : "SELECT RemoteId, DuplicateNo, OrigFileName, SourceRef, Source FROM SyncFiles WHERE Path = ? AND OrigFileName = ?",
  );
  const hash = sql.prepare(
    "SELECT Sha256 FROM ContentHashes WHERE RemoteId = ?",
  );
  const contentOf = (t: Target) => String(hash.get(t.id)?.Sha256 ?? t.id);
  /** The export a member is numbered as part of ("" for this one). */
  const exportOf = new Map<Target, string>();
  const order = (a: string, b: string) => a < b ? -1 : a > b ? 1 : 0;
  for (const { path, origFileName, members } of [...groups.values()]) {
    const taken = new Set<number>();
    for (const row of sameName.all(path, origFileName)) {
      if (
        profile.caseInsensitive &&
        String(row.OrigFileName).toLowerCase() !== origFileName.toLowerCase()
      ) continue;
      const id = String(row.RemoteId);
      if (targets.has(id)) continue;
      const ref = row.SourceRef === null ? undefined : String(row.SourceRef);
      if (row.Source === "takeout" && decidesItem(ref, plan.parts, setName)) {
        // An item of this import stored as the plan says: numbered with
        // the others.
        const item = plan.itemOfKey(id);
        const stored = item < 0 || done.get(id) !== id
          ? undefined
          : db.getItem(id);
        const file = item < 0 ? undefined : chosenFile(plan, item);
        if (stored !== undefined && file !== undefined) {
          const member = newTarget(
            id,
            stored,
            db.getItemExtras(id),
            item,
            file,
            [],
          );
          await fileTarget(
            member,
            file,
            input,
            (flags[item] & ITEM_INSERTED) !== 0,
            targets,
          );
          if (
            member.path === path && member.origFileName === origFileName
          ) {
            targets.set(id, member);
            members.push(member);
            continue;
          }
          // (Not where the plan puts it: it keeps its number here.)
        }
      }
      const later = row.Source === "takeout" && setName !== undefined
        ? setOfSourceRef(
          row.SourceRef === null ? undefined : String(row.SourceRef),
        )
        : undefined;
      const stored = later !== undefined && later > setName!
        ? db.getItem(id)
        : undefined;
      if (stored !== undefined) {
        const extras = db.getItemExtras(id);
        const passive = newTarget(id, stored, extras, -1, undefined, []);
        exportOf.set(passive, later!);
        targets.set(id, passive);
        members.push(passive);
      } else taken.add(Number(row.DuplicateNo));
    }
    members.sort((a, b) =>
      order(exportOf.get(a) ?? "", exportOf.get(b) ?? "") ||
      a.createDate.getTime() - b.createDate.getTime() ||
      order(a.key, b.key) ||
      order(contentOf(a), contentOf(b))
    );
    // A file the index does not know at a name a member would take (put
    // there by hand) is not written over: that number is skipped.
    const held = new Set(
      members.map((t) => join(t.stored.path, t.stored.fileName)),
    );
    const foreign = (n: number) => {
      const rel = join(path, localFileName(origFileName, n, profile));
      if (held.has(rel)) return false;
      try {
        Deno.lstatSync(join(input.options.root, rel));
        return true;
      } catch {
        return false;
      }
    };
    let n = 0;
    for (const t of members) {
      while (taken.has(n) || foreign(n)) n++;
      t.duplicateNo = n;
      taken.add(n);
    }
  }
}

/** Writes what differs: index rows, then files (moved, re-dated, new XMP). */
async function apply(
  targets: Map<string, Target>,
  input: ConvergeInput,
  result: ConvergeResult,
): Promise<void> {
  const { db, profile, done, plan } = input;
  const changed: Target[] = [];
  const moves: ItemMove[] = [];
  const unchangedWithAliases: Target[] = [];
  for (const t of targets.values()) {
    const s = t.stored;
    const fileName = localFileName(t.origFileName, t.duplicateNo, profile);
    const place = s.path !== t.path || s.fileName !== fileName;
    const dated = s.createDate.getTime() !== t.createDate.getTime();
    // (The file's time is its capture time: set again whenever it moves.)
    const was = t.extras;
    const now = t.newExtras;
    // What the XMP sidecar says and the file's time.
    const described = dated || s.description !== t.description ||
      (s.location ?? "") !== (t.location ?? "") || was === undefined ||
      JSON.stringify(was.people) !== JSON.stringify(now.people) ||
      was.favorite !== now.favorite || was.dateSource !== now.dateSource;
    const renamed = isTakeoutKey(s.remoteId) && s.remoteId !== t.key;
    if (
      !place && !described && !renamed && s.sourceRef === t.sourceRef &&
      s.origFileName === t.origFileName && sameExtras(was, now) &&
      s.mimeType === t.mimeType && s.isVideo === t.isVideo
    ) {
      if (t.aliases.length > 0) unchangedWithAliases.push(t);
      continue;
    }
    changed.push(t);
    if (was?.dateSource !== "sidecar" && now.dateSource === "sidecar") {
      result.completed++;
      const entry = t.file?.entry.name;
      if (entry !== undefined) result.dated.add(entry);
    }
    if (place || described) {
      moves.push({
        remoteId: renamed ? t.key : s.remoteId,
        from: join(s.path, s.fileName),
        to: join(t.path, fileName),
        mtime: t.createDate,
        xmp: described ? t.xmp : undefined,
      });
      if (place) result.moved++;
    }
  }
  // The other files of the export that are these bytes find them by key
  // (they are recorded so when they are read; an earlier run of the
  // export may have known them otherwise).
  if (unchangedWithAliases.length > 0) {
    db.transaction(() => {
      for (const t of unchangedWithAliases) {
        const content = db.contentHashOf(t.id);
        if (content === undefined) continue;
        for (const alias of t.aliases) {
          if (db.contentHashOf(alias) === undefined) {
            db.putContentHash(alias, content.sha256, content.size);
          }
        }
      }
    });
  }
  if (changed.length === 0) return;
  const sql = db.database();
  await moveItems(db, input.options.root, moves, () => {
    const park = sql.prepare(
      "UPDATE SyncFiles SET DuplicateNo = ? WHERE RemoteId = ?",
    );
    // Out of the way first: two items may trade places.
    for (const t of changed) park.run(-1 - t.stored.id, t.stored.remoteId);
    const update = sql.prepare(
      `UPDATE SyncFiles SET Path = ?, FileName = ?, OrigFileName = ?,
         DuplicateNo = ?, CreateDate = ?, Description = ?, Location = ?,
         SourceRef = ?, MimeType = ?, IsVideo = ? WHERE RemoteId = ?`,
    );
    for (const t of changed) {
      const id = t.stored.remoteId;
      let final = id;
      if (isTakeoutKey(id) && id !== t.key && db.getItem(t.key) === undefined) {
        db.renameItem(id, t.key);
        final = t.key;
        // The old key stays an alias only while a file of the export is it.
        if (!t.aliases.includes(id) && plan.itemOfKey(id) < 0) {
          sql.prepare("DELETE FROM ContentHashes WHERE RemoteId = ?").run(id);
        }
      }
      update.run(
        t.path,
        localFileName(t.origFileName, t.duplicateNo, profile),
        t.origFileName,
        t.duplicateNo,
        formatIndexDate(t.createDate),
        t.description,
        t.location ?? "",
        t.sourceRef ?? null,
        t.mimeType,
        t.isVideo ? 1 : 0,
        final,
      );
      db.putItemExtras(final, t.newExtras);
      const content = sql.prepare(
        "SELECT Sha256, Size FROM ContentHashes WHERE RemoteId = ?",
      ).get(final);
      for (const alias of t.aliases) {
        if (content !== undefined && alias !== final) {
          db.putContentHash(
            alias,
            String(content.Sha256),
            Number(content.Size),
          );
        }
        done.set(alias, final);
      }
      if (t.item >= 0) done.set(plan.itemKey(t.item), final);
      result.changed.add(final);
      sql.prepare("UPDATE TakeoutEntries SET Item = ? WHERE Item = ?").run(
        final,
        id,
      );
    }
  }, { minTime: input.profile.minTime, logger: input.logger });
}

function sameExtras(a: ItemExtras | undefined, b: ItemExtras): boolean {
  if (a === undefined) return false;
  return JSON.stringify(a.people) === JSON.stringify(b.people) &&
    a.favorite === b.favorite && a.archived === b.archived &&
    a.trashed === b.trashed && a.photoUrl === b.photoUrl &&
    a.archiveEntry === b.archiveEntry && a.matchedBy === b.matchedBy &&
    a.dateSource === b.dateSource && a.editOf === b.editOf &&
    a.pairOf === b.pairOf;
}
