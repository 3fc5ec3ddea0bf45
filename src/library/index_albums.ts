// The album step of `sync`'s index: list the user's albums and (unless
// --skip-shared-albums) the shared ones, and for each album whose item
// count changed, search its contents by albumId and record them: positions
// in AlbumFiles, the first and last capture times in Albums (they date the
// album's folder), and the items not indexed yet (shared by others,
// uploaded straight into an album) in SyncFiles, placed like any other.
// Behaviour follows gphotos-sync's GoogleAlbumsSync.index_album_media.

import type { SyncOptions } from "../options.ts";
import type { Logger } from "../log.ts";
import type { LocalData } from "../db/local_data.ts";
import { newItemFromRecord } from "../db/rows.ts";
import { ApiError } from "../errors.ts";
import type { FsProfile } from "../fs/fs_profile.ts";
import type { Album, MediaItem } from "../google/api_types.ts";
import { type LibraryClient, toMediaRecord } from "../google/library.ts";
import { adoptSameUpload, placeRecord } from "../backup/placement.ts";

export type IndexAlbumsOptions =
  & Pick<
    SyncOptions,
    | "album"
    | "albumRegex"
    | "skipSharedAlbums"
    | "noAlbumIndex"
    | "skipVideo"
    | "favouritesOnly"
    | "flushIndex"
    | "rescan"
    | "retryDownload"
    | "photosPath"
    | "useFlatPath"
  >
  & { maxThreads?: number };

export interface IndexAlbumsDeps {
  db: LocalData;
  library: LibraryClient;
  profile: FsProfile;
  ctx: { logger: Logger; signal?: AbortSignal };
  /**
   * Albums are listed and read at once, but recorded only once this is
   * settled (the library's own items indexed first).
   */
  recordAfter?: Promise<void>;
}

export interface IndexAlbumsResult {
  /** Albums albums.list returned. */
  albumsListed: number;
  /** Albums only sharedAlbums.list returned (not also in albums.list). */
  sharedAlbumsListed: number;
  /** Albums whose contents were searched. */
  albumsIndexed: number;
  /** Albums with the item count already indexed (not searched again). */
  albumsUnchanged: number;
  /** Albums left out by --album / --album-regex or for having no title. */
  albumsSkipped: number;
  /** Albums Google would not search (gone since they were listed). */
  albumsFailed: number;
  /** Album memberships recorded. */
  albumItems: number;
  /** Items found only in albums and added to the index. */
  itemsAdded: number;
  /** Videos left out of albums by --skip-video. */
  videosSkipped: number;
  /** Google refused sharedAlbums.list (as it does since 31 March 2025). */
  sharedAlbumsUnavailable: boolean;
  /** Ids of every album the listings returned (for --do-delete). */
  listedIds: Set<string>;
}

/** gphotos-sync's AlbumName for an album without a title. */
export const UNTITLED_ALBUM_NAME = "none";

/**
 * Indexes albums and shared albums. An album listed by albums.list is the
 * user's own and goes under --albums-path, even when it is also shared
 * (then sharedAlbums.list lists it too); only albums that appear in
 * Sharing alone are shared albums. This keeps an album's folder where it
 * is whether or not --skip-shared-albums is given. gphotos-sync's rules
 * otherwise: untitled shared albums are skipped (own ones are named
 * "none"); items only in a shared album are always added to the index,
 * items only in an own album unless --no-album-index; --favourites-only
 * adds none.
 */
export async function indexAlbums(
  options: IndexAlbumsOptions,
  deps: IndexAlbumsDeps,
): Promise<IndexAlbumsResult> {
  const { library, ctx } = deps;
  const result: IndexAlbumsResult = {
    albumsListed: 0,
    sharedAlbumsListed: 0,
    albumsIndexed: 0,
    albumsUnchanged: 0,
    albumsSkipped: 0,
    albumsFailed: 0,
    albumItems: 0,
    itemsAdded: 0,
    videosSkipped: 0,
    sharedAlbumsUnavailable: false,
    listedIds: new Set(),
  };
  const own = result.listedIds;
  const reader = new AlbumReader(options, deps, result);
  ctx.logger.info("Indexing albums ...");
  try {
    for await (const page of library.listAlbums({ signal: reader.signal })) {
      for (const album of page.items) {
        own.add(album.id);
        result.albumsListed++;
        await reader.add(album, false);
      }
    }
    await reader.drain();
    if (!options.skipSharedAlbums) {
      ctx.logger.info("Indexing shared albums ...");
      try {
        for await (
          const page of library.listSharedAlbums({ signal: reader.signal })
        ) {
          for (const album of page.items) {
            if (own.has(album.id)) continue;
            result.listedIds.add(album.id);
            result.sharedAlbumsListed++;
            await reader.add(album, true);
          }
        }
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 403)) throw err;
        result.sharedAlbumsUnavailable = true;
        ctx.logger.warn(
          "Shared albums were not indexed: Google refused sharedAlbums.list " +
            "(HTTP 403). Since 31 March 2025 Google no longer lets apps list " +
            "shared albums; shared albums already indexed keep their folders. " +
            "--skip-shared-albums stops this warning, but also removes those " +
            "folders (the downloaded items stay in the photos folder).",
        );
      }
      await reader.drain();
    }
  } finally {
    reader.stop();
  }
  ctx.logger.info(
    `Albums: ${result.albumsListed} own and ${result.sharedAlbumsListed} ` +
      `shared listed, ${result.albumsIndexed} indexed, ` +
      `${result.albumsUnchanged} unchanged, ${result.itemsAdded} items added.`,
  );
  return result;
}

