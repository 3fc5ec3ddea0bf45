// The rules of the plan for one matching folder of an export: from what
// the listing holds of the folder (names, sizes, what each JSON file said)
// to the decisions: which entries are media files, which sidecar each takes
// (sidecar_match.ts), what is skipped, the item key of each file and which
// item it hangs off, and what became of the other entries. It reads its
// listing and writes nothing: plan.ts feeds it folder by folder and keeps
// the decisions packed (plan_store.ts).

import type { JsonKind } from "./metadata.ts";
import type { FactsTable } from "./item_facts.ts";
import {
  type MatchMedia,
  type MatchRule,
  type MatchSidecar,
  matchSidecars,
  type MediaMatch,
  type SidecarMatchResult,
} from "./sidecar_match.ts";
import {
  classifyFile,
  type FolderKind,
  type FolderPlace,
  type TakeoutFolder,
} from "./takeout_tree.ts";

export type SkipReason = "trashed" | "archived" | "video";

/** How a file that has no sidecar of its own relates to the one it borrows. */
export type Companion = "edit" | "pair" | "duplicate";

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
 * Rules by which a file takes the sidecar of another file that is not in
 * the export (an edit's original, a video's still, the first file of a
 * duplicated upload).
 */
export const BORROWING: ReadonlyMap<MatchRule, Companion> = new Map<
  MatchRule,
  Companion
>([
  ["edited", "edit"],
  ["live-pair", "pair"],
  ["forgotten-duplicate", "duplicate"],
]);

/** What an item key says of a file that hangs off another item. */
const KEY_TAGS: Record<Companion, string> = {
  edit: "edit",
  pair: "pair",
  duplicate: "dup",
};

/** The id part of https://photos.google.com/photo/AF1Qip... */
export function photoIdOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const m = /\/photo\/([A-Za-z0-9_-]{10,})/.exec(url);
  return m?.[1];
}

/**
 * One matching folder's entries (every part's copy of the folder, each
 * name once), in listing order, as the listing read them.
 */
export interface FolderListing {
  place: FolderPlace;
  /** The library folder it is in (none for the library's root). */
  folder: TakeoutFolder | undefined;
  names: readonly string[];
  /** The last segment of each name's entryKey(): the name matching uses. */
  bases: readonly string[];
  size(at: number): number;
  /** What a JSON file's content was, when it was read. */
  kind(at: number): JsonKind | undefined;
  /** The facts row of an item sidecar that parsed, -1 for none. */
  facts(at: number): number;
  /** Whether a JSON file could not be read or parsed at all. */
  readError(at: number): boolean;
  /** Why a JSON file that parsed is not an item's sidecar. */
  itemError(at: number): string | undefined;
  /** Whether a JSON file's bytes could not be read from its part. */
  unreadable(at: number): boolean;
  /** Whether the entry is in a part an earlier run imported. */
  silent(at: number): boolean;
}

/** What decideFolder() needs besides the folder. */
export interface DecideContext {
  options: PlanOptions;
  /** The sidecars' facts, by row (read only). */
  facts: FactsTable;
  /** Album index of each album folder. */
  albumIndex: ReadonlyMap<string, number>;
}

/** The decision for one media file. */
export interface FileDecision {
  /** Its position in the folder listing. */
  at: number;
  match: MediaMatch;
  isVideo: boolean;
  /** Facts row of the sidecar whose metadata applies, -1 for none. */
  facts: number;
  companion: Companion | undefined;
  skip: SkipReason | undefined;
  /** The sidecar that applies is listed but its bytes could not be read. */
  sidecarUnreadable: boolean;
  /** The item key (see itemKeys()). */
  key: string;
  /** For a companion: the key of the item it hangs off. */
  companionOf: string | undefined;
}

/** An entry of the folder that is no media file, and why. */
export interface EntryNote {
  at: number;
  reason: string;
}

export interface FolderDecisions {
  folderKind: FolderKind | undefined;
  /** Album index of the folder's files, -1 for none. */
  album: number;
  /** The media files, in listing order. */
  files: FileDecision[];
  /** Entries that are not part of the library. */
  others: EntryNote[];
  /** Sidecars that parsed as JSON but not as an item's metadata. */
  badSidecars: EntryNote[];
  /** Sidecars no file claimed that make their item a member of the album. */
  references: number[];
  /** Sidecars no file claimed and no album reference (silent ones aside). */
  unclaimed: number[];
  /** Album metadata files read. */
  albumMetadata: number;
  /** Sidecars claimed by a file (unreadable and silent ones aside). */
  sidecars: number;
}

