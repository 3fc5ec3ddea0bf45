// Matches every media file of a Takeout to its sidecar JSON, folder by
// folder, with the naming rules of shared/spec/takeout.md. Importers that
// matched only `NAME.EXT.json` silently dropped whatever else Takeout wrote
// (the most reported failure in GPTH's and immich-go's trackers), so the
// rules here go from exact to loose, in immich-go's order, each sidecar
// claimed once:
//
//   exact-supplemental  IMG.jpg  <- IMG.jpg.supplemental-metadata.json
//   exact-json          IMG.jpg  <- IMG.jpg.json
//   duplicate           IMG(1).jpg <- IMG.jpg(1).json, IMG.jpg.supplemental-metadata(1).json,
//                                     IMG.jpg(1).supplemental-metadata.json
//   supplemental-prefix IMG.jpg  <- IMG.jpg.supple.json, IMG.jpg..json
//   clipped             the name before ".json" cut to 46 UTF-16 units, the media stem to 47
//   no-extension        Peanut Butter Balls.jpg <- Peanut Butter Balls.supplemental-metadata.json
//   title               the sidecar's `title`, clipped as Takeout clips names, is the media's name
//   case-insensitive    the forms above, ignoring case
//
// Files without a sidecar of their own then take their original's:
//
//   edited / edited-clipped  IMG-edited.jpg, IMG-bearbeitet(1).jpg, a stem clipped to "IMG-ed"
//   live-pair                PXL_x.MP / PXL_x.mp4 beside PXL_x.MP.jpg, MVIMG_x.MP4, IMG_x.MOV;
//                            also alone, with the still's sidecar (the still in no part given)
//   forgotten-duplicate      X_P(1).jpg beside the sidecar X_.json of X_P.jpg, both names at
//                            Takeout's cut, where Google wrote no X_(1).json (immich-go #68)
//
// Nothing is dropped: every media file gets a result, those left without
// metadata are listed, and so are the sidecars no file claimed. The result
// depends only on the names and titles given, never on their order.
//
// One folder is matched in three steps: a pre-pass settles each file whose
// sidecar has its exact name (NAME.supplemental-metadata.json or
// NAME.json) and that no other rule could touch, without making objects for
// it (folders hold thousands of files, and the rules' machinery costs a few
// KB per file); the naming rules (sidecar_rules.ts) then run on the files
// it left, and the companions (sidecar_companions.ts) after them. The
// pre-pass decides nothing the rules would decide otherwise: it is the
// exact rule, run first (tests/takeout/sidecar_match_folder_test.ts holds
// the two equal).

import {
  clippedEditedStems,
  editedName,
  foldName,
  MEDIA_STEM_LIMIT,
  splitCounter,
} from "./names.ts";
import { isMediaExtension, mediaTypeOf, nfc } from "../media/extensions.ts";
import { splitExtension } from "../media/naming.ts";
import { findSorted } from "../archive/columns.ts";
import {
  byText,
  editedOf,
  folderKey,
  type FolderKeys,
  lastSegment,
  type MatchMedia,
  type MatchSidecar,
  type MediaFile,
  type MediaMatch,
  newMedia,
  newSidecar,
  pathKey,
  scoreOfTitle,
  type SidecarFile,
  type SidecarMatchResult,
  SUPPLEMENTAL,
} from "./sidecar_files.ts";
import { rulesFor, runRule, SidecarIndex } from "./sidecar_rules.ts";
import {
  claimForLonePairs,
  claimForOrphanEdits,
  findEdits,
  findForgottenDuplicates,
  findPairs,
  isVideoHalf,
  motionCore,
  resolvedSidecar,
  videoCore,
} from "./sidecar_companions.ts";

export type {
  MatchMedia,
  MatchRule,
  MatchSidecar,
  MediaMatch,
  SidecarMatchResult,
} from "./sidecar_files.ts";

export interface MatchOptions {
  /**
   * Settle the files their exact sidecar names serve before the rules run
   * (the default). Without it every rule runs on every file, which must
   * come to the same result.
   */
  exactPrePass?: boolean;
}

