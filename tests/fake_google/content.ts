// Deterministic media bytes for fake items. Every item's bytes follow from its
// id alone, so a test can compute what a download must contain; large items
// are generated chunk by chunk and never held whole in memory.

import { createHash } from "node:crypto";
import { digest } from "./opaque_ids.ts";

/** "original" is what `=d` (photo) or `=dv` (video) serves; "thumbnail" is
 * the small still image a video's `=d` and any resized request serve. */
export type ContentVariant = "original" | "thumbnail";

export const CHUNK_SIZE = 64 * 1024;

const MAGIC: Record<string, number[]> = {
  "image/jpeg": [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0],
  "image/png": [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  "image/gif": [0x47, 0x49, 0x46, 0x38, 0x39, 0x61],
  "image/heif": [0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x68, 0x65, 0x69, 0x63],
  "image/webp": [0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x45, 0x42, 0x50],
  "video/mp4": [0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x6d, 0x70, 0x34, 0x32],
  "video/quicktime": [0, 0, 0, 0x14, 0x66, 0x74, 0x79, 0x70, 0x71, 0x74],
};

const MIME_BY_EXTENSION: Record<string, string> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  jpe: "image/jpeg",
  png: "image/png",
  gif: "image/gif",
  heic: "image/heif",
  heif: "image/heif",
  webp: "image/webp",
  bmp: "image/bmp",
  tif: "image/tiff",
  tiff: "image/tiff",
  dng: "image/x-adobe-dng",
  mp4: "video/mp4",
  m4v: "video/mp4",
  mov: "video/quicktime",
  avi: "video/x-msvideo",
  "3gp": "video/3gpp",
  mkv: "video/x-matroska",
  mts: "video/mp2t",
  wmv: "video/x-ms-wmv",
  webm: "video/webm",
};

/** The MIME type Google would report for a file name. */
export function mimeTypeFor(filename: string, kind: "photo" | "video"): string {
  const ext = filename.includes(".")
    ? filename.slice(filename.lastIndexOf(".") + 1).toLowerCase()
    : "";
  return MIME_BY_EXTENSION[ext] ??
    (kind === "video" ? "video/mp4" : "image/jpeg");
}

/** Default size of an item's original bytes: a few hundred, from the id. */
export function defaultSize(key: string): number {
  const d = digest(key, "size");
  return 200 + ((d[0] << 8 | d[1]) % 400);
}

/** Size of the thumbnail a video's `=d` serves. */
export function thumbnailSize(key: string): number {
  const d = digest(key, "thumbnail-size");
  return 96 + d[0] % 80;
}

/** Pull-based generator of an item's bytes (xoshiro128** keyed by the id). */
export class ContentSource {
  readonly size: number;
  #produced = 0;
  #s: Uint32Array;
  #magic: number[];

  constructor(
    key: string,
    variant: ContentVariant,
    size: number,
    mime: string,
  ) {
    this.size = size;
    const d = digest(key, variant);
    this.#s = new Uint32Array(d.buffer, d.byteOffset, 4).slice();
    if (this.#s.every((w) => w === 0)) this.#s[0] = 1;
    this.#magic = MAGIC[variant === "thumbnail" ? "image/jpeg" : mime] ?? [];
  }

  get remaining(): number {
    return this.size - this.#produced;
  }

  /** The next chunk (at most `max` bytes, a multiple of 4 unless it is the
   * last), or null when everything was produced. */
  next(max = CHUNK_SIZE): Uint8Array<ArrayBuffer> | null {
    const n = Math.min(max & ~3 || 4, this.remaining);
    if (n <= 0) return null;
    const words = new Uint32Array(Math.ceil(n / 4));
    const s = this.#s;
    for (let i = 0; i < words.length; i++) {
      const r = Math.imul(rotl(Math.imul(s[1], 5), 7), 9);
      const t = s[1] << 9;
      s[2] ^= s[0];
      s[3] ^= s[1];
      s[1] ^= s[2];
      s[0] ^= s[3];
      s[2] ^= t;
      s[3] = rotl(s[3], 11);
      words[i] = r;
    }
    const bytes = new Uint8Array(words.buffer, 0, n);
    for (
      let i = this.#produced;
      i < this.#magic.length && i - this.#produced < n;
      i++
    ) {
      bytes[i - this.#produced] = this.#magic[i];
    }
    this.#produced += n;
    return bytes;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** All the bytes at once: for small items and for tests' expectations. */
export function contentBytes(
  key: string,
  variant: ContentVariant,
  size: number,
  mime: string,
): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  const src = new ContentSource(key, variant, size, mime);
  let off = 0;
  for (let c = src.next(); c !== null; c = src.next()) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/** SHA-256 (hex) of the bytes, computed chunk by chunk. */
export function contentSha256(
  key: string,
  variant: ContentVariant,
  size: number,
  mime: string,
): string {
  const h = createHash("sha256");
  const src = new ContentSource(key, variant, size, mime);
  for (let c = src.next(); c !== null; c = src.next()) h.update(c);
  return h.digest("hex");
}
