// Where an album's links go and what they are called, computed the way
// gphotos-sync named them so an existing album tree is recognised link for
// link: `YYYY/MMDD Title/NNNN_<file name>` under the albums root, dated by
// the album's last item (first with --album-date-by-first-photo), with
// --month-format (strftime), --path-format (Python str.format positionals),
// --omit-album-date, --use-flat-path and --no-album-sorting (no NNNN_
// prefix, gphotos-sync PR #490). Pure functions: no filesystem, no index.
//
// Where gphotos-sync produced something unusable (a name longer than the
// filesystem takes, two albums with the same folder, two links with the
// same name) the result here is a usable one instead: names are cut to the
// filesystem's limits with their extension kept, and clashes get " (2)",
// " (3)"... in a stable order.

import type { AlbumEntry, AlbumFile } from "../db/rows.ts";
import { GPHOTOS_MINIMUM_DATE } from "../media/date_path.ts";
import { UsageError } from "../errors.ts";
import type { FsProfile } from "../fs/fs_profile.ts";
import {
  cutToBytes,
  fitFileName,
  sanitizeFileName,
  splitExtension,
  utf8Length,
  validFileName,
} from "../media/naming.ts";

/** The layout flags album folders depend on. */
export interface AlbumPathOptions {
  omitAlbumDate: boolean;
  albumDateByFirstPhoto: boolean;
  /** strftime format of the month part; "" means gphotos-sync's "%m%d". */
  monthFormat: string;
  pathFormat: string | undefined;
  useFlatPath: boolean;
  noAlbumSorting: boolean;
}

export type AlbumPathProfile = Pick<
  FsProfile,
  | "ntfs"
  | "unicode"
  | "caseInsensitive"
  | "maxFilenameBytes"
  | "maxPathBytes"
>;

export const DEFAULT_MONTH_FORMAT = "%m%d";
const DEFAULT_PATH_FORMAT = "{0} {1}";
const DEFAULT_FLAT_PATH_FORMAT = "{0}-{1} {2}";
/** A title is not cut below this many bytes to make a path fit. */
const MIN_TITLE_BYTES = 16;
/** Below this many bytes for a link name, the album is not linked at all. */
const MIN_LINK_NAME_BYTES = 12;

// ---- strftime --------------------------------------------------------------

const DAYS = [
  "Sunday",
  "Monday",
  "Tuesday",
  "Wednesday",
  "Thursday",
  "Friday",
  "Saturday",
];
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** The UTC fields of a date that the directives read. */
interface Fields {
  y: number;
  /** Month, 0-11. */
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  ms: number;
  /** Day of the week, 0 = Sunday. */
  wd: number;
  /** Day of the year, 1-366. */
  yday: number;
}

/** One strftime directive: the fields, the flag (`-`, `_`, `0` or none). */
type Directive = (t: Fields, flag: string) => string;

const mdy = (t: Fields) =>
  `${pad(t.mo + 1, 2, "")}/${pad(t.d, 2, "")}/${pad(t.y % 100, 2, "")}`;
const hms = (t: Fields) =>
  `${pad(t.h, 2, "")}:${pad(t.mi, 2, "")}:${pad(t.s, 2, "")}`;

