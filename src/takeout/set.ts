// One export's parts as one tree, across runs. Parts of a scheduled export
// arrive one by one, and a photo's sidecar may be in a part that comes
// later; a run given some parts of a set plans them together with the
// parts of the same set an earlier run imported, replayed from the index's
// record of their listing (TakeoutEntries). So importing the parts of an
// export in any grouping and order ends as importing them all at once:
// the plan of the last run is the plan of the whole export.
//
// New parts are listed once each: their entries go to the plan and to the
// record at the same time. Nothing of an earlier part is read again.

import { basename } from "node:path";
import { createHash } from "node:crypto";
import type { LocalData } from "../db/local_data.ts";
import {
  type CatalogEntry,
  type PartRecord,
  TakeoutParts,
} from "../db/takeout_parts.ts";
import type { ListedEntry } from "../archive/archive.ts";
import { ArchiveError } from "../archive/archive_errors.ts";
import type { ArchiveSet } from "../archive/archive_set.ts";
import { isJsonName } from "./names.ts";
import { parsePartName } from "../archive/part_names.ts";
import { PlanBuilder, type PlanOptions, type TakeoutPlan } from "./plan.ts";
import type { DoneMap } from "./converge.ts";

/** The set all given parts belong to, when they are parts of one. */
export function setOfParts(paths: readonly string[]): string | undefined {
  let set: string | undefined;
  for (const path of paths) {
    const parsed = parsePartName(basename(path));
    if (parsed === undefined) return undefined;
    if (set !== undefined && set !== parsed.set) return undefined;
    set = parsed.set;
  }
  return set;
}

/** Where the set's name is in an entry's SourceRef (`PART:ENTRY`). */
const SET_IN_REF =
  /(?:^|[/\\])(takeout-[^/\\]*?)-\d{3}(?:\.zip|\.tgz|\.tar\.gz|\.tar)?:/i;

/** The export an item came from, by its SourceRef, when it was a set's. */
export function setOfSourceRef(ref: string | undefined): string | undefined {
  if (ref === undefined) return undefined;
  return SET_IN_REF.exec(ref)?.[1];
}

/**
 * Whether an import of `parts` (of export `setName`) decides an item
 * stored from `sourceRef`: when it came from these parts, or from a later
 * export than this one. Exports are imported oldest first; one that comes
 * late takes its items back, so that the backup is what importing them in
 * order makes, whatever order their parts arrived in.
 */
export function decidesItem(
  sourceRef: string | undefined,
  parts: readonly string[],
  setName: string | undefined,
): boolean {
  if (sourceRef === undefined) return false;
  if (parts.some((p) => sourceRef.startsWith(`${p}:`))) return true;
  if (setName === undefined) return false;
  const from = setOfSourceRef(sourceRef);
  return from !== undefined && from > setName;
}

/** What listing a new part found: for the record. */
export interface ListedPart {
  path: string;
  /** File entries. */
  entries: number;
  /** SHA-256 of the listing (kinds, names, sizes, times). */
  checksum: string;
  problems: ArchiveError[];
}

export interface SetPlan {
  plan: TakeoutPlan;
  /** Problems of the new parts (at open and while listing). */
  problems: ArchiveError[];
  /** Each new part, as listed. */
  listed: ListedPart[];
  /** The earlier parts replayed (their paths as recorded). */
  earlier: PartRecord[];
}

export interface SetPlanInput {
  /** The new parts, opened. */
  set: ArchiveSet;
  /**
   * The parts of the same set an earlier run imported (their listing is
   * in the index), or none.
   */
  earlier: readonly PartRecord[];
  options: PlanOptions;
  /** The index, to read earlier parts from and record new ones in. */
  db?: LocalData;
  /** Record the new parts' listing in the index (not for --dry-run). */
  record: boolean;
  collectMaxBytes?: number;
  signal?: AbortSignal;
}

/**
 * The plan of the new parts with the earlier ones. Parts are ranked by
 * their number (a set's own order, whatever order they came in).
 */
