// The zip records the reader needs (APPNOTE 6.3.10): end of central
// directory, its ZIP64 record and locator, central directory headers, local
// headers and data descriptors, with the extra fields that matter for
// Takeout: ZIP64 sizes and offsets (0x0001), the Info-ZIP Unicode path
// (0x7075), and the UTC modification times (0x5455, 0x000a).

import zlib from "node:zlib";
import { decodeCp437 } from "./cp437.ts";
import { capEntryName } from "./entry_path.ts";
import type { EntryKind } from "./archive.ts";

export const SIG_LOCAL = 0x04034b50;
export const SIG_CENTRAL = 0x02014b50;
export const SIG_EOCD = 0x06054b50;
export const SIG_ZIP64_EOCD = 0x06064b50;
export const SIG_ZIP64_LOCATOR = 0x07064b50;
export const SIG_DESCRIPTOR = 0x08074b50;

export const EOCD_SIZE = 22;
export const ZIP64_LOCATOR_SIZE = 20;
export const ZIP64_EOCD_SIZE = 56;
export const CENTRAL_SIZE = 46;
export const LOCAL_SIZE = 30;
/** The EOCD plus the longest comment it may carry. */
export const EOCD_SEARCH = EOCD_SIZE + 0xffff;

export const FLAG_ENCRYPTED = 0x0001;
export const FLAG_DESCRIPTOR = 0x0008;
export const FLAG_UTF8 = 0x0800;

export const METHOD_STORED = 0;
export const METHOD_DEFLATE = 8;

const U32_MAX = 0xffffffff;

export const METHOD_NAMES: Record<number, string> = {
  1: "shrink",
  6: "implode",
  9: "deflate64",
  12: "bzip2",
  14: "lzma",
  93: "zstd",
  95: "xz",
  98: "ppmd",
  99: "AES encryption",
};

const utf8 = new TextDecoder("utf-8", { fatal: true });

export function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A 64-bit little-endian field as a number (exact below 2^53). */
export function u64(v: DataView, at: number): number {
  return Number(v.getBigUint64(at, true));
}

export interface EndOfCentralDirectory {
  /** Position of the EOCD record in the file. */
  readonly at: number;
  readonly disk: number;
  readonly cdDisk: number;
  readonly entries: number;
  readonly cdSize: number;
  readonly cdOffset: number;
}

/** The last EOCD record in `tail` (the file's last bytes, from `tailAt`). */
export function findEocd(
  tail: Uint8Array,
  tailAt: number,
): EndOfCentralDirectory | undefined {
  const v = view(tail);
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (v.getUint32(i, true) !== SIG_EOCD) continue;
    const commentLength = v.getUint16(i + 20, true);
    // A signature inside the comment or in entry data would claim a comment
    // running past the end of the file.
    if (i + EOCD_SIZE + commentLength > tail.length) continue;
    return {
      at: tailAt + i,
      disk: v.getUint16(i + 4, true),
      cdDisk: v.getUint16(i + 6, true),
      entries: v.getUint16(i + 10, true),
      cdSize: v.getUint32(i + 12, true),
      cdOffset: v.getUint32(i + 16, true),
    };
  }
  return undefined;
}

/** The ZIP64 locator's pointer to the ZIP64 EOCD record, if `bytes` is one. */
export function parseZip64Locator(bytes: Uint8Array): number | undefined {
  if (bytes.length < ZIP64_LOCATOR_SIZE) return undefined;
  const v = view(bytes);
  if (v.getUint32(0, true) !== SIG_ZIP64_LOCATOR) return undefined;
  return u64(v, 8);
}

/** The ZIP64 EOCD record, if `bytes` (at file position `at`) is one. */
export function parseZip64Eocd(
  bytes: Uint8Array,
  at: number,
): EndOfCentralDirectory | undefined {
  if (bytes.length < ZIP64_EOCD_SIZE) return undefined;
  const v = view(bytes);
  if (v.getUint32(0, true) !== SIG_ZIP64_EOCD) return undefined;
  return {
    at,
    disk: v.getUint32(16, true),
    cdDisk: v.getUint32(20, true),
    entries: u64(v, 32),
    cdSize: u64(v, 40),
    cdOffset: u64(v, 48),
  };
}

/** What a central directory header or a local header says of an entry. */
export interface ZipRecord {
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  /** Offset of the local header, before any prefix correction. */
  localOffset: number;
  mtime: Date | undefined;
  kind: EntryKind;
  mode: number | undefined;
  /** Where the data starts, when known (local header scans). */
  dataOffset?: number;
}

/** Lengths of the variable parts following a fixed central header. */
export function centralTail(fixed: Uint8Array): number {
  const v = view(fixed);
  return v.getUint16(28, true) + v.getUint16(30, true) +
    v.getUint16(32, true);
}

