// The Photos Library API v1 client: listing and searching media items and
// albums page by page, batchGet for fresh baseUrls, and the mapping of a
// MediaItem to the normalized MediaRecord. Every answer is validated before
// it is used; the base URL is a parameter (the caller reads
// GPHOTOS_LIBRARY_API).

import { ApiError } from "../errors.ts";
import type { MediaRecord } from "../media/record.ts";
import {
  type Album,
  type MediaItem,
  type Page,
  parseAlbum,
  parseBatchGetResponse,
  parseMediaItem,
  parsePage,
  type SearchMediaItemsRequest,
} from "./api_types.ts";
import {
  type AccessTokenSource,
  defaultSleep,
  type HttpClient,
  type Sleep,
} from "./http.ts";
import { JsonReader } from "./json_shape.ts";

export const DEFAULT_LIBRARY_API = "https://photoslibrary.googleapis.com";
/** Google's limit for one mediaItems.batchGet. */
export const MAX_BATCH_GET = 50;
export const MAX_MEDIA_PAGE_SIZE = 100;
export const MAX_ALBUM_PAGE_SIZE = 50;
/**
 * Zero-item pages that carry a nextPageToken are normal (gphotos-sync #112),
 * but a long unbroken run of them means the listing is not advancing.
 */
export const MAX_EMPTY_PAGES_IN_A_ROW = 200;
/**
 * An empty page may also carry the very token that was just sent: the
 * listing neither lost nor gained anything, and asking again after a
 * backoff gets it going. An empty answer repeated more often than this is
 * taken as a listing that goes round forever; a page with items that
 * repeats a token stops the listing at once.
 */
export const MAX_REPEATED_EMPTY_PAGES = 5;

/**
 * The capture time given to an item without a usable
 * mediaMetadata.creationTime: gphotos-sync's MINIMUM_DATE (1900-01-01), so
 * such items land in photos/1900/01 as they did before.
 */
export const MISSING_DATE_FALLBACK = "1900-01-01T00:00:00Z";

export interface LibraryClientOptions {
  http: HttpClient;
  auth: AccessTokenSource;
  /** Default DEFAULT_LIBRARY_API. */
  baseUrl?: string;
  /** Per-request timeout; default the HttpClient's. */
  timeoutMs?: number;
  /** Waits before a page is asked for again (see MAX_REPEATED_EMPTY_PAGES). */
  sleep?: Sleep;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface ListOptions extends CallOptions {
  pageSize?: number;
}

export type BatchGetResult =
  | { ok: MediaItem }
  | { error: { code: number; message: string } };

export class LibraryClient {
  readonly baseUrl: string;
  readonly #http: HttpClient;
  readonly #auth: AccessTokenSource;
  readonly #timeoutMs: number | undefined;
  readonly #sleep: Sleep;

  constructor(options: LibraryClientOptions) {
    this.#http = options.http;
    this.#sleep = options.sleep ?? defaultSleep;
    this.#auth = options.auth;
    this.baseUrl = (options.baseUrl ?? DEFAULT_LIBRARY_API).replace(/\/+$/, "");
    this.#timeoutMs = options.timeoutMs;
  }

