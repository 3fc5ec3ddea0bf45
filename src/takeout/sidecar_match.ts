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
//   live-pair                PXL_x.MP / PXL_x.mp4 beside PXL_x.MP.jpg, MVIMG_x.MP4, IMG_x.MOV
//
// Nothing is dropped: every media file gets a result, those left without
// metadata are listed, and so are the sidecars no file claimed. The result
// depends only on the names and titles given, never on their order.

import {
  clipMediaName,
  clippedEditedStems,
  clipVariants,
  dirName,
  editedName,
  foldName,
  isMediaExtension,
  MEDIA_STEM_LIMIT,
  type MediaType,
  mediaTypeOf,
  nfc,
  pathSegments,
  SIDECAR_KEY_LIMIT,
  splitCounter,
} from "./names.ts";
import { splitExtension } from "../media/naming.ts";

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
  /** Named like an edited copy (`-edited`, or a clipped `-ed`). */
  looksEdited: boolean;
  own?: { sidecar: SidecarFile; rule: MatchRule };
  editOf?: MediaFile;
  editRule?: MatchRule;
  pairOf?: MediaFile;
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
  readings: Reading[];
  /** Everything before `(n).json` / `.json`, for clipped names. */
  raws: Reading[];
  /** The counter of the name, however placed. */
  counter: number | undefined;
  /** Whether the name before `(n).json` is at Takeout's 46-unit cut. */
  atLimit: boolean;
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

function folderKey(path: string, folder: string | undefined): string {
  return nfc(pathSegments(folder ?? dirName(path)).join("/"));
}

function newMedia(path: string, folder?: string): MediaFile {
  const name = nfc(pathSegments(path).at(-1) ?? "");
  const { stem, ext } = splitExtension(name);
  const media: MediaFile = {
    path,
    folder: folderKey(path, folder),
    name,
    stem,
    ext,
    type: mediaTypeOf(name),
    looksEdited: editedName(name) !== undefined ||
      clippedEditedStems(stem).length > 0,
  };
  const { base, counter } = splitCounter(stem);
  if (counter !== undefined) {
    media.counterBase = base;
    media.counter = counter;
  }
  return media;
}

function newSidecar(input: MatchSidecar): SidecarFile {
  const name = nfc(pathSegments(input.path).at(-1) ?? "");
  const jsonName = name.toLowerCase().endsWith(".json") ? name : `${name}.json`;
  const { readings, raws, counter } = readSidecarName(jsonName);
  const sidecar: SidecarFile = {
    path: input.path,
    folder: folderKey(input.path, input.folder),
    name,
    claimed: false,
    readings,
    raws,
    counter,
    atLimit: isAtClipLimit(raws[0]?.key ?? ""),
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
  if (sidecar.title === undefined) return 1;
  const forms = titleForms(sidecar.title, media);
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
      (s) => s.readings.map((r) => counterKey(r.key, r.counter)),
    );
  }

  readingsFolded(): Map<string, SidecarFile[]> {
    return this.#table(
      "readingsFolded",
      (s) => s.readings.map((r) => counterKey(foldName(r.key), r.counter)),
    );
  }

  clipped(): Map<string, SidecarFile[]> {
    return this.#table(
      "clipped",
      (s) =>
        s.raws.filter((r) =>
          r.key.length >= SIDECAR_KEY_LIMIT - 1 &&
          r.key.length <= SIDECAR_KEY_LIMIT + 1
        ).map((r) => counterKey(r.key, r.counter)),
    );
  }

  titles(): Map<string, SidecarFile[]> {
    return this.#table(
      "titles",
      (s) => s.title === undefined ? [] : titleKeys(s.title, s.counter),
    );
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else if (!list.includes(value)) list.push(value);
}

/** The names a sidecar's title says its media file has. */
function titleKeys(title: string, counter: number | undefined): string[] {
  const keys: string[] = [];
  const named = clipMediaName(title);
  keys.push(foldName(named));
  if (counter !== undefined) keys.push(foldName(withCounter(named, counter)));
  if (!isMediaExtension(splitExtension(title).ext)) {
    // Uploaded without an extension: Takeout added one to the media file.
    const stem = clipMediaName(`${title}.x`).slice(0, -2);
    keys.push(`stem:${foldName(stem)}`);
    if (counter !== undefined) {
      keys.push(`stem:${foldName(`${stem}(${counter})`)}`);
    }
  }
  return keys;
}

/** A rule: for a media file, the keys to look up, best first. */
type Lookup = (media: MediaFile) => { list: SidecarFile[]; rule: MatchRule }[];

