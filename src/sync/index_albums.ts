// The album step of `sync`'s index: list the user's albums and (unless
// --skip-shared-albums) the shared ones, and for each album whose item
// count changed, search its contents by albumId and record them: positions
// in AlbumFiles, the first and last capture times in Albums (they date the
// album's folder), and the items not indexed yet (shared by others,
// uploaded straight into an album) in SyncFiles, placed like any other.
// Behaviour follows gphotos-sync's GoogleAlbumsSync.index_album_media.

import type { SyncOptions } from "../cli/options.ts";
import type { Logger } from "../cli/log.ts";
import type { LocalData } from "../db/local_data.ts";
import { newItemFromRecord } from "../db/rows.ts";
import { ApiError } from "../errors.ts";
import type { FsProfile } from "../fs/fs_profile.ts";
import type { Album, MediaItem } from "../google/api_types.ts";
import { type LibraryClient, toMediaRecord } from "../google/library.ts";
import { adoptSameUpload, placeRecord } from "./placement.ts";

export type IndexAlbumsOptions = Pick<
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
>;

export interface IndexAlbumsDeps {
  db: LocalData;
  library: LibraryClient;
  profile: FsProfile;
  ctx: { logger: Logger; signal?: AbortSignal };
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
  ctx.logger.info("Indexing albums ...");
  for await (const page of library.listAlbums({ signal: ctx.signal })) {
    for (const album of page.items) {
      own.add(album.id);
      result.albumsListed++;
      await indexAlbum(album, false, options, deps, result);
    }
  }
  if (!options.skipSharedAlbums) {
    ctx.logger.info("Indexing shared albums ...");
    try {
      for await (
        const page of library.listSharedAlbums({ signal: ctx.signal })
      ) {
        for (const album of page.items) {
          if (own.has(album.id)) continue;
          result.listedIds.add(album.id);
          result.sharedAlbumsListed++;
          await indexAlbum(album, true, options, deps, result);
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

async function indexAlbum(
  album: Album,
  shared: boolean,
  options: IndexAlbumsOptions,
  deps: IndexAlbumsDeps,
  result: IndexAlbumsResult,
): Promise<void> {
  const { db, ctx } = deps;
  const log = ctx.logger;
  const title = album.title ?? "";
  const name = title === "" ? UNTITLED_ALBUM_NAME : title;
  const size = Number(album.mediaItemsCount ?? "0") || 0;
  const unselected = selected(name, options);
  if (unselected !== undefined) {
    log.debug(
      `Skipping album ${name} (${size} items): it does not match --${
        unselected === "album" ? "album" : "album-regex"
      }.`,
    );
    result.albumsSkipped++;
    return;
  }
  if (shared && title === "") {
    log.debug(`Skipping an untitled shared album (${size} items).`);
    result.albumsSkipped++;
    return;
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
    return;
  }

  log.info(`Indexing album ${name} (${size} items) ...`);
  const items: MediaItem[] = [];
  try {
    for await (
      const page of deps.library.searchMediaItems(
        { albumId: album.id },
        { signal: ctx.signal },
      )
    ) {
      // One by one: a spread of a huge page overflows the call stack.
      for (const item of page.items) items.push(item);
    }
  } catch (err) {
    // Deleted (or unshared) between the listing and the search: Google
    // then calls the id invalid. The album is kept as indexed before.
    if (!(err instanceof ApiError && err.status === 400)) throw err;
    log.warn(`Album ${name} was not indexed: ${err.message}`);
    result.albumsFailed++;
    return;
  }
  // Items only in albums go to the index (gphotos-sync #89), but never
  // with --favourites-only, whose run is about favourites alone.
  const addItems = !options.favouritesOnly &&
    (shared || !options.noAlbumIndex);
  // One transaction per album: a failure leaves the album as it was
  // indexed before, and its count mismatch retries it next time.
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
        db.getItem(record.remoteId) === undefined &&
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
