// What the folder comparison knows about one media file on disk, worked out
// as gphotos-sync's LocalFilesMedia did so that an index it filled reads the
// same: the MIME type from the extension, the original name behind a
// "name (n).ext" duplicate suffix, the capture time (EXIF for photos, the
// mvhd box for videos, else the file's modification time) and the EXIF
// ImageUniqueID, with gphotos-sync's stand-in values where there is none.
// The same facts are read from the local copy and from the downloaded copy
// under ROOT, so that both sides of a match are judged alike.

import { extname } from "node:path";
import { GPHOTOS_MINIMUM_DATE } from "./date_path.ts";
import { exifCaptureTime, readExif } from "./exif.ts";
import { readVideoCreationTime } from "./video_time.ts";

/** Uid of a file whose metadata could not be read (gphotos-sync's value). */
export const UID_NO_METADATA = "none";
/** Uid of a video: it has no ImageUniqueID (gphotos-sync's value). */
export const UID_VIDEO = "not_supported";
/** Uid of a photo with EXIF but no ImageUniqueID (gphotos-sync's value). */
export const UID_NOT_IN_EXIF = "no_uid_in_exif";

/**
 * Extensions of the photo and video formats Google Photos stores, with the
 * MIME types Python's mimetypes (which gphotos-sync asked) or the system
 * MIME table give them. Other files are not media and are left out of the
 * comparison (gphotos-sync listed them all as missing from the library).
 */
const MEDIA_TYPES: Readonly<Record<string, string>> = {
  // Photos.
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".jpe": "image/jpeg",
  ".jfif": "image/jpeg",
  ".png": "image/png",
  ".gif": "image/gif",
  ".bmp": "image/bmp",
  ".tif": "image/tiff",
  ".tiff": "image/tiff",
  ".webp": "image/webp",
  ".heic": "image/heic",
  ".heif": "image/heif",
  ".avif": "image/avif",
  ".ico": "image/vnd.microsoft.icon",
  // Camera raw formats (TIFF-based ones carry EXIF the same way).
  ".dng": "image/x-adobe-dng",
  ".cr2": "image/x-canon-cr2",
  ".cr3": "image/x-canon-cr3",
  ".crw": "image/x-canon-crw",
  ".nef": "image/x-nikon-nef",
  ".nrw": "image/x-nikon-nrw",
  ".arw": "image/x-sony-arw",
  ".srf": "image/x-sony-srf",
  ".sr2": "image/x-sony-sr2",
  ".orf": "image/x-olympus-orf",
  ".rw2": "image/x-panasonic-rw2",
  ".raf": "image/x-fuji-raf",
  ".pef": "image/x-pentax-pef",
  ".srw": "image/x-samsung-srw",
  // Videos.
  ".mp4": "video/mp4",
  ".m4v": "video/x-m4v",
  ".mov": "video/quicktime",
  ".qt": "video/quicktime",
  ".3gp": "video/3gpp",
  ".3g2": "video/3gpp2",
  ".avi": "video/x-msvideo",
  ".mkv": "video/x-matroska",
  ".webm": "video/webm",
  ".wmv": "video/x-ms-wmv",
  ".asf": "video/x-ms-asf",
  ".mpg": "video/mpeg",
  ".mpeg": "video/mpeg",
  ".mpe": "video/mpeg",
  ".mod": "video/mpeg",
  ".tod": "video/mpeg",
  ".mts": "video/mp2t",
  ".m2ts": "video/mp2t",
  ".m2t": "video/mp2t",
  ".flv": "video/x-flv",
  ".ogv": "video/ogg",
};

/**
 * Huawei cameras put their shooting mode in ImageDescription; Google
 * Photos does not show it as a description, so neither did gphotos-sync.
 */
const HUAWEI_MODES = new Set([
  "jhdr",
  "edf",
  "sdr",
  "cof",
  "nor",
  "mde",
  "oznor",
  "btf",
  "btfmdn",
  "ptfbty",
  "mef",
  "bsh",
  "dav",
  "rpt",
  "fbt",
  "burst",
  "rhdr",
  "fbtmdn",
  "ptr",
  "rbtoz",
  "btr",
  "rbsh",
  "btroz",
]);

/**
 * gphotos-sync's reading of a " (n)" suffix: "(2)" to "(999)" mark the
 * n-th copy; "(0)" and "(1)" are part of the name. Anchored at the start
 * only, and the last dot after the suffix starts the extension.
 */
const DUPLICATE_SUFFIX = /^(.*) \(([2-9]|\d{2,3})\)\.(.*)/;

/** The MIME type of a media file name, or undefined when it is not media. */
export function mediaTypeOf(fileName: string): string | undefined {
  return MEDIA_TYPES[extname(fileName).toLowerCase()];
}

export function isVideoType(mimeType: string): boolean {
  return mimeType.startsWith("video/");
}

/**
 * The name a file had before a duplicate suffix was added, and which copy
 * it is: "IMG_1 (3).jpg" is copy 2 of "IMG_1.jpg" (DuplicateNo counts from
 * 0, the first duplicate is labelled " (2)").
 */
export function splitDuplicateName(
  fileName: string,
): { originalName: string; duplicateNo: number } {
  const m = DUPLICATE_SUFFIX.exec(fileName);
  if (m === null) return { originalName: fileName, duplicateNo: 0 };
  return { originalName: `${m[1]}.${m[3]}`, duplicateNo: Number(m[2]) - 1 };
}

export interface LocalMedia {
  mimeType: string;
  isVideo: boolean;
  /** ImageUniqueID, or one of the UID_* stand-ins. */
  uid: string;
  /** EXIF / mvhd capture time, else the modification time. */
  createDate: Date;
  description: string;
  size: number;
}

/**
 * Reads the facts of the media file at `path` (whose MIME type the caller
 * got from mediaTypeOf). Damaged metadata is treated as absent; only a file
 * that cannot be read at all throws.
 */
export async function readLocalMedia(
  path: string,
  mimeType: string,
  info?: Deno.FileInfo,
): Promise<LocalMedia> {
  const stat = info ?? await Deno.stat(path);
  const fileTime = stat.mtime ?? new Date(GPHOTOS_MINIMUM_DATE);
  if (isVideoType(mimeType)) {
    // Where there is no mvhd time, gphotos-sync (without ffprobe) stored
    // 1900-01-01; the file's time is the better guess, as for photos.
    const created = await readVideoCreationTime(path);
    return {
      mimeType,
      isVideo: true,
      uid: UID_VIDEO,
      createDate: created ?? fileTime,
      description: "",
      size: stat.size,
    };
  }
  const exif = await readExif(path);
  const description = exif?.imageDescription ?? "";
  return {
    mimeType,
    isVideo: false,
    uid: exif === undefined
      ? UID_NO_METADATA
      : exif.imageUniqueId ?? UID_NOT_IN_EXIF,
    createDate: (exif && exifCaptureTime(exif)) ?? fileTime,
    description: HUAWEI_MODES.has(description) ? "" : description,
    size: stat.size,
  };
}