/**
 * Match media files to sidecars. Names are compared per folder, NFC and
 * NFD alike; files and sidecars of the same path given twice (one entry in
 * two parts) share one result.
 */
export function matchSidecars(
  media: readonly MatchMedia[],
  sidecars: readonly MatchSidecar[],
  options: MatchOptions = {},
): SidecarMatchResult {
  const keys: FolderKeys = new Map();
  const prePass = options.exactPrePass !== false;
  // The importer's call: one folder, given with its name. When every name
  // in it is given once, no path is given twice, and the folder is matched
  // as given, with no table of paths.
  const folder = media[0]?.folder;
  if (folder !== undefined && inFolder(folder, media, sidecars)) {
    const listing = listFolder(media, sidecars);
    if (listing.byName !== undefined) {
      return matchFolder(folder, listing, keys, prePass);
    }
  }
  return matchByFolder(media, sidecars, keys, prePass);
}

function inFolder(
  folder: string,
  media: readonly MatchMedia[],
  sidecars: readonly MatchSidecar[],
): boolean {
  return media.every((m) => m.folder === folder) &&
    sidecars.every((s) => s.folder === folder);
}

/**
 * Every path once (the first entry of a path stands for its copies, its
 * sidecar's title the first given), grouped by folder; each folder matched
 * apart.
 */
function matchByFolder(
  media: readonly MatchMedia[],
  sidecars: readonly MatchSidecar[],
  keys: FolderKeys,
  prePass: boolean,
): SidecarMatchResult {
  type Given = { media: MatchMedia[]; sidecars: MatchSidecar[] };
  const folders = new Map<string, Given>();
  const folderOf = (input: MatchMedia | MatchSidecar) => {
    const key = folderKey(input.path, input.folder, keys);
    let given = folders.get(key);
    if (given === undefined) {
      folders.set(key, given = { media: [], sidecars: [] });
    }
    return { key, given };
  };
  const mediaAt = new Map<string, { folder: string; at: number }>();
  const places = media.map((input) => {
    const path = pathKey(input.path);
    let place = mediaAt.get(path);
    if (place === undefined) {
      const { key, given } = folderOf(input);
      place = { folder: key, at: given.media.push(input) - 1 };
      mediaAt.set(path, place);
    }
    return place;
  });
  const sidecarOf = new Map<string, MatchSidecar>();
  for (const input of sidecars) {
    const path = pathKey(input.path);
    const first = sidecarOf.get(path);
    if (first === undefined) {
      const sidecar: MatchSidecar = { path: input.path, title: input.title };
      sidecarOf.set(path, sidecar);
      folderOf(input).given.sidecars.push(sidecar);
    } else if (!hasTitle(first.title) && input.title) {
      first.title = input.title;
    }
  }
  const results = new Map<string, SidecarMatchResult>();
  const unmatchedMedia: string[] = [];
  const unclaimedSidecars: string[] = [];
  for (const [key, given] of folders) {
    const listing = listFolder(given.media, given.sidecars);
    const result = matchFolder(key, listing, keys, prePass);
    results.set(key, result);
    unmatchedMedia.push(...result.unmatchedMedia);
    unclaimedSidecars.push(...result.unclaimedSidecars);
  }
  return {
    matches: places.map((p) => results.get(p.folder)!.matches[p.at]),
    unmatchedMedia: unmatchedMedia.sort(byText),
    unclaimedSidecars: unclaimedSidecars.sort(byText),
  };
}

function hasTitle(title: string | undefined): title is string {
  return typeof title === "string" && title !== "";
}

/** One folder's files and sidecars, every path once, and their names. */
interface FolderListing {
  media: readonly MatchMedia[];
  sidecars: readonly MatchSidecar[];
  /** The last segment of each path, NFC. */
  names: string[];
  sidecarNames: string[];
  /**
   * Sidecar positions in name order, searched rather than put in a Map (a
   * folder's Maps are large objects, which V8 sets aside until a full
   * collection); undefined when a name is given twice.
   */
  byName: Int32Array | undefined;
}