function selected(
  name: string,
  options: IndexAlbumsOptions,
): "album" | "regex" | undefined {
  if (options.album !== undefined && options.album !== name) return "album";
  // search() ignores lastIndex and the g flag, like Python's re.search.
  if (options.albumRegex !== undefined && name.search(options.albumRegex) < 0) {
    return "regex";
  }
  return undefined;
}

/** What an album listed needs: its contents read, or nothing more. */
function albumNeeds(
  album: Album,
  shared: boolean,
  options: IndexAlbumsOptions,
  deps: IndexAlbumsDeps,
  result: IndexAlbumsResult,
): "search" | "done" {
  const { db, ctx } = deps;
  const log = ctx.logger;
  const title = album.title ?? "";
  const name = title === "" ? UNTITLED_ALBUM_NAME : title;
  const size = albumSize(album);
  const unselected = selected(name, options);
  if (unselected !== undefined) {
    log.debug(
      `Skipping album ${name} (${size} items): it does not match --${
        unselected === "album" ? "album" : "album-regex"
      }.`,
    );
    result.albumsSkipped++;
    return "done";
  }
  if (shared && title === "") {
    log.debug(`Skipping an untitled shared album (${size} items).`);
    result.albumsSkipped++;
    return "done";
  }
  const indexed = db.getAlbum(album.id);
  const force = options.flushIndex || options.rescan || options.retryDownload;
  if (indexed !== undefined && indexed.size === size && !force) {
    // The contents are as indexed; a new title or sharing state is noted
    // without searching (the folder follows it).
    if (indexed.albumName !== name || indexed.isShared !== shared) {
      db.putAlbum({
        remoteId: album.id,
        albumName: name,
        size,
        startDate: indexed.startDate,
        endDate: indexed.endDate,
        description: indexed.description,
        isShared: shared,
      });
    }
    log.debug(`Album ${name} (${size} items) is unchanged.`);
    result.albumsUnchanged++;
    return "done";
  }
  log.info(`Indexing album ${name} (${size} items) ...`);
  return "search";
}

function albumSize(album: Album): number {
  return Number(album.mediaItemsCount ?? "0") || 0;
}

/** Albums whose contents are read side by side, at most (and --max-threads). */
const MAX_ALBUM_STREAMS = 8;
/**
 * Items of the albums read ahead of the one being recorded, together, at
 * most: what they hold stays in memory until its turn. A bigger album is
 * read alone.
 */
const MAX_ITEMS_AHEAD = 10_000;
/**
 * Albums listed ahead of the one being recorded, at most. The library's
 * items are recorded first, so while they are listed the albums queue up
 * here and are read; a queue as short as the streams left the searches
 * idle until the first album was recorded, and then a search's latency
 * was waited for every few albums.
 */
const MAX_ALBUMS_AHEAD = 64;
/**
 * Albums recorded per commit of the index, at most: a commit flushes the
 * journal to the disk (tens of milliseconds on a small host), and one per
 * album made the recording of 50 albums take seconds. Each album is still
 * all or nothing (a savepoint); a kill loses at most the albums since the
 * last commit, which the next run reads again (their counts differ).
 */
const ALBUMS_PER_COMMIT = 25;

type Contents = { items: MediaItem[] } | { error: unknown };

interface AlbumJob {
  album: Album;
  shared: boolean;
  contents?: Promise<Contents>;
}

/**
 * Reads the contents of several albums at once (each search is a series
 * of pages, retried as every request is) and records them one album after
 * another in the order listed, so that the index (the names given to items
 * found only in albums) does not depend on which answer came first.
 */
class AlbumReader {
  readonly #options: IndexAlbumsOptions;
  readonly #deps: IndexAlbumsDeps;
  readonly #result: IndexAlbumsResult;
  readonly #streams: number;
  readonly #stop = new AbortController();
  readonly signal: AbortSignal;
  #queue: AlbumJob[] = [];
  /** Recording has begun its group commit (see ALBUMS_PER_COMMIT). */
  #batch = false;
  #reading = 0;
  #ahead = 0;

