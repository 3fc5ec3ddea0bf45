// The fake user's Google Photos library: items, albums and shared albums,
// built from a short story in code (`lib.photo(...)`, `lib.album(...)`) and
// changed between runs for incremental-sync tests. The HTTP routes only read
// it; everything Google derives (JSON, baseUrls, pages) is done elsewhere.

import {
  contentBytes,
  contentSha256,
  ContentSource,
  type ContentVariant,
  defaultSize,
  mimeTypeFor,
  thumbnailSize,
} from "./content.ts";
import { googleLikeId } from "./opaque_ids.ts";

export type MediaKind = "photo" | "video";
export type VideoStatus = "UNSPECIFIED" | "PROCESSING" | "READY" | "FAILED";

/** Google's content categories (ContentFilter in the discovery document). */
export const CONTENT_CATEGORIES = [
  "NONE",
  "LANDSCAPES",
  "RECEIPTS",
  "CITYSCAPES",
  "LANDMARKS",
  "SELFIES",
  "PEOPLE",
  "PETS",
  "WEDDINGS",
  "BIRTHDAYS",
  "DOCUMENTS",
  "TRAVEL",
  "ANIMALS",
  "FOOD",
  "SPORT",
  "NIGHT",
  "PERFORMANCES",
  "WHITEBOARDS",
  "SCREENSHOTS",
  "UTILITY",
  "ARTS",
  "CRAFTS",
  "FASHION",
  "HOUSES",
  "GARDENS",
  "FLOWERS",
  "HOLIDAYS",
] as const;

export interface CameraInfo {
  make?: string;
  model?: string;
  /** Photo only. */
  focalLength?: number;
  apertureFNumber?: number;
  isoEquivalent?: number;
  /** Google duration text, e.g. "0.008s". */
  exposureTime?: string;
}

export interface Contributor {
  displayName: string;
}

export interface ItemOptions {
  /** Use this id instead of a generated one. */
  id?: string;
  description?: string;
  width?: number;
  height?: number;
  camera?: CameraInfo;
  favorite?: boolean;
  /** Hidden from list and from search unless includeArchivedMedia. */
  archived?: boolean;
  /** Created by this app: the only items the post-2025 scope can read. */
  appCreated?: boolean;
  /** False for items other people added to a shared album: reachable by id
   * and through the album, never listed in the user's library. */
  inLibrary?: boolean;
  /** Who added the item (reported in shared-album searches). */
  contributor?: Contributor;
  /** Size of the original bytes; default a few hundred, from the id. */
  size?: number;
  mimeType?: string;
  /** Video only; default READY. */
  status?: VideoStatus;
  /** Video only; default 30. */
  fps?: number;
  /** When the item reached Google; an item without capture date reports it
   * as creationTime. Default: a fixed date in 2023, one second per item. */
  uploadTime?: string;
  /** For contentFilter searches. */
  categories?: string[];
}

export interface FakeItem {
  readonly id: string;
  readonly kind: MediaKind;
  readonly filename: string;
  readonly mimeType: string;
  /** RFC 3339 capture time, or null when the file carries none. */
  readonly captureTime: string | null;
  readonly uploadTime: string;
  readonly description: string;
  readonly width: number;
  readonly height: number;
  readonly camera: Readonly<CameraInfo>;
  readonly videoStatus: VideoStatus;
  readonly fps: number;
  readonly favorite: boolean;
  readonly archived: boolean;
  readonly appCreated: boolean;
  readonly inLibrary: boolean;
  readonly contributor: Readonly<Contributor> | undefined;
  readonly size: number;
  readonly thumbnailSize: number;
  readonly categories: readonly string[];
  /** Insertion order; breaks ties between equal creation times. */
  readonly seq: number;
}

export interface AlbumOptions {
  id?: string;
  appCreated?: boolean;
  /** Default: the album's first item. */
  coverItemId?: string;
  /** Default: appCreated. */
  isWriteable?: boolean;
}

export interface SharedAlbumOptions extends AlbumOptions {
  /** Default true. */
  owned?: boolean;
  /** Also listed by albums.list (the Albums tab). Default: owned. */
  inAlbumsTab?: boolean;
  /** Link sharing on (shareableUrl present). Default true. */
  linkShared?: boolean;
}

export interface ShareState {
  readonly owned: boolean;
  readonly inAlbumsTab: boolean;
  readonly linkShared: boolean;
  readonly shareToken: string;
}

