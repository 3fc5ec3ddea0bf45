// Tar headers as the writers of Takeout-sized archives make them: POSIX
// ustar (name prefix), GNU (long names in 'L'/'K' records, base-256 numbers
// for sizes over 8 GB) and pax (extended 'x' and global 'g' records with
// path, linkpath, size and mtime).

import type { EntryKind } from "./archive.ts";

export const BLOCK = 512;

export interface TarHeader {
  /** The name field, with the ustar prefix applied. */
  name: string;
  linkname: string;
  /** The size field: how many data bytes follow, for types that have data. */
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
  mode: number;
  type: string;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const latin1 = new TextDecoder("latin1");

/** Text of a NUL-terminated field: UTF-8, else Latin-1 (old tars). */
export function decodeText(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  const field = end < 0 ? bytes : bytes.subarray(0, end);
  try {
    return utf8.decode(field);
  } catch {
    return latin1.decode(field);
  }
}

export function isZeroBlock(block: Uint8Array): boolean {
  for (const b of block) if (b !== 0) return false;
  return true;
}

/**
 * A numeric field: octal text, or base-256 when the top bit of the first
 * byte is set (GNU, for sizes of 8 GiB and more). Undefined when malformed.
 */
export function parseNumber(field: Uint8Array): number | undefined {
  if (field[0] & 0x80) {
    if (field[0] === 0xff) return undefined; // negative: no size or time here
    let n = BigInt(field[0] & 0x7f);
    for (const b of field.subarray(1)) n = (n << 8n) | BigInt(b);
    return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : undefined;
  }
  const text = latin1.decode(field).replace(/[\0 ]+$/, "").replace(/^ +/, "");
  if (text === "") return 0;
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : undefined;
}

/** A header block; a string says why it is not one. */
export function parseHeader(block: Uint8Array): TarHeader | string {
  const checksum = parseNumber(block.subarray(148, 156));
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i];
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  if (
    checksum === undefined || (checksum !== unsigned && checksum !== signed)
  ) {
    return "its header checksum does not match";
  }
  const size = parseNumber(block.subarray(124, 136));
  if (size === undefined) return "its size field is unreadable";
  const magic = latin1.decode(block.subarray(257, 263));
  let name = decodeText(block.subarray(0, 100));
  if (magic === "ustar\0") {
    const prefix = decodeText(block.subarray(345, 500));
    if (prefix) name = `${prefix}/${name}`;
  }
  return {
    name,
    linkname: decodeText(block.subarray(157, 257)),
    size,
    mtime: parseNumber(block.subarray(136, 148)) ?? 0,
    mode: parseNumber(block.subarray(100, 108)) ?? 0,
    type: block[156] === 0 ? "0" : String.fromCharCode(block[156]),
  };
}

/** Pax records ("LEN key=value\n" ...); a string says why they are bad. */
export function parsePax(bytes: Uint8Array): Map<string, string> | string {
  const out = new Map<string, string>();
  let at = 0;
  while (at < bytes.length) {
    if (bytes[at] === 0) break; // some writers pad with NULs
    const space = bytes.indexOf(0x20, at);
    const length = space < 0
      ? NaN
      : Number(latin1.decode(bytes.subarray(at, space)));
    if (
      !Number.isInteger(length) || length <= 0 || at + length > bytes.length
    ) {
      return `a pax record at byte ${at} is malformed`;
    }
    const record = bytes.subarray(space + 1, at + length - 1);
    const eq = record.indexOf(0x3d);
    if (eq < 0 || bytes[at + length - 1] !== 0x0a) {
      return `a pax record at byte ${at} is malformed`;
    }
    const key = latin1.decode(record.subarray(0, eq));
    let value: string;
    try {
      value = utf8.decode(record.subarray(eq + 1));
    } catch {
      value = latin1.decode(record.subarray(eq + 1));
    }
    out.set(key, value);
    at += length;
  }
  return out;
}

/** Entry kind of a type flag (and name, for old tars' directories). */
export function kindOf(type: string, name: string): EntryKind {
  switch (type) {
    case "0":
    case "7":
      return name.endsWith("/") ? "dir" : "file";
    case "1":
      return "hardlink";
    case "2":
      return "symlink";
    case "5":
    case "D":
      return "dir";
    default:
      return "other";
  }
}

/** Whether data blocks follow a header of this type (POSIX: not for 1-6). */
export function hasData(type: string): boolean {
  return !"123456".includes(type);
}
