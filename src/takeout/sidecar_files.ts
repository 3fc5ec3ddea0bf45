// The files sidecar matching works with, one folder at a time: a media
// file's name read into stem, extension and `(n)`; a sidecar's name read
// every way Takeout writes it (`(n)` at the end or before the supplemental
// part, the supplemental part whole, cut short or absent); and whether a
// sidecar's title names a media file. The rules that pair them are in
// sidecar_rules.ts and sidecar_companions.ts; sidecar_match.ts runs them.

import {
  clipMediaName,
  clippedEditedStems,
  dirName,
  type EditedName,
  editedName,
  foldName,
  MEDIA_STEM_LIMIT,
  pathSegments,
  SIDECAR_KEY_LIMIT,
  splitCounter,
} from "./names.ts";
import {
  isMediaExtension,
  type MediaType,
  mediaTypeOf,
  nfc,
} from "../media/extensions.ts";
import { splitExtension } from "../media/naming.ts";

export interface MatchMedia {
  path: string;
  /**
   * The folder it is matched in (ClassifiedEntry.dir); default: the path's
   * folder. Only files and sidecars of the same folder are matched.
   */
  folder?: string;
}

/** A sidecar JSON file: its path, and its `title` when it could be read. */
export interface MatchSidecar {
  path: string;
  /** As MatchMedia.folder. */
  folder?: string;
  title?: string;
}

export type MatchRule =
  | "exact-supplemental"
  | "exact-json"
  | "duplicate"
  | "supplemental-prefix"
  | "no-extension"
  | "clipped"
  | "title"
  | "case-insensitive"
  | "edited"
  | "edited-clipped"
  | "live-pair"
  | "forgotten-duplicate"
  | "none";

/** The result for one media file. */
export interface MediaMatch {
  /** The media file's path, as given. */
  media: string;
  /**
   * The sidecar whose metadata applies, as given: the file's own, or its
   * original's for edited copies and live/motion video halves.
   */
  sidecar?: string;
  /** The rule that found the sidecar or the original ("none": nothing). */
  matchedBy: MatchRule;
  /**
   * The file's original name (NFC): the sidecar's title when there is one
   * (restoring names Takeout clipped or renamed; the extension is the
   * file's own), else the archive name. Numbered duplicates get the title
   * without their `(n)`, as the Library API names them.
   */
  originalName: string;
  /** The original this file is an edited copy of. */
  editOf?: string;
  /** The still this file is the video half of. */
  pairOf?: string;
  /**
   * The file this one is a forgotten duplicate of (the same upload, whose
   * sidecar Google wrote once): `X_P.jpg` for `X_P(1).jpg`.
   */
  duplicateOf?: string;
}

export interface SidecarMatchResult {
  /** One result per media file given, in the order given. */
  matches: MediaMatch[];
  /** Media paths left with no sidecar at all (their own or borrowed), sorted. */
  unmatchedMedia: string[];
  /** Sidecar paths no media file claimed, sorted. */
  unclaimedSidecars: string[];
}

export const SUPPLEMENTAL = "supplemental-metadata";

export interface MediaFile {
  path: string;
  folder: string;
  /** NFC name, stem, extension. */
  name: string;
  stem: string;
  ext: string;
  /** `IMG(1).jpg` -> base stem "IMG", counter 1. */
  counterBase?: string;
  counter?: number;
  type: MediaType | undefined;
  /** editedName(name), once asked (null: not an edited name). */
  edited?: EditedName | null;
  /** Named like an edited copy (`-edited`, or a clipped `-ed`), once asked. */
  looksEdited?: boolean;
  own?: { sidecar: SidecarFile; rule: MatchRule };
  editOf?: MediaFile;
  editRule?: MatchRule;
  pairOf?: MediaFile;
  dupOf?: MediaFile;
}

/** One way to read a sidecar's name: the media name it is for, and a `(n)`. */
export interface Reading {
  key: string;
  counter: number | undefined;
}

export interface SidecarFile {
  path: string;
  folder: string;
  name: string;
  title?: string;
  claimed: boolean;
  /**
   * How its name reads, worked out when a rule past the exact names needs
   * it (most sidecars are claimed by their exact name first).
   */
  parts?: SidecarNameParts;
}

interface SidecarNameParts {
  readings: Reading[];
  /** Everything before `(n).json` / `.json`, for clipped names. */
  raws: Reading[];
  /** The counter of the name, however placed. */
  counter: number | undefined;
  /** Whether the name before `(n).json` is at Takeout's 46-unit cut. */
  atLimit: boolean;
}