export interface FakeAlbum {
  readonly id: string;
  /** "" = an untitled album (Google omits the field). */
  readonly title: string;
  readonly itemIds: readonly string[];
  readonly appCreated: boolean;
  readonly isWriteable: boolean;
  readonly coverItemId: string | undefined;
  readonly share: ShareState | undefined;
  readonly seq: number;
}

export interface ItemPatch extends Omit<ItemOptions, "id"> {
  filename?: string;
  captureTime?: string | null;
}

export interface GenerateOptions {
  /** Capture time of the first (oldest) item; default 2015-01-01T00:00:00Z. */
  start?: string;
  /** Seconds between items; default one hour. */
  stepSec?: number;
  /** Every Nth item is a video (0 = none); default 0. */
  videoEvery?: number;
  /** File name prefix; default "IMG_". */
  prefix?: string;
  /** Applied to every item. */
  item?: Omit<ItemOptions, "id">;
}

const DEFAULT_UPLOAD_BASE = Date.parse("2023-06-15T12:00:00Z");

export class FakeLibrary {
  readonly #seed: string;
  #items = new Map<string, FakeItem>();
  #albums = new Map<string, FakeAlbum>();
  #counter = 0;
  #version = 0;
  #sorted: { version: number; items: FakeItem[] } | undefined;

  constructor(options: { seed?: string } = {}) {
    this.#seed = options.seed ?? "fake-google";
  }

  /** Bumped on every change; lets readers cache derived views. */
  get version(): number {
    return this.#version;
  }

  /** All items in insertion order. */
  get items(): readonly FakeItem[] {
    return [...this.#items.values()];
  }

  /** All albums (owned and shared) in insertion order. */
  get albums(): readonly FakeAlbum[] {
    return [...this.#albums.values()];
  }

  photo(
    filename: string,
    captureTime: string | null,
    options: ItemOptions = {},
  ): FakeItem {
    return this.#add("photo", filename, captureTime, options);
  }

  video(
    filename: string,
    captureTime: string | null,
    options: ItemOptions = {},
  ): FakeItem {
    return this.#add("video", filename, captureTime, options);
  }

  /** Many items at once (benchmarks, paging): oldest first, `stepSec` apart. */
  generate(count: number, options: GenerateOptions = {}): FakeItem[] {
    const start = parseTime(options.start ?? "2015-01-01T00:00:00Z", "start");
    const step = (options.stepSec ?? 3600) * 1000;
    const prefix = options.prefix ?? "IMG_";
    const out: FakeItem[] = [];
    for (let i = 0; i < count; i++) {
      const video = options.videoEvery !== undefined &&
        options.videoEvery > 0 && (i + 1) % options.videoEvery === 0;
      const name = `${prefix}${String(i + 1).padStart(6, "0")}.${
        video ? "MP4" : "JPG"
      }`;
      const time = new Date(start + i * step).toISOString().replace(
        ".000Z",
        "Z",
      );
      out.push(
        this.#add(video ? "video" : "photo", name, time, options.item ?? {}),
      );
    }
    return out;
  }

  album(
    title: string,
    items: readonly (string | FakeItem)[],
    options: AlbumOptions = {},
  ): FakeAlbum {
    return this.#addAlbum(title, items, options, undefined);
  }

  sharedAlbum(
    title: string,
    items: readonly (string | FakeItem)[],
    options: SharedAlbumOptions = {},
  ): FakeAlbum {
    const owned = options.owned ?? true;
    const n = this.#counter + 1;
    const share: ShareState = {
      owned,
      inAlbumsTab: options.inAlbumsTab ?? owned,
      linkShared: options.linkShared ?? true,
      shareToken: googleLikeId(this.#seed, "share-token", n, 120),
    };
    return this.#addAlbum(title, items, options, share);
  }

  item(id: string): FakeItem | undefined {
    return this.#items.get(id);
  }

  getAlbum(id: string): FakeAlbum | undefined {
    return this.#albums.get(id);
  }

  /** Remove items or albums by id (or object). Removed items also leave
   * every album. Unknown ids throw, so a typo in a test shows. */
  remove(...targets: (string | FakeItem | FakeAlbum)[]): void {
    for (const t of targets) {
      const id = typeof t === "string" ? t : t.id;
      if (this.#items.delete(id)) {
        for (const a of this.#albums.values()) {
          if (a.itemIds.includes(id)) {
            this.#albums.set(a.id, {
              ...a,
              itemIds: a.itemIds.filter((x) => x !== id),
              coverItemId: a.coverItemId === id ? undefined : a.coverItemId,
            });
          }
        }
      } else if (!this.#albums.delete(id)) {
        throw new Error(`FakeLibrary.remove: no item or album with id ${id}`);
      }
      this.#version++;
    }
  }

  /** Change an item in place (its id stays), e.g. a video becoming READY. */
  update(target: string | FakeItem, patch: ItemPatch): FakeItem {
    const id = typeof target === "string" ? target : target.id;
    const old = this.#items.get(id);
    if (old === undefined) throw new Error(`FakeLibrary.update: no item ${id}`);
    const updated = buildItem(
      old.kind,
      patch.filename ?? old.filename,
      patch.captureTime === undefined ? old.captureTime : patch.captureTime,
      { ...optionsOf(old), ...patch, id },
      old.seq,
    );
    this.#items.set(id, updated);
    this.#version++;
    return updated;
  }

  /** Append items to an album (album order = order of addition). */
  addToAlbum(
    album: string | FakeAlbum,
    items: readonly (string | FakeItem)[],
  ): FakeAlbum {
    const old = this.#requireAlbum(album);
    const ids = this.#resolveItems(items, "addToAlbum");
    const updated = { ...old, itemIds: [...old.itemIds, ...ids] };
    this.#albums.set(old.id, updated);
    this.#version++;
    return updated;
  }

  removeFromAlbum(
    album: string | FakeAlbum,
    items: readonly (string | FakeItem)[],
  ): FakeAlbum {
    const old = this.#requireAlbum(album);
    const drop = new Set(this.#resolveItems(items, "removeFromAlbum"));
    const updated = {
      ...old,
      itemIds: old.itemIds.filter((id) => !drop.has(id)),
    };
    this.#albums.set(old.id, updated);
    this.#version++;
    return updated;
  }

  /** The time Google reports as creationTime: capture time, else upload time. */
  creationTime(item: FakeItem): string {
    return item.captureTime ?? item.uploadTime;
  }

  /** Items newest first by creationTime (ties: later added first), cached. */
  newestFirst(): readonly FakeItem[] {
    if (this.#sorted?.version !== this.#version) {
      const items = [...this.#items.values()].map((it) => ({
        it,
        t: Date.parse(this.creationTime(it)),
      }));
      items.sort((a, b) => b.t - a.t || b.it.seq - a.it.seq);
      this.#sorted = { version: this.#version, items: items.map((x) => x.it) };
    }
    return this.#sorted.items;
  }