const DIRECTIVES: Record<string, Directive> = {
  a: (t) => DAYS[t.wd].slice(0, 3),
  A: (t) => DAYS[t.wd],
  b: (t) => MONTHS[t.mo].slice(0, 3),
  h: (t) => MONTHS[t.mo].slice(0, 3),
  B: (t) => MONTHS[t.mo],
  C: (t, flag) => pad(Math.floor(t.y / 100), 2, flag),
  d: (t, flag) => pad(t.d, 2, flag),
  e: (t, flag) => pad(t.d, 2, flag || "_"),
  D: mdy,
  F: (t) => `${pad(t.y, 4, "")}-${pad(t.mo + 1, 2, "")}-${pad(t.d, 2, "")}`,
  H: (t, flag) => pad(t.h, 2, flag),
  I: (t, flag) => pad(t.h % 12 === 0 ? 12 : t.h % 12, 2, flag),
  j: (t, flag) => pad(t.yday, 3, flag),
  m: (t, flag) => pad(t.mo + 1, 2, flag),
  M: (t, flag) => pad(t.mi, 2, flag),
  p: (t) => t.h < 12 ? "AM" : "PM",
  S: (t, flag) => pad(t.s, 2, flag),
  f: (t) => pad(t.ms * 1000, 6, ""),
  u: (t) => String(t.wd === 0 ? 7 : t.wd),
  w: (t) => String(t.wd),
  U: (t, flag) => pad(Math.floor((t.yday + 6 - t.wd) / 7), 2, flag),
  W: (t, flag) => pad(Math.floor((t.yday + 6 - ((t.wd + 6) % 7)) / 7), 2, flag),
  y: (t, flag) => pad(t.y % 100, 2, flag),
  Y: (t, flag) => flag === "" ? String(t.y) : pad(t.y, 4, flag),
  c: (t) =>
    `${DAYS[t.wd].slice(0, 3)} ${MONTHS[t.mo].slice(0, 3)} ${
      pad(t.d, 2, "_")
    } ${hms(t)} ${t.y}`,
  x: mdy,
  X: hms,
  T: hms,
  R: (t) => `${pad(t.h, 2, "")}:${pad(t.mi, 2, "")}`,
  n: () => "\n",
  t: () => "\t",
  // A naive datetime, as gphotos-sync had, has no zone.
  z: () => "",
  Z: () => "",
  "%": () => "%",
};

/**
 * Python's `datetime.strftime` in the C locale, on the UTC fields of
 * `date` (the index stores UTC, and gphotos-sync formatted the naive UTC
 * value it read back). Supports glibc's `-` (no padding), `_` (space
 * padding) and `0` flags; an unknown directive is kept as written, as
 * glibc does.
 */
export function strftime(date: Date, format: string): string {
  const t: Fields = {
    y: date.getUTCFullYear(),
    mo: date.getUTCMonth(),
    d: date.getUTCDate(),
    h: date.getUTCHours(),
    mi: date.getUTCMinutes(),
    s: date.getUTCSeconds(),
    ms: date.getUTCMilliseconds(),
    wd: date.getUTCDay(),
    yday: dayOfYear(date),
  };
  return format.replace(
    /%([-_0]?)([a-zA-Z%])/g,
    (whole, flag: string, c: string) =>
      Object.hasOwn(DIRECTIVES, c) ? DIRECTIVES[c](t, flag) : whole,
  );
}

function pad(n: number, width: number, flag: string): string {
  if (flag === "-") return String(n);
  return String(n).padStart(width, flag === "_" ? " " : "0");
}

function dayOfYear(date: Date): number {
  const start = Date.UTC(date.getUTCFullYear(), 0, 1);
  const today = Date.UTC(
    date.getUTCFullYear(),
    date.getUTCMonth(),
    date.getUTCDate(),
  );
  return Math.round((today - start) / 86_400_000) + 1;
}

// ---- str.format ------------------------------------------------------------

/**
 * Python's `format_string.format(*args)` for what --path-format can use:
 * `{}`, `{0}`, `{{`/`}}`, `!s`, and string format specs
 * (`[[fill]align][width][.precision]`). What Python would refuse (a missing
 * argument, a named field, a lone brace) is a UsageError here.
 */
