// The Picker API's shapes (PickingSession, PickedMediaItem), named as
// Google's reference names them, and the checked parsing of each answer into
// them. Durations ("3.5s") become milliseconds and times become Dates here,
// so the rest of the program never reads Google's text formats.

import type { JsonObject, JsonReader } from "./json_shape.ts";
// The same processing states as the Library API's.
import { VIDEO_STATUSES, type VideoProcessingStatus } from "./api_types.ts";
export type { VideoProcessingStatus };

export type PickedType = "TYPE_UNSPECIFIED" | "PHOTO" | "VIDEO";
const PICKED_TYPES: readonly PickedType[] = [
  "TYPE_UNSPECIFIED",
  "PHOTO",
  "VIDEO",
];

export interface PollingConfig {
  /** How long to wait before the next sessions.get. */
  pollIntervalMs?: number;
  /** How much longer polling is worth it; 0 means stop now. */
  timeoutInMs?: number;
}

export interface PickingSession {
  id: string;
  /** Shown to the user; opens Google Photos' picker. */
  pickerUri: string;
  /** Only given while the user has not finished picking. */
  pollingConfig?: PollingConfig;
  /** When the session and access to its picked items end. */
  expireTime?: Date;
  maxItemCount?: number;
  mediaItemsSet: boolean;
}

export interface PickedPhotoMetadata {
  focalLength?: number;
  apertureFNumber?: number;
  isoEquivalent?: number;
  exposureTime?: string;
}

export interface PickedVideoMetadata {
  fps?: number;
  processingStatus?: VideoProcessingStatus;
}

export interface MediaFileMetadata {
  width?: number;
  height?: number;
  cameraMake?: string;
  cameraModel?: string;
  photoMetadata?: PickedPhotoMetadata;
  videoMetadata?: PickedVideoMetadata;
}

export interface MediaFile {
  /** Needs `Authorization: Bearer`; "=d" / "=dv" appended for the bytes. */
  baseUrl?: string;
  mimeType?: string;
  filename?: string;
  mediaFileMetadata?: MediaFileMetadata;
}

export interface PickedMediaItem {
  /** The same kind of id as the Library API's; stable across sessions. */
  id: string;
  /** RFC 3339 capture time, as sent. */
  createTime?: string;
  type?: PickedType;
  mediaFile?: MediaFile;
}

export interface PickedPage {
  items: PickedMediaItem[];
  nextPageToken?: string;
}

const DURATION = /^(\d+)(?:\.(\d{1,9}))?s$/;

