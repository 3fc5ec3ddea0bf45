// Reads the few EXIF fields the folder comparison needs (capture time,
// ImageUniqueID, description, camera) from JPEG files and TIFF-based files
// (TIFF, DNG and most camera raw formats). It reads only the JPEG marker
// headers up to the EXIF segment, or the TIFF directories, never the image
// data. gphotos-sync's reader (the Python `exif` package) handled the same
// formats; anything else is "no EXIF" here as it was there.
//
// Hand-written rather than an npm package: the format is small and fixed,
// and owning the bytes read keeps a folder of large raw files cheap to scan.
// Damaged data never throws: what cannot be read is simply absent.

import { type ByteSource, memoryBytes, withFileBytes } from "./file_bytes.ts";

/** The raw EXIF text values, as the file holds them (NULs and blanks trimmed). */
export interface ExifFields {
  /** Exif IFD 0x9003, "YYYY:MM:DD HH:MM:SS" as written by the camera. */
  dateTimeOriginal?: string;
  /** Exif IFD 0x9011, e.g. "+02:00": the zone of dateTimeOriginal. */
  offsetTimeOriginal?: string;
  /** IFD0 0x0132, the file's last change, used when there is no original. */
  dateTime?: string;
  /** Exif IFD 0xA420, usually 32 hex digits. */
  imageUniqueId?: string;
  /** IFD0 0x010E. */
  imageDescription?: string;
  /** IFD0 0x010F and 0x0110. */
  make?: string;
  model?: string;
}

const TAG_IMAGE_DESCRIPTION = 0x010e;
const TAG_MAKE = 0x010f;
const TAG_MODEL = 0x0110;
const TAG_DATE_TIME = 0x0132;
const TAG_EXIF_IFD = 0x8769;
const TAG_DATE_TIME_ORIGINAL = 0x9003;
const TAG_OFFSET_TIME_ORIGINAL = 0x9011;
const TAG_IMAGE_UNIQUE_ID = 0xa420;

/** Byte size of one value of each TIFF field type (1-13). */
const TYPE_SIZES = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4];
/** Text fields longer than this are cut: none of ours is near it. */
const MAX_TEXT_BYTES = 4096;
/** A directory claiming more entries than this is damage, not data. */
const MAX_IFD_ENTRIES = 1024;
/** Marker segments looked at before giving up on finding EXIF. */
const MAX_JPEG_SEGMENTS = 512;
/** TIFF magic numbers: standard, Olympus ORF ("RO", "SR"), Panasonic RW2. */
const TIFF_MAGICS = new Set([42, 0x4f52, 0x5352, 0x55]);

/**
 * The EXIF fields of the file at `path`, or undefined when it is neither a
 * JPEG nor a TIFF-based file, or has no readable EXIF block. Throws only
 * when the file cannot be opened or read.
 */
export async function readExif(path: string): Promise<ExifFields | undefined> {
  return await withFileBytes(path, readExifFrom);
}

/** readExif over any ByteSource (bytes in memory: memoryBytes). */
export async function readExifFrom(
  source: ByteSource,
): Promise<ExifFields | undefined> {
  const head = await source.read(0, 4);
  if (head.length < 4) return undefined;
  if (head[0] === 0xff && head[1] === 0xd8) {
    const tiff = await jpegExifBlock(source);
    return tiff === undefined ? undefined : await parseTiff(memoryBytes(tiff));
  }
  if (isTiffHeader(head)) return await parseTiff(source);
  return undefined;
}

function isTiffHeader(head: Uint8Array): boolean {
  const little = head[0] === 0x49 && head[1] === 0x49;
  const big = head[0] === 0x4d && head[1] === 0x4d;
  if (!little && !big) return false;
  const magic = little ? head[2] | (head[3] << 8) : (head[2] << 8) | head[3];
  return TIFF_MAGICS.has(magic);
}

/**
 * The TIFF block of the first APP1 "Exif" segment, found by walking the
 * marker headers from SOI up to the start of the image data.
 */
