// The naming rules of sidecar matching, exact to loose (see
// sidecar_match.ts for the list): for each media file the keys its sidecar
// may be found under, looked up in tables over one folder's sidecars, and
// one rule run over a folder so that the outcome does not depend on the
// order of the listing.

import { clipVariants, foldName, SIDECAR_KEY_LIMIT } from "./names.ts";
import {
  byText,
  counterKey,
  looksEdited,
  type MatchRule,
  type MediaFile,
  partsOf,
  push,
  type SidecarFile,
  SUPPLEMENTAL,
  titleKeys,
  titleScore,
} from "./sidecar_files.ts";

interface Candidate {
  media: MediaFile;
  sidecar: SidecarFile;
  rule: MatchRule;
  /** Lower is better: the order of the key that found it. */
  priority: number;
}

/**
 * Lookup tables over one folder's sidecars, each built when its rule first
 * runs and only from the sidecars still unclaimed then: in a usual export
 * the exact names claim nearly everything, and the looser tables stay
 * small or are never built.
 */
export class SidecarIndex {
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

/**
 * Where a rule's lookup hands the sidecars a key finds (undefined: none),
 * best key first: the order of the calls is the candidates' priority.
 */
type Found = (
  list: readonly SidecarFile[] | undefined,
  rule: MatchRule,
) => void;

/** A rule: for a media file, the keys to look up, best first. */
export type Lookup = (media: MediaFile, found: Found) => void;

function lookupIn(
  map: Map<string, SidecarFile[]>,
  keys: { key: string; rule: MatchRule }[],
  found: Found,
): void {
  for (const { key, rule } of keys) found(map.get(key), rule);
}

/** The (name, counter) forms a media file's sidecar may be named after. */
function nameForms(media: MediaFile): Form[] {
  const forms: Form[] = [
    { base: media.name, counter: undefined },
  ];
  if (media.counter !== undefined) {
    forms.push({ base: media.counterBase + media.ext, counter: media.counter });
  }
  return forms;
}

/** Forms without the extension, for uploads that had none. */
function stemForms(media: MediaFile): Form[] {
  if (media.ext === "") return [];
  const forms: Form[] = [
    { base: media.stem, counter: undefined },
  ];
  if (media.counter !== undefined) {
    forms.push({ base: media.counterBase!, counter: media.counter });
  }
  return forms;
}

/** A name form (see nameForms) with its counter. */
type Form = { base: string; counter: number | undefined };

/** The keys of `forms` in a readings table, each with its rule. */
function readingKeys(
  fold: (s: string) => string,
  forms: Form[],
  rule: (counter: number | undefined) => MatchRule,
): { key: string; rule: MatchRule }[] {
  return forms.map((f) => ({
    key: counterKey(fold(f.base), f.counter),
    rule: rule(f.counter),
  }));
}

const same = (s: string) => s;

function normalizedRule(c: number | undefined): MatchRule {
  return c === undefined ? "supplemental-prefix" : "duplicate";
}

/** The forms of every rule before it, ignoring case. */
function caseInsensitive(index: SidecarIndex): Lookup {
  const rule = (): MatchRule => "case-insensitive";
  return (m, found) => {
    lookupIn(
      index.exactFolded(),
      [
        foldName(`${m.name}.${SUPPLEMENTAL}.json`),
        foldName(`${m.name}.json`),
      ].map((key) => ({ key, rule: rule() })),
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
  };
}

/** The rules in the order they run, over one folder's sidecars. */
export function rulesFor(
  index: SidecarIndex,
): { name: string; lookup: Lookup }[] {
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
    { name: "case-insensitive", lookup: caseInsensitive(index) },
  ];
}

/**
 * The names Takeout writes, before `(n).json`, for a media file whose
 * sidecar name was cut to 46 units: the name (or the stem, for uploads
 * without an extension) followed by ".supplemental-metadata", cut.
 */
export function clippedKeys(m: MediaFile): { key: string; rule: MatchRule }[] {
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
export function runRule(media: MediaFile[], lookup: Lookup): void {
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