function listFolder(
  media: readonly MatchMedia[],
  sidecars: readonly MatchSidecar[],
): FolderListing {
  const sidecarNames = sidecars.map((s) => lastSegment(s.path));
  let byName = sortedBy(sidecarNames);
  const names = media.map((m) => lastSegment(m.path));
  if (byName !== undefined && !isEachOnce(names)) byName = undefined;
  return { media, sidecars, names, sidecarNames, byName };
}

/**
 * The files the exact names settle: the sidecar each file takes by its
 * exact name (-1: none), and whether by its supplemental name. Undefined
 * when a name is given twice or a sidecar is wanted by two files: the rules
 * then decide every file.
 */
interface ExactNames {
  own: Int32Array;
  supplemental: Uint8Array;
}

function exactNames(
  folder: string,
  listing: FolderListing,
  keys: FolderKeys,
): ExactNames | undefined {
  const { media, sidecars, names, sidecarNames, byName } = listing;
  if (byName === undefined) return undefined;
  const find = (name: string) => {
    const at = findSorted(byName.length, (i) => sidecarNames[byName[i]], name);
    return at < 0 ? undefined : byName[at];
  };
  const titleOf = (i: number) => titleOfSidecar(sidecars[i]);
  const own = new Int32Array(media.length).fill(-1);
  const supplementalOwn = new Uint8Array(media.length);
  /** How many files could claim each sidecar. */
  const wanted = new Uint8Array(sidecars.length);
  for (let k = 0; k < media.length; k++) {
    const name = names[k];
    const supplemental = find(`${name}.${SUPPLEMENTAL}.json`);
    const json = find(`${name}.json`);
    if (supplemental !== undefined) wanted[supplemental]++;
    if (json !== undefined) wanted[json]++;
    // The supplemental name first, unless only the other's title names
    // this file.
    let useSupplemental = supplemental !== undefined;
    if (supplemental !== undefined && json !== undefined) {
      const m = newMedia(media[k].path, folder, keys);
      useSupplemental = scoreOfTitle(titleOf(supplemental), m) >=
        scoreOfTitle(titleOf(json), m);
    }
    if (useSupplemental) {
      own[k] = supplemental!;
      supplementalOwn[k] = 1;
    } else if (json !== undefined) own[k] = json;
  }
  for (const n of wanted) if (n > 1) return undefined;
  return { own, supplemental: supplementalOwn };
}

function titleOfSidecar(s: MatchSidecar): string | undefined {
  return hasTitle(s.title) ? nfc(s.title) : undefined;
}

/**
 * The files the rules must see: those the exact names left, the edited
 * copies, and what those can take as their original or still (by stem and
 * by motion name) or as the first file of a numbered one. The rules look
 * at nothing else; undefined when there are none.
 */
function filesForRules(
  names: readonly string[],
  own: Int32Array,
): Uint8Array | undefined {
  const involved = new Uint8Array(names.length);
  const edited = new Uint8Array(names.length);
  const stems = new Set<string>();
  const cores = new Set<string>();
  let any = false;
  for (let k = 0; k < names.length; k++) {
    const edit = names[k].includes("-") ? editedName(names[k]) : undefined;
    if (edit !== undefined) {
      edited[k] = 1;
      stems.add(foldName(edit.originalStem));
      if (edit.counter !== undefined) {
        stems.add(foldName(`${edit.originalStem}(${edit.counter})`));
      }
    }
    if (own[k] >= 0 && edit === undefined) continue;
    involved[k] = 1;
    any = true;
    if (own[k] >= 0) continue;
    const { stem, ext } = splitExtension(names[k]);
    if (edit === undefined && stem.length >= MEDIA_STEM_LIMIT) {
      for (const s of clippedEditedStems(stem)) stems.add(foldName(s));
    }
    if (isVideoHalf({ type: mediaTypeOf(names[k]), ext })) {
      cores.add(videoCore(stem, ext));
    }
    // A numbered file may be a forgotten duplicate of the unnumbered one.
    const numbered = splitCounter(stem);
    if (numbered.counter !== undefined) stems.add(foldName(numbered.base));
  }
  if (!any) return undefined;
  if (stems.size === 0 && cores.size === 0) return involved;
  for (let k = 0; k < names.length; k++) {
    if (involved[k]) continue;
    const { stem } = splitExtension(names[k]);
    if (
      stems.has(foldName(stem)) ||
      (cores.size > 0 && !edited[k] && mediaTypeOf(names[k]) === "photo" &&
        cores.has(motionCore(stem)))
    ) {
      involved[k] = 1;
    }
  }
  return involved;
}

