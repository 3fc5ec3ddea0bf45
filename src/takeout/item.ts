// What a planned Takeout file becomes in the backup: its date, its index
// record, its extras, its XMP sidecar. The import computes them when it
// writes a file, and again when facts arrive later (a sidecar in a later
// part, an album's sidecar): both must give the same answer, so both ask
// here.

import type { ItemExtras } from "../db/local_data.ts";
import type { ExifFields } from "../media/exif.ts";
import { memoryBytes } from "../media/file_bytes.ts";
import type { MediaRecord } from "../media/record.ts";
import { readVideoCreationTimeFrom } from "../media/video_time.ts";
import { type BestDate, chooseBestDate, exifOfBytes } from "./best_date.ts";
import { locationText } from "./metadata.ts";
import { xmpDataOf, xmpDocument } from "./xmp.ts";
import { borrowsSidecar, type PlannedFile } from "./plan.ts";

/** Bytes read ahead to find an EXIF or video date when the sidecar gives none. */
export const PEEK_BYTES = 256 * 1024;

/** Reads at least `n` bytes ahead (fewer if the entry is shorter). */
export async function readHead(
  reader: { read(): Promise<ReadableStreamReadResult<Uint8Array>> },
  n: number,
): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < n) {
    const { value, done } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
  }
  return chunks;
}

/** The EXIF date of a photo, or the movie header date of a video, from its first bytes. */
export async function embeddedDates(
  head: Uint8Array[],
  file: PlannedFile,
): Promise<{ exif?: ExifFields; videoTime?: Date }> {
  const bytes = concat(head);
  if (file.isVideo) {
    // Only what the head holds is looked at: a movie header after the
    // media data (moov at the end) is not reached, and the name or the
    // entry time dates the video instead.
    const source = memoryBytes(bytes);
    const videoTime = await readVideoCreationTimeFrom({
      size: file.entry.size,
      read: (offset, length) => source.read(offset, length),
    }).catch(() => undefined);
    return { videoTime };
  }
  return { exif: await exifOfBytes(bytes).catch(() => undefined) };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The file's date: its sidecar's, else its EXIF or video header's, else its name's or its entry's. */
export function dateFor(
  file: PlannedFile,
  embedded: { exif?: ExifFields; videoTime?: Date },
  now: Date,
): BestDate {
  return chooseBestDate({
    photoTakenTime: file.meta?.photoTakenTime,
    creationTime: file.meta?.creationTime,
    exif: embedded.exif,
    videoTime: embedded.videoTime,
    name: file.match.originalName,
    entryTime: file.entry.mtime ?? now,
  }, { now });
}

/** The index record of a file (its key, name, type, description, place, date). */
export function recordOf(file: PlannedFile, date: BestDate): MediaRecord {
  const record: MediaRecord = {
    remoteId: file.key,
    source: "takeout",
    filename: file.match.originalName,
    mimeType: mimeTypeOf(file.match.originalName, file.isVideo),
    description: file.meta?.description ?? "",
    createTime: date.date,
    isVideo: file.isVideo,
  };
  if (file.meta?.geo) record.location = locationText(file.meta.geo);
  return record;
}

export function mimeTypeOf(name: string, isVideo: boolean): string {
  const ext = name.slice(name.lastIndexOf(".") + 1).toLowerCase();
  const known: Record<string, string> = {
    jpg: "image/jpeg",
    jpeg: "image/jpeg",
    png: "image/png",
    gif: "image/gif",
    heic: "image/heic",
    heif: "image/heif",
    webp: "image/webp",
    dng: "image/x-adobe-dng",
    tif: "image/tiff",
    tiff: "image/tiff",
    bmp: "image/bmp",
    mp4: "video/mp4",
    mov: "video/quicktime",
    m4v: "video/x-m4v",
    "3gp": "video/3gpp",
    mkv: "video/x-matroska",
    avi: "video/x-msvideo",
    webm: "video/webm",
    mp: "video/mp4",
    mv: "video/mp4",
  };
  return known[ext] ?? (isVideo ? "video/unknown" : "image/unknown");
}

/** The XMP sidecar of a file, when it has a sidecar's facts. */
export function xmpFor(file: PlannedFile, date: BestDate): string | undefined {
  if (!file.meta) return undefined;
  return xmpDocument({
    ...xmpDataOf(file.meta),
    ...(date.source === "sidecar" ? { takenAt: date.date } : {}),
  });
}

/**
 * What ItemExtras holds of a file: its sidecar's people and flags, where
 * it came from, how it was matched and dated, and the RemoteIds of the
 * original it is an edit or the video half of.
 */
export function extrasFor(
  file: PlannedFile,
  date: BestDate,
  original: string | undefined,
): ItemExtras {
  return {
    people: file.meta?.people ?? [],
    favorite: file.meta?.favorited === true,
    archived: file.meta?.archived === true || file.folderKind === "archive",
    trashed: file.meta?.trashed === true || file.folderKind === "trash",
    photoUrl: borrowsSidecar(file) ? undefined : file.meta?.url,
    archiveEntry: sourceRefOf(file),
    matchedBy: file.match.matchedBy,
    dateSource: date.source,
    editOf: file.companion === "edit" ? original : undefined,
    pairOf: file.companion === "pair" ? original : undefined,
  };
}

/** The archive entry a file's bytes come from, as the index names it. */
export function sourceRefOf(file: PlannedFile): string {
  return `${file.entry.part}:${file.entry.name}`;
}