  /** The bytes a download of this item must give (`=d` photo, `=dv` video;
   * "thumbnail" for a video's `=d`). Use `contentStream` for large items. */
  content(
    id: string,
    variant: ContentVariant = "original",
  ): Uint8Array<ArrayBuffer> {
    const it = this.#require(id);
    return contentBytes(it.id, variant, sizeOf(it, variant), it.mimeType);
  }

  /** SHA-256 hex of the content, computed without holding it in memory. */
  sha256(id: string, variant: ContentVariant = "original"): string {
    const it = this.#require(id);
    return contentSha256(it.id, variant, sizeOf(it, variant), it.mimeType);
  }

  /** A generator of the content; the media routes stream from it. */
  contentSource(item: FakeItem, variant: ContentVariant): ContentSource {
    return new ContentSource(
      item.id,
      variant,
      sizeOf(item, variant),
      item.mimeType,
    );
  }

  #require(id: string): FakeItem {
    const it = this.#items.get(id);
    if (it === undefined) throw new Error(`FakeLibrary: no item ${id}`);
    return it;
  }

  #requireAlbum(album: string | FakeAlbum): FakeAlbum {
    const id = typeof album === "string" ? album : album.id;
    const a = this.#albums.get(id);
    if (a === undefined) throw new Error(`FakeLibrary: no album ${id}`);
    return a;
  }

  #resolveItems(items: readonly (string | FakeItem)[], what: string): string[] {
    return items.map((x) => {
      const id = typeof x === "string" ? x : x.id;
      if (!this.#items.has(id)) {
        throw new Error(`FakeLibrary.${what}: no item ${id}`);
      }
      return id;
    });
  }

  #add(
    kind: MediaKind,
    filename: string,
    captureTime: string | null,
    options: ItemOptions,
  ): FakeItem {
    const seq = ++this.#counter;
    const id = options.id ?? googleLikeId(this.#seed, "item", seq);
    if (this.#items.has(id) || this.#albums.has(id)) {
      throw new Error(`FakeLibrary: id ${id} is already used`);
    }
    const item = buildItem(
      kind,
      filename,
      captureTime,
      { ...options, id },
      seq,
    );
    this.#items.set(id, item);
    this.#version++;
    return item;
  }

  #addAlbum(
    title: string,
    items: readonly (string | FakeItem)[],
    options: AlbumOptions,
    share: ShareState | undefined,
  ): FakeAlbum {
    const seq = ++this.#counter;
    const id = options.id ?? googleLikeId(this.#seed, "album", seq, 76);
    if (this.#items.has(id) || this.#albums.has(id)) {
      throw new Error(`FakeLibrary: id ${id} is already used`);
    }
    const itemIds = this.#resolveItems(items, share ? "sharedAlbum" : "album");
    if (
      options.coverItemId !== undefined &&
      !itemIds.includes(options.coverItemId)
    ) {
      throw new Error(
        `FakeLibrary: cover ${options.coverItemId} is not in album ${title}`,
      );
    }
    const appCreated = options.appCreated ?? false;
    const album: FakeAlbum = {
      id,
      title,
      itemIds,
      appCreated,
      isWriteable: options.isWriteable ?? appCreated,
      coverItemId: options.coverItemId,
      share,
      seq,
    };
    this.#albums.set(id, album);
    this.#version++;
    return album;
  }
}