export async function planSet(input: SetPlanInput): Promise<SetPlan> {
  const { set, earlier, db } = input;
  const newPaths = set.parts.map((p) => p.part);
  const paths = [...earlier.map((r) => r.path), ...newPaths];
  const number = (path: string) =>
    parsePartName(basename(path))?.number ?? Number.MAX_SAFE_INTEGER;
  const ordered = earlier.length === 0
    ? paths
    : [...paths].sort((a, b) => number(a) - number(b));
  const builder = new PlanBuilder(
    ordered,
    {
      ...input.options,
      silentParts: new Set(earlier.map((r) => r.path)),
    },
    false,
    set,
  );
  const catalog = db === undefined ? undefined : new TakeoutParts(db);
  for (const part of earlier) {
    for (const e of catalog!.entries(part.name)) {
      builder.add(replayed(part.path, e));
    }
  }
  const problems: ArchiveError[] = [...set.problems];
  const listed: ListedPart[] = [];
  for (const reader of set.parts) {
    const name = basename(reader.part);
    const hash = createHash("sha256");
    let entries = 0;
    const record = input.record && catalog !== undefined;
    let writer: ReturnType<TakeoutParts["listingWriter"]> | undefined;
    if (record) {
      db!.beginBatch();
      catalog!.clearEntries(name);
      writer = catalog!.listingWriter(name);
    }
    let listing;
    try {
      listing = await reader.list({
        collect: (e) => isJsonName(e.name),
        collectMaxBytes: input.collectMaxBytes ?? 4 * 1024 * 1024,
        signal: input.signal,
        visit: (e) => {
          builder.add(e);
          hash.update(
            `${e.kind}\t${e.name}\t${e.size}\t${e.mtime?.getTime() ?? ""}\n`,
          );
          if (e.kind !== "file") return;
          entries++;
          writer?.add(catalogEntry(e));
        },
      });
      writer?.finish();
    } finally {
      if (record) db!.endBatch();
    }
    problems.push(...listing.problems);
    listed.push({
      path: reader.part,
      entries,
      checksum: hash.digest("hex"),
      problems: [
        ...set.problems.filter((p) => p.part === reader.part),
        ...listing.problems,
      ],
    });
  }
  return { plan: builder.finish(), problems, listed, earlier: [...earlier] };
}

function catalogEntry(e: ListedEntry): CatalogEntry {
  const out: CatalogEntry = { index: e.index, name: e.name, size: e.size };
  if (e.mtime !== undefined) out.mtime = e.mtime;
  if (e.content !== undefined) out.content = e.content;
  if (e.contentError !== undefined) out.contentError = e.contentError.message;
  return out;
}

function replayed(part: string, e: CatalogEntry): ListedEntry {
  const entry: {
    -readonly [K in keyof ListedEntry]: ListedEntry[K];
  } = {
    part,
    index: e.index,
    name: e.name,
    size: e.size,
    mtime: e.mtime,
    kind: "file",
  };
  if (e.content !== undefined) entry.content = e.content;
  if (e.contentError !== undefined) {
    entry.contentError = new ArchiveError(e.contentError, part, e.name);
  }
  return entry;
}

/**
 * The items the media entries of earlier parts became, as this plan keys
 * them: the import knows them as done (stored) before it reads anything.
 * Returns the keys those entries had then and no longer have (the facts
 * of a part that came later changed them). `elsewhere` hears of the items
 * to look at again: those another export took since (its parts came in
 * between), and those whose files the parts that came since gave other
 * facts.
 */
export function earlierItems(
  plan: TakeoutPlan,
  earlier: readonly PartRecord[],
  db: LocalData,
  done: DoneMap,
  elsewhere: (item: number) => void,
): Set<string> {
  const catalog = new TakeoutParts(db);
  const stale = new Set<string>();
  for (const part of earlier) {
    for (const e of catalog.items(part.name)) {
      const row = plan.rowOf(part.path, e.index);
      if (row < 0) continue;
      const key = plan.key(row);
      if (e.key !== key) {
        // A part that came since gave this file's item its facts: what
        // the item is made from may change.
        stale.add(e.key);
        elsewhere(plan.itemOf(row));
      }
      if (e.item === undefined || done.get(key) !== undefined) continue;
      const item = db.getItem(key) ?? db.getItem(e.item) ??
        db.itemByAlias(e.item);
      if (item === undefined) continue;
      done.set(key, item.remoteId);
      // Taken by another export since, or numbered (a run stopped before
      // it put the numbers of its folders in order).
      if (
        setOfSourceRef(item.sourceRef) !== part.set || item.duplicateNo > 0
      ) {
        elsewhere(plan.itemOf(row));
      }
    }
  }
  return stale;
}

/**
 * Forgets the aliases (ContentHashes rows of keys that are no item) of
 * keys the export no longer has: what an earlier run knew a copy by
 * before a later part gave it its sidecar.
 */
export function forgetStaleKeys(
  plan: TakeoutPlan,
  stale: ReadonlySet<string>,
  db: LocalData,
): void {
  if (stale.size === 0) return;
  const remove = db.database().prepare(
    "DELETE FROM ContentHashes WHERE RemoteId = ?",
  );
  db.transaction(() => {
    for (const key of stale) {
      if (plan.itemOfKey(key) < 0 && db.getItem(key) === undefined) {
        remove.run(key);
      }
    }
  });
}
