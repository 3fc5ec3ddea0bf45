// The creation time that MP4, MOV, M4V and 3GP files (ISO base media /
// QuickTime) carry in their movie header box, moov/mvhd: the value ffprobe
// reports as format creation_time, which is what gphotos-sync asked ffprobe
// for. Only box headers are read, following sizes from one box to the next,
// so the media data (mdat, often gigabytes) is skipped, wherever moov is.

import { type ByteSource, withFileBytes } from "./file_bytes.ts";

/** Seconds from 1904-01-01 (the QuickTime epoch) to 1970-01-01. */
const QUICKTIME_EPOCH_OFFSET = 2_082_844_800;
/** Boxes looked at on one level before the file is taken as damaged. */
const MAX_BOXES = 4096;
/** Latest instant a Date can hold, in seconds. */
const MAX_DATE_SECONDS = 8.64e12;

/**
 * The mvhd creation time of the file at `path`, or undefined when it is not
 * an ISO base media / QuickTime file, has no movie header, or the header
 * leaves the time unset (0). Throws only when the file cannot be read.
 */
export async function readVideoCreationTime(
  path: string,
): Promise<Date | undefined> {
  return await withFileBytes(path, readVideoCreationTimeFrom);
}

interface Box {
  type: string;
  /** Where the box's content starts (after its header). */
  contentStart: number;
  /** Where the next box starts. */
  end: number;
}

/** readVideoCreationTime over any ByteSource. */
export async function readVideoCreationTimeFrom(
  source: ByteSource,
): Promise<Date | undefined> {
  const moov = await findBox(source, 0, source.size, "moov", true);
  if (moov === undefined) return undefined;
  const mvhd = await findBox(source, moov.contentStart, moov.end, "mvhd");
  if (mvhd === undefined) return undefined;
  return await mvhdCreationTime(source, mvhd);
}

/**
 * The first box of `type` among the boxes laid end to end in [start, end).
 * At top level the first box must look like one (a printable four-letter
 * type), so that other files are not walked as if they were boxes.
 */
async function findBox(
  source: ByteSource,
  start: number,
  end: number,
  type: string,
  topLevel = false,
): Promise<Box | undefined> {
  let offset = start;
  for (let n = 0; n < MAX_BOXES && offset + 8 <= end; n++) {
    const box = await readBoxHeader(source, offset, end);
    if (box === undefined) return undefined;
    if (topLevel && n === 0 && !/^[\x20-\x7e]{4}$/.test(box.type)) {
      return undefined;
    }
    if (box.type === type) return box;
    offset = box.end;
  }
  return undefined;
}

/**
 * A box header: a 32-bit size and a type; size 1 means a 64-bit size
 * follows, size 0 means the box runs to the end of its parent.
 */
async function readBoxHeader(
  source: ByteSource,
  offset: number,
  parentEnd: number,
): Promise<Box | undefined> {
  const header = await source.read(offset, 16);
  if (header.length < 8) return undefined;
  const data = new DataView(header.buffer, header.byteOffset, header.length);
  const size32 = data.getUint32(0);
  const type = String.fromCharCode(header[4], header[5], header[6], header[7]);
  let size: number;
  let headerSize = 8;
  if (size32 === 1) {
    if (header.length < 16) return undefined;
    const size64 = data.getBigUint64(8);
    if (size64 > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
    size = Number(size64);
    headerSize = 16;
  } else if (size32 === 0) {
    size = parentEnd - offset;
  } else {
    size = size32;
  }
  if (size < headerSize) return undefined;
  // A box claiming to run past its parent is cut to it: a file truncated
  // inside mdat must not hide a moov that comes earlier.
  return {
    type,
    contentStart: offset + headerSize,
    end: Math.min(offset + size, parentEnd),
  };
}

/**
 * mvhd is a full box: version (1 byte), flags (3), then the creation time
 * as 32 bits (version 0) or 64 bits (version 1), in seconds since 1904.
 */
async function mvhdCreationTime(
  source: ByteSource,
  mvhd: Box,
): Promise<Date | undefined> {
  const body = await source.read(
    mvhd.contentStart,
    Math.min(12, mvhd.end - mvhd.contentStart),
  );
  if (body.length < 8) return undefined;
  const data = new DataView(body.buffer, body.byteOffset, body.length);
  const version = body[0];
  let seconds: number;
  if (version === 0) {
    seconds = data.getUint32(4);
  } else if (version === 1) {
    if (body.length < 12) return undefined;
    const big = data.getBigUint64(4);
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
    seconds = Number(big);
  } else {
    return undefined;
  }
  // 0 is how muxers say "unknown".
  if (seconds === 0) return undefined;
  const unixSeconds = seconds - QUICKTIME_EPOCH_OFFSET;
  if (unixSeconds > MAX_DATE_SECONDS) return undefined;
  return new Date(unixSeconds * 1000);
}
