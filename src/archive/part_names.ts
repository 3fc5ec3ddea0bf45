// The names Takeout gives the parts of an export, and the names sync
// clients give them while they are still being copied. An export is a set
// of parts `takeout-20250301T101500Z-001.zip`, `-002.zip`... (also
// `takeout-20250301T101500Z-3-001.tgz`): the name before the number is the
// set, the time in it tells sets apart and orders them.

/** Takeout's part names, and the folder a part was unpacked into. */
export const PART_NAME =
  /^(takeout-.*-)(\d{3})(\.zip|\.tgz|\.tar\.gz|\.tar|)$/i;

export interface PartName {
  /** The set: the name before the part number (`takeout-20250301T101500Z`). */
  set: string;
  /** The part number (1 for -001). */
  number: number;
  /** The extension as written (".zip", ".tgz", ".tar.gz", ".tar", or ""). */
  ext: string;
}

/** What a file name says of the part it is, if it is one. */
export function parsePartName(name: string): PartName | undefined {
  const m = PART_NAME.exec(name);
  if (m === null) return undefined;
  return { set: m[1].slice(0, -1), number: Number(m[2]), ext: m[3] };
}

/** A part's file (an archive, not an unpacked folder). */
export function isArchivePartName(name: string): boolean {
  const p = parsePartName(name);
  return p !== undefined && p.ext !== "";
}

/** Where a part's number and extension are, inside a longer name. */
const EMBEDDED_PART =
  /(takeout-[^/\\]*?-\d{3}(?:\.zip|\.tgz|\.tar\.gz|\.tar))(?![A-Za-z0-9])/i;

/**
 * The part a sync client or browser is still writing under another name,
 * if `name` is one: rclone's `NAME.partial` and `NAME.<random>.partial`,
 * Syncthing's `.syncthing.NAME.tmp`, `NAME.part` and `NAME.crdownload` of
 * browsers, `.~tmp~`, `NAME.!sync`, Nextcloud's `.NAME.~<id>`, a dot file
 * of the name. Anything longer than a part's name that holds it.
 */
export function temporaryPartName(
  name: string,
): { part: string; parsed: PartName } | undefined {
  if (parsePartName(name) !== undefined && !name.startsWith(".")) {
    return undefined;
  }
  const m = EMBEDDED_PART.exec(name);
  if (m === null) return undefined;
  const parsed = parsePartName(m[1]);
  return parsed === undefined ? undefined : { part: m[1], parsed };
}
