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

import {
  clipMediaName,
  clippedEditedStems,
  clipVariants,
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
import { findSorted } from "../archive/columns.ts";

/** A media file to match: its path inside the export. */
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

const SUPPLEMENTAL = "supplemental-metadata";

interface MediaFile {
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
interface Reading {
  key: string;
  counter: number | undefined;
}

interface SidecarFile {
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

function partsOf(s: SidecarFile): SidecarNameParts {
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

function editedOf(m: MediaFile): EditedName | undefined {
  if (m.edited === undefined) m.edited = editedName(m.name) ?? null;
  return m.edited ?? undefined;
}

function looksEdited(m: MediaFile): boolean {
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
function pathKey(path: string): string {
  return nfc(isPlainPath(path) ? path : pathSegments(path).join("/"));
}

/** nfc(pathSegments(path).at(-1) ?? ""), without splitting plain paths. */
function lastSegment(path: string): string {
  return nfc(
    isPlainPath(path)
      ? path.slice(path.lastIndexOf("/") + 1)
      : pathSegments(path).at(-1) ?? "",
  );
}

interface Candidate {
  media: MediaFile;
  sidecar: SidecarFile;
  rule: MatchRule;
  /** Lower is better: the order of the key that found it. */
  priority: number;
}

/** Plain code unit order: the same on every machine and locale. */
function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function counterKey(key: string, counter: number | undefined): string {
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
type FolderKeys = Map<string | undefined, string>;

function folderKey(
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

function newMedia(path: string, folder?: string, keys?: FolderKeys): MediaFile {
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

function newSidecar(input: MatchSidecar, keys?: FolderKeys): SidecarFile {
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
function titleScore(sidecar: SidecarFile, media: MediaFile): number {
  return scoreOfTitle(sidecar.title, media);
}

function scoreOfTitle(title: string | undefined, media: MediaFile): number {
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

/**
 * Lookup tables over one folder's sidecars, each built when its rule first
 * runs and only from the sidecars still unclaimed then: in a usual export
 * the exact names claim nearly everything, and the looser tables stay
 * small or are never built.
 */
class SidecarIndex {
  #tables = new Map<string, Map<string, SidecarFile[]>>();

  constructor(readonly sidecars: SidecarFile[]) {}

  #table(
    name: string,
    keysOf: (s: SidecarFile) => string[],
  ): Map<string, SidecarFile[]> {
    let table = this.#tables.get(name);
    if (table === undefined) {
      table = new Map();
      for (const s of this.sidecars) {
        if (s.claimed) continue;
        for (const key of keysOf(s)) push(table, key, s);
      }
      this.#tables.set(name, table);
    }
    return table;
  }

  exact(): Map<string, SidecarFile[]> {
    return this.#table("exact", (s) => [s.name]);
  }

  exactFolded(): Map<string, SidecarFile[]> {
    return this.#table("exactFolded", (s) => [foldName(s.name)]);
  }

  readings(): Map<string, SidecarFile[]> {
    return this.#table(
      "readings",
      (s) => partsOf(s).readings.map((r) => counterKey(r.key, r.counter)),
    );
  }

  readingsFolded(): Map<string, SidecarFile[]> {
    return this.#table(
      "readingsFolded",
      (s) =>
        partsOf(s).readings.map((r) => counterKey(foldName(r.key), r.counter)),
    );
  }

  clipped(): Map<string, SidecarFile[]> {
    return this.#table(
      "clipped",
      (s) =>
        partsOf(s).raws.filter((r) =>
          r.key.length >= SIDECAR_KEY_LIMIT - 1 &&
          r.key.length <= SIDECAR_KEY_LIMIT + 1
        ).map((r) => counterKey(r.key, r.counter)),
    );
  }

  titles(): Map<string, SidecarFile[]> {
    return this.#table(
      "titles",
      (s) => s.title === undefined ? [] : titleKeys(s.title, partsOf(s)),
    );
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else if (!list.includes(value)) list.push(value);
}

/** The names a sidecar's title says its media file has. */
function titleKeys(title: string, parts: SidecarNameParts): string[] {
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

/**
 * Where a rule's lookup hands the sidecars a key finds (undefined: none),
 * best key first: the order of the calls is the candidates' priority.
 */
type Found = (
  list: readonly SidecarFile[] | undefined,
  rule: MatchRule,
) => void;

/** A rule: for a media file, the keys to look up, best first. */
type Lookup = (media: MediaFile, found: Found) => void;

function lookupIn(
  map: Map<string, SidecarFile[]>,
  keys: { key: string; rule: MatchRule }[],
  found: Found,
): void {
  for (const { key, rule } of keys) found(map.get(key), rule);
}

/** The (name, counter) forms a media file's sidecar may be named after. */
function nameForms(
  media: MediaFile,
): { base: string; counter: number | undefined }[] {
  const forms: { base: string; counter: number | undefined }[] = [
    { base: media.name, counter: undefined },
  ];
  if (media.counter !== undefined) {
    forms.push({ base: media.counterBase + media.ext, counter: media.counter });
  }
  return forms;
}

/** Forms without the extension, for uploads that had none. */
function stemForms(
  media: MediaFile,
): { base: string; counter: number | undefined }[] {
  if (media.ext === "") return [];
  const forms: { base: string; counter: number | undefined }[] = [
    { base: media.stem, counter: undefined },
  ];
  if (media.counter !== undefined) {
    forms.push({ base: media.counterBase!, counter: media.counter });
  }
  return forms;
}

function rulesFor(index: SidecarIndex): { name: string; lookup: Lookup }[] {
  const exactKeys = (m: MediaFile, fold: (s: string) => string) => [
    {
      key: fold(`${m.name}.${SUPPLEMENTAL}.json`),
      rule: "exact-supplemental" as MatchRule,
    },
    { key: fold(`${m.name}.json`), rule: "exact-json" as MatchRule },
  ];
  const readingKeys = (
    fold: (s: string) => string,
    forms: { base: string; counter: number | undefined }[],
    rule: (counter: number | undefined) => MatchRule,
  ) =>
    forms.map((f) => ({
      key: counterKey(fold(f.base), f.counter),
      rule: rule(f.counter),
    }));
  const same = (s: string) => s;
  const normalizedRule = (c: number | undefined): MatchRule =>
    c === undefined ? "supplemental-prefix" : "duplicate";
  return [
    {
      name: "exact",
      // The rule that claims nearly every sidecar: no key lists are made.
      lookup: (m, found) => {
        const table = index.exact();
        found(
          table.get(`${m.name}.${SUPPLEMENTAL}.json`),
          "exact-supplemental",
        );
        found(table.get(`${m.name}.json`), "exact-json");
      },
    },
    {
      name: "normalized",
      lookup: (m, found) =>
        lookupIn(
          index.readings(),
          readingKeys(same, nameForms(m), normalizedRule).reverse(),
          found,
        ),
    },
    {
      name: "clipped",
      lookup: (m, found) => lookupIn(index.clipped(), clippedKeys(m), found),
    },
    {
      name: "no-extension",
      lookup: (m, found) =>
        lookupIn(
          index.readings(),
          readingKeys(same, stemForms(m), () => "no-extension").reverse(),
          found,
        ),
    },
    {
      name: "title",
      lookup: (m, found) => {
        const keys = [{ key: foldName(m.name), rule: "title" as MatchRule }];
        if (m.ext !== "") {
          keys.push({ key: `stem:${foldName(m.stem)}`, rule: "title" });
        }
        lookupIn(index.titles(), keys, found);
      },
    },
    {
      name: "case-insensitive",
      lookup: (m, found) => {
        const rule = (): MatchRule => "case-insensitive";
        lookupIn(
          index.exactFolded(),
          exactKeys(m, foldName).map((k) => ({ key: k.key, rule: rule() })),
          found,
        );
        lookupIn(
          index.readingsFolded(),
          [
            ...readingKeys(foldName, nameForms(m), rule).reverse(),
            ...readingKeys(foldName, stemForms(m), rule).reverse(),
          ],
          found,
        );
      },
    },
  ];
}

/**
 * The names Takeout writes, before `(n).json`, for a media file whose
 * sidecar name was cut to 46 units: the name (or the stem, for uploads
 * without an extension) followed by ".supplemental-metadata", cut.
 */
function clippedKeys(m: MediaFile): { key: string; rule: MatchRule }[] {
  const keys: { key: string; rule: MatchRule }[] = [];
  for (const form of [...nameForms(m).reverse(), ...stemForms(m).reverse()]) {
    for (const text of [`${form.base}.${SUPPLEMENTAL}`, form.base]) {
      for (const cut of clipVariants(text, SIDECAR_KEY_LIMIT)) {
        const key = counterKey(cut, form.counter);
        if (!keys.some((k) => k.key === key)) {
          keys.push({ key, rule: "clipped" });
        }
      }
    }
  }
  return keys;
}

/**
 * Run one rule over a folder: gather every (media, sidecar) pair it allows,
 * then hand sidecars out best pair first, so the outcome does not depend on
 * the order files were listed in. Pairs whose sidecar title names the
 * media file go first, then originals (an edited copy's clipped name can
 * look like its original's), then photos (a live photo's video half must
 * not take the still's sidecar), then by key order and names.
 */
function runRule(media: MediaFile[], lookup: Lookup): void {
  const candidates: (Candidate & {
    score: number;
    original: number;
    photo: number;
  })[] = [];
  let m: MediaFile;
  let priority = 0;
  const found: Found = (list, rule) => {
    const p = priority++;
    if (list === undefined) return;
    for (const sidecar of list) {
      if (sidecar.claimed) continue;
      candidates.push({
        media: m,
        sidecar,
        rule,
        priority: p,
        score: titleScore(sidecar, m),
        original: looksEdited(m) ? 0 : 1,
        photo: m.type === "photo" ? 1 : 0,
      });
    }
  };
  for (m of media) {
    if (m.own !== undefined) continue;
    priority = 0;
    lookup(m, found);
  }
  candidates.sort((a, b) =>
    b.score - a.score || b.original - a.original || b.photo - a.photo ||
    a.priority - b.priority ||
    // The name closest to the key: "IMG.jpg" before "IMG-.jpg".
    a.media.stem.length - b.media.stem.length ||
    byText(a.media.name, b.media.name) ||
    byText(a.sidecar.name, b.sidecar.name) ||
    byText(a.media.path, b.media.path) ||
    byText(a.sidecar.path, b.sidecar.path)
  );
  for (const c of candidates) {
    if (c.media.own !== undefined || c.sidecar.claimed) continue;
    // A supplemental suffix cut short at 46 units is Takeout's clipping.
    const rule = c.rule === "supplemental-prefix" && partsOf(c.sidecar).atLimit
      ? "clipped"
      : c.rule;
    c.media.own = { sidecar: c.sidecar, rule };
    c.sidecar.claimed = true;
  }
}

/** Photo extensions in the order a live pair's still is preferred. */
const STILL_PREFERENCE = [".heic", ".heif", ".jpg", ".jpeg"];

function stillRank(m: MediaFile): number {
  const at = STILL_PREFERENCE.indexOf(m.ext.toLowerCase());
  return at < 0 ? STILL_PREFERENCE.length : at;
}

/**
 * A still's stem without Pixel's ".MP" / ".MV" marker: the shot's own
 * name. The marker of an edited alternate keeps its number
 * (`X.MP~2.jpg` is the still of `X.MP~2`, not of `X.MP`).
 */
function motionCore(stem: string): string {
  return foldName(stem.replace(/\.(mp|mv)(~\d+)?$/i, "$2"));
}

/** The core a video half shares with its still (see motionCore). */
function videoCore(stem: string, ext: string): string {
  const alternate = /^\.(?:mp|mv)(~\d+)$/i.exec(ext);
  return foldName(stem) + (alternate?.[1] ?? "");
}

/** Edited copies and their originals, in one folder. */
function findEdits(media: MediaFile[]): void {
  const byStem = new Map<string, MediaFile[]>();
  for (const m of media) push(byStem, foldName(m.stem), m);
  const originalFor = (edit: MediaFile, stems: string[]) => {
    for (const stem of stems) {
      const found = (byStem.get(foldName(stem)) ?? []).filter((o) =>
        o !== edit
      );
      if (found.length === 0) continue;
      found.sort((a, b) =>
        Number(foldName(b.ext) === foldName(edit.ext)) -
          Number(foldName(a.ext) === foldName(edit.ext)) ||
        Number(b.type === edit.type) - Number(a.type === edit.type) ||
        Number(editedOf(a) !== undefined) -
          Number(editedOf(b) !== undefined) ||
        byText(a.name, b.name) || byText(a.path, b.path)
      );
      return found[0];
    }
    return undefined;
  };
  for (const m of media) {
    const edited = editedOf(m);
    if (edited !== undefined) {
      const stems = edited.counter === undefined
        ? [edited.originalStem]
        : [`${edited.originalStem}(${edited.counter})`, edited.originalStem];
      const original = originalFor(m, stems);
      if (original !== undefined) {
        m.editOf = original;
        m.editRule = "edited";
      }
    } else if (m.own === undefined && m.stem.length >= MEDIA_STEM_LIMIT) {
      const original = originalFor(m, clippedEditedStems(m.stem));
      if (original !== undefined) {
        m.editOf = original;
        m.editRule = "edited-clipped";
      }
    }
  }
}

/**
 * Edited copies whose original is not in the folder take the sidecar
 * written for the original's name, if no file claimed it.
 */
function claimForOrphanEdits(
  media: MediaFile[],
  rules: { name: string; lookup: Lookup }[],
): void {
  for (const m of media) {
    if (m.own !== undefined || m.editOf !== undefined) continue;
    const edited = editedOf(m);
    if (edited === undefined) continue;
    const stems = edited.counter === undefined
      ? [edited.originalStem]
      : [`${edited.originalStem}(${edited.counter})`, edited.originalStem];
    for (const stem of stems) {
      const stand = newMedia(`${stem}${edited.ext}`, m.folder);
      for (const rule of rules) {
        runRule([stand], rule.lookup);
        if (stand.own !== undefined) break;
      }
      if (stand.own !== undefined) {
        m.own = { sidecar: stand.own.sidecar, rule: "edited" };
        break;
      }
    }
  }
}

/** Video halves of live and motion photos, paired with their still. */
function findPairs(media: MediaFile[]): void {
  const stills = new Map<string, MediaFile[]>();
  for (const m of media) {
    if (m.type === "photo" && editedOf(m) === undefined) {
      push(stills, motionCore(m.stem), m);
    }
  }
  for (const m of media) {
    if (!isVideoHalf(m) || m.own !== undefined || m.editOf !== undefined) {
      continue;
    }
    const found = stills.get(videoCore(m.stem, m.ext)) ?? [];
    if (found.length === 0) continue;
    const sorted = [...found].sort((a, b) =>
      Number(b.own !== undefined) - Number(a.own !== undefined) ||
      stillRank(a) - stillRank(b) || byText(a.name, b.name) ||
      byText(a.path, b.path)
    );
    m.pairOf = sorted[0];
  }
}

/**
 * The (core, counter) key a still's name gives its video half: for
 * `IMG_1976.HEIC` with counter 1 (`...supplemental-metadata(1).json`),
 * or `IMG_1976(1).HEIC`, "img_1976" and 1.
 */
function stillKey(
  name: string,
  counter: number | undefined,
): string | undefined {
  const { stem, ext } = splitExtension(name);
  if (mediaTypeOf(`x${ext}`) !== "photo") return undefined;
  const split = counter === undefined ? splitCounter(stem) : undefined;
  const base = split?.counter === undefined ? stem : split.base;
  return counterKey(motionCore(base), counter ?? split?.counter);
}

/**
 * Video halves whose still is in no part given: the still's sidecar, left
 * unclaimed beside them, is theirs (`PXL_x.MP` with `PXL_x.MP.jpg.json`,
 * `IMG_1(1).MP4` with `IMG_1.HEIC.supplemental-metadata(1).json`). A video
 * in another folder never takes it: folders are matched apart.
 */
function claimForLonePairs(media: MediaFile[], sidecars: SidecarFile[]): void {
  const lone = media.filter((m) =>
    isVideoHalf(m) && resolvedSidecar(m) === undefined &&
    m.editOf === undefined
  );
  if (lone.length === 0) return;
  const byStill = new Map<string, SidecarFile[]>();
  for (const s of sidecars) {
    if (s.claimed) continue;
    const keys = new Set<string>();
    for (const r of partsOf(s).readings) {
      const key = stillKey(r.key, r.counter);
      if (key !== undefined) keys.add(key);
    }
    if (s.title !== undefined) {
      const key = stillKey(s.title, partsOf(s).counter);
      if (key !== undefined) keys.add(key);
    }
    for (const key of keys) push(byStill, key, s);
  }
  for (const m of lone) {
    const base = m.counterBase ?? m.stem;
    const found = (byStill.get(counterKey(videoCore(base, m.ext), m.counter)) ??
      []).filter((s) => !s.claimed);
    if (found.length === 0) continue;
    found.sort((a, b) => byText(a.name, b.name) || byText(a.path, b.path));
    m.own = { sidecar: found[0], rule: "live-pair" };
    found[0].claimed = true;
  }
}

/**
 * Numbered files at Takeout's cut left without a sidecar: Google wrote one
 * sidecar for the upload, named after the first file (`X_.json`, cut at 46
 * units, for `X_P.jpg`), and none for `X_P(1).jpg`. Below the cut the name
 * of a sidecar always tells the numbered files apart, so there a numbered
 * file never takes the unnumbered one's sidecar.
 */
function findForgottenDuplicates(
  media: MediaFile[],
  sidecars: SidecarFile[],
): void {
  const waiting = media.filter((m) =>
    m.counter !== undefined && resolvedSidecar(m) === undefined &&
    m.editOf === undefined && m.pairOf === undefined
  );
  if (waiting.length === 0) return;
  const byName = new Map<string, MediaFile[]>();
  for (const m of media) push(byName, foldName(m.name), m);
  let atCut: Map<string, SidecarFile[]> | undefined;
  for (const m of waiting) {
    const base = newMedia(`${m.counterBase}${m.ext}`, m.folder);
    const isAtCut = (s: SidecarFile) =>
      partsOf(s).atLimit && partsOf(s).counter === undefined &&
      titleScore(s, base) > 0 &&
      clippedKeys(base).some((k) =>
        partsOf(s).raws.some((r) => counterKey(r.key, r.counter) === k.key)
      );
    const original = (byName.get(foldName(base.name)) ?? []).find((o) => {
      const own = resolvedSidecar(o);
      return o !== m && own !== undefined && isAtCut(own);
    });
    if (original !== undefined) {
      m.dupOf = original;
      continue;
    }
    if (atCut === undefined) {
      atCut = new Map();
      for (const s of sidecars) {
        if (!partsOf(s).atLimit || partsOf(s).counter !== undefined) continue;
        for (const r of partsOf(s).raws) {
          push(atCut, counterKey(r.key, r.counter), s);
        }
      }
    }
    const found = new Set<SidecarFile>();
    for (const k of clippedKeys(base)) {
      for (const s of atCut.get(k.key) ?? []) {
        if (titleScore(s, base) > 0) found.add(s);
      }
    }
    if (found.size === 0) continue;
    const sidecar = [...found].sort((a, b) =>
      byText(a.name, b.name) || byText(a.path, b.path)
    )[0];
    m.own = { sidecar, rule: "forgotten-duplicate" };
    sidecar.claimed = true;
  }
}

/**
 * Whether a file may be the video half of a live or motion photo: a video,
 * or a file without an extension (old Android motion photos, `MVIMG_x`
 * beside `MVIMG_x.jpg`).
 */
function isVideoHalf(m: Pick<MediaFile, "type" | "ext">): boolean {
  return m.type === "video" || (m.type === undefined && m.ext === "");
}

/** The sidecar a file's metadata comes from, following edits and pairs. */
function resolvedSidecar(m: MediaFile, depth = 0): SidecarFile | undefined {
  if (m.own !== undefined) return m.own.sidecar;
  if (depth > 2) return undefined;
  const from = m.editOf ?? m.pairOf ?? m.dupOf;
  return from === undefined ? undefined : resolvedSidecar(from, depth + 1);
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

function matchFolder(media: MediaFile[], sidecars: SidecarFile[]): void {
  const index = new SidecarIndex(sidecars);
  const rules = rulesFor(index);
  for (const rule of rules) runRule(media, rule.lookup);
  findEdits(media);
  claimForOrphanEdits(media, rules);
  findPairs(media);
  claimForLonePairs(media, sidecars);
  findForgottenDuplicates(media, sidecars);
}

/**
 * One folder matched without making objects for the files the exact names
 * settle (the rules' machinery costs a few KB per file, and folders hold
 * thousands): every name given once, each sidecar wanted by its exact name
 * (NAME.supplemental-metadata.json or NAME.json) by one file at most. The
 * exact rule runs first and is final for the files it serves, so only the
 * files it leaves, the edited copies, and the files those can take as
 * their original or still (by stem and by motion name) go through the
 * other rules, edits and pairs, which look at nothing else. The result is
 * the same as matchFolder()'s. Anything else returns undefined.
 */
function matchOneFolder(
  media: readonly MatchMedia[],
  sidecars: readonly MatchSidecar[],
  folderKeys: FolderKeys,
): SidecarMatchResult | undefined {
  const folder = media[0]?.folder;
  if (folder === undefined) return undefined;
  for (const input of media) if (input.folder !== folder) return undefined;
  for (const input of sidecars) if (input.folder !== folder) return undefined;
  // Names sorted and searched rather than put in Maps: a folder's Maps are
  // large objects, which V8 sets aside until a full collection.
  const sidecarNames = sidecars.map((s) => lastSegment(s.path));
  const byName = sortedBy(sidecarNames);
  if (byName === undefined) return undefined;
  const find = (name: string) => {
    const at = findSorted(byName.length, (i) => sidecarNames[byName[i]], name);
    return at < 0 ? undefined : byName[at];
  };
  const titleOf = (i: number) => {
    const title = sidecars[i].title;
    return typeof title === "string" && title !== "" ? nfc(title) : undefined;
  };
  const names = media.map((m) => lastSegment(m.path));
  if (sortedBy(names) === undefined) return undefined;
  /** The sidecar each file takes by its exact name, -1 for none. */
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
      const m = newMedia(media[k].path, folder, folderKeys);
      useSupplemental = scoreOfTitle(titleOf(supplemental), m) >=
        scoreOfTitle(titleOf(json), m);
    }
    if (useSupplemental) {
      own[k] = supplemental!;
      supplementalOwn[k] = 1;
    } else if (json !== undefined) own[k] = json;
  }
  for (const n of wanted) if (n > 1) return undefined;

  // The files the other steps may touch: those the exact names left, the
  // edited copies, and what those can take as original or still.
  const involved = new Uint8Array(media.length);
  const edited = new Uint8Array(media.length);
  const stems = new Set<string>();
  const cores = new Set<string>();
  let any = false;
  for (let k = 0; k < media.length; k++) {
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
  if (!any) {
    // Every file has its exact sidecar and none is an edited copy.
    return plainResult(media, sidecars, names, own, supplementalOwn, titleOf);
  }
  if (stems.size > 0 || cores.size > 0) {
    for (let k = 0; k < media.length; k++) {
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
  }

  // Those files and every sidecar they own or may claim, as objects, through
  // the rules as matchFolder() runs them.
  const files: MediaFile[] = [];
  const fileOf = new Map<number, MediaFile>();
  const ownedBy = new Int32Array(sidecars.length).fill(-1);
  for (let k = 0; k < media.length; k++) if (own[k] >= 0) ownedBy[own[k]] = k;
  const jsons: SidecarFile[] = [];
  const sidecarOf = new Map<number, SidecarFile>();
  for (let i = 0; i < sidecars.length; i++) {
    const owner = ownedBy[i];
    if (owner >= 0 && !involved[owner]) continue;
    const sidecar = newSidecar(sidecars[i], folderKeys);
    sidecarOf.set(i, sidecar);
    if (owner < 0) jsons.push(sidecar);
  }
  for (let k = 0; k < media.length; k++) {
    if (!involved[k]) continue;
    const m = newMedia(media[k].path, folder, folderKeys);
    if (own[k] >= 0) {
      const sidecar = sidecarOf.get(own[k])!;
      sidecar.claimed = true;
      m.own = {
        sidecar,
        rule: supplementalOwn[k] ? "exact-supplemental" : "exact-json",
      };
    }
    files.push(m);
    fileOf.set(k, m);
  }
  files.sort((a, b) => byText(a.name, b.name) || byText(a.path, b.path));
  jsons.sort((a, b) => byText(a.name, b.name) || byText(a.path, b.path));
  matchFolder(files, jsons);

  const plain = plainResult(
    media,
    sidecars,
    names,
    own,
    supplementalOwn,
    titleOf,
    fileOf,
  );
  plain.unmatchedMedia = files.filter((m) => resolvedSidecar(m) === undefined)
    .map((m) => m.path).sort(byText);
  plain.unclaimedSidecars = sidecars.filter((_, i) => {
    const sidecar = sidecarOf.get(i);
    return sidecar === undefined ? false : !sidecar.claimed;
  }).map((s) => s.path).sort(byText);
  return plain;
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

/**
 * Results of a folder where files take their exact sidecar, except those in
 * `objects`, whose results the rules worked out.
 */
function plainResult(
  media: readonly MatchMedia[],
  sidecars: readonly MatchSidecar[],
  names: readonly string[],
  own: Int32Array,
  supplementalOwn: Uint8Array,
  titleOf: (i: number) => string | undefined,
  objects?: Map<number, MediaFile>,
): SidecarMatchResult {
  const claimed = new Uint8Array(sidecars.length);
  const matches = media.map((input, k): MediaMatch => {
    const object = objects?.get(k);
    if (object !== undefined) return resultOf(object);
    const s = own[k];
    claimed[s] = 1;
    const title = titleOf(s);
    const name = names[k];
    const result: MediaMatch = {
      media: input.path,
      matchedBy: supplementalOwn[k] ? "exact-supplemental" : "exact-json",
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

/**
 * Match media files to sidecars. Names are compared per folder, NFC and
 * NFD alike; files and sidecars of the same path given twice (one entry in
 * two parts) share one result.
 */
export function matchSidecars(
  media: readonly MatchMedia[],
  sidecars: readonly MatchSidecar[],
): SidecarMatchResult {
  const folderKeys: FolderKeys = new Map();
  const one = matchOneFolder(media, sidecars, folderKeys);
  if (one !== undefined) return one;
  const mediaByKey = new Map<string, MediaFile>();
  const mediaOfInput: MediaFile[] = [];
  for (const input of media) {
    const key = pathKey(input.path);
    let file = mediaByKey.get(key);
    if (file === undefined) {
      file = newMedia(input.path, input.folder, folderKeys);
      mediaByKey.set(key, file);
    }
    mediaOfInput.push(file);
  }
  const sidecarByKey = new Map<string, SidecarFile>();
  const sidecarOfInput: SidecarFile[] = [];
  for (const input of sidecars) {
    const key = pathKey(input.path);
    let file = sidecarByKey.get(key);
    if (file === undefined) {
      file = newSidecar(input, folderKeys);
      sidecarByKey.set(key, file);
    } else if (file.title === undefined && input.title) {
      file.title = nfc(input.title);
    }
    sidecarOfInput.push(file);
  }

  const folders = new Map<
    string,
    { media: MediaFile[]; sidecars: SidecarFile[] }
  >();
  const folderOf = (folder: string) => {
    let entry = folders.get(folder);
    if (entry === undefined) {
      entry = { media: [], sidecars: [] };
      folders.set(folder, entry);
    }
    return entry;
  };
  for (const file of mediaByKey.values()) {
    folderOf(file.folder).media.push(file);
  }
  for (const file of sidecarByKey.values()) {
    folderOf(file.folder).sidecars.push(file);
  }
  for (const folder of [...folders.keys()].sort(byText)) {
    const { media: files, sidecars: jsons } = folders.get(folder)!;
    files.sort((a, b) => byText(a.name, b.name) || byText(a.path, b.path));
    jsons.sort((a, b) => byText(a.name, b.name) || byText(a.path, b.path));
    matchFolder(files, jsons);
  }

  const matches = mediaOfInput.map(resultOf);
  const unmatchedMedia = [...mediaByKey.values()]
    .filter((m) => resolvedSidecar(m) === undefined)
    .map((m) => m.path).sort(byText);
  const unclaimedSidecars = [...sidecarByKey.values()]
    .filter((s) => !s.claimed)
    .map((s) => s.path).sort(byText);
  return { matches, unmatchedMedia, unclaimedSidecars };
}
