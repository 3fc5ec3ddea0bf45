// Local file names for media items, computed exactly as gphotos-sync did so
// that an existing backup is recognised file for file: the same character
// replacements (Checks.valid_file_name), the same stripping of a " (n)"
// that Google already put in a name, the same `name (n+1).ext` for the n-th
// duplicate (BaseMedia.filename), lower case on case-insensitive
// filesystems. Where gphotos-sync produced something unusable (an empty
// name, "." or "..", a name longer than the filesystem takes, which it then
// failed to download), the result here is a safe name instead: always one
// path component, never empty, never "." or "..", never too long.

import type { FsProfile } from "../fs/fs_profile.ts";

/** The parts of an FsProfile that naming depends on. */
export type NamingProfile = Pick<
  FsProfile,
  "ntfs" | "unicode" | "caseInsensitive" | "maxFilenameBytes"
>;

// gphotos-sync's character classes (Checks.py). The Windows one includes
// the comma; keep it, or names with commas would no longer match.
// deno-lint-ignore no-control-regex -- control characters are what is replaced
const LINUX_BAD = /[/\x00-\x1f\x7f]/g;
// deno-lint-ignore no-control-regex -- control characters are what is replaced
const WINDOWS_BAD = /[,<>:"/\\|?*\x00-\x1f\x7f]/g;
const WINDOWS_BAD_ENDING = /[ .]+$/;
// Python's `$` also matches before a final newline.
const TRAILING_BLANKS = /[ \t]+(?=\n?$)/g;
// deno-lint-ignore no-control-regex -- the range is "all of ASCII"
const NON_ASCII = /[^\x00-\x7f]/gu;
/**
 * Bidirectional embedding/override/isolate controls: they let a name such as
 * "photo\u202Egpj.exe" display as "photoexe.jpg". Replaced everywhere (a
 * change from gphotos-sync, which kept them).
 */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;
/** Device names Windows will not create as files, with any extension. */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;
/**
 * " (n)" before the extension, as Python's re.match of
 * `(.*)[ ]\(\d+\)(\..*)` saw it: `.` stops at a newline only, `\d` is any
 * Unicode decimal digit, the match is anchored at the start only.
 */
const GOOGLE_DUPLICATE_SUFFIX = /^([^\n]*) \(\p{Nd}+\)(\.[^\n]*)/u;
/** Extensions longer than this are treated as part of the name. */
const MAX_EXTENSION_BYTES = 32;
/** Stands in for a name that sanitizing left empty or made "." / "..". */
const EMPTY_NAME = "_";

const encoder = new TextEncoder();

/** UTF-8 length of a string. */
export function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

/**
 * gphotos-sync's valid_file_name, plus removal of bidi controls: strip
 * trailing blanks, replace what the filesystem forbids with `_`, and on
 * filesystems without Unicode names replace every non-ASCII code point.
 * The result may still be empty or "." / ".."; use sanitizeFileName for a
 * name to create.
 */
export function validFileName(
  name: string,
  profile: Pick<NamingProfile, "ntfs" | "unicode">,
): string {
  // A lone UTF-16 surrogate (possible in JSON) cannot be a file name.
  let s = name.toWellFormed().replace(TRAILING_BLANKS, "");
  if (profile.ntfs) {
    s = s.replace(WINDOWS_BAD, "_").replace(WINDOWS_BAD_ENDING, "");
  } else {
    s = s.replace(LINUX_BAD, "_");
  }
  s = s.replace(BIDI_CONTROLS, "_");
  if (!profile.unicode) s = s.replace(NON_ASCII, "_");
  return s;
}

/**
 * Any text (a Google file name, an album title) made into one safe path
 * component for this filesystem: valid characters, not empty, not "." or
 * "..", not a Windows device name under NTFS rules, and at most
 * maxFilenameBytes long in UTF-8 with the extension kept.
 */
export function sanitizeFileName(name: string, profile: NamingProfile): string {
  return fitFileName(
    safeComponent(validFileName(name, profile), profile),
    profile,
  );
}

/**
 * The OrigFileName gphotos-sync stored for a Google `filename`: a " (n)"
 * Google added is dropped, the name is lower-cased on case-insensitive
 * filesystems, then sanitized. Items whose OrigFileName and folder match
 * are duplicates of each other and get numbered.
 */
export function originalName(
  googleFilename: string,
  profile: NamingProfile,
): string {
  let name = googleFilename;
  const match = GOOGLE_DUPLICATE_SUFFIX.exec(name);
  if (match) name = match[1] + match[2];
  if (profile.caseInsensitive) name = name.toLowerCase();
  return sanitizeFileName(name, profile);
}

/**
 * The name of the file on disk (gphotos-sync's FileName): the original name
 * for DuplicateNo 0, `stem (n+1).ext` for DuplicateNo n. The stem is cut,
 * never the extension or the number, when that would be too long.
 */
export function localFileName(
  origName: string,
  duplicateNo: number,
  profile: NamingProfile,
): string {
  if (!Number.isInteger(duplicateNo) || duplicateNo < 0) {
    throw new RangeError(`duplicate number ${duplicateNo} is not valid`);
  }
  let name = origName;
  if (profile.caseInsensitive) name = name.toLowerCase();
  name = sanitizeFileName(name, profile);
  if (duplicateNo === 0) return name;

  const { stem, ext } = splitExtension(name);
  const tag = ` (${duplicateNo + 1})`;
  const joined = validFileName(`${stem}${tag}${ext}`, profile);
  if (utf8Length(joined) <= profile.maxFilenameBytes) return joined;
  const budget = profile.maxFilenameBytes - utf8Length(tag + ext);
  if (budget < 1) return fitFileName(joined, profile);
  return `${cutToBytes(stem, budget)}${tag}${ext}`;
}

/**
 * Python pathlib's stem and suffix: the suffix starts at the last dot,
 * unless that dot is the first or the last character.
 */
export function splitExtension(name: string): { stem: string; ext: string } {
  const dot = name.lastIndexOf(".");
  if (dot > 0 && dot < name.length - 1) {
    return { stem: name.slice(0, dot), ext: name.slice(dot) };
  }
  return { stem: name, ext: "" };
}

/**
 * Shorten a name to maxFilenameBytes UTF-8 bytes, keeping a (reasonable)
 * extension and cutting only between characters.
 */
export function fitFileName(
  name: string,
  profile: Pick<NamingProfile, "ntfs" | "maxFilenameBytes">,
): string {
  const max = profile.maxFilenameBytes;
  if (utf8Length(name) <= max) return name;
  const { stem, ext } = splitExtension(name);
  const extBytes = utf8Length(ext);
  let cut: string;
  if (ext && extBytes <= MAX_EXTENSION_BYTES && extBytes < max) {
    cut = cutToBytes(stem, max - extBytes) + ext;
  } else {
    cut = cutToBytes(name, max);
  }
  // A cut can leave a blank (or, for Windows, a dot) at the very end.
  cut = cut.replace(TRAILING_BLANKS, "");
  if (profile.ntfs) cut = cut.replace(WINDOWS_BAD_ENDING, "");
  return cut === "" || cut === "." || cut === ".." ? EMPTY_NAME : cut;
}

/**
 * The longest prefix of `text` that fits in `maxBytes` UTF-8 bytes, cut
 * between grapheme clusters so an accent or an emoji sequence is not torn
 * apart; between code points when one cluster alone is too big.
 */
export function cutToBytes(text: string, maxBytes: number): string {
  if (maxBytes <= 0) return "";
  if (utf8Length(text) <= maxBytes) return text;
  let out = "";
  let used = 0;
  const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });
  for (const { segment } of segmenter.segment(text)) {
    const size = utf8Length(segment);
    if (used + size > maxBytes) {
      if (out === "") return cutCodePoints(segment, maxBytes);
      break;
    }
    out += segment;
    used += size;
  }
  return out;
}

function cutCodePoints(text: string, maxBytes: number): string {
  let out = "";
  let used = 0;
  for (const ch of text) {
    const size = utf8Length(ch);
    if (used + size > maxBytes) break;
    out += ch;
    used += size;
  }
  return out;
}

/** True when `absolutePath` is within the filesystem's path length limit. */
export function pathFits(
  absolutePath: string,
  profile: Pick<FsProfile, "maxPathBytes">,
): boolean {
  return utf8Length(absolutePath) <= profile.maxPathBytes;
}

function safeComponent(name: string, profile: NamingProfile): string {
  if (name === "") return EMPTY_NAME;
  if (/^\.+$/.test(name) && name.length <= 2) return name.replace(/\./g, "_");
  if (profile.ntfs) {
    const { stem, ext } = splitExtension(name);
    const base = stem.split(".")[0];
    if (WINDOWS_RESERVED.test(base)) {
      return `${base}_${stem.slice(base.length)}${ext}`;
    }
  }
  return name;
}

/**
 * The XMP sidecar beside a media file: the full name plus ".xmp", the form
 * darktable, digiKam and Lightroom read.
 */
export function xmpSidecarPath(mediaPath: string): string {
  return `${mediaPath}.xmp`;
}