async function jpegExifBlock(
  source: ByteSource,
): Promise<Uint8Array | undefined> {
  let offset = 2;
  for (let segments = 0; segments < MAX_JPEG_SEGMENTS; segments++) {
    const header = await source.read(offset, 4);
    if (header.length < 2 || header[0] !== 0xff) return undefined;
    const marker = header[1];
    if (marker === 0xff) {
      // A fill byte before the marker: step over it.
      offset += 1;
      continue;
    }
    // Markers without a length: TEM, RST0-7, SOI.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      offset += 2;
      continue;
    }
    // EOI or the start of scan: the metadata segments are all before it.
    if (marker === 0xd9 || marker === 0xda) return undefined;
    if (header.length < 4) return undefined;
    const length = (header[2] << 8) | header[3];
    if (length < 2) return undefined;
    if (marker === 0xe1 && length >= 8) {
      const payload = await source.read(offset + 4, length - 2);
      if (payload.length < 6) return undefined;
      // "Exif\0" then a pad byte that is 0 by the standard; some writers
      // put 0xFF there.
      if (
        payload[0] === 0x45 && payload[1] === 0x78 && payload[2] === 0x69 &&
        payload[3] === 0x66 && payload[4] === 0x00
      ) {
        return payload.subarray(6);
      }
    }
    offset += 2 + length;
  }
  return undefined;
}

/** Reads numbers in the block's byte order, refusing reads past its end. */
class TiffView {
  constructor(
    readonly source: ByteSource,
    readonly little: boolean,
  ) {}

  async bytes(offset: number, length: number): Promise<Uint8Array | undefined> {
    const bytes = await this.source.read(offset, length);
    return bytes.length === length ? bytes : undefined;
  }

  u16(bytes: Uint8Array, at: number): number {
    return this.little
      ? bytes[at] | (bytes[at + 1] << 8)
      : (bytes[at] << 8) | bytes[at + 1];
  }

  u32(bytes: Uint8Array, at: number): number {
    const b = [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]];
    const [b0, b1, b2, b3] = this.little ? b.reverse() : b;
    return ((b0 << 24) >>> 0) + (b1 << 16) + (b2 << 8) + b3;
  }
}

interface IfdEntry {
  tag: number;
  type: number;
  count: number;
  /** The 4 value bytes of the entry: the value, or where it is. */
  valueBytes: Uint8Array;
}

/**
 * The fields of a TIFF block (the start of `source` is the byte-order
 * mark). Missing or damaged directories and values are left out.
 */
export async function parseTiff(
  source: ByteSource,
): Promise<ExifFields | undefined> {
  const header = await source.read(0, 8);
  if (header.length < 8 || !isTiffHeader(header)) return undefined;
  const view = new TiffView(source, header[0] === 0x49);
  const ifd0 = await readIfd(view, view.u32(header, 4));
  if (ifd0 === undefined) return undefined;

  const fields: ExifFields = {};
  fields.imageDescription = await textOf(view, ifd0, TAG_IMAGE_DESCRIPTION);
  fields.make = await textOf(view, ifd0, TAG_MAKE);
  fields.model = await textOf(view, ifd0, TAG_MODEL);
  fields.dateTime = await textOf(view, ifd0, TAG_DATE_TIME);

  const pointer = ifd0.get(TAG_EXIF_IFD);
  if (pointer !== undefined && (pointer.type === 4 || pointer.type === 13)) {
    const exifIfd = await readIfd(view, view.u32(pointer.valueBytes, 0));
    if (exifIfd !== undefined) {
      fields.dateTimeOriginal = await textOf(
        view,
        exifIfd,
        TAG_DATE_TIME_ORIGINAL,
      );
      fields.offsetTimeOriginal = await textOf(
        view,
        exifIfd,
        TAG_OFFSET_TIME_ORIGINAL,
      );
      fields.imageUniqueId = await textOf(view, exifIfd, TAG_IMAGE_UNIQUE_ID);
    }
  }
  for (const key of Object.keys(fields) as (keyof ExifFields)[]) {
    if (fields[key] === undefined) delete fields[key];
  }
  return fields;
}