  constructor(
    options: IndexAlbumsOptions,
    deps: IndexAlbumsDeps,
    result: IndexAlbumsResult,
  ) {
    this.#options = options;
    this.#deps = deps;
    this.#result = result;
    this.#streams = Math.max(
      1,
      Math.min(MAX_ALBUM_STREAMS, options.maxThreads ?? MAX_ALBUM_STREAMS),
    );
    this.signal = deps.ctx.signal
      ? AbortSignal.any([deps.ctx.signal, this.#stop.signal])
      : this.#stop.signal;
  }

  async add(album: Album, shared: boolean): Promise<void> {
    const needs = albumNeeds(
      album,
      shared,
      this.#options,
      this.#deps,
      this.#result,
    );
    if (needs === "done") return;
    this.#queue.push({ album, shared });
    this.#start();
    // The albums waiting their turn stay few.
    while (this.#queue.length > MAX_ALBUMS_AHEAD) await this.#recordHead();
  }

  async drain(): Promise<void> {
    while (this.#queue.length > 0) await this.#recordHead();
  }

  /**
   * Stops the searches still running (the run failed or is done) and
   * commits the albums recorded.
   */
  stop(): void {
    this.#stop.abort();
    if (this.#batch) {
      this.#batch = false;
      this.#deps.db.endBatch();
    }
  }

  /** Starts the next searches in order, while there is room. */
  #start(): void {
    if (this.signal.aborted) return;
    for (const job of this.#queue) {
      if (job.contents) continue;
      const size = albumSize(job.album);
      if (
        this.#reading >= this.#streams ||
        (this.#ahead > 0 && this.#ahead + size > MAX_ITEMS_AHEAD)
      ) return;
      this.#reading++;
      this.#ahead += size;
      // A stream is free again as soon as its search ends: what it read
      // waits for its turn to be recorded (counted in #ahead).
      const done = <T>(c: T): T => {
        this.#reading--;
        this.#start();
        return c;
      };
      job.contents = this.#read(job.album).then(
        (items) => done({ items }),
        (error) => done({ error }),
      );
    }
  }

  async #read(album: Album): Promise<MediaItem[]> {
    const items: MediaItem[] = [];
    for await (
      const page of this.#deps.library.searchMediaItems(
        { albumId: album.id },
        { signal: this.signal },
      )
    ) {
      // One by one: a spread of a huge page overflows the call stack.
      for (const item of page.items) items.push(item);
    }
    return items;
  }

  async #recordHead(): Promise<void> {
    // Searches start in order, so the first album is always being read.
    this.#start();
    await this.#deps.recordAfter;
    this.signal.throwIfAborted();
    if (!this.#batch) {
      // After recordAfter: the listing of the library commits its own.
      this.#deps.db.beginBatch(ALBUMS_PER_COMMIT, 2000);
      this.#batch = true;
    }
    const job = this.#queue.shift()!;
    const contents = await job.contents!;
    this.#ahead -= albumSize(job.album);
    this.#start();
    if ("error" in contents) {
      const err = contents.error;
      // Deleted (or unshared) between the listing and the search: Google
      // then calls the id invalid. The album is kept as indexed before.
      if (!(err instanceof ApiError && err.status === 400)) throw err;
      this.#deps.ctx.logger.warn(
        `Album ${
          job.album.title || UNTITLED_ALBUM_NAME
        } was not indexed: ${err.message}`,
      );
      this.#result.albumsFailed++;
      return;
    }
    recordAlbum(
      job.album,
      job.shared,
      contents.items,
      this.#options,
      this.#deps,
      this.#result,
    );
  }
}

/** Records an album's contents (one transaction) and the items only in it. */
function recordAlbum(
  album: Album,
  shared: boolean,
  items: MediaItem[],
  options: IndexAlbumsOptions,
  deps: IndexAlbumsDeps,
  result: IndexAlbumsResult,
): void {
  const { db, ctx } = deps;
  const log = ctx.logger;
  const title = album.title ?? "";
  const name = title === "" ? UNTITLED_ALBUM_NAME : title;
  const size = albumSize(album);
  // Items only in albums go to the index (gphotos-sync #89), but never
  // with --favourites-only, whose run is about favourites alone.
  const addItems = !options.favouritesOnly &&
    (shared || !options.noAlbumIndex);
  // One transaction (a savepoint of the group commit) per album: a failure
  // leaves the album as it was indexed before, and its count mismatch
  // retries it next time.
  db.transaction(() => {
    db.clearAlbumFiles(album.id);
    let first: Date | undefined;
    let last: Date | undefined;
    items.forEach((item, position) => {
      const record = toMediaRecord(item);
      if (options.skipVideo && record.isVideo) {
        result.videosSkipped++;
        return;
      }
      // Positions count skipped videos too, as gphotos-sync's did.
      db.putAlbumFile(album.id, record.remoteId, position);
      result.albumItems++;
      const t = record.createTime;
      if (first === undefined || t < first) first = t;
      if (last === undefined || t > last) last = t;
      if (
        !db.hasItem(record.remoteId) &&
        adoptSameUpload(db, record, deps.profile) === undefined && addItems
      ) {
        const placement = placeRecord(db, record, deps.profile, options);
        db.insertItem(newItemFromRecord(record, placement));
        result.itemsAdded++;
        log.debug(
          `Added ${placement.path}/${placement.fileName} from album ${name}`,
        );
      }
    });
    db.putAlbum({
      remoteId: album.id,
      albumName: name,
      size,
      startDate: first,
      endDate: last,
      isShared: shared,
    });
  });
  result.albumsIndexed++;
}