/** Classifies, matches and decides the files of one matching folder. */
export function decideFolder(
  listing: FolderListing,
  context: DecideContext,
): FolderDecisions {
  const sorted = classify(listing);
  const { media, sidecars, libraryFolder } = sorted;
  const album = libraryFolder === undefined
    ? -1
    : context.albumIndex.get(libraryFolder) ?? -1;
  const decisions: FolderDecisions = {
    folderKind: sorted.folderKind,
    album,
    files: [],
    others: sorted.others,
    badSidecars: sorted.badSidecars,
    references: [],
    unclaimed: [],
    albumMetadata: sorted.albumMetadata,
    sidecars: 0,
  };
  if (media.length === 0) {
    for (const at of sidecars) leftOver(listing, decisions, at);
    return decisions;
  }
  const matched = matchFolder(listing, media, sidecars, context.facts);
  // Sidecars by name, searched (a Map per folder would be a large object).
  sidecars.sort((a, b) => (listing.names[a] < listing.names[b] ? -1 : 1));
  const sidecarAt = (path: string) => findName(listing, sidecars, path);
  for (const path of matched.unclaimedSidecars) {
    leftOver(listing, decisions, sidecarAt(path));
  }
  const counted = (at: number) =>
    isReadable(listing, at) && !listing.silent(at);
  decisions.sidecars = sidecars.filter(counted).length -
    matched.unclaimedSidecars.filter((p) => counted(sidecarAt(p))).length;
  decisions.files = media.map((at, i) =>
    fileDecision(listing, context, decisions.folderKind, {
      at,
      isVideo: sorted.videos[i],
      match: matched.matches[i],
      sidecar: matched.matches[i].sidecar === undefined
        ? -1
        : sidecarAt(matched.matches[i].sidecar!),
    })
  );
  itemKeys(listing, context.facts, decisions.files);
  return decisions;
}

/** The folder's entries sorted into media, sidecars and the rest. */
function classify(listing: FolderListing) {
  const { names, bases } = listing;
  // Positions in the listing of the media and the sidecars.
  const media: number[] = [];
  const videos: boolean[] = [];
  const sidecars: number[] = [];
  const others: EntryNote[] = [];
  const badSidecars: EntryNote[] = [];
  let albumMetadata = 0;
  let folderKind: FolderKind | undefined;
  let libraryFolder: string | undefined;
  for (let at = 0; at < names.length; at++) {
    const cls = classifyFile(
      bases[at],
      listing.place,
      listing.folder,
      listing.kind(at),
    );
    folderKind ??= cls.folderKind;
    libraryFolder ??= cls.folder;
    if (cls.class === "media") {
      media.push(at);
      videos.push(cls.mediaType === "video");
    } else if (cls.class === "sidecar") {
      sidecars.push(at);
      const reason = listing.itemError(at);
      if (reason !== undefined && !listing.silent(at)) {
        badSidecars.push({ at, reason });
      }
    } else if (listing.readError(at) || listing.silent(at)) {
      // A JSON file that could not be read is counted as such (badJson),
      // whatever it was meant to be.
      continue;
    } else if (cls.class === "album-metadata") albumMetadata++;
    else others.push({ at, reason: cls.reason ?? "" });
  }
  return {
    media,
    videos,
    sidecars,
    others,
    badSidecars,
    albumMetadata,
    folderKind,
    libraryFolder,
  };
}

function matchFolder(
  listing: FolderListing,
  media: readonly number[],
  sidecars: readonly number[],
  facts: FactsTable,
): SidecarMatchResult {
  const { names, place } = listing;
  return matchSidecars(
    media.map((at): MatchMedia => ({ path: names[at], folder: place.dir })),
    sidecars.map((at): MatchSidecar => {
      const f = listing.facts(at);
      return {
        path: names[at],
        folder: place.dir,
        title: f < 0 ? undefined : facts.title(f),
      };
    }),
  );
}