/** One folder through the exact pre-pass, then the rules. */
function matchFolder(
  folder: string,
  listing: FolderListing,
  keys: FolderKeys,
  prePass: boolean,
): SidecarMatchResult {
  const { media, sidecars } = listing;
  const exact = prePass ? exactNames(folder, listing, keys) : undefined;
  const own = exact?.own ?? new Int32Array(media.length).fill(-1);
  const involved = filesForRules(listing.names, own);
  if (involved === undefined) {
    // Every file has its exact sidecar and none is an edited copy.
    return plainResult(listing, exact!);
  }
  // Those files and every sidecar they own or may claim, as objects.
  const files: MediaFile[] = [];
  const fileOf = new Map<number, MediaFile>();
  const ownedBy = new Int32Array(sidecars.length).fill(-1);
  for (let k = 0; k < media.length; k++) if (own[k] >= 0) ownedBy[own[k]] = k;
  const jsons: SidecarFile[] = [];
  const sidecarOf = new Map<number, SidecarFile>();
  for (let i = 0; i < sidecars.length; i++) {
    const owner = ownedBy[i];
    if (owner >= 0 && !involved[owner]) continue;
    const sidecar = newSidecar(sidecars[i], keys);
    sidecarOf.set(i, sidecar);
    if (owner < 0) jsons.push(sidecar);
  }
  for (let k = 0; k < media.length; k++) {
    if (!involved[k]) continue;
    const m = newMedia(media[k].path, folder, keys);
    if (own[k] >= 0) {
      const sidecar = sidecarOf.get(own[k])!;
      sidecar.claimed = true;
      m.own = {
        sidecar,
        rule: exact!.supplemental[k] ? "exact-supplemental" : "exact-json",
      };
    }
    files.push(m);
    fileOf.set(k, m);
  }
  files.sort((a, b) => byText(a.name, b.name) || byText(a.path, b.path));
  jsons.sort((a, b) => byText(a.name, b.name) || byText(a.path, b.path));
  runRules(files, jsons);

  const result = plainResult(listing, exact, fileOf);
  result.unmatchedMedia = files.filter((m) => resolvedSidecar(m) === undefined)
    .map((m) => m.path).sort(byText);
  result.unclaimedSidecars = sidecars.filter((_, i) => {
    const sidecar = sidecarOf.get(i);
    return sidecar === undefined ? false : !sidecar.claimed;
  }).map((s) => s.path).sort(byText);
  return result;
}

/** The naming rules, then the companions, over one folder's objects. */
function runRules(media: MediaFile[], sidecars: SidecarFile[]): void {
  const index = new SidecarIndex(sidecars);
  const rules = rulesFor(index);
  for (const rule of rules) runRule(media, rule.lookup);
  findEdits(media);
  claimForOrphanEdits(media, rules);
  findPairs(media);
  claimForLonePairs(media, sidecars);
  findForgottenDuplicates(media, sidecars);
}

/** Indexes of `names` in name order; undefined when a name is repeated. */
function sortedBy(names: readonly string[]): Int32Array | undefined {
  const order = new Int32Array(names.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => byText(names[a], names[b]));
  for (let i = 1; i < order.length; i++) {
    if (names[order[i]] === names[order[i - 1]]) return undefined;
  }
  return order;
}

function isEachOnce(names: readonly string[]): boolean {
  return sortedBy(names) !== undefined;
}

/**
 * Results of a folder where files take their exact sidecar, except those in
 * `objects`, whose results the rules worked out.
 */