/**
 * One central directory record, read in place: an object the caller reuses
 * from record to record, so that reading a directory of hundreds of
 * thousands of entries makes nothing but their names.
 */
export interface CentralRecord {
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  /** Offset of the local header, before any prefix correction. */
  localOffset: number;
  /** Modification time in epoch milliseconds, NaN when unknown. */
  mtimeMs: number;
  kind: EntryKind;
  /** Unix mode and type bits, -1 when not recorded. */
  mode: number;
  /** The name and extra field lengths (a local header's are usually the same). */
  headerGuess: number;
}

export function emptyCentralRecord(): CentralRecord {
  return {
    name: "",
    flags: 0,
    method: 0,
    crc: 0,
    compressedSize: 0,
    size: 0,
    localOffset: 0,
    mtimeMs: NaN,
    kind: "file",
    mode: -1,
    headerGuess: 0,
  };
}

/**
 * Reads the central directory record at `at` in `bytes` (`v` views the
 * same bytes) into `out`. The caller has checked the signature and that
 * the whole record (centralTail() after the fixed part) is in `bytes`.
 */
export function readCentralRecord(
  bytes: Uint8Array,
  v: DataView,
  at: number,
  out: CentralRecord,
): void {
  const madeBy = v.getUint16(at + 4, true);
  const flags = v.getUint16(at + 8, true);
  const nameLength = v.getUint16(at + 28, true);
  const extraLength = v.getUint16(at + 30, true);
  const externalAttrs = v.getUint32(at + 38, true);
  const nameAt = at + CENTRAL_SIZE;
  const extraAt = nameAt + nameLength;
  const extraEnd = extraAt + extraLength;
  // The first block of each id wins.
  let zip64 = -1;
  let zip64End = -1;
  let unicode = -1;
  let unicodeEnd = -1;
  let ut = -1;
  let utEnd = -1;
  let ntfs = -1;
  let ntfsEnd = -1;
  for (let x = extraAt; x + 4 <= extraEnd;) {
    const id = v.getUint16(x, true);
    const length = v.getUint16(x + 2, true);
    if (x + 4 + length > extraEnd) break;
    const start = x + 4;
    const end = start + length;
    if (id === 0x0001 && zip64 < 0) [zip64, zip64End] = [start, end];
    else if (id === 0x7075 && unicode < 0) [unicode, unicodeEnd] = [start, end];
    else if (id === 0x5455 && ut < 0) [ut, utEnd] = [start, end];
    else if (id === 0x000a && ntfs < 0) [ntfs, ntfsEnd] = [start, end];
    x = end;
  }
  const name = decodeNameWith(
    bytes.subarray(nameAt, extraAt),
    flags,
    unicode < 0 ? undefined : bytes.subarray(unicode, unicodeEnd),
  );
  out.name = name;
  out.flags = flags;
  out.method = v.getUint16(at + 10, true);
  out.crc = v.getUint32(at + 16, true);
  out.compressedSize = v.getUint32(at + 20, true);
  out.size = v.getUint32(at + 24, true);
  out.localOffset = v.getUint32(at + 42, true);
  if (zip64 >= 0) readZip64Fields(v, zip64, zip64End, out);
  out.mtimeMs = centralMtime(bytes, v, at, ut, utEnd, ntfs, ntfsEnd);
  out.mode = unixMode(madeBy, externalAttrs);
  out.kind = centralKind(name, out.mode, externalAttrs);
  out.headerGuess = nameLength + extraLength;
}

/**
 * The ZIP64 extra field (its data from `z` to `end`) over the sizes and
 * offset in `out` that the fixed header saturated: only those are present,
 * in order; a field cut short leaves the rest as the header said.
 */
function readZip64Fields(
  v: DataView,
  z: number,
  end: number,
  out: CentralRecord,
): void {
  if (out.size === U32_MAX) {
    if (z + 8 > end) return;
    out.size = u64(v, z);
    z += 8;
  }
  if (out.compressedSize === U32_MAX) {
    if (z + 8 > end) return;
    out.compressedSize = u64(v, z);
    z += 8;
  }
  if (out.localOffset === U32_MAX && z + 8 <= end) {
    out.localOffset = u64(v, z);
  }
}

/**
 * A central record's modification time in epoch milliseconds: the UTC
 * extended timestamp (from `ut`, -1 when absent), else the NTFS times
 * (from `ntfs`), else the DOS date and time; NaN when none reads.
 */
function centralMtime(
  bytes: Uint8Array,
  v: DataView,
  at: number,
  ut: number,
  utEnd: number,
  ntfs: number,
  ntfsEnd: number,
): number {
  let mtimeMs = NaN;
  if (ut >= 0 && utEnd - ut >= 5 && (bytes[ut] & 1)) {
    mtimeMs = v.getInt32(ut + 1, true) * 1000;
  } else if (ntfs >= 0) {
    mtimeMs = ntfsTime(bytes.subarray(ntfs, ntfsEnd));
  }
  if (Number.isNaN(mtimeMs)) {
    mtimeMs = dosTime(v.getUint16(at + 14, true), v.getUint16(at + 12, true))
      ?.getTime() ?? NaN;
  }
  return mtimeMs;
}

