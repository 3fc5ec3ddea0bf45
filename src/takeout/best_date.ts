// The capture date of a Takeout item, from the best source there is. The
// sidecar's photoTakenTime is an exact UTC instant and wins. A file whose
// sidecar could not be matched (or has no time) falls back to its EXIF
// DateTimeOriginal (for a video, the creation time of its movie header),
// then to a date written in its name (IMG_20191230_232926,
// Screenshot_2023-10-27-12-33-03, VID-20200101-WA0001...), then to the time
// the archive entry carries, which is only the export's time but keeps the
// file. The report says which source each unmatched file got.
//
// EXIF and file-name times carry no zone; like the rest of the program
// (src/media/exif.ts) they are read as UTC wall-clock times.

import { memoryBytes } from "../media/file_bytes.ts";
import {
  exifCaptureTime,
  type ExifFields,
  readExifFrom,
} from "../media/exif.ts";

export type DateSource = "sidecar" | "exif" | "video" | "filename" | "entry";

export interface BestDate {
  date: Date;
  source: DateSource;
}

/** What is known about an item when its date is chosen. */
export interface DateEvidence {
  /** The sidecar's photoTakenTime (of the item, or of the original it edits). */
  photoTakenTime?: Date;
  /**
   * The sidecar's creationTime (upload time): used only when the sidecar has
   * no photoTakenTime and neither EXIF nor the name gives a date; reported
   * as "sidecar".
   */
  creationTime?: Date;
  /** The file's EXIF fields, when already read. */
  exif?: ExifFields;
  /** A video's movie header (mvhd) creation time, when already read. */
  videoTime?: Date;
  /** The file name (archive name or restored original name). */
  name: string;
  /** The archive entry's modification time. */
  entryTime: Date;
}

/** Bounds for dates read from file names. */
export interface NameDateOptions {
  /**
   * Dates after this instant (plus a day for time zones) are not dates. When
   * absent, any year up to 2099 passes.
   */
  now?: Date;
}

function isValid(date: Date | undefined): date is Date {
  return date !== undefined && !Number.isNaN(date.getTime());
}

/** The EXIF capture time: DateTimeOriginal (with its offset), nothing else. */
export function exifOriginalTime(fields: ExifFields): Date | undefined {
  if (fields.dateTimeOriginal === undefined) return undefined;
  // exifCaptureTime falls back to IFD0 DateTime, the file's last change:
  // for a Takeout download that is often Google's edit time, not capture.
  return exifCaptureTime({
    dateTimeOriginal: fields.dateTimeOriginal,
    offsetTimeOriginal: fields.offsetTimeOriginal,
  });
}

/** Pick the best date among what is already known (no I/O). */
export function chooseBestDate(
  evidence: DateEvidence,
  options: NameDateOptions = {},
): BestDate {
  if (isValid(evidence.photoTakenTime)) {
    return { date: evidence.photoTakenTime, source: "sidecar" };
  }
  const exif = evidence.exif === undefined
    ? undefined
    : exifOriginalTime(evidence.exif);
  if (isValid(exif)) return { date: exif, source: "exif" };
  if (isValid(evidence.videoTime)) {
    return { date: evidence.videoTime, source: "video" };
  }
  const named = dateFromFileName(evidence.name, options);
  if (named !== undefined) return { date: named, source: "filename" };
  if (isValid(evidence.creationTime)) {
    return { date: evidence.creationTime, source: "sidecar" };
  }
  return { date: evidence.entryTime, source: "entry" };
}

/**
 * Like chooseBestDate, with the EXIF block read only when the sidecar has no
 * photoTakenTime: `readExif` is called at most once (exifOfBytes and
 * src/media/exif.ts's readExif fit it). EXIF that cannot be read counts as
 * none: the name or the entry time still gives a date, and the importer
 * reports the read error itself.
 */
export async function bestDate(
  evidence: Omit<DateEvidence, "exif"> & {
    readExif?: () => Promise<ExifFields | undefined>;
  },
  options: NameDateOptions = {},
): Promise<BestDate> {
  const { readExif, ...known } = evidence;
  if (isValid(known.photoTakenTime)) {
    return { date: known.photoTakenTime, source: "sidecar" };
  }
  let exif: ExifFields | undefined;
  if (readExif !== undefined) {
    try {
      exif = await readExif();
    } catch {
      exif = undefined;
    }
  }
  return chooseBestDate({ ...known, exif }, options);
}

/**
 * The EXIF fields of a file's first bytes (a JPEG's EXIF block sits in its
 * first 64 KiB; a streaming importer can hand over just that much).
 */
export async function exifOfBytes(
  bytes: Uint8Array,
): Promise<ExifFields | undefined> {
  return await readExifFrom(memoryBytes(bytes));
}

// Dates in names. Separated: 2023-10-27, 2023_10_27, 2023.10.27, each with
// an optional time after it (12-33-03, 12.33.03, " at 12.33.03"). Compact:
// 20191230, 20191230_232926, 20231006_063909898 (milliseconds), 20191230232926.
const SEPARATED =
  /(?<!\d)(\d{4})([-_.])(\d{2})\2(\d{2})(?:(?:[ T_-]|\sat\s)+(\d{2})[-_.:h](\d{2})[-_.:m](\d{2}))?(?!\d)/gu;
const COMPACT =
  /(?<!\d)(\d{4})(\d{2})(\d{2})(?:[ T_-]?(\d{2})(\d{2})(\d{2})\d{0,3})?(?!\d)/gu;

/** Earliest year accepted for names with separators (scans of old prints). */
const MIN_YEAR_SEPARATED = 1900;
/** Earliest for bare digit runs, which are often counters, not dates. */
const MIN_YEAR_COMPACT = 1970;
const MAX_YEAR = 2099;
const DAY_MS = 86_400_000;

/**
 * The date and time written in a file name, as UTC wall-clock time, or
 * undefined. Month, day and time ranges are checked (no 31 April), years
 * must be plausible, and a date after `now` is not one.
 */
export function dateFromFileName(
  name: string,
  options: NameDateOptions = {},
): Date | undefined {
  const found: { index: number; date: Date }[] = [];
  for (const m of name.matchAll(SEPARATED)) {
    const date = checkedDate(
      m.slice(1, 2).concat(m.slice(3, 8)),
      MIN_YEAR_SEPARATED,
      options,
    );
    if (date !== undefined) found.push({ index: m.index, date });
  }
  for (const m of name.matchAll(COMPACT)) {
    const date = checkedDate(m.slice(1, 7), MIN_YEAR_COMPACT, options);
    if (date !== undefined) found.push({ index: m.index, date });
  }
  found.sort((a, b) => a.index - b.index);
  return found[0]?.date;
}

/** [year, month, day, hour?, minute?, second?] as a checked UTC date. */
function checkedDate(
  parts: (string | undefined)[],
  minYear: number,
  options: NameDateOptions,
): Date | undefined {
  const [year, month, day] = parts.slice(0, 3).map(Number);
  const [hour, minute, second] = parts.slice(3, 6).map((p) =>
    p === undefined ? 0 : Number(p)
  );
  if (year < minYear || year > MAX_YEAR) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (date.getUTCDate() !== day) return undefined;
  if (
    options.now !== undefined &&
    date.getTime() > options.now.getTime() + DAY_MS
  ) {
    return undefined;
  }
  return date;
}
