// The Library API's shapes, named as its discovery document names them
// (revision 2024-06-26), and the checked parsing of each answer into them.
// Only `id` is required of an item or album: gphotos-sync met items without
// a filename or mimeType (#231) and albums without a title, and carried on.

import type { JsonObject, JsonReader } from "./json_shape.ts";

export type VideoProcessingStatus =
  | "UNSPECIFIED"
  | "PROCESSING"
  | "READY"
  | "FAILED";
export const VIDEO_STATUSES: readonly VideoProcessingStatus[] = [
  "UNSPECIFIED",
  "PROCESSING",
  "READY",
  "FAILED",
];

export interface Photo {
  cameraMake?: string;
  cameraModel?: string;
  focalLength?: number;
  apertureFNumber?: number;
  isoEquivalent?: number;
  /** e.g. "0.008s" */
  exposureTime?: string;
}

export interface Video {
  cameraMake?: string;
  cameraModel?: string;
  fps?: number;
  status?: VideoProcessingStatus;
}

export interface MediaMetadata {
  /** RFC 3339 capture time. */
  creationTime?: string;
  /** int64 as a decimal string. */
  width?: string;
  height?: string;
  photo?: Photo;
  video?: Video;
}

export interface ContributorInfo {
  profilePictureBaseUrl?: string;
  displayName?: string;
}

export interface MediaItem {
  id: string;
  description?: string;
  productUrl?: string;
  /** Valid for 60 minutes; append "=d" (photo) or "=dv" (video) for bytes. */
  baseUrl?: string;
  mimeType?: string;
  filename?: string;
  mediaMetadata?: MediaMetadata;
  contributorInfo?: ContributorInfo;
}

export interface SharedAlbumOptions {
  isCollaborative?: boolean;
  isCommentable?: boolean;
}

export interface ShareInfo {
  sharedAlbumOptions?: SharedAlbumOptions;
  shareableUrl?: string;
  shareToken?: string;
  isJoined?: boolean;
  isOwned?: boolean;
  isJoinable?: boolean;
}

export interface Album {
  id: string;
  title?: string;
  productUrl?: string;
  isWriteable?: boolean;
  shareInfo?: ShareInfo;
  /** int64 as a decimal string. */
  mediaItemsCount?: string;
  coverPhotoBaseUrl?: string;
  coverPhotoMediaItemId?: string;
}

/** A calendar date; month 0 = the whole year, day 0 = the whole month. */
export interface Date {
  year: number;
  month: number;
  day: number;
}

export interface DateRange {
  startDate: Date;
  endDate: Date;
}

export interface DateFilter {
  /** At most 5. */
  dates?: Date[];
  /** At most 5; both ends inclusive. */
  ranges?: DateRange[];
}

export type MediaType = "ALL_MEDIA" | "VIDEO" | "PHOTO";
export interface MediaTypeFilter {
  /** Exactly one. */
  mediaTypes: MediaType[];
}

export type Feature = "NONE" | "FAVORITES";
export interface FeatureFilter {
  includedFeatures: Feature[];
}

export type ContentCategory =
  | "NONE"
  | "LANDSCAPES"
  | "RECEIPTS"
  | "CITYSCAPES"
  | "LANDMARKS"
  | "SELFIES"
  | "PEOPLE"
  | "PETS"
  | "WEDDINGS"
  | "BIRTHDAYS"
  | "DOCUMENTS"
  | "TRAVEL"
  | "ANIMALS"
  | "FOOD"
  | "SPORT"
  | "NIGHT"
  | "PERFORMANCES"
  | "WHITEBOARDS"
  | "SCREENSHOTS"
  | "UTILITY"
  | "ARTS"
  | "CRAFTS"
  | "FASHION"
  | "HOUSES"
  | "GARDENS"
  | "FLOWERS"
  | "HOLIDAYS";
export interface ContentFilter {
  includedContentCategories?: ContentCategory[];
  excludedContentCategories?: ContentCategory[];
}