/** Unix mode and type bits from a Unix or macOS host, -1 otherwise. */
function unixMode(madeBy: number, externalAttrs: number): number {
  const host = madeBy >> 8;
  return (host === HOST_UNIX || host === HOST_MACOS) && externalAttrs >>> 16
    ? externalAttrs >>> 16
    : -1;
}

/**
 * A central directory header: `fixed` is its first 46 bytes, `rest` the
 * name, extra field and comment after them.
 */
export function parseCentral(fixed: Uint8Array, rest: Uint8Array): ZipRecord {
  const bytes = new Uint8Array(fixed.length + rest.length);
  bytes.set(fixed);
  bytes.set(rest, fixed.length);
  const r = emptyCentralRecord();
  readCentralRecord(bytes, view(bytes), 0, r);
  return {
    name: r.name,
    flags: r.flags,
    method: r.method,
    crc: r.crc,
    compressedSize: r.compressedSize,
    size: r.size,
    localOffset: r.localOffset,
    mtime: Number.isNaN(r.mtimeMs) ? undefined : new Date(r.mtimeMs),
    kind: r.kind,
    mode: r.mode < 0 ? undefined : r.mode,
  };
}

/** Lengths of the name and extra field after a fixed local header. */
export function localTail(fixed: Uint8Array): number {
  const v = view(fixed);
  return v.getUint16(26, true) + v.getUint16(28, true);
}

/**
 * A local header (fixed 30 bytes + name and extra field) found by a scan.
 * Sizes are those of the header: zero when a data descriptor follows.
 */
export function parseLocal(
  fixed: Uint8Array,
  rest: Uint8Array,
  at: number,
): ZipRecord {
  const v = view(fixed);
  const flags = v.getUint16(6, true);
  const nameLength = v.getUint16(26, true);
  const extraLength = v.getUint16(28, true);
  const extra = parseExtra(rest.subarray(nameLength, nameLength + extraLength));
  let size = v.getUint32(22, true);
  let compressedSize = v.getUint32(18, true);
  const zip64 = extra.get(0x0001);
  if (zip64 && zip64.length >= 16) {
    const z = view(zip64);
    if (size === U32_MAX) size = u64(z, 0);
    if (compressedSize === U32_MAX) compressedSize = u64(z, 8);
  }
  const name = decodeName(rest.subarray(0, nameLength), flags, extra);
  return {
    name,
    flags,
    method: v.getUint16(8, true),
    crc: v.getUint32(14, true),
    compressedSize,
    size,
    localOffset: at,
    mtime: extraTime(extra) ??
      dosTime(v.getUint16(12, true), v.getUint16(10, true)),
    kind: name.endsWith("/") ? "dir" : "file",
    mode: undefined,
    dataOffset: at + LOCAL_SIZE + nameLength + extraLength,
  };
}

/** Extra field blocks by header id (the first of each id wins). */
export function parseExtra(bytes: Uint8Array): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  const v = view(bytes);
  let at = 0;
  while (at + 4 <= bytes.length) {
    const id = v.getUint16(at, true);
    const length = v.getUint16(at + 2, true);
    if (at + 4 + length > bytes.length) break;
    if (!out.has(id)) out.set(id, bytes.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return out;
}

/**
 * Entry names: UTF-8 when flag bit 11 says so; else the Info-ZIP Unicode
 * path field when it belongs to this name (its CRC matches); else, bytes
 * that are valid UTF-8 are taken as UTF-8 (macOS and many libraries omit
 * the flag, and cp437 text is almost never valid UTF-8); else cp437.
 */
export function decodeName(
  bytes: Uint8Array,
  flags: number,
  extra: Map<number, Uint8Array>,
): string {
  return decodeNameWith(bytes, flags, extra.get(0x7075));
}

/** decodeName() given the Unicode path field (0x7075), if any; capped. */
function decodeNameWith(
  bytes: Uint8Array,
  flags: number,
  unicode: Uint8Array | undefined,
): string {
  return capEntryName(decodeUncapped(bytes, flags, unicode));
}

function decodeUncapped(
  bytes: Uint8Array,
  flags: number,
  unicode: Uint8Array | undefined,
): string {
  if (flags & FLAG_UTF8) return utf8OrCp437(bytes);
  if (unicode && unicode.length >= 5 && unicode[0] === 1) {
    const crc = view(unicode).getUint32(1, true);
    if (crc === zlib.crc32(bytes)) {
      try {
        return utf8.decode(unicode.subarray(5));
      } catch {
        // A broken Unicode field: fall back to the header's name.
      }
    }
  }
  return utf8OrCp437(bytes);
}

function utf8OrCp437(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return decodeCp437(bytes);
  }
}

