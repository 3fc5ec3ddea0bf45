// Photo or video, by a file's name alone: the extensions Google Photos
// holds (what an export may contain, camera raw formats and the halves of
// motion photos included), and the NFC form every name comparison uses
// (macOS unpacks names in NFD, Google writes NFC, one export can mix both).

// deno-lint-ignore no-control-regex -- "all of ASCII"
const ASCII = /^[\u0000-\u007f]*$/;

/** NFC form of a name: the form every name comparison uses. */
export function nfc(text: string): string {
  // ASCII is its own NFC; most names are ASCII and there are many names.
  return ASCII.test(text) ? text : text.normalize("NFC");
}

/**
 * Photo extensions Google Photos accepts: the web formats, HEIF/AVIF and
 * the camera raw formats (DNG and the makers' own).
 */
const PHOTO_EXTENSIONS = new Set([
  "jpg",
  "jpeg",
  "jpe",
  "jfif",
  "png",
  "gif",
  "webp",
  "heic",
  "heif",
  "avif",
  "bmp",
  "tif",
  "tiff",
  "ico",
  "jxl",
  "dng",
  "cr2",
  "cr3",
  "crw",
  "nef",
  "nrw",
  "arw",
  "srf",
  "sr2",
  "orf",
  "rw2",
  "raf",
  "pef",
  "raw",
  "rwl",
  "3fr",
  "erf",
  "kdc",
  "dcr",
  "mrw",
  "x3f",
  "srw",
  "iiq",
  "mos",
  "mef",
  "gpr",
]);

/**
 * Video extensions, with the halves of motion photos: Pixel's `.MP` and
 * `.MV`, and `.MP~2` for their edited alternates (GPTH Neo #138).
 */
const VIDEO_EXTENSIONS = new Set([
  "mp4",
  "m4v",
  "mov",
  "qt",
  "3gp",
  "3g2",
  "mkv",
  "webm",
  "avi",
  "wmv",
  "asf",
  "mpg",
  "mpeg",
  "mpe",
  "m2v",
  "mts",
  "m2ts",
  "m2t",
  "ts",
  "vob",
  "flv",
  "f4v",
  "ogv",
  "mod",
  "tod",
  "dv",
  "divx",
  "mp",
  "mv",
]);

export type MediaType = "photo" | "video";

/** Whether a file name is a photo or a video by its extension. */
export function mediaTypeOf(name: string): MediaType | undefined {
  // splitExtension()'s rule, without making the stem.
  const dot = name.lastIndexOf(".");
  if (dot <= 0 || dot === name.length - 1) return undefined;
  const key = name.slice(dot + 1).toLowerCase();
  if (PHOTO_EXTENSIONS.has(key)) return "photo";
  if (VIDEO_EXTENSIONS.has(key) || /^mp~\d+$/.test(key)) return "video";
  return undefined;
}

/** Whether `ext` (with its dot) is a known photo or video extension. */
export function isMediaExtension(ext: string): boolean {
  return ext !== "" && mediaTypeOf(`x${ext}`) !== undefined;
}