function lookupIn(
  map: Map<string, SidecarFile[]>,
  keys: { key: string; rule: MatchRule }[],
): { list: SidecarFile[]; rule: MatchRule }[] {
  return keys.map(({ key, rule }) => ({ list: map.get(key) ?? [], rule }));
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
      lookup: (m) => lookupIn(index.exact(), exactKeys(m, same)),
    },
    {
      name: "normalized",
      lookup: (m) =>
        lookupIn(
          index.readings(),
          readingKeys(same, nameForms(m), normalizedRule).reverse(),
        ),
    },
    {
      name: "clipped",
      lookup: (m) => lookupIn(index.clipped(), clippedKeys(m)),
    },
    {
      name: "no-extension",
      lookup: (m) =>
        lookupIn(
          index.readings(),
          readingKeys(same, stemForms(m), () => "no-extension").reverse(),
        ),
    },
    {
      name: "title",
      lookup: (m) => {
        const keys = [{ key: foldName(m.name), rule: "title" as MatchRule }];
        if (m.ext !== "") {
          keys.push({ key: `stem:${foldName(m.stem)}`, rule: "title" });
        }
        return lookupIn(index.titles(), keys);
      },
    },
    {
      name: "case-insensitive",
      lookup: (m) => {
        const rule = (): MatchRule => "case-insensitive";
        return [
          ...lookupIn(
            index.exactFolded(),
            exactKeys(m, foldName).map((k) => ({ key: k.key, rule: rule() })),
          ),
          ...lookupIn(
            index.readingsFolded(),
            [
              ...readingKeys(foldName, nameForms(m), rule).reverse(),
              ...readingKeys(foldName, stemForms(m), rule).reverse(),
            ],
          ),
        ];
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
  for (const m of media) {
    if (m.own !== undefined) continue;
    lookup(m).forEach(({ list, rule }, priority) => {
      for (const sidecar of list) {
        if (sidecar.claimed) continue;
        candidates.push({
          media: m,
          sidecar,
          rule,
          priority,
          score: titleScore(sidecar, m),
          original: m.looksEdited ? 0 : 1,
          photo: m.type === "photo" ? 1 : 0,
        });
      }
    });
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
    const rule = c.rule === "supplemental-prefix" && c.sidecar.atLimit
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

/** A stem without Pixel's ".MP" / ".MV" marker: the shot's own name. */
function motionCore(stem: string): string {
  return foldName(stem.replace(/\.(mp|mv)$/i, ""));
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
        Number(editedName(a.name) !== undefined) -
          Number(editedName(b.name) !== undefined) ||
        byText(a.name, b.name) || byText(a.path, b.path)
      );
      return found[0];
    }
    return undefined;
  };
  for (const m of media) {
    const edited = editedName(m.name);
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
    const edited = editedName(m.name);
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
    if (m.type === "photo" && editedName(m.name) === undefined) {
      push(stills, motionCore(m.stem), m);
    }
  }
  for (const m of media) {
    if (m.type !== "video" || m.own !== undefined || m.editOf !== undefined) {
      continue;
    }
    const found = stills.get(motionCore(m.stem)) ?? [];
    if (found.length === 0) continue;
    const sorted = [...found].sort((a, b) =>
      Number(b.own !== undefined) - Number(a.own !== undefined) ||
      stillRank(a) - stillRank(b) || byText(a.name, b.name) ||
      byText(a.path, b.path)
    );
    m.pairOf = sorted[0];
  }
}

/** The sidecar a file's metadata comes from, following edits and pairs. */
function resolvedSidecar(m: MediaFile, depth = 0): SidecarFile | undefined {
  if (m.own !== undefined) return m.own.sidecar;
  if (depth > 2) return undefined;
  const from = m.editOf ?? m.pairOf;
  return from === undefined ? undefined : resolvedSidecar(from, depth + 1);
}

/** A usable name from a sidecar title, keeping the file's own extension. */
function nameFromTitle(title: string, m: MediaFile): string | undefined {
  const text = nfc(title);
  if (
    text.trim() === "" || text === "." || text === ".." ||
    text.includes("/") || text.includes("\\") || text.includes("\0")
  ) {
    return undefined;
  }
  if (m.ext === "") return text;
  const { stem, ext } = splitExtension(text);
  if (foldName(ext) === foldName(m.ext)) return text;
  // A title whose extension is another media type's (Google converted the
  // file) keeps the title's stem with the bytes' extension; a title with no
  // media extension gets the file's appended.
  if (isMediaExtension(ext)) return stem + m.ext;
  return text + m.ext;
}

function originalNameOf(m: MediaFile, depth = 0): string {
  if (m.own !== undefined && m.own.sidecar.title !== undefined) {
    const named = nameFromTitle(m.own.sidecar.title, m);
    if (named !== undefined) return named;
  }
  if (m.editOf !== undefined && m.editRule === "edited" && depth < 2) {
    const edited = editedName(m.name);
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

function matchFolder(media: MediaFile[], sidecars: SidecarFile[]): void {
  const index = new SidecarIndex(sidecars);
  const rules = rulesFor(index);
  for (const rule of rules) runRule(media, rule.lookup);
  findEdits(media);
  claimForOrphanEdits(media, rules);
  findPairs(media);
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
  const mediaByKey = new Map<string, MediaFile>();
  const mediaOfInput: MediaFile[] = [];
  for (const input of media) {
    const key = nfc(pathSegments(input.path).join("/"));
    let file = mediaByKey.get(key);
    if (file === undefined) {
      file = newMedia(input.path, input.folder);
      mediaByKey.set(key, file);
    }
    mediaOfInput.push(file);
  }
  const sidecarByKey = new Map<string, SidecarFile>();
  const sidecarOfInput: SidecarFile[] = [];
  for (const input of sidecars) {
    const key = nfc(pathSegments(input.path).join("/"));
    let file = sidecarByKey.get(key);
    if (file === undefined) {
      file = newSidecar(input);
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

  const matches = mediaOfInput.map((m): MediaMatch => {
    const sidecar = resolvedSidecar(m);
    const result: MediaMatch = {
      media: m.path,
      matchedBy: m.own?.rule ??
        (m.editOf !== undefined
          ? m.editRule!
          : m.pairOf !== undefined
          ? "live-pair"
          : "none"),
      originalName: originalNameOf(m),
    };
    if (sidecar !== undefined) result.sidecar = sidecar.path;
    if (m.editOf !== undefined) result.editOf = m.editOf.path;
    if (m.pairOf !== undefined) result.pairOf = m.pairOf.path;
    return result;
  });
  const unmatchedMedia = [...mediaByKey.values()]
    .filter((m) => resolvedSidecar(m) === undefined)
    .map((m) => m.path).sort(byText);
  const unclaimedSidecars = [...sidecarByKey.values()]
    .filter((s) => !s.claimed)
    .map((s) => s.path).sort(byText);
  return { matches, unmatchedMedia, unclaimedSidecars };
}
