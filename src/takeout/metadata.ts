// Reads the JSON files of a Google Photos Takeout: the per-item sidecars
// (`IMG_1.jpg.json`, `IMG_1.jpg.supplemental-metadata.json`) and the album
// metadata files (`metadata.json` and its localized names). Takeout's JSON
// is loosely typed and changes without notice, so nothing here trusts a
// shape: a field of the wrong type is dropped with a warning, and a file that
// is not JSON, or not the kind of file asked for, comes back as a typed
// failure saying why. Nothing throws.
//
// Timestamps are epoch seconds as strings, in UTC. The `formatted` text
// beside them is in the account's language ("3 sie 2017, 09:54:31 UTC") and
// is never read.

import {
  type GeoPoint,
  isObject,
  type JsonObject,
  MAX_PEOPLE,
  Reader,
  show,
  typeName,
} from "./sidecar_fields.ts";

export type { GeoPoint } from "./sidecar_fields.ts";
export { MAX_PEOPLE, MAX_TEXT_CHARS } from "./sidecar_fields.ts";

/** A tagged person's name is kept to this many characters. */
const MAX_PERSON_CHARS = 256;

/** Where an item came from (`googlePhotosOrigin`). */
export interface ItemOrigin {
  /** The single key of googlePhotosOrigin: "mobileUpload", "fromPartnerSharing", ... */
  kind: string;
  /** mobileUpload.deviceType, e.g. "ANDROID_PHONE", "IOS_PHONE". */
  deviceType?: string;
  /** mobileUpload.deviceFolder.localFolderName, when not empty. */
  deviceFolder?: string;
}

/** What a per-item sidecar says. Absent fields were absent or unusable. */
export interface ItemMetadata {
  /** The upload's original file name; may differ from the archive's name. */
  title?: string;
  /** Caption; absent when empty. */
  description?: string;
  /** Capture time (photoTakenTime, UTC). */
  photoTakenTime?: Date;
  /** Upload time (creationTime, UTC). */
  creationTime?: Date;
  /** Position: geoDataExif when it has one, else geoData. */
  geo?: GeoPoint;
  /** Which of the two `geo` came from. */
  geoSource?: "geoDataExif" | "geoData";
  /** Names of the people tagged, in order, without blanks or repeats. */
  people: string[];
  /** https://photos.google.com/photo/... */
  url?: string;
  origin?: ItemOrigin;
  /** True when the item came from a partner's library. */
  fromPartner: boolean;
  /** appSource.androidPackageName, e.g. "com.whatsapp". */
  appSource?: string;
  /** Present only when true in the file, as Google writes them. */
  favorited?: true;
  archived?: true;
  trashed?: true;
  imageViews?: number;
}

/** One entry of an album's `enrichments`. */
export type AlbumEnrichment =
  | { kind: "text"; text: string }
  | {
    kind: "location";
    name: string;
    description?: string;
    latitude?: number;
    longitude?: number;
  };

/** What an album metadata file says. */
export interface AlbumMetadata {
  /** Album title; absent for untitled albums. */
  title?: string;
  description?: string;
  /** "protected", "shared", ... */
  access?: string;
  /** The album's date (date.timestamp, UTC). */
  date?: Date;
  /** Free-text place name. */
  location?: string;
  geo?: GeoPoint;
  enrichments: AlbumEnrichment[];
  /** True when the file used the old `{"albumData": {...}}` wrapper. */
  wrapped: boolean;
}

/** Why a JSON file could not be read as the metadata asked for. */
export type MetadataFailure =
  | "invalid-json"
  | "not-an-object"
  | "not-item-metadata"
  | "not-album-metadata";

export type MetadataResult<T> =
  | { ok: true; value: T; warnings: string[] }
  | { ok: false; reason: MetadataFailure; message: string };

/** What a parsed JSON value looks like to Takeout. */
export type JsonKind = "item" | "album" | "unknown";

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Parse JSON text (bytes are read as UTF-8, a BOM is skipped), or say why
 * it is not JSON.
 */