function sizeOf(item: FakeItem, variant: ContentVariant): number {
  return variant === "original" ? item.size : item.thumbnailSize;
}

function parseTime(text: string, what: string): number {
  const t = Date.parse(text);
  if (
    !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(text) ||
    Number.isNaN(t)
  ) {
    throw new Error(`FakeLibrary: ${what} "${text}" is not an RFC 3339 time`);
  }
  return t;
}

/** Normalises to Google's form: UTC, "Z", fractional seconds only if any. */
function rfc3339(text: string, what: string): string {
  const iso = new Date(parseTime(text, what)).toISOString();
  return iso.endsWith(".000Z") ? iso.replace(".000Z", "Z") : iso;
}

function optionsOf(item: FakeItem): ItemOptions {
  return {
    description: item.description,
    width: item.width,
    height: item.height,
    camera: item.camera,
    favorite: item.favorite,
    archived: item.archived,
    appCreated: item.appCreated,
    inLibrary: item.inLibrary,
    contributor: item.contributor,
    size: item.size,
    mimeType: item.mimeType,
    status: item.videoStatus,
    fps: item.fps,
    uploadTime: item.uploadTime,
    categories: [...item.categories],
  };
}

function buildItem(
  kind: MediaKind,
  filename: string,
  captureTime: string | null,
  o: ItemOptions & { id: string },
  seq: number,
): FakeItem {
  if (filename === "") throw new Error("FakeLibrary: an item needs a filename");
  if (o.size !== undefined && (!Number.isSafeInteger(o.size) || o.size < 0)) {
    throw new Error(`FakeLibrary: bad size ${o.size} for ${filename}`);
  }
  for (const c of o.categories ?? []) {
    if (!(CONTENT_CATEGORIES as readonly string[]).includes(c)) {
      throw new Error(`FakeLibrary: unknown content category ${c}`);
    }
  }
  const video = kind === "video";
  return {
    id: o.id,
    kind,
    filename,
    mimeType: o.mimeType ?? mimeTypeFor(filename, kind),
    captureTime: captureTime === null
      ? null
      : rfc3339(captureTime, "capture time"),
    uploadTime: o.uploadTime !== undefined
      ? rfc3339(o.uploadTime, "upload time")
      : new Date(DEFAULT_UPLOAD_BASE + seq * 1000).toISOString().replace(
        ".000Z",
        "Z",
      ),
    description: o.description ?? "",
    width: o.width ?? (video ? 1920 : 4032),
    height: o.height ?? (video ? 1080 : 3024),
    camera: { ...o.camera },
    videoStatus: o.status ?? "READY",
    fps: o.fps ?? 30,
    favorite: o.favorite ?? false,
    archived: o.archived ?? false,
    appCreated: o.appCreated ?? false,
    inLibrary: o.inLibrary ?? true,
    contributor: o.contributor,
    size: o.size ?? defaultSize(o.id),
    thumbnailSize: thumbnailSize(o.id),
    categories: [...(o.categories ?? [])],
    seq,
  };
}