export function partsOf(s: SidecarFile): SidecarNameParts {
  if (s.parts === undefined) {
    const jsonName = s.name.toLowerCase().endsWith(".json")
      ? s.name
      : `${s.name}.json`;
    const { readings, raws, counter } = readSidecarName(jsonName);
    s.parts = {
      readings,
      raws,
      counter,
      atLimit: isAtClipLimit(raws[0]?.key ?? ""),
    };
  }
  return s.parts;
}

export function editedOf(m: MediaFile): EditedName | undefined {
  if (m.edited === undefined) m.edited = editedName(m.name) ?? null;
  return m.edited ?? undefined;
}

export function looksEdited(m: MediaFile): boolean {
  m.looksEdited ??= editedOf(m) !== undefined ||
    clippedEditedStems(m.stem).length > 0;
  return m.looksEdited;
}

/**
 * Whether `path` is already in the form pathSegments() gives: no "\", no
 * empty or "." segment. Most paths are, and then need no splitting.
 */
function isPlainPath(path: string): boolean {
  return path !== "" && !path.includes("\\") && !path.includes("//") &&
    !path.startsWith("/") && !path.endsWith("/") && path !== "." &&
    !path.startsWith("./") && !path.endsWith("/.") && !path.includes("/./");
}

/** nfc(pathSegments(path).join("/")), without splitting plain paths. */
export function pathKey(path: string): string {
  return nfc(isPlainPath(path) ? path : pathSegments(path).join("/"));
}

/** nfc(pathSegments(path).at(-1) ?? ""), without splitting plain paths. */
export function lastSegment(path: string): string {
  return nfc(
    isPlainPath(path)
      ? path.slice(path.lastIndexOf("/") + 1)
      : pathSegments(path).at(-1) ?? "",
  );
}
/** Plain code unit order: the same on every machine and locale. */
export function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function counterKey(key: string, counter: number | undefined): string {
  return `${key}\u0000${counter ?? ""}`;
}

function withCounter(name: string, counter: number): string {
  const { stem, ext } = splitExtension(name);
  return `${stem}(${counter})${ext}`;
}

/**
 * The readings of a sidecar name: `(n)` at the end or before the
 * supplemental part, the supplemental part whole, clipped to any prefix or
 * absent, and the plain reading where nothing is stripped.
 */
function readSidecarName(name: string): {
  readings: Reading[];
  raws: Reading[];
  counter: number | undefined;
} {
  const body = name.slice(0, -".json".length);
  const readings: Reading[] = [];
  const raws: Reading[] = [];
  const add = (list: Reading[], key: string, counter: number | undefined) => {
    if (key === "") return;
    if (!list.some((r) => r.key === key && r.counter === counter)) {
      list.push({ key, counter });
    }
  };
  const end = splitCounter(body);
  const bases: Reading[] = [{ key: body, counter: undefined }];
  if (end.counter !== undefined) {
    bases.unshift({ key: end.base, counter: end.counter });
  }
  let counter = end.counter;
  for (const base of bases) {
    add(raws, base.key, base.counter);
    add(readings, base.key, base.counter);
    const stripped = stripSupplemental(base.key);
    if (stripped === undefined) continue;
    add(readings, stripped, base.counter);
    if (base.counter === undefined) {
      // IMG.HEIC(1).supplemental-metadata.json: the (n) before the suffix.
      const mid = splitCounter(stripped);
      if (mid.counter !== undefined) {
        add(readings, mid.base, mid.counter);
        counter ??= mid.counter;
      }
    }
  }
  return { readings, raws, counter };
}

/**
 * `text` without a trailing "." + prefix of "supplemental-metadata" (the
 * whole suffix, "supple", down to the lone "."), or undefined.
 */
function stripSupplemental(text: string): string | undefined {
  const key = text.toLowerCase();
  for (let n = SUPPLEMENTAL.length; n >= 0; n--) {
    const suffix = `.${SUPPLEMENTAL.slice(0, n)}`;
    if (key.endsWith(suffix) && key.length > suffix.length) {
      return text.slice(0, text.length - suffix.length);
    }
  }
  return undefined;
}

/** Folder keys by the folder given (most files of a call share one). */
export type FolderKeys = Map<string | undefined, string>;

export function folderKey(
  path: string,
  folder: string | undefined,
  keys?: FolderKeys,
): string {
  if (folder === undefined) return pathKey(dirName(path));
  let key = keys?.get(folder);
  if (key === undefined) {
    key = pathKey(folder);
    keys?.set(folder, key);
  }
  return key;
}

