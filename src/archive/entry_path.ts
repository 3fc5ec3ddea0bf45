// Entry names come from the archive, which may be hostile or made on
// Windows: "../../.bashrc", "/etc/passwd", "C:\\x", "a\\..\\..\\b". The
// readers pass them through untouched; the importer asks safeEntryPath()
// before turning one into a path, and looks entries up by entryKey(), which
// folds the NFC/NFD and separator variants one export can mix.

/**
 * Entry names longer than this many UTF-8 bytes are refused: no file system
 * takes them (Linux allows 4,096 for a whole path), and an archive of
 * megabyte names would otherwise fill memory with them.
 */
export const MAX_ENTRY_NAME_BYTES = 4096;
/** Marks a name cut by capEntryName; NUL never occurs in a usable name. */
const CUT_MARK = "\0cut:";
/** What is kept of a cut name, for the report. */
const CUT_KEEP = 200;

/**
 * The name as readers keep it: itself, or when over MAX_ENTRY_NAME_BYTES
 * its start and a mark that safeEntryPath refuses with the true length.
 */
export function capEntryName(name: string): string {
  if (name.length <= MAX_ENTRY_NAME_BYTES / 3) return name;
  const bytes = new TextEncoder().encode(name).length;
  if (bytes <= MAX_ENTRY_NAME_BYTES) return name;
  return `${name.slice(0, CUT_KEEP)}${CUT_MARK}${bytes}`;
}

export type SafeEntryPath =
  | { readonly ok: true; readonly segments: string[] }
  | { readonly ok: false; readonly reason: string };

/**
 * The path segments of an entry name, or why it must not be written.
 * Backslashes count as separators (zips made on Windows use them); empty
 * and "." segments are dropped; "..", absolute paths, drive letters and NUL
 * are refused.
 */
export function safeEntryPath(name: string): SafeEntryPath {
  const cut = name.indexOf(CUT_MARK);
  if (cut >= 0) {
    return refuse(
      `its name is ${
        name.slice(cut + CUT_MARK.length)
      } bytes long (names over ${MAX_ENTRY_NAME_BYTES} bytes are refused)`,
    );
  }
  if (name.includes("\0")) return refuse("it contains a NUL character");
  const slashed = name.replaceAll("\\", "/");
  if (slashed.startsWith("/")) return refuse("it is an absolute path");
  if (/^[A-Za-z]:/.test(slashed)) {
    return refuse("it starts with a drive letter");
  }
  const segments = slashed.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) {
    return refuse("it climbs out of the archive with '..'");
  }
  if (segments.length === 0) return refuse("it is empty");
  return { ok: true, segments };
}

function refuse(reason: string): SafeEntryPath {
  return { ok: false, reason };
}

/**
 * The lookup key of an entry name: NFC, "/" separators, no empty or "."
 * segments, no trailing "/". Names that differ only in those respects are
 * the same file to a user (macOS writes NFD, Google writes NFC).
 */
export function entryKey(name: string): string {
  // Most names are their own key: checked without making a copy.
  if (isKeyForm(name)) return name;
  return name.normalize("NFC").replaceAll("\\", "/").split("/")
    .filter((s) => s !== "" && s !== ".").join("/");
}

/** ASCII (so NFC), "/" separators, no empty or "." segment. */
function isKeyForm(name: string): boolean {
  let start = 0;
  for (let i = 0; i <= name.length; i++) {
    const c = i < name.length ? name.charCodeAt(i) : 0x2f;
    if (c >= 0x80 || c === 0x5c) return false;
    if (c !== 0x2f) continue;
    if (i === start || (i === start + 1 && name.charCodeAt(start) === 0x2e)) {
      return false;
    }
    start = i + 1;
  }
  return true;
}

/** The key of the folder holding `key` ("" for the top). */
export function parentKey(key: string): string {
  const slash = key.lastIndexOf("/");
  return slash < 0 ? "" : key.slice(0, slash);
}