  /**
   * mediaItems.list, newest first; every page is yielded, empty ones too.
   * `lookAhead` as for searchMediaItems.
   */
  listMediaItems(
    options: ListOptions & {
      lookAhead?: (page: Page<MediaItem>) => boolean;
    } = {},
  ): AsyncIterable<Page<MediaItem>> {
    const pageSize = clamp(
      options.pageSize ?? MAX_MEDIA_PAGE_SIZE,
      MAX_MEDIA_PAGE_SIZE,
    );
    return this.#pages(
      "mediaItems.list",
      "mediaItems",
      parseMediaItem,
      options.signal,
      options.lookAhead,
      (token, signal) =>
        this.#get("mediaItems.list", "/v1/mediaItems", {
          pageSize: String(pageSize),
          ...(token ? { pageToken: token } : {}),
        }, signal),
    );
  }

  /**
   * mediaItems.search; `request.pageToken` is managed here. `lookAhead`,
   * when given, says after each page whether the next one is asked for at
   * once (the default) or only when the caller comes back for it.
   */
  searchMediaItems(
    request: SearchMediaItemsRequest,
    options: CallOptions & {
      lookAhead?: (page: Page<MediaItem>) => boolean;
    } = {},
  ): AsyncIterable<Page<MediaItem>> {
    const pageSize = clamp(
      request.pageSize ?? MAX_MEDIA_PAGE_SIZE,
      MAX_MEDIA_PAGE_SIZE,
    );
    return this.#pages(
      "mediaItems.search",
      "mediaItems",
      parseMediaItem,
      options.signal,
      options.lookAhead,
      (token, signal) => {
        const body: SearchMediaItemsRequest = { ...request, pageSize };
        if (token) body.pageToken = token;
        else delete body.pageToken;
        return this.#http.json(`${this.baseUrl}/v1/mediaItems:search`, {
          method: "POST",
          json: body,
          signal,
          auth: this.#auth,
          timeoutMs: this.#timeoutMs,
          label: "mediaItems.search",
        });
      },
    );
  }

  /**
   * mediaItems.batchGet: one result per id, in the order given. A bad id is
   * an `error` entry, not a failed call. Repeated ids are asked for once.
   */
  async batchGet(
    ids: readonly string[],
    options: CallOptions = {},
  ): Promise<BatchGetResult[]> {
    const unique = [...new Set(ids)];
    if (unique.length > MAX_BATCH_GET) {
      throw new RangeError(
        `batchGet takes at most ${MAX_BATCH_GET} ids; got ${unique.length}.`,
      );
    }
    if (unique.length === 0) return [];
    const query = new URLSearchParams();
    for (const id of unique) query.append("mediaItemIds", id);
    const json = await this.#http.json(
      `${this.baseUrl}/v1/mediaItems:batchGet?${query}`,
      {
        signal: options.signal,
        auth: this.#auth,
        timeoutMs: this.#timeoutMs,
        label: "mediaItems.batchGet",
      },
    );
    const r = new JsonReader("mediaItems.batchGet");
    const results = parseBatchGetResponse(r, json).mediaItemResults ?? [];
    if (results.length !== unique.length) {
      r.fail(
        "response.mediaItemResults",
        `${unique.length} entries (one per id asked for)`,
        results,
      );
    }
    const byId = new Map<string, BatchGetResult>();
    unique.forEach((id, i) => {
      const entry = results[i];
      const path = `response.mediaItemResults[${i}]`;
      if (entry.mediaItem) {
        // Results come in request order; an item under another id means the
        // order cannot be trusted, and a wrong match would mislabel files.
        if (entry.mediaItem.id !== id) {
          r.fail(
            `${path}.mediaItem.id`,
            `the id asked for (${id})`,
            entry.mediaItem.id,
          );
        }
        byId.set(id, { ok: entry.mediaItem });
      } else if (entry.status) {
        byId.set(id, {
          error: {
            code: entry.status.code ?? 0,
            message: entry.status.message ?? "",
          },
        });
      } else {
        r.fail(path, "an object with mediaItem or status", entry);
      }
    });
    return ids.map((id) => byId.get(id)!);
  }

  async getMediaItem(
    id: string,
    options: CallOptions = {},
  ): Promise<MediaItem> {
    const json = await this.#get(
      "mediaItems.get",
      `/v1/mediaItems/${encodeURIComponent(id)}`,
      {},
      options.signal,
    );
    return parseMediaItem(new JsonReader("mediaItems.get"), json, "response");
  }

  /** albums.list (the user's own albums); pageSize up to 50. */
  listAlbums(options: ListOptions = {}): AsyncIterable<Page<Album>> {
    return this.#albumPages("albums.list", "/v1/albums", "albums", options);
  }

  /** sharedAlbums.list; Google answers 403 since 31 March 2025. */
  listSharedAlbums(options: ListOptions = {}): AsyncIterable<Page<Album>> {
    return this.#albumPages(
      "sharedAlbums.list",
      "/v1/sharedAlbums",
      "sharedAlbums",
      options,
    );
  }

  async getAlbum(id: string, options: CallOptions = {}): Promise<Album> {
    const json = await this.#get(
      "albums.get",
      `/v1/albums/${encodeURIComponent(id)}`,
      {},
      options.signal,
    );
    return parseAlbum(new JsonReader("albums.get"), json, "response");
  }

  #albumPages(
    call: string,
    path: string,
    listKey: string,
    options: ListOptions,
  ): AsyncIterable<Page<Album>> {
    const pageSize = clamp(
      options.pageSize ?? MAX_ALBUM_PAGE_SIZE,
      MAX_ALBUM_PAGE_SIZE,
    );
    return this.#pages(
      call,
      listKey,
      parseAlbum,
      options.signal,
      undefined,
      (token, signal) =>
        this.#get(call, path, {
          pageSize: String(pageSize),
          ...(token ? { pageToken: token } : {}),
        }, signal),
    );
  }

  #get(
    call: string,
    path: string,
    query: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    const qs = new URLSearchParams(query).toString();
    return this.#http.json(`${this.baseUrl}${path}${qs ? `?${qs}` : ""}`, {
      signal,
      auth: this.#auth,
      timeoutMs: this.#timeoutMs,
      label: call,
    });
  }

  /**
   * Pages of a listing. The next page is asked for as soon as its token is
   * known, while the caller works on the current one: a listing costs one
   * round trip per page, not a round trip plus the caller's time.
   */
  async *#pages<T>(
    call: string,
    listKey: string,
    parseItem: (r: JsonReader, value: unknown, path: string) => T,
    callerSignal: AbortSignal | undefined,
    lookAhead: ((page: Page<T>) => boolean) | undefined,
    fetchPage: (
      token: string | undefined,
      signal: AbortSignal,
    ) => Promise<unknown>,
  ): AsyncGenerator<Page<T>> {
    const guard = new ListingGuard(call);
    const ahead = new AbortController();
    const signal = callerSignal
      ? AbortSignal.any([callerSignal, ahead.signal])
      : ahead.signal;
    let sent: string | undefined;
    let pending: Promise<unknown> | undefined = fetchPage(sent, signal);
    let askedAgain = 0;
    try {
      for (;;) {
        const body = await pending;
        pending = undefined;
        const page = parsePage(new JsonReader(call), body, listKey, parseItem);
        const next = page.nextPageToken;
        if (
          next !== undefined && next === sent && page.items.length === 0 &&
          askedAgain < MAX_REPEATED_EMPTY_PAGES
        ) {
          // Nothing lost, nothing gained: the same page is asked for again.
          await this.#sleep(this.#http.backoffMs(askedAgain++), signal);
          pending = fetchPage(sent, signal);
          continue;
        }
        askedAgain = 0;
        const stop = next === undefined
          ? undefined
          : guard.check(next, sent, page.items.length === 0);
        if (next !== undefined && !stop && (lookAhead?.(page) ?? true)) {
          sent = next;
          pending = fetchPage(next, signal);
          // Handled here too: the caller may never come back for it.
          pending.catch(() => {});
          // One turn of the event loop sends the request before the
          // caller's (synchronous) work on this page holds the thread.
          await new Promise((r) => setTimeout(r, 0));
        }
        yield page;
        if (stop) throw stop;
        if (next === undefined) return;
        if (pending === undefined) {
          sent = next;
          pending = fetchPage(next, signal);
        }
      }
    } finally {
      // The caller stopped early (or failed): the page asked for ahead is
      // not wanted. Cancel it; its outcome must not go unhandled.
      if (pending) {
        pending.catch(() => {});
        ahead.abort();
      }
    }
  }
}