export function newMedia(
  path: string,
  folder?: string,
  keys?: FolderKeys,
): MediaFile {
  const name = lastSegment(path);
  const { stem, ext } = splitExtension(name);
  const media: MediaFile = {
    path,
    folder: folderKey(path, folder, keys),
    name,
    stem,
    ext,
    type: mediaTypeOf(name),
  };
  const { base, counter } = splitCounter(stem);
  if (counter !== undefined) {
    media.counterBase = base;
    media.counter = counter;
  }
  return media;
}

export function newSidecar(
  input: MatchSidecar,
  keys?: FolderKeys,
): SidecarFile {
  const sidecar: SidecarFile = {
    path: input.path,
    folder: folderKey(input.path, input.folder, keys),
    name: lastSegment(input.path),
    claimed: false,
  };
  if (typeof input.title === "string" && input.title !== "") {
    sidecar.title = nfc(input.title);
  }
  return sidecar;
}

/**
 * Whether `text` has the length Takeout cuts sidecar names to: 46 units, or
 * one either side where the cut met a surrogate pair.
 */
function isAtClipLimit(text: string): boolean {
  if (text.length === SIDECAR_KEY_LIMIT) return true;
  if (Math.abs(text.length - SIDECAR_KEY_LIMIT) !== 1) return false;
  return /[\uD800-\uDFFF]/.test(text.slice(SIDECAR_KEY_LIMIT - 2));
}

/** Media names that count as "the same name" for a title check. */
function titleForms(title: string, media: MediaFile): Set<string> {
  const forms = new Set([foldName(clipMediaName(title))]);
  if (!isMediaExtension(splitExtension(title).ext)) {
    forms.add(foldName(clipMediaName(title + media.ext)));
  }
  return forms;
}

/** 2: the sidecar's title names this file; 1: no title; 0: another name. */
export function titleScore(sidecar: SidecarFile, media: MediaFile): number {
  return scoreOfTitle(sidecar.title, media);
}

export function scoreOfTitle(
  title: string | undefined,
  media: MediaFile,
): number {
  if (title === undefined) return 1;
  // The usual case, decided without working out the title's forms.
  if (title === media.name && media.stem.length <= MEDIA_STEM_LIMIT) {
    return 2;
  }
  const forms = titleForms(title, media);
  if (forms.has(foldName(media.name))) return 2;
  if (media.counterBase !== undefined) {
    if (forms.has(foldName(media.counterBase + media.ext))) return 2;
  }
  return 0;
}

export function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else if (!list.includes(value)) list.push(value);
}

/** The names a sidecar's title says its media file has. */
export function titleKeys(title: string, parts: SidecarNameParts): string[] {
  const keys: string[] = [];
  const named = clipMediaName(title);
  const counter = parts.counter ?? numberInName(parts.readings);
  // Below the 46-unit cut, a sidecar numbered (n) is the media file
  // numbered so: IMG(1).jpg's is titled IMG.jpg, and must not go to IMG.jpg
  // when IMG.jpg's own is not there (IMG(1).jpg would then be taken for
  // present and never imported). At the cut, (n) may only tell apart names
  // clipped alike; a title that holds the number names the file as it is.
  const own = counter === undefined || parts.atLimit ||
    title.includes(`(${counter})`);
  if (own) keys.push(foldName(named));
  if (counter !== undefined) keys.push(foldName(withCounter(named, counter)));
  if (!isMediaExtension(splitExtension(title).ext)) {
    // Uploaded without an extension: Takeout added one to the media file.
    const stem = clipMediaName(`${title}.x`).slice(0, -2);
    if (own) keys.push(`stem:${foldName(stem)}`);
    if (counter !== undefined) {
      keys.push(`stem:${foldName(`${stem}(${counter})`)}`);
    }
  } else {
    // A copy made under another format keeps the whole name before its
    // own extension (`IMG_1.HEIC.jpg`, as converters name them).
    if (own) keys.push(`stem:${foldName(named)}`);
    if (counter !== undefined) {
      keys.push(`stem:${foldName(withCounter(named, counter))}`);
    }
  }
  return keys;
}

/** The (n) of a media name a sidecar's name holds: IMG(1).jpg.json. */
function numberInName(readings: readonly Reading[]): number | undefined {
  for (const r of readings) {
    const { stem, ext } = splitExtension(r.key);
    if (!isMediaExtension(ext)) continue;
    const { counter } = splitCounter(stem);
    if (counter !== undefined) return counter;
  }
  return undefined;
}