async function readIfd(
  view: TiffView,
  offset: number,
): Promise<Map<number, IfdEntry> | undefined> {
  if (offset < 8) return undefined;
  const countBytes = await view.bytes(offset, 2);
  if (countBytes === undefined) return undefined;
  const count = view.u16(countBytes, 0);
  if (count === 0 || count > MAX_IFD_ENTRIES) return undefined;
  // A directory cut short by the end of the data still yields the entries
  // that are whole.
  const table = await view.source.read(offset + 2, count * 12);
  const entries = new Map<number, IfdEntry>();
  for (let at = 0; at + 12 <= table.length; at += 12) {
    const tag = view.u16(table, at);
    if (!entries.has(tag)) {
      entries.set(tag, {
        tag,
        type: view.u16(table, at + 2),
        count: view.u32(table, at + 4),
        valueBytes: table.subarray(at + 8, at + 12),
      });
    }
  }
  return entries;
}

/**
 * A text value: ASCII as the standard says, but UNDEFINED and BYTE as some
 * cameras write ImageUniqueID are read the same way. Undefined when absent,
 * empty or out of bounds.
 */
async function textOf(
  view: TiffView,
  ifd: Map<number, IfdEntry>,
  tag: number,
): Promise<string | undefined> {
  const entry = ifd.get(tag);
  if (entry === undefined) return undefined;
  if (entry.type !== 2 && entry.type !== 7 && entry.type !== 1) {
    return undefined;
  }
  const size = TYPE_SIZES[entry.type] * entry.count;
  if (size === 0) return undefined;
  let raw: Uint8Array | undefined;
  if (size <= 4) {
    raw = entry.valueBytes.subarray(0, size);
  } else {
    raw = await view.bytes(
      view.u32(entry.valueBytes, 0),
      Math.min(size, MAX_TEXT_BYTES),
    );
  }
  if (raw === undefined) return undefined;
  const nul = raw.indexOf(0);
  const text = decodeText(nul < 0 ? raw : raw.subarray(0, nul)).trim();
  return text === "" ? undefined : text;
}

/** UTF-8 when the bytes are valid UTF-8 (modern writers), else Latin-1. */
function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return String.fromCharCode(...bytes);
  }
}

const EXIF_DATE =
  /^\s*(\d{4})[:\-.\/ ](\d{1,2})[:\-.\/ ](\d{1,2})[T ]\s*(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?/;
const EXIF_OFFSET = /^\s*([+-])(\d{2}):?(\d{2})\s*$/;

/**
 * The capture time an EXIF block gives: DateTimeOriginal, else DateTime (as
 * gphotos-sync chose). The camera's wall-clock time is taken as UTC, which
 * is what gphotos-sync stored, unless OffsetTimeOriginal says which zone it
 * was in; then the true UTC instant is returned. Undefined when neither
 * date is readable (cameras write "0000:00:00 00:00:00" for "unset").
 */
export function exifCaptureTime(fields: ExifFields): Date | undefined {
  const original = parseExifDate(fields.dateTimeOriginal);
  if (original !== undefined) {
    const zone = EXIF_OFFSET.exec(fields.offsetTimeOriginal ?? "");
    if (zone === null) return original;
    const minutes = Number(zone[2]) * 60 + Number(zone[3]);
    if (minutes > 18 * 60) return original;
    const sign = zone[1] === "-" ? -1 : 1;
    return new Date(original.getTime() - sign * minutes * 60_000);
  }
  return parseExifDate(fields.dateTime);
}

/** "YYYY:MM:DD HH:MM:SS" (and the usual deviations) as a UTC wall-clock Date. */
export function parseExifDate(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const m = EXIF_DATE.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute] = m.slice(1, 6).map(Number);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (
    year < 1 || month < 1 || month > 12 || day < 1 || hour > 23 ||
    minute > 59 || second > 59
  ) {
    return undefined;
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  // 31 April would roll over into May: that is not a real date.
  if (date.getUTCDate() !== day) return undefined;
  return date;
}