/**
 * Stops a listing that does not advance: Google sending a page token it
 * sent before (the listing would go round forever), or more than
 * MAX_EMPTY_PAGES_IN_A_ROW empty pages in a row.
 */
class ListingGuard {
  readonly #call: string;
  readonly #seen = new Set<string>();
  #emptyInARow = 0;

  constructor(call: string) {
    this.#call = call;
  }

  /**
   * The error to stop with after a page whose next token is `next`, if the
   * listing must stop; `sent` is the token that asked for the page.
   */
  check(
    next: string,
    sent: string | undefined,
    empty: boolean,
  ): ApiError | undefined {
    this.#emptyInARow = empty ? this.#emptyInARow + 1 : 0;
    if (this.#seen.has(next)) {
      return new ApiError(
        `Google sent the same page token twice while listing ${this.#call}` +
          (next === sent && empty
            ? ` (${MAX_REPEATED_EMPTY_PAGES} times more when asked again)`
            : "") +
          "; stopped so the listing does not go round forever. Run again later.",
        200,
        "REPEATED_PAGE_TOKEN",
      );
    }
    if (this.#emptyInARow > MAX_EMPTY_PAGES_IN_A_ROW) {
      return new ApiError(
        `Google sent ${this.#emptyInARow} empty pages in a row while listing ` +
          `${this.#call}; stopped as the listing is not advancing. Run again later.`,
        200,
        "EMPTY_PAGES",
      );
    }
    this.#seen.add(next);
    return undefined;
  }
}

