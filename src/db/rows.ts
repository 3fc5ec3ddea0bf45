// The shapes of index rows as the rest of the program sees them (camelCase,
// dates as Date, flags as booleans) and their mapping from what node:sqlite
// returns. NULLs and odd values in rows gphotos-sync wrote are read the way
// it read them.

import { ExitCode, GphotosError } from "../errors.ts";
import type { MediaRecord, MediaSource, VideoStatus } from "../media/record.ts";
import { parseIndexDate } from "./dates.ts";
import { GPHOTOS_MINIMUM_DATE } from "../media/date_path.ts";
import { MIGRATED_COLUMNS } from "./migrations.ts";
import { GPHOTOS_REQUIRED_COLUMNS } from "./schema.ts";

export const SOURCES: readonly MediaSource[] = ["library", "picker", "takeout"];
const VIDEO_STATUSES: readonly VideoStatus[] = [
  "UNSPECIFIED",
  "PROCESSING",
  "READY",
  "FAILED",
];

/** One SyncFiles row: gphotos-sync's columns, then ours. */
export interface IndexedItem {
  /** SyncFiles.Id (rowid). */
  id: number;
  remoteId: string;
  /** EXIF unique id, filled by gphotos-sync's comparison scan; else undefined. */
  uid: string | undefined;
  /** The item's productUrl (gphotos-sync's Url column). */
  url: string | undefined;
  /** Folder relative to ROOT, as stored, e.g. "photos/2017/09". */
  path: string;
  /** Name on disk, e.g. "IMG_1 (2).jpg". */
  fileName: string;
  /** Google's name without a " (n)" suffix (lower-cased under --case-insensitive-fs). */
  origFileName: string;
  duplicateNo: number;
  mimeType: string;
  description: string;
  fileSize: number;
  /** gphotos-sync stored 1900-01-01 here for Google items. */
  modifyDate: Date | undefined;
  /** Capture time; gphotos-sync's 1900-01-01 when the row has none. */
  createDate: Date;
  /** When the row was last written. gphotos-sync wrote local time here. */
  syncDate: Date | undefined;
  downloaded: boolean;
  /** e.g. "48.85,2.29"; undefined when unknown. */
  location: string | undefined;
  source: MediaSource;
  isVideo: boolean;
  videoStatus: VideoStatus | undefined;
  /** Download attempts that failed since the last success. */
  failCount: number;
  badReason: string | undefined;
  /** Where the item came from within its source: picker session, Takeout entry. */
  sourceRef: string | undefined;
  width: number | undefined;
  height: number | undefined;
  cameraMake: string | undefined;
  cameraModel: string | undefined;
}

/** What insertItem needs: the record's metadata and where it goes on disk. */
export interface NewItem {
  remoteId: string;
  source: MediaSource;
  path: string;
  fileName: string;
  origFileName: string;
  duplicateNo: number;
  mimeType: string;
  description: string;
  createDate: Date;
  isVideo: boolean;
  /** Defaults to gphotos-sync's 1900-01-01, as it stored for Google items. */
  modifyDate?: Date;
  url?: string;
  fileSize?: number;
  /** True when the file is already in place (Takeout copies it first). */
  downloaded?: boolean;
  videoStatus?: VideoStatus;
  location?: string;
  sourceRef?: string;
  width?: number;
  height?: number;
  cameraMake?: string;
  cameraModel?: string;
}

/** Where an item lands on disk, decided by the naming step. */
export interface ItemPlacement {
  path: string;
  fileName: string;
  origFileName: string;
  duplicateNo: number;
}

/** The metadata updateItemMetadata may change; undefined fields are kept. */
export type ItemMetadata = Partial<
  Pick<
    NewItem,
    | "url"
    | "mimeType"
    | "description"
    | "createDate"
    | "modifyDate"
    | "isVideo"
    | "videoStatus"
    | "location"
    | "sourceRef"
    | "width"
    | "height"
    | "cameraMake"
    | "cameraModel"
  >
>;

export interface ItemFilter {
  downloaded?: boolean;
  source?: MediaSource;
  /** Leave out videos (--skip-video). */
  skipVideo?: boolean;
  /** Only items with at least one failed download. */
  failed?: boolean;
  /** CreateDate on or after this instant. */
  createdFrom?: Date;
  /** CreateDate before this instant. */
  createdBefore?: Date;
  /**
   * Items of albums are taken whatever createdFrom / createdBefore say:
   * those of own albums, and of shared ones too when `shared`.
   */
  orInAlbums?: { shared: boolean };
}

export interface SourceCounts {
  total: number;
  downloaded: number;
}

export interface IndexCounts {
  total: number;
  downloaded: number;
  /** Not downloaded yet (including failed ones). */
  pending: number;
  /** Not downloaded, and at least one attempt failed. */
  failed: number;
  /** Videos not downloaded yet. */
  videosPending: number;
  albums: number;
  bySource: Record<MediaSource, SourceCounts>;
}