/** The position of the sidecar named `path` (sidecars in name order). */
function findName(
  listing: FolderListing,
  sidecars: readonly number[],
  path: string,
): number {
  let lo = 0;
  let hi = sidecars.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const name = listing.names[sidecars[mid]];
    if (name === path) return sidecars[mid];
    if (name < path) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** A sidecar that was read and parsed. */
function isReadable(listing: FolderListing, at: number): boolean {
  return !listing.readError(at) && listing.itemError(at) === undefined;
}

/** A sidecar no file here claimed: an album reference, or unclaimed. */
function leftOver(
  listing: FolderListing,
  decisions: FolderDecisions,
  at: number,
): void {
  if (!isReadable(listing, at)) return;
  if (
    decisions.album >= 0 && decisions.folderKind === "album" &&
    listing.facts(at) >= 0
  ) {
    decisions.references.push(at);
  } else if (!listing.silent(at)) decisions.unclaimed.push(at);
}

/** A media file's decision, its key aside. */
function fileDecision(
  listing: FolderListing,
  context: DecideContext,
  folderKind: FolderKind | undefined,
  file: { at: number; isVideo: boolean; match: MediaMatch; sidecar: number },
): FileDecision {
  const { match, sidecar, isVideo } = file;
  const { facts, options } = context;
  const meta = sidecar < 0 ? -1 : listing.facts(sidecar);
  const companion: Companion | undefined = match.editOf
    ? "edit"
    : match.pairOf
    ? "pair"
    : match.duplicateOf
    ? "duplicate"
    : undefined;
  const trashed = (meta >= 0 && facts.trashed(meta)) ||
    folderKind === "trash";
  const archived = (meta >= 0 && facts.archived(meta)) ||
    folderKind === "archive";
  let skip: SkipReason | undefined;
  if (trashed && !options.includeTrashed && !companion) skip = "trashed";
  else if (archived && options.skipArchived && !companion) skip = "archived";
  else if (isVideo && options.skipVideo) skip = "video";
  return {
    at: file.at,
    match,
    isVideo,
    facts: meta,
    companion,
    skip,
    sidecarUnreadable: sidecar >= 0 && listing.unreadable(sidecar),
    key: "",
    companionOf: undefined,
  };
}

/**
 * Item keys: the sidecar's photo id when there is one (the same in every
 * folder and every later export), else the original name, capture time
 * and size (and folder, without a capture time); companions hang off
 * their original's key, and take its skip (a trashed original's edit is
 * trashed too) and its unreadable sidecar.
 */
function itemKeys(
  listing: FolderListing,
  facts: FactsTable,
  files: FileDecision[],
): void {
  const baseKey = (d: FileDecision): string => {
    const id = d.facts < 0 ? undefined : photoIdOf(facts.url(d.facts));
    if (id && d.companion === undefined) return `takeout:${id}`;
    const ms = d.facts < 0 ? NaN : facts.takenMs(d.facts);
    const key = `takeout:${d.match.originalName.normalize("NFC")}:${
      Number.isNaN(ms) ? "none" : ms
    }:${listing.size(d.at)}`;
    // Nothing says when a file without a sidecar's date was taken: two
    // of one name and size in two folders may be two photos. Each is an
    // item of its own; the same bytes are stored once all the same.
    return Number.isNaN(ms) ? `${key}:${listing.place.inside.join("/")}` : key;
  };
  for (const d of files) {
    // A file that borrows the sidecar of a file not in the export (an
    // edit's original, a video's still, a duplicate's first copy) has its
    // metadata, not its identity: it gets the key it has beside that
    // file, so that the file, found in a later import, is not taken as
    // present.
    const borrowed = d.companion === undefined
      ? BORROWING.get(d.match.matchedBy)
      : undefined;
    d.key = d.companion !== undefined
      ? ""
      : borrowed !== undefined
      ? `${baseKey(d)}:${KEY_TAGS[borrowed]}:${listing.bases[d.at]}`
      : baseKey(d);
  }
  let byPath: Map<string, number> | undefined;
  for (const d of files) {
    if (d.companion === undefined) continue;
    byPath ??= new Map(files.map((f, k) => [listing.names[f.at], k]));
    const { match } = d;
    const at = byPath.get(
      match.editOf ?? match.pairOf ?? match.duplicateOf ?? "",
    );
    const original = at === undefined ? undefined : files[at];
    const parent = original?.key || baseKey(d);
    d.companionOf = parent;
    d.key = `${parent}:${KEY_TAGS[d.companion]}:${listing.bases[d.at]}`;
    if (original !== undefined) {
      if (original.skip !== undefined && original.skip !== "video") {
        d.skip = original.skip;
      }
      if (original.sidecarUnreadable) d.sidecarUnreadable = true;
    }
  }
}