export function formatPositional(format: string, args: string[]): string {
  const bad = (why: string) =>
    new UsageError(
      `--path-format ${JSON.stringify(format)}: ${why}. Use {0}, {1}` +
        (args.length > 2 ? ", {2}" : "") +
        ` (e.g. "${
          args.length > 2 ? DEFAULT_FLAT_PATH_FORMAT : DEFAULT_PATH_FORMAT
        }").`,
    );
  let out = "";
  let auto: boolean | undefined;
  let next = 0;
  let i = 0;
  while (i < format.length) {
    const ch = format[i];
    if (ch === "{" && format[i + 1] === "{") {
      out += "{";
      i += 2;
    } else if (ch === "}" && format[i + 1] === "}") {
      out += "}";
      i += 2;
    } else if (ch === "}") {
      throw bad("a single '}' must be written '}}'");
    } else if (ch === "{") {
      const end = format.indexOf("}", i);
      if (end < 0) throw bad("a '{' is not closed");
      const field = format.slice(i + 1, end);
      if (field.includes("{")) throw bad("nested fields are not supported");
      const m = /^(\d*)(?:!([a-z]))?(?::(.*))?$/su.exec(field);
      if (m === null) {
        throw bad(`{${field}} is not a positional field`);
      }
      let index: number;
      if (m[1] === "") {
        if (auto === false) {
          throw bad("automatic {} and numbered {0} fields cannot be mixed");
        }
        auto = true;
        index = next++;
      } else {
        if (auto === true) {
          throw bad("automatic {} and numbered {0} fields cannot be mixed");
        }
        auto = false;
        index = Number(m[1]);
      }
      if (index >= args.length) {
        throw bad(`there is no field {${index}}`);
      }
      if (m[2] !== undefined && m[2] !== "s") {
        throw bad(`the conversion !${m[2]} is not supported`);
      }
      out += applySpec(args[index], m[3] ?? "", bad);
      i = end + 1;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

function applySpec(
  value: string,
  spec: string,
  bad: (why: string) => UsageError,
): string {
  if (spec === "") return value;
  const m = /^(?:(.)?([<>^]))?(\d+)?(?:\.(\d+))?s?$/su.exec(spec);
  if (m === null) throw bad(`the format spec ":${spec}" is not supported`);
  const fill = m[1] ?? " ";
  const align = m[2] ?? "<";
  const width = m[3] === undefined ? 0 : Number(m[3]);
  let chars = [...value];
  if (m[4] !== undefined) chars = chars.slice(0, Number(m[4]));
  const gap = Math.max(0, width - chars.length);
  const text = chars.join("");
  if (align === ">") return fill.repeat(gap) + text;
  if (align === "^") {
    const left = Math.floor(gap / 2);
    return fill.repeat(left) + text + fill.repeat(gap - left);
  }
  return text + fill.repeat(gap);
}

/**
 * Checks --path-format (and, through strftime, nothing else can fail) so a
 * bad one is a usage error before anything runs, not when the first album
 * is linked.
 */
export function checkAlbumPathOptions(options: AlbumPathOptions): void {
  if (options.pathFormat === undefined) return;
  formatPositional(
    options.pathFormat,
    options.useFlatPath ? ["2017", "0923", "Title"] : ["0923", "Title", "2017"],
  );
}

// ---- album folders ---------------------------------------------------------

/** The capture time the folder is dated by: the last item, or the first. */
export function albumDate(album: AlbumEntry, byFirstPhoto: boolean): Date {
  const d = byFirstPhoto ? album.startDate : album.endDate;
  // gphotos-sync's safe_str_time: nothing before 1900-01-01.
  if (d === undefined || d.getTime() < GPHOTOS_MINIMUM_DATE.getTime()) {
    return new Date(GPHOTOS_MINIMUM_DATE);
  }
  return d;
}

/**
 * The album's folder relative to its albums root, as path segments, e.g.
 * ["2017", "0923 Clones😀"]. `title` replaces the album's name (to fit a
 * shortened one); each segment is a safe name within the filesystem's
 * limits.
 */
export function albumFolder(
  album: AlbumEntry,
  options: AlbumPathOptions,
  profile: AlbumPathProfile,
  title: string = validFileName(album.albumName, profile),
): string[] {
  let rel: string;
  if (options.omitAlbumDate) {
    rel = title;
  } else {
    const date = albumDate(album, options.albumDateByFirstPhoto);
    const year = strftime(date, "%Y");
    const month = strftime(date, options.monthFormat || DEFAULT_MONTH_FORMAT);
    rel = options.useFlatPath
      ? formatPositional(options.pathFormat || DEFAULT_FLAT_PATH_FORMAT, [
        year,
        month,
        title,
      ])
      : `${year}/${
        formatPositional(options.pathFormat || DEFAULT_PATH_FORMAT, [
          month,
          title,
          year,
        ])
      }`;
  }
  // A "/" the formats produced makes sub-folders, as pathlib made them;
  // the title cannot contain one (validFileName replaced it).
  const segments = rel.split("/").filter((s) => s !== "" && s !== ".")
    .map((s) => sanitizeFileName(s, profile));
  return segments.length > 0 ? segments : [sanitizeFileName("", profile)];
}

/** How a path or name is compared on this filesystem. */
export function nameKey(
  name: string,
  profile: Pick<FsProfile, "caseInsensitive">,
): string {
  return profile.caseInsensitive ? name.toLowerCase() : name;
}

/**
 * The folder an album gets among those already `taken` (keys from nameKey
 * of the joined segments): the folder itself, or, when another album has
 * it, the same with " (2)", " (3)"... on its last segment. Does not take
 * it: see planAlbum.
 */
export function freeFolder(
  segments: string[],
  taken: ReadonlySet<string>,
  profile: AlbumPathProfile,
): string[] {
  const parent = segments.slice(0, -1);
  const last = segments[segments.length - 1];
  for (let n = 1;; n++) {
    let name = last;
    if (n > 1) {
      const tag = ` (${n})`;
      name = cutToBytes(last, profile.maxFilenameBytes - utf8Length(tag)) +
        tag;
    }
    const candidate = [...parent, name];
    if (!taken.has(folderKey(candidate, profile))) return candidate;
  }
}

/** The key of a folder in a `taken` set. */
export function folderKey(
  segments: readonly string[],
  profile: Pick<FsProfile, "caseInsensitive">,
): string {
  return nameKey(segments.join("/"), profile);
}

// ---- link names ------------------------------------------------------------

/**
 * The link names for an album's files in link order: `NNNN_<file name>`
 * (NNNN counting from 0000 in that order), or the file name alone with
 * --no-album-sorting; each at most `maxBytes` long (extension kept) and
 * unique in the folder (a clash gets " (2)" before the extension).
 */
export function linkNames(
  fileNames: readonly string[],
  options: Pick<AlbumPathOptions, "noAlbumSorting">,
  profile: AlbumPathProfile,
  maxBytes: number = profile.maxFilenameBytes,
): string[] {
  const fit = { ntfs: profile.ntfs, maxFilenameBytes: maxBytes };
  const used = new Set<string>();
  return fileNames.map((fileName, i) => {
    const base = options.noAlbumSorting
      ? fileName
      : `${String(i).padStart(4, "0")}_${fileName}`;
    let name = fitFileName(base, fit);
    for (let n = 2; used.has(nameKey(name, profile)); n++) {
      const { stem, ext } = splitExtension(fitFileName(base, fit));
      const tag = ` (${n})`;
      name = cutToBytes(stem, maxBytes - utf8Length(tag + ext)) + tag + ext;
    }
    used.add(nameKey(name, profile));
    return name;
  });
}

// ---- one album -------------------------------------------------------------

export interface PlannedLink {
  name: string;
  file: AlbumFile;
}

export interface AlbumPlan {
  /** Folder segments relative to the albums root. */
  folder: string[];
  /** In link order. */
  links: PlannedLink[];
  /** The title was cut to fit the filesystem's path length. */
  shortened: boolean;
}

/**
 * An album's folder and link names. `files` are in link order (the index's
 * albumFiles order, inverted for --album-invert). `rootPath` is the
 * absolute albums root, for the path length limit. `taken` holds the
 * folders other albums of the same root got (see folderKey); the folder
 * chosen here is added to it. Undefined when no link name can fit under
 * the path length limit.
 */
export function planAlbum(
  album: AlbumEntry,
  files: readonly AlbumFile[],
  options: AlbumPathOptions,
  profile: AlbumPathProfile,
  rootPath: string,
  taken: Set<string> = new Set(),
): AlbumPlan | undefined {
  const fileNames = files.map((f) => f.item.fileName);
  let names = linkNames(fileNames, options, profile);
  const longest = Math.max(0, ...names.map(utf8Length));
  const rootBytes = utf8Length(rootPath.replace(/\/+$/, ""));
  const room = (segments: string[]) =>
    profile.maxPathBytes - rootBytes -
    segments.reduce((n, s) => n + 1 + utf8Length(s), 0) - 1;
  const place = (title: string) =>
    freeFolder(albumFolder(album, options, profile, title), taken, profile);

  const title = validFileName(album.albumName, profile);
  let folder = place(title);
  let shortened = false;
  let left = room(folder);
  if (left < longest) {
    const titleBytes = utf8Length(title);
    const cut = Math.max(
      Math.min(MIN_TITLE_BYTES, titleBytes),
      titleBytes - (longest - left),
    );
    if (cut < titleBytes) {
      folder = place(cutToBytes(title, cut));
      shortened = true;
      left = room(folder);
    }
  }
  if (left < longest) {
    if (left < MIN_LINK_NAME_BYTES) return undefined;
    names = linkNames(fileNames, options, profile, left);
  }
  taken.add(folderKey(folder, profile));
  return {
    folder,
    links: files.map((file, i) => ({ name: names[i], file })),
    shortened,
  };
}