export function parseJsonText(
  text: string | Uint8Array,
): { ok: true; value: unknown } | { ok: false; message: string } {
  let source: string;
  if (typeof text === "string") {
    source = text;
  } else {
    try {
      source = UTF8.decode(text);
    } catch {
      return { ok: false, message: "it is not valid UTF-8" };
    }
  }
  if (source.charCodeAt(0) === 0xfeff) source = source.slice(1);
  try {
    return { ok: true, value: JSON.parse(source) };
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    return { ok: false, message: `it is not valid JSON (${detail})` };
  }
}

/** The album object of an album file, unwrapping `albumData`. */
function albumBody(value: JsonObject): JsonObject | undefined {
  const wrapped = value.albumData ?? value.albumdata;
  return isObject(wrapped) ? wrapped : undefined;
}

/**
 * Tell item sidecars from album metadata by their fields (immich-go's test:
 * items have photoTakenTime or a photo url, albums a date or the wrapper).
 */
export function jsonKind(value: unknown): JsonKind {
  if (!isObject(value)) return "unknown";
  if (albumBody(value) !== undefined) return "album";
  const hasItemField = "photoTakenTime" in value ||
    ("url" in value && "title" in value) ||
    ("creationTime" in value && "title" in value && !("date" in value));
  if (hasItemField) return "item";
  const hasAlbumField = "title" in value &&
    ("date" in value || "access" in value || "enrichments" in value);
  if (hasAlbumField) return "album";
  return "unknown";
}

/**
 * Read a per-item sidecar from its parsed JSON. Fails when the value is not
 * an object, or has none of the fields an item sidecar has (title,
 * photoTakenTime, creationTime, url): `print-subscriptions.json` and album
 * files are not items.
 */
export function parseItemMetadata(
  value: unknown,
): MetadataResult<ItemMetadata> {
  if (!isObject(value)) {
    return {
      ok: false,
      reason: "not-an-object",
      message: `it holds ${typeName(value)}, not an object`,
    };
  }
  if (jsonKind(value) === "album") {
    return {
      ok: false,
      reason: "not-item-metadata",
      message: "it is an album's metadata, not an item's",
    };
  }
  const read = new Reader();
  const item: ItemMetadata = { people: [], fromPartner: false };
  readWhatAndWhen(read, value, item);
  readAboutItem(read, value, item);

  const recognized = item.title !== undefined ||
    item.photoTakenTime !== undefined || item.creationTime !== undefined ||
    item.url !== undefined || "photoTakenTime" in value;
  if (!recognized) {
    return {
      ok: false,
      reason: "not-item-metadata",
      message:
        "it has none of an item sidecar's fields (title, photoTakenTime, creationTime, url)",
    };
  }
  return { ok: true, value: item, warnings: read.warnings };
}

/** The title, description, dates and place of an item sidecar. */
function readWhatAndWhen(
  read: Reader,
  value: JsonObject,
  item: ItemMetadata,
): void {
  const title = read.text(value, "title");
  if (title !== undefined && title !== "") item.title = title;
  const description = read.nonEmptyText(value, "description");
  if (description !== undefined) item.description = description;
  const taken = read.time(value, "photoTakenTime");
  if (taken !== undefined) item.photoTakenTime = taken;
  const created = read.time(value, "creationTime");
  if (created !== undefined) item.creationTime = created;

  const exifGeo = read.geo(value, "geoDataExif");
  const geo = read.geo(value, "geoData");
  if (exifGeo !== undefined) {
    item.geo = exifGeo;
    item.geoSource = "geoDataExif";
  } else if (geo !== undefined) {
    item.geo = geo;
    item.geoSource = "geoData";
  }
}

/**
 * The rest of an item sidecar: people, photo URL, origin, the app that
 * uploaded it, favorite, archived, trashed and views.
 */