export interface Filters {
  dateFilter?: DateFilter;
  contentFilter?: ContentFilter;
  mediaTypeFilter?: MediaTypeFilter;
  featureFilter?: FeatureFilter;
  /** Default false. */
  includeArchivedMedia?: boolean;
  excludeNonAppCreatedData?: boolean;
}

/** `albumId` and `filters` are mutually exclusive; `orderBy` needs a dateFilter. */
export interface SearchMediaItemsRequest {
  albumId?: string;
  pageSize?: number;
  pageToken?: string;
  filters?: Filters;
  /** "MediaMetadata.creation_time" or "MediaMetadata.creation_time desc". */
  orderBy?: string;
}

export interface ListMediaItemsResponse {
  mediaItems?: MediaItem[];
  nextPageToken?: string;
}

export interface SearchMediaItemsResponse {
  mediaItems?: MediaItem[];
  nextPageToken?: string;
}

export interface ListAlbumsResponse {
  albums?: Album[];
  nextPageToken?: string;
}

export interface ListSharedAlbumsResponse {
  sharedAlbums?: Album[];
  nextPageToken?: string;
}

/** google.rpc.Status; code 3 = INVALID_ARGUMENT ("Invalid media item ID."). */
export interface Status {
  code?: number;
  message?: string;
  details?: unknown[];
}

export interface MediaItemResult {
  mediaItem?: MediaItem;
  status?: Status;
}

export interface BatchGetMediaItemsResponse {
  mediaItemResults?: MediaItemResult[];
}

// ---- parsing ----

export function parseMediaItem(
  r: JsonReader,
  value: unknown,
  path: string,
): MediaItem {
  const o = r.object(value, path);
  const item: MediaItem = { id: r.string(o, "id", path) };
  assign(item, "description", r.optString(o, "description", path));
  assign(item, "productUrl", r.optString(o, "productUrl", path));
  assign(item, "baseUrl", r.optString(o, "baseUrl", path));
  assign(item, "mimeType", r.optString(o, "mimeType", path));
  assign(item, "filename", r.optString(o, "filename", path));
  const meta = r.optObject(o, "mediaMetadata", path);
  if (meta) {
    item.mediaMetadata = parseMediaMetadata(r, meta, `${path}.mediaMetadata`);
  }
  const contributor = r.optObject(o, "contributorInfo", path);
  if (contributor) {
    const p = `${path}.contributorInfo`;
    const info: ContributorInfo = {};
    assign(
      info,
      "profilePictureBaseUrl",
      r.optString(contributor, "profilePictureBaseUrl", p),
    );
    assign(info, "displayName", r.optString(contributor, "displayName", p));
    item.contributorInfo = info;
  }
  return item;
}

function parseMediaMetadata(
  r: JsonReader,
  o: JsonObject,
  path: string,
): MediaMetadata {
  const meta: MediaMetadata = {};
  assign(meta, "creationTime", r.optString(o, "creationTime", path));
  assign(meta, "width", r.optInt64(o, "width", path));
  assign(meta, "height", r.optInt64(o, "height", path));
  const photo = r.optObject(o, "photo", path);
  if (photo) {
    const p = `${path}.photo`;
    const out: Photo = {};
    assign(out, "cameraMake", r.optString(photo, "cameraMake", p));
    assign(out, "cameraModel", r.optString(photo, "cameraModel", p));
    assign(out, "focalLength", r.optNumber(photo, "focalLength", p));
    assign(out, "apertureFNumber", r.optNumber(photo, "apertureFNumber", p));
    assign(out, "isoEquivalent", r.optNumber(photo, "isoEquivalent", p));
    assign(out, "exposureTime", r.optString(photo, "exposureTime", p));
    meta.photo = out;
  }
  const video = r.optObject(o, "video", path);
  if (video) {
    const p = `${path}.video`;
    const out: Video = {};
    assign(out, "cameraMake", r.optString(video, "cameraMake", p));
    assign(out, "cameraModel", r.optString(video, "cameraModel", p));
    assign(out, "fps", r.optNumber(video, "fps", p));
    assign(
      out,
      "status",
      r.optEnum(video, "status", p, VIDEO_STATUSES, "UNSPECIFIED"),
    );
    meta.video = out;
  }
  return meta;
}

