// Real, small media files built byte by byte for the metadata and comparison
// tests: a baseline 1x1 JPEG with an EXIF APP1 segment (either byte order),
// a bare TIFF, and MP4/MOV files made of ftyp, moov/mvhd and mdat boxes
// (32- or 64-bit sizes, moov before or after mdat).

export interface ExifSpec {
  /** "YYYY:MM:DD HH:MM:SS" */
  dateTimeOriginal?: string;
  offsetTimeOriginal?: string;
  dateTime?: string;
  imageUniqueId?: string;
  imageDescription?: string;
  make?: string;
  model?: string;
  /** Byte order of the TIFF block; little-endian ("II") by default. */
  bigEndian?: boolean;
  /** TIFF type of ImageUniqueID: 2 (ASCII, the standard) or 7 (UNDEFINED). */
  uniqueIdType?: 2 | 7;
}

interface TagSpec {
  tag: number;
  type: number;
  /** Value bytes (text already NUL-terminated) or a LONG. */
  value: Uint8Array | number;
}

const encoder = new TextEncoder();

function ascii(text: string): Uint8Array {
  return encoder.encode(text + "\0");
}

/** Writes numbers in one byte order into a growing buffer. */
class Writer {
  bytes: number[] = [];
  constructor(readonly little: boolean) {}

  u8(...values: number[]): void {
    this.bytes.push(...values.map((v) => v & 0xff));
  }

  u16(value: number): void {
    const b = [(value >> 8) & 0xff, value & 0xff];
    this.u8(...(this.little ? b.reverse() : b));
  }

  u32(value: number): void {
    const b = [
      (value >>> 24) & 0xff,
      (value >>> 16) & 0xff,
      (value >>> 8) & 0xff,
      value & 0xff,
    ];
    this.u8(...(this.little ? b.reverse() : b));
  }

  raw(data: Uint8Array): void {
    this.bytes.push(...data);
  }
}

const TYPE_SIZES: Record<number, number> = { 2: 1, 4: 4, 7: 1 };

/** A TIFF block: IFD0, then the Exif IFD, then the values that do not fit. */
export function tiffBlock(spec: ExifSpec): Uint8Array {
  const little = !spec.bigEndian;
  const ifd0: TagSpec[] = [];
  const exif: TagSpec[] = [];
  const text = (list: TagSpec[], tag: number, value?: string, type = 2) => {
    if (value !== undefined) list.push({ tag, type, value: ascii(value) });
  };
  text(ifd0, 0x010e, spec.imageDescription);
  text(ifd0, 0x010f, spec.make);
  text(ifd0, 0x0110, spec.model);
  text(ifd0, 0x0132, spec.dateTime);
  text(exif, 0x9003, spec.dateTimeOriginal);
  text(exif, 0x9011, spec.offsetTimeOriginal);
  text(exif, 0xa420, spec.imageUniqueId, spec.uniqueIdType ?? 2);

  const ifdSize = (n: number) => 2 + 12 * n + 4;
  const hasExif = exif.length > 0;
  const ifd0Count = ifd0.length + (hasExif ? 1 : 0);
  const exifOffset = 8 + ifdSize(ifd0Count);
  let dataOffset = exifOffset + (hasExif ? ifdSize(exif.length) : 0);
  if (hasExif) ifd0.push({ tag: 0x8769, type: 4, value: exifOffset });
  ifd0.sort((a, b) => a.tag - b.tag);
  exif.sort((a, b) => a.tag - b.tag);

  const w = new Writer(little);
  const data: Uint8Array[] = [];
  w.raw(encoder.encode(little ? "II" : "MM"));
  w.u16(42);
  w.u32(8);
  const writeIfd = (tags: TagSpec[]) => {
    w.u16(tags.length);
    for (const t of tags) {
      w.u16(t.tag);
      w.u16(t.type);
      if (typeof t.value === "number") {
        w.u32(1);
        w.u32(t.value);
        continue;
      }
      const size = t.value.length * TYPE_SIZES[t.type];
      w.u32(t.value.length);
      if (size <= 4) {
        const padded = new Uint8Array(4);
        padded.set(t.value);
        w.raw(padded);
      } else {
        w.u32(dataOffset);
        data.push(t.value);
        dataOffset += size;
      }
    }
    w.u32(0);
  };
  writeIfd(ifd0);
  if (hasExif) writeIfd(exif);
  for (const d of data) w.raw(d);
  return new Uint8Array(w.bytes);
}

function segment(marker: number, payload: Uint8Array | number[]): number[] {
  const length = payload.length + 2;
  return [0xff, marker, (length >> 8) & 0xff, length & 0xff, ...payload];
}

/**
 * A baseline 1x1 grey JPEG that decoders accept: JFIF APP0, an optional
 * EXIF APP1, one quantization table, one-code Huffman tables, one block.
 */