function clamp(pageSize: number, max: number): number {
  if (!Number.isFinite(pageSize)) return max;
  return Math.min(Math.max(1, Math.floor(pageSize)), max);
}

const RFC3339 =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * The normalized record of a Library API item. A missing or unreadable
 * creationTime, or one outside the years 1 to 9999, gives
 * MISSING_DATE_FALLBACK (gphotos-sync did the same for the first two). An
 * item is a video when its mimeType says video/*, or, lacking an image or
 * video mimeType, when it carries video metadata.
 */
export function toMediaRecord(item: MediaItem): MediaRecord {
  const meta = item.mediaMetadata ?? {};
  const mimeType = item.mimeType ?? "";
  const isVideo = mimeType.startsWith("video/") ||
    (!mimeType.startsWith("image/") && meta.video !== undefined);
  const creation = meta.creationTime?.trim();
  let parsed = creation && RFC3339.test(creation) ? Date.parse(creation) : NaN;
  // Dates the index and the folders cannot hold (year 0, or past 9999 once
  // an offset is applied) are as good as none: one such item must not stop
  // the run.
  const year = new Date(parsed).getUTCFullYear();
  if (year < 1 || year > 9999) parsed = NaN;
  const record: MediaRecord = {
    remoteId: item.id,
    source: "library",
    filename: item.filename ?? "",
    mimeType,
    description: item.description ?? "",
    createTime: new Date(
      Number.isNaN(parsed) ? Date.parse(MISSING_DATE_FALLBACK) : parsed,
    ),
    isVideo,
  };
  if (item.productUrl) record.productUrl = item.productUrl;
  if (isVideo && meta.video?.status) record.videoStatus = meta.video.status;
  const width = dimension(meta.width);
  if (width !== undefined) record.width = width;
  const height = dimension(meta.height);
  if (height !== undefined) record.height = height;
  const camera = isVideo ? meta.video ?? meta.photo : meta.photo ?? meta.video;
  if (camera?.cameraMake) record.cameraMake = camera.cameraMake;
  if (camera?.cameraModel) record.cameraModel = camera.cameraModel;
  return record;
}

function dimension(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}