/** Google's Duration JSON ("3.5s", "1800s", "0s") in milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (m === null) return undefined;
  const fraction = (m[2] ?? "").padEnd(9, "0");
  return Number(m[1]) * 1000 + Math.round(Number(fraction) / 1e6);
}

function duration(
  r: JsonReader,
  obj: JsonObject,
  key: string,
  path: string,
): number | undefined {
  const text = r.optString(obj, key, path);
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined) {
    r.fail(`${path}.${key}`, 'a duration such as "3.5s"', text);
  }
  return ms;
}

function integer(
  r: JsonReader,
  obj: JsonObject,
  key: string,
  path: string,
): number | undefined {
  const text = r.optInt64(obj, key, path);
  return text === undefined ? undefined : Number(text);
}

export function parseSession(
  r: JsonReader,
  value: unknown,
  path: string,
): PickingSession {
  const o = r.object(value, path);
  const session: PickingSession = {
    id: r.string(o, "id", path),
    pickerUri: r.string(o, "pickerUri", path),
    mediaItemsSet: r.optBoolean(o, "mediaItemsSet", path) ?? false,
  };
  const polling = r.optObject(o, "pollingConfig", path);
  if (polling !== undefined) {
    const p = `${path}.pollingConfig`;
    session.pollingConfig = {};
    const interval = duration(r, polling, "pollInterval", p);
    if (interval !== undefined) session.pollingConfig.pollIntervalMs = interval;
    const timeoutIn = duration(r, polling, "timeoutIn", p);
    if (timeoutIn !== undefined) session.pollingConfig.timeoutInMs = timeoutIn;
  }
  const expire = r.optString(o, "expireTime", path);
  if (expire !== undefined) {
    const t = Date.parse(expire);
    if (Number.isNaN(t)) {
      r.fail(`${path}.expireTime`, "an RFC 3339 time", expire);
    }
    session.expireTime = new Date(t);
  }
  const picking = r.optObject(o, "pickingConfig", path);
  if (picking !== undefined) {
    const max = integer(r, picking, "maxItemCount", `${path}.pickingConfig`);
    if (max !== undefined) session.maxItemCount = max;
  }
  return session;
}

export function parsePickedItem(
  r: JsonReader,
  value: unknown,
  path: string,
): PickedMediaItem {
  const o = r.object(value, path);
  const item: PickedMediaItem = { id: r.string(o, "id", path) };
  const createTime = r.optString(o, "createTime", path);
  if (createTime !== undefined) item.createTime = createTime;
  const type = r.optEnum(o, "type", path, PICKED_TYPES, "TYPE_UNSPECIFIED");
  if (type !== undefined) item.type = type;
  const file = r.optObject(o, "mediaFile", path);
  if (file !== undefined) {
    const p = `${path}.mediaFile`;
    const mediaFile: MediaFile = {};
    const baseUrl = r.optString(file, "baseUrl", p);
    if (baseUrl) mediaFile.baseUrl = baseUrl;
    const mimeType = r.optString(file, "mimeType", p);
    if (mimeType) mediaFile.mimeType = mimeType;
    const filename = r.optString(file, "filename", p);
    if (filename) mediaFile.filename = filename;
    const meta = r.optObject(file, "mediaFileMetadata", p);
    if (meta !== undefined) {
      mediaFile.mediaFileMetadata = parseFileMetadata(
        r,
        meta,
        `${p}.mediaFileMetadata`,
      );
    }
    item.mediaFile = mediaFile;
  }
  return item;
}

function parseFileMetadata(
  r: JsonReader,
  o: JsonObject,
  path: string,
): MediaFileMetadata {
  const meta: MediaFileMetadata = {};
  const width = integer(r, o, "width", path);
  if (width !== undefined) meta.width = width;
  const height = integer(r, o, "height", path);
  if (height !== undefined) meta.height = height;
  const make = r.optString(o, "cameraMake", path);
  if (make) meta.cameraMake = make;
  const model = r.optString(o, "cameraModel", path);
  if (model) meta.cameraModel = model;
  const photo = r.optObject(o, "photoMetadata", path);
  if (photo !== undefined) {
    const p = `${path}.photoMetadata`;
    meta.photoMetadata = prune({
      focalLength: r.optNumber(photo, "focalLength", p),
      apertureFNumber: r.optNumber(photo, "apertureFNumber", p),
      isoEquivalent: integer(r, photo, "isoEquivalent", p),
      exposureTime: r.optString(photo, "exposureTime", p),
    });
  }
  const video = r.optObject(o, "videoMetadata", path);
  if (video !== undefined) {
    const p = `${path}.videoMetadata`;
    meta.videoMetadata = prune({
      fps: r.optNumber(video, "fps", p),
      processingStatus: r.optEnum(
        video,
        "processingStatus",
        p,
        VIDEO_STATUSES,
        "UNSPECIFIED",
      ),
    });
  }
  return meta;
}

export function parsePickedPage(r: JsonReader, value: unknown): PickedPage {
  const o = r.object(value, "response");
  const list = r.optArray(o, "mediaItems", "response") ?? [];
  const page: PickedPage = {
    items: list.map((v, i) =>
      parsePickedItem(r, v, `response.mediaItems[${i}]`)
    ),
  };
  const next = r.optString(o, "nextPageToken", "response");
  if (next) page.nextPageToken = next;
  return page;
}

function prune<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}