export function jpeg(spec?: ExifSpec): Uint8Array {
  const bytes: number[] = [0xff, 0xd8];
  bytes.push(
    ...segment(0xe0, [
      ...encoder.encode("JFIF\0"),
      1,
      1,
      0,
      0,
      1,
      0,
      1,
      0,
      0,
    ]),
  );
  if (spec !== undefined) {
    bytes.push(
      ...segment(0xe1, [...encoder.encode("Exif\0\0"), ...tiffBlock(spec)]),
    );
  }
  bytes.push(...segment(0xdb, [0, ...new Array(64).fill(1)]));
  bytes.push(...segment(0xc0, [8, 0, 1, 0, 1, 1, 1, 0x11, 0]));
  const oneCode = [1, ...new Array(15).fill(0), 0];
  bytes.push(...segment(0xc4, [0x00, ...oneCode]));
  bytes.push(...segment(0xc4, [0x10, ...oneCode]));
  bytes.push(...segment(0xda, [1, 1, 0x00, 0, 63, 0]));
  // DC "category 0" (code 0), AC end-of-block (code 0), padded with ones.
  bytes.push(0x3f);
  bytes.push(0xff, 0xd9);
  return new Uint8Array(bytes);
}

/** Seconds since 1904-01-01 UTC, as mvhd stores them. */
export function quickTimeSeconds(date: Date): number {
  return Math.round(date.getTime() / 1000) + 2_082_844_800;
}

export function box(type: string, ...parts: Uint8Array[]): Uint8Array {
  const size = 8 + parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, size);
  out.set(encoder.encode(type), 4);
  let at = 8;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A box with size field 1 and the real size in the 64-bit field. */
export function largeBox(type: string, ...parts: Uint8Array[]): Uint8Array {
  const size = 16 + parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, 1);
  out.set(encoder.encode(type), 4);
  view.setBigUint64(8, BigInt(size));
  let at = 16;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A complete mvhd box (version 0: 32-bit times, version 1: 64-bit). */
export function mvhd(version: 0 | 1, creationSeconds: number): Uint8Array {
  const body = new Uint8Array(version === 0 ? 100 : 112);
  const view = new DataView(body.buffer);
  body[0] = version;
  let at = 4;
  if (version === 0) {
    view.setUint32(at, creationSeconds); // creation
    view.setUint32(at + 4, creationSeconds); // modification
    view.setUint32(at + 8, 1000); // timescale
    view.setUint32(at + 12, 2000); // duration
    at += 16;
  } else {
    view.setBigUint64(at, BigInt(creationSeconds));
    view.setBigUint64(at + 8, BigInt(creationSeconds));
    view.setUint32(at + 16, 1000);
    view.setBigUint64(at + 20, 2000n);
    at += 28;
  }
  view.setUint32(at, 0x00010000); // rate 1.0
  view.setUint16(at + 4, 0x0100); // volume 1.0
  at += 16; // rate, volume, reserved
  // Unity matrix.
  for (
    const [i, v] of [0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000]
      .entries()
  ) {
    view.setUint32(at + i * 4, v);
  }
  at += 36 + 24; // matrix, pre_defined
  view.setUint32(at, 2); // next track id
  return box("mvhd", body);
}

export interface Mp4Spec {
  /** mvhd creation time; 0 writes "unset". */
  created: Date | 0;
  version?: 0 | 1;
  /** "mdat-first" puts the media data before moov (not "fast start"). */
  layout?: "moov-first" | "mdat-first";
  /** Give mdat a 64-bit size. */
  largeMdat?: boolean;
  /** Give the last box size 0 ("to the end of the file"). */
  lastBoxToEnd?: boolean;
  mdatBytes?: number;
  /** QuickTime brand ("qt  ") instead of ISO ("isom"). */
  quickTime?: boolean;
}

export function mp4(spec: Mp4Spec): Uint8Array {
  const brand = spec.quickTime ? "qt  " : "isom";
  const ftyp = box(
    "ftyp",
    encoder.encode(brand),
    new Uint8Array([0, 0, 2, 0]),
    encoder.encode(spec.quickTime ? "qt  " : "isomiso2mp41"),
  );
  const seconds = spec.created === 0 ? 0 : quickTimeSeconds(spec.created);
  const moov = box(
    "moov",
    mvhd(spec.version ?? 0, seconds),
    box("udta", new Uint8Array(4)),
  );
  const payload = new Uint8Array(spec.mdatBytes ?? 64).fill(0xab);
  const mdat = spec.largeMdat
    ? largeBox("mdat", payload)
    : box("mdat", payload);
  const boxes = spec.layout === "mdat-first"
    ? [ftyp, box("free", new Uint8Array(8)), mdat, moov]
    : [ftyp, moov, mdat];
  if (spec.lastBoxToEnd) {
    const last = boxes[boxes.length - 1];
    const copy = last.slice();
    new DataView(copy.buffer).setUint32(0, 0);
    boxes[boxes.length - 1] = copy;
  }
  const out = new Uint8Array(boxes.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of boxes) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}