export interface NewAlbum {
  remoteId: string;
  albumName: string;
  /** Item count as Google reports it (gphotos-sync compares it to skip re-indexing). */
  size: number;
  description?: string;
  /** Capture time of the album's first and last items. */
  startDate?: Date;
  endDate?: Date;
  isShared: boolean;
}

export interface AlbumEntry {
  remoteId: string;
  albumName: string;
  size: number;
  description: string | undefined;
  startDate: Date | undefined;
  endDate: Date | undefined;
  syncDate: Date | undefined;
  /** The album's links were made since it was last indexed. */
  downloaded: boolean;
  isShared: boolean;
}

export interface AlbumFile {
  position: number;
  item: IndexedItem;
}

/** Builds insertItem's input from a normalized record and its placement. */
export function newItemFromRecord(
  record: MediaRecord,
  placement: ItemPlacement,
): NewItem {
  return {
    remoteId: record.remoteId,
    source: record.source,
    ...placement,
    mimeType: record.mimeType,
    description: record.description,
    createDate: record.createTime,
    isVideo: record.isVideo,
    url: record.productUrl,
    videoStatus: record.videoStatus,
    location: record.location,
    width: record.width,
    height: record.height,
    cameraMake: record.cameraMake,
    cameraModel: record.cameraModel,
  };
}

/** Every column of SyncFiles: gphotos-sync's, then those our migrations add. */
const ITEM_COLUMNS = [
  ...GPHOTOS_REQUIRED_COLUMNS.SyncFiles,
  ...MIGRATED_COLUMNS.SyncFiles,
];
export const ITEM_SELECT = ITEM_COLUMNS.map((c) => `SyncFiles.${c}`).join(", ");

export const ALBUM_SELECT =
  "RemoteId, AlbumName, Size, Description, StartDate, EndDate, SyncDate, Downloaded, IsSharedAlbum";

export type Row = Record<string, unknown>;

export function text(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  return typeof value === "string" ? value : String(value);
}

function nonEmpty(value: unknown): string | undefined {
  const s = text(value);
  return s === "" ? undefined : s;
}

export function integer(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string" && value.trim() !== "") {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function flag(value: unknown): boolean {
  return (integer(value) ?? 0) !== 0;
}

/** Maps a SyncFiles row; `warn` hears of values it had to stand in for. */
export function toItem(row: Row, warn: (message: string) => void): IndexedItem {
  const createDate = parseIndexDate(row.CreateDate);
  if (createDate === undefined) {
    warn(
      `Index item ${text(row.RemoteId)} has no readable CreateDate ` +
        `(${
          text(row.CreateDate) ?? "NULL"
        }); using 1900-01-01 as gphotos-sync did.`,
    );
  }
  const source = text(row.Source) ?? "library";
  if (!SOURCES.includes(source as MediaSource)) {
    throw new GphotosError(
      `Index item ${text(row.RemoteId)} has an unknown source "${source}". ` +
        `Was the index written by a newer version? Upgrade gphotos-sync.`,
      ExitCode.failed,
    );
  }
  const videoStatus = text(row.VideoStatus);
  return {
    id: integer(row.Id) ?? 0,
    remoteId: text(row.RemoteId) ?? "",
    uid: nonEmpty(row.Uid),
    url: nonEmpty(row.Url),
    path: text(row.Path) ?? "",
    fileName: text(row.FileName) ?? "",
    origFileName: text(row.OrigFileName) ?? "",
    duplicateNo: integer(row.DuplicateNo) ?? 0,
    mimeType: text(row.MimeType) ?? "",
    description: text(row.Description) ?? "",
    fileSize: integer(row.FileSize) ?? 0,
    modifyDate: parseIndexDate(row.ModifyDate),
    createDate: createDate ?? new Date(GPHOTOS_MINIMUM_DATE),
    syncDate: parseIndexDate(row.SyncDate),
    downloaded: flag(row.Downloaded),
    location: nonEmpty(row.Location),
    source: source as MediaSource,
    isVideo: flag(row.IsVideo),
    videoStatus: VIDEO_STATUSES.includes(videoStatus as VideoStatus)
      ? videoStatus as VideoStatus
      : undefined,
    failCount: integer(row.FailCount) ?? 0,
    badReason: nonEmpty(row.BadReason),
    sourceRef: nonEmpty(row.SourceRef),
    width: integer(row.Width),
    height: integer(row.Height),
    cameraMake: nonEmpty(row.CameraMake),
    cameraModel: nonEmpty(row.CameraModel),
  };
}

export function toAlbum(row: Row): AlbumEntry {
  return {
    remoteId: text(row.RemoteId) ?? "",
    albumName: text(row.AlbumName) ?? "",
    size: integer(row.Size) ?? 0,
    description: nonEmpty(row.Description),
    startDate: parseIndexDate(row.StartDate),
    endDate: parseIndexDate(row.EndDate),
    syncDate: parseIndexDate(row.SyncDate),
    downloaded: flag(row.Downloaded),
    isShared: flag(row.IsSharedAlbum),
  };
}