function readAboutItem(
  read: Reader,
  value: JsonObject,
  item: ItemMetadata,
): void {
  item.people = readPeople(read, value.people);
  const url = read.nonEmptyText(value, "url");
  if (url !== undefined) item.url = url;
  const origin = readOrigin(read, value.googlePhotosOrigin);
  if (origin !== undefined) {
    item.origin = origin;
    item.fromPartner = origin.kind === "fromPartnerSharing";
  }
  if (isObject(value.appSource)) {
    const pkg = read.nonEmptyText(
      value.appSource,
      "androidPackageName",
      "appSource.androidPackageName",
    );
    if (pkg !== undefined) item.appSource = pkg;
  }
  const favorited = read.flag(value, "favorited");
  if (favorited) item.favorited = favorited;
  const archived = read.flag(value, "archived");
  if (archived) item.archived = archived;
  const trashed = read.flag(value, "trashed");
  if (trashed) item.trashed = trashed;
  const views = value.imageViews;
  if (typeof views === "string" && /^\d{1,15}$/.test(views)) {
    item.imageViews = Number(views);
  } else if (typeof views === "number" && Number.isInteger(views)) {
    item.imageViews = views;
  } else if (views !== undefined && views !== null) {
    read.warn("imageViews", `not a count: ${show(views)}`);
  }
}

function readPeople(read: Reader, value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    read.warn("people", `expected an array, found ${typeName(value)}`);
    return [];
  }
  const names = new Set<string>();
  if (value.length > MAX_PEOPLE) {
    read.warn("people", `${value.length} people, kept the first ${MAX_PEOPLE}`);
  }
  value.slice(0, MAX_PEOPLE).forEach((person, i) => {
    if (!isObject(person)) {
      read.warn(
        `people[${i}]`,
        `expected an object, found ${typeName(person)}`,
      );
      return;
    }
    const name = read.nonEmptyText(
      person,
      "name",
      `people[${i}].name`,
      MAX_PERSON_CHARS,
    );
    if (name !== undefined) names.add(name.trim());
  });
  return [...names];
}

function readOrigin(read: Reader, value: unknown): ItemOrigin | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) {
    read.warn(
      "googlePhotosOrigin",
      `expected an object, found ${typeName(value)}`,
    );
    return undefined;
  }
  const kinds = Object.keys(value).sort();
  if (kinds.length === 0) return undefined;
  const kind = kinds.includes("fromPartnerSharing")
    ? "fromPartnerSharing"
    : kinds[0];
  const origin: ItemOrigin = { kind };
  const mobile = value.mobileUpload;
  if (kind === "mobileUpload" && isObject(mobile)) {
    const device = read.nonEmptyText(
      mobile,
      "deviceType",
      "googlePhotosOrigin.mobileUpload.deviceType",
    );
    if (device !== undefined) origin.deviceType = device;
    if (isObject(mobile.deviceFolder)) {
      const folder = read.nonEmptyText(
        mobile.deviceFolder,
        "localFolderName",
        "googlePhotosOrigin.mobileUpload.deviceFolder.localFolderName",
      );
      if (folder !== undefined) origin.deviceFolder = folder;
    }
  }
  return origin;
}

/**
 * Read an album metadata file from its parsed JSON: `{title, description,
 * access, date, location, geoData, enrichments}`, or the same wrapped in
 * `{"albumData": ...}` as older exports wrote it.
 */
export function parseAlbumMetadata(
  value: unknown,
): MetadataResult<AlbumMetadata> {
  if (!isObject(value)) {
    return {
      ok: false,
      reason: "not-an-object",
      message: `it holds ${typeName(value)}, not an object`,
    };
  }
  const inner = albumBody(value);
  const body = inner ?? value;
  if (inner === undefined && jsonKind(value) === "item") {
    return {
      ok: false,
      reason: "not-album-metadata",
      message: "it is an item's sidecar, not an album's metadata",
    };
  }
  const read = new Reader();
  const album: AlbumMetadata = {
    enrichments: [],
    wrapped: inner !== undefined,
  };
  const title = read.nonEmptyText(body, "title");
  if (title !== undefined) album.title = title;
  const description = read.nonEmptyText(body, "description");
  if (description !== undefined) album.description = description;
  const access = read.nonEmptyText(body, "access");
  if (access !== undefined) album.access = access;
  const date = read.time(body, "date");
  if (date !== undefined) album.date = date;
  const location = read.nonEmptyText(body, "location");
  if (location !== undefined) album.location = location;
  const geo = read.geo(body, "geoData");
  if (geo !== undefined) album.geo = geo;
  album.enrichments = readEnrichments(read, body.enrichments);

  const recognized = "title" in body || "date" in body || "access" in body ||
    "enrichments" in body;
  if (!recognized) {
    return {
      ok: false,
      reason: "not-album-metadata",
      message:
        "it has none of an album's fields (title, date, access, enrichments)",
    };
  }
  return { ok: true, value: album, warnings: read.warnings };
}

