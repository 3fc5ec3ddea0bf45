// The normalized media record: what every source (Library API, Picker API,
// Takeout) turns its own format into before anything is indexed or stored.

export type MediaSource = "library" | "picker" | "takeout";

/** Video processing state as the Library API reports it. */
export type VideoStatus = "UNSPECIFIED" | "PROCESSING" | "READY" | "FAILED";

export interface MediaRecord {
  /** Google's media item id (the same kind of id for Library and Picker). */
  remoteId: string;
  source: MediaSource;
  /** The name Google has for the item (gphotos-sync's OrigFileName). */
  filename: string;
  mimeType: string;
  description: string;
  /** Capture time (mediaMetadata.creationTime / createTime / photoTakenTime). */
  createTime: Date;
  isVideo: boolean;
  /** Only Library API items have one. */
  productUrl?: string;
  /** Only set for videos, from the API. */
  videoStatus?: VideoStatus;
  width?: number;
  height?: number;
  cameraMake?: string;
  cameraModel?: string;
  /** e.g. "48.85,2.29" for items that carry GPS (Takeout). */
  location?: string;
}