export function parseAlbum(r: JsonReader, value: unknown, path: string): Album {
  const o = r.object(value, path);
  const album: Album = { id: r.string(o, "id", path) };
  assign(album, "title", r.optString(o, "title", path));
  assign(album, "productUrl", r.optString(o, "productUrl", path));
  assign(album, "isWriteable", r.optBoolean(o, "isWriteable", path));
  assign(album, "mediaItemsCount", r.optInt64(o, "mediaItemsCount", path));
  assign(album, "coverPhotoBaseUrl", r.optString(o, "coverPhotoBaseUrl", path));
  assign(
    album,
    "coverPhotoMediaItemId",
    r.optString(o, "coverPhotoMediaItemId", path),
  );
  const share = r.optObject(o, "shareInfo", path);
  if (share) {
    const p = `${path}.shareInfo`;
    const info: ShareInfo = {};
    const options = r.optObject(share, "sharedAlbumOptions", p);
    if (options) {
      const q = `${p}.sharedAlbumOptions`;
      const opts: SharedAlbumOptions = {};
      assign(
        opts,
        "isCollaborative",
        r.optBoolean(options, "isCollaborative", q),
      );
      assign(opts, "isCommentable", r.optBoolean(options, "isCommentable", q));
      info.sharedAlbumOptions = opts;
    }
    assign(info, "shareableUrl", r.optString(share, "shareableUrl", p));
    assign(info, "shareToken", r.optString(share, "shareToken", p));
    assign(info, "isJoined", r.optBoolean(share, "isJoined", p));
    assign(info, "isOwned", r.optBoolean(share, "isOwned", p));
    assign(info, "isJoinable", r.optBoolean(share, "isJoinable", p));
    album.shareInfo = info;
  }
  return album;
}

/** One page of items or albums, whatever the response calls its list. */
export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

/** Parses a list/search answer whose items sit under `listKey`. */
export function parsePage<T>(
  r: JsonReader,
  value: unknown,
  listKey: string,
  parseItem: (r: JsonReader, value: unknown, path: string) => T,
): Page<T> {
  const o = r.object(value, "response");
  const list = r.optArray(o, listKey, "response") ?? [];
  const page: Page<T> = {
    items: list.map((v, i) => parseItem(r, v, `response.${listKey}[${i}]`)),
  };
  // An empty token means the same as none: the last page.
  const token = r.optString(o, "nextPageToken", "response");
  if (token) page.nextPageToken = token;
  return page;
}

export function parseBatchGetResponse(
  r: JsonReader,
  value: unknown,
): BatchGetMediaItemsResponse {
  const o = r.object(value, "response");
  const list = r.optArray(o, "mediaItemResults", "response") ?? [];
  return {
    mediaItemResults: list.map((v, i) => {
      const path = `response.mediaItemResults[${i}]`;
      const entry = r.object(v, path);
      const result: MediaItemResult = {};
      if (entry.mediaItem !== undefined && entry.mediaItem !== null) {
        result.mediaItem = parseMediaItem(
          r,
          entry.mediaItem,
          `${path}.mediaItem`,
        );
      }
      const status = r.optObject(entry, "status", path);
      if (status) {
        const p = `${path}.status`;
        const s: Status = {};
        assign(s, "code", r.optNumber(status, "code", p));
        assign(s, "message", r.optString(status, "message", p));
        assign(s, "details", r.optArray(status, "details", p));
        result.status = s;
      }
      return result;
    }),
  };
}

/** Sets `key` only when there is a value, so absent fields stay absent. */
function assign<T, K extends keyof T>(
  target: T,
  key: K,
  value: T[K] | undefined,
): void {
  if (value !== undefined) target[key] = value;
}