function readEnrichments(read: Reader, value: unknown): AlbumEnrichment[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    read.warn("enrichments", `expected an array, found ${typeName(value)}`);
    return [];
  }
  const out: AlbumEnrichment[] = [];
  value.forEach((entry, i) => {
    if (!isObject(entry)) {
      read.warn(`enrichments[${i}]`, `expected an object`);
      return;
    }
    if (isObject(entry.narrativeEnrichment)) {
      const text = read.nonEmptyText(
        entry.narrativeEnrichment,
        "text",
        `enrichments[${i}].narrativeEnrichment.text`,
      );
      if (text !== undefined) out.push({ kind: "text", text });
    }
    if (isObject(entry.locationEnrichment)) {
      const places = entry.locationEnrichment.location;
      if (Array.isArray(places)) {
        for (const place of places) {
          const found = readPlace(read, place, `enrichments[${i}]`);
          if (found !== undefined) out.push(found);
        }
      }
    }
    if (isObject(entry.mapEnrichment)) {
      // A map: where the trip started and ended.
      for (const end of ["origin", "destination"]) {
        const place = readPlace(
          read,
          entry.mapEnrichment[end],
          `enrichments[${i}].mapEnrichment.${end}`,
        );
        if (place !== undefined) out.push(place);
      }
    }
  });
  return out;
}

function readPlace(
  read: Reader,
  value: unknown,
  path: string,
): AlbumEnrichment | undefined {
  if (!isObject(value)) return undefined;
  const name = read.nonEmptyText(value, "name", `${path}.name`);
  if (name === undefined) return undefined;
  const place: AlbumEnrichment = { kind: "location", name };
  const description = read.nonEmptyText(
    value,
    "description",
    `${path}.description`,
  );
  if (description !== undefined) place.description = description;
  const lat = read.number(value, "latitudeE7", `${path}.latitudeE7`);
  const lon = read.number(value, "longitudeE7", `${path}.longitudeE7`);
  if (
    lat !== undefined && lon !== undefined && (lat !== 0 || lon !== 0) &&
    Math.abs(lat) <= 90e7 && Math.abs(lon) <= 180e7
  ) {
    place.latitude = lat / 1e7;
    place.longitude = lon / 1e7;
  }
  return place;
}

/** parseJsonText then parseItemMetadata, with "invalid-json" on bad text. */
export function parseItemMetadataText(
  text: string | Uint8Array,
): MetadataResult<ItemMetadata> {
  const json = parseJsonText(text);
  if (!json.ok) {
    return { ok: false, reason: "invalid-json", message: json.message };
  }
  return parseItemMetadata(json.value);
}

/** parseJsonText then parseAlbumMetadata, with "invalid-json" on bad text. */
export function parseAlbumMetadataText(
  text: string | Uint8Array,
): MetadataResult<AlbumMetadata> {
  const json = parseJsonText(text);
  if (!json.ok) {
    return { ok: false, reason: "invalid-json", message: json.message };
  }
  return parseAlbumMetadata(json.value);
}

/**
 * "48.85,2.29": the `Location` text the index keeps for items with a
 * position (see MediaRecord.location).
 */
export function locationText(geo: GeoPoint): string {
  return `${geo.latitude},${geo.longitude}`;
}