function plainResult(
  listing: FolderListing,
  exact: ExactNames | undefined,
  objects?: Map<number, MediaFile>,
): SidecarMatchResult {
  const { media, sidecars, names } = listing;
  const claimed = new Uint8Array(sidecars.length);
  const matches = media.map((input, k): MediaMatch => {
    const object = objects?.get(k);
    if (object !== undefined) return resultOf(object);
    const s = exact!.own[k];
    claimed[s] = 1;
    const title = titleOfSidecar(sidecars[s]);
    const name = names[k];
    const result: MediaMatch = {
      media: input.path,
      matchedBy: exact!.supplemental[k] ? "exact-supplemental" : "exact-json",
      originalName: title === undefined || title === name
        ? name
        : nameFromTitle(title, { name, ext: splitExtension(name).ext }) ??
          name,
    };
    result.sidecar = sidecars[s].path;
    return result;
  });
  return {
    matches,
    unmatchedMedia: [],
    unclaimedSidecars: sidecars.filter((_, i) => claimed[i] === 0)
      .map((s) => s.path).sort(byText),
  };
}

/** A usable name from a sidecar title, keeping the file's own extension. */
function nameFromTitle(
  title: string,
  m: Pick<MediaFile, "name" | "ext">,
): string | undefined {
  const text = nfc(title);
  if (
    text.trim() === "" || text === "." || text === ".." ||
    text.includes("/") || text.includes("\\") || text.includes("\0")
  ) {
    return undefined;
  }
  if (m.ext === "" || text === m.name) return text;
  const { stem, ext } = splitExtension(text);
  if (foldName(ext) === foldName(m.ext)) return text;
  // A title whose extension is another media type's (Google converted the
  // file) keeps the title's stem with the bytes' extension; a title with no
  // media extension gets the file's appended.
  if (isMediaExtension(ext)) return stem + m.ext;
  return text + m.ext;
}

function originalNameOf(m: MediaFile, depth = 0): string {
  // An edit that took its absent original's sidecar: the title is the
  // original's name, not the edit's.
  if (m.own?.rule === "edited" || m.own?.rule === "live-pair") return m.name;
  if (m.own?.rule === "forgotten-duplicate" || m.dupOf !== undefined) {
    // The same upload as the file the sidecar is named for: its title is
    // this file's name too, as the API names duplicates.
    const title = resolvedSidecar(m)?.title;
    const named = title === undefined ? undefined : nameFromTitle(title, m);
    return named ?? m.name;
  }
  if (m.own !== undefined && m.own.sidecar.title !== undefined) {
    const named = nameFromTitle(m.own.sidecar.title, m);
    if (named !== undefined) return named;
  }
  if (m.editOf !== undefined && m.editRule === "edited" && depth < 2) {
    const edited = editedOf(m);
    const original = m.editOf;
    const restored = originalNameOf(original, depth + 1);
    if (edited !== undefined && restored !== original.name) {
      const restoredStem = splitExtension(restored).stem;
      if (foldName(edited.originalStem) === foldName(original.stem)) {
        const counter = edited.counter === undefined
          ? ""
          : `(${edited.counter})`;
        return restoredStem + edited.suffix + counter + m.ext;
      }
      // IMG(1).jpg's edit is IMG-edited(1).jpg: the "(n)" is the
      // original's duplicate counter, which its restored name drops.
      if (
        original.counter !== undefined && edited.counter === original.counter &&
        foldName(edited.originalStem) === foldName(original.counterBase ?? "")
      ) {
        return restoredStem + edited.suffix + m.ext;
      }
    }
  }
  return m.name;
}

function resultOf(m: MediaFile): MediaMatch {
  const sidecar = resolvedSidecar(m);
  const result: MediaMatch = {
    media: m.path,
    matchedBy: m.own?.rule ??
      (m.editOf !== undefined
        ? m.editRule!
        : m.pairOf !== undefined
        ? "live-pair"
        : m.dupOf !== undefined
        ? "forgotten-duplicate"
        : "none"),
    originalName: originalNameOf(m),
  };
  if (sidecar !== undefined) result.sidecar = sidecar.path;
  if (m.editOf !== undefined) result.editOf = m.editOf.path;
  if (m.pairOf !== undefined) result.pairOf = m.pairOf.path;
  if (m.dupOf !== undefined) result.duplicateOf = m.dupOf.path;
  return result;
}
