// The files without a sidecar of their own, after the naming rules: edited
// copies take their original's, video halves of live and motion photos
// their still's (or the still's sidecar when the still is in no part),
// numbered files at Takeout's cut the sidecar of the first file of the
// upload (see sidecar_match.ts).

import {
  clippedEditedStems,
  foldName,
  MEDIA_STEM_LIMIT,
  splitCounter,
} from "./names.ts";
import { mediaTypeOf } from "../media/extensions.ts";
import { splitExtension } from "../media/naming.ts";
import {
  byText,
  counterKey,
  editedOf,
  type MediaFile,
  newMedia,
  partsOf,
  push,
  type SidecarFile,
  titleScore,
} from "./sidecar_files.ts";
import { clippedKeys, type Lookup, runRule } from "./sidecar_rules.ts";

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
export function motionCore(stem: string): string {
  return foldName(stem.replace(/\.(mp|mv)(~\d+)?$/i, "$2"));
}

/** The core a video half shares with its still (see motionCore). */
export function videoCore(stem: string, ext: string): string {
  const alternate = /^\.(?:mp|mv)(~\d+)$/i.exec(ext);
  return foldName(stem) + (alternate?.[1] ?? "");
}

/** Edited copies and their originals, in one folder. */
export function findEdits(media: MediaFile[]): void {
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
export function claimForOrphanEdits(
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
export function findPairs(media: MediaFile[]): void {
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
export function claimForLonePairs(
  media: MediaFile[],
  sidecars: SidecarFile[],
): void {
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
export function findForgottenDuplicates(
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
export function isVideoHalf(m: Pick<MediaFile, "type" | "ext">): boolean {
  return m.type === "video" || (m.type === undefined && m.ext === "");
}

/** The sidecar a file's metadata comes from, following edits and pairs. */
export function resolvedSidecar(
  m: MediaFile,
  depth = 0,
): SidecarFile | undefined {
  if (m.own !== undefined) return m.own.sidecar;
  if (depth > 2) return undefined;
  const from = m.editOf ?? m.pairOf ?? m.dupOf;
  return from === undefined ? undefined : resolvedSidecar(from, depth + 1);
}