/** MS-DOS date and time, which carry no zone: read as UTC (as Go does). */
export function dosTime(date: number, time: number): Date | undefined {
  if (date === 0) return undefined;
  const ms = Date.UTC(
    1980 + (date >> 9),
    ((date >> 5) & 0xf) - 1,
    date & 0x1f,
    time >> 11,
    (time >> 5) & 0x3f,
    (time & 0x1f) * 2,
  );
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** UTC modification time from the extended timestamp or NTFS fields. */
function extraTime(extra: Map<number, Uint8Array>): Date | undefined {
  const ut = extra.get(0x5455);
  if (ut && ut.length >= 5 && (ut[0] & 1)) {
    return new Date(view(ut).getInt32(1, true) * 1000);
  }
  const ntfs = extra.get(0x000a);
  const ms = ntfs === undefined ? NaN : ntfsTime(ntfs);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** The modification time of an NTFS extra field, in ms; NaN when absent. */
function ntfsTime(ntfs: Uint8Array): number {
  if (ntfs.length < 32) return NaN;
  const v = view(ntfs);
  let at = 4;
  while (at + 4 <= ntfs.length) {
    const tag = v.getUint16(at, true);
    const length = v.getUint16(at + 2, true);
    if (tag === 1 && length >= 8 && at + 12 <= ntfs.length) {
      // 100 ns ticks since 1601-01-01.
      const ticks = v.getBigUint64(at + 4, true);
      return Number(ticks / 10000n) - 11644473600000;
    }
    at += 4 + length;
  }
  return NaN;
}

const HOST_UNIX = 3;
const HOST_MACOS = 19;
const S_IFMT = 0o170000;
const DOS_DIRECTORY = 0x10;

/** Entry kind from the name, the Unix mode (-1: none) and the external attributes. */
function centralKind(name: string, mode: number, external: number): EntryKind {
  if (mode >= 0) {
    switch (mode & S_IFMT) {
      case 0o120000:
        return "symlink";
      case 0o040000:
        return "dir";
      case 0o100000:
      case 0:
        return name.endsWith("/") ? "dir" : "file";
      default:
        return "other";
    }
  }
  if (name.endsWith("/") || (external & DOS_DIRECTORY)) return "dir";
  return "file";
}

export interface DataDescriptor {
  crc: number;
  compressedSize: number;
  size: number;
  /** Position just after the descriptor. */
  end: number;
}

/**
 * Whether a data descriptor for data starting at `dataStart` sits at file
 * position `at`, where `bytes` (holding file positions from `bytesAt`) has a
 * "PK" pair. A descriptor is recognised by its compressed size matching its
 * distance from the data, with its signature (PK 07 08) or without one
 * (then the next header's signature follows it); 32- and 64-bit sizes.
 */
export function descriptorAt(
  bytes: Uint8Array,
  bytesAt: number,
  at: number,
  dataStart: number,
): DataDescriptor | undefined {
  const v = view(bytes);
  const i = at - bytesAt;
  const has = (from: number, length: number) =>
    from >= 0 && from + length <= bytes.length;
  if (!has(i, 4)) return undefined;
  const sig = v.getUint32(i, true);
  if (sig === SIG_DESCRIPTOR) {
    const distance = at - dataStart;
    if (has(i, 24) && u64(v, i + 8) === distance) {
      return {
        crc: v.getUint32(i + 4, true),
        compressedSize: distance,
        size: u64(v, i + 16),
        end: at + 24,
      };
    }
    if (has(i, 16) && v.getUint32(i + 8, true) === distance) {
      return {
        crc: v.getUint32(i + 4, true),
        compressedSize: distance,
        size: v.getUint32(i + 12, true),
        end: at + 16,
      };
    }
    return undefined;
  }
  if (sig !== SIG_LOCAL && sig !== SIG_CENTRAL) return undefined;
  // An unsigned descriptor just before the next header.
  const short = i - 12;
  if (short >= 0 && at - 12 >= dataStart) {
    const distance = at - 12 - dataStart;
    if (v.getUint32(short + 4, true) === distance) {
      return {
        crc: v.getUint32(short, true),
        compressedSize: distance,
        size: v.getUint32(short + 8, true),
        end: at,
      };
    }
  }
  const long = i - 20;
  if (long >= 0 && at - 20 >= dataStart) {
    const distance = at - 20 - dataStart;
    if (u64(v, long + 4) === distance) {
      return {
        crc: v.getUint32(long, true),
        compressedSize: distance,
        size: u64(v, long + 12),
        end: at,
      };
    }
  }
  return undefined;
}
