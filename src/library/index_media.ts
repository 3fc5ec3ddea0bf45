// The index step of `sync`: page through the Library API (list, or search
// when a filter applies) and record every item in SyncFiles, placing new
// ones. Incremental by default: the search starts at the day of the newest
// capture time the last complete scan saw (gphotos-sync's LastIndex). A
// long date-filtered search is read as several date ranges side by side
// (index_shards.ts).

import type { SyncOptions } from "../options.ts";
import type { LocalData } from "../db/local_data.ts";
import { newItemFromRecord } from "../db/rows.ts";
import type { FsProfile } from "../fs/fs_profile.ts";
import type {
  Date as ApiDate,
  Filters,
  MediaItem,
  SearchMediaItemsRequest,
} from "../google/api_types.ts";
import type { Page } from "../google/api_types.ts";
import {
  type LibraryClient,
  MISSING_DATE_FALLBACK,
  toMediaRecord,
} from "../google/library.ts";
import type { RunContext } from "../backup/context.ts";
import { shardedSearch } from "./index_shards.ts";
import { adoptSameUpload, placeRecord } from "../backup/placement.ts";
import type { Progress } from "../backup/progress.ts";
import type { MediaRecord } from "../media/record.ts";

export interface IndexResult {
  /**
   * Ids of every item the listing returned, kept only for a rescan (a
   * listing of the whole library, or of all the filters cover), which is
   * what --do-delete compares the index with.
   */
  listed?: Set<string>;
  seen: number;
  added: number;
  updated: number;
  /** Items left out because --skip-video applies. */
  skipped: number;
}

type IndexOptions = Pick<
  SyncOptions,
  | "startDate"
  | "endDate"
  | "skipVideo"
  | "favouritesOnly"
  | "archived"
  | "rescan"
  | "photosPath"
  | "useFlatPath"
  | "maxThreads"
>;

/** Pages of items recorded per commit of the index, at most. */
const INDEX_PAGES_PER_COMMIT = 20;

/** Streams a long date-filtered search is read by, at most. */
export const MAX_INDEX_STREAMS = 8;

function apiDate(day: string): ApiDate {
  const [year, month, d] = day.split("-").map(Number);
  return { year, month, day: d };
}

function dayOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * For an incremental run that filters nothing but the date: the time down
 * to which mediaItems.list is read, newest first (the start of the day of
 * the last index). The list gives what a search from that day gives, and
 * also new items without a capture date (Google dates them by their
 * upload), which no date filter ever matches.
 */
export function listHeadBound(
  options: IndexOptions,
  lastIndex: Date | undefined,
): number | undefined {
  if (
    !lastIndex || options.rescan || options.startDate || options.endDate ||
    options.favouritesOnly || options.archived
  ) return undefined;
  return Date.parse(`${dayOf(lastIndex)}T00:00:00Z`);
}

/**
 * The request to page through, or undefined for a plain mediaItems.list
 * (the only call that also returns items without a capture date).
 */
export function buildSearch(
  options: IndexOptions,
  lastIndex: Date | undefined,
): SearchMediaItemsRequest | undefined {
  const filters: Filters = {};
  const start = options.startDate ??
    (!options.rescan && lastIndex ? dayOf(lastIndex) : undefined);
  if (start || options.endDate) {
    filters.dateFilter = {
      ranges: [{
        startDate: apiDate(start ?? "1000-01-01"),
        endDate: apiDate(options.endDate ?? "9999-12-31"),
      }],
    };
  }
  if (options.skipVideo) filters.mediaTypeFilter = { mediaTypes: ["PHOTO"] };
  if (options.favouritesOnly) {
    filters.featureFilter = { includedFeatures: ["FAVORITES"] };
  }
  if (options.archived) filters.includeArchivedMedia = true;
  return Object.keys(filters).length > 0 ? { filters } : undefined;
}

export async function indexMedia(
  options: IndexOptions,
  deps: {
    db: LocalData;
    library: LibraryClient;
    profile: FsProfile;
    ctx: RunContext;
    progress: Progress;
  },
): Promise<IndexResult> {
  const { db, library, profile, ctx, progress } = deps;
  // A start point past tomorrow (saved from a wrong camera clock) would
  // hide every new item: the whole library is listed instead.
  const future = Date.now() + 86_400_000;
  const lastIndex = startPoint(db, future, ctx);
  const headBound = listHeadBound(options, lastIndex);
  const search = headBound === undefined
    ? buildSearch(options, lastIndex)
    : undefined;
  const pages = pagesToIndex(options, library, ctx, search, headBound);
  const result: IndexResult = { seen: 0, added: 0, updated: 0, skipped: 0 };
  // A rescan lists everything the filters cover, no more no less: what
  // --do-delete compares the index with.
  const listed = options.rescan ? new Set<string>() : undefined;
  const fallback = Date.parse(MISSING_DATE_FALLBACK);
  let newest = lastIndex?.getTime() ?? -Infinity;
  // Pages are committed in groups (a commit flushes the journal to the
  // disk): a kill loses at most the last seconds of indexing, which the
  // next run lists again.
  db.beginBatch(INDEX_PAGES_PER_COMMIT, 2000);
  try {
    for await (const page of pages) {
      db.transaction(() => {
        for (const item of page.items) {
          // The head of the list ends in older items: those are what the
          // run does not ask for (a search from that day would not give them).
          if (headBound !== undefined && olderThan(item, headBound)) continue;
          const record = toMediaRecord(item);
          result.seen++;
          listed?.add(record.remoteId);
          if (options.skipVideo && record.isVideo) {
            result.skipped++;
            continue;
          }
          const t = record.createTime.getTime();
          // Capture times past tomorrow do not move the start point either.
          if (t !== fallback && t > newest && t <= future) newest = t;
          if (recordItem(db, record, profile, options, ctx)) result.added++;
          else result.updated++;
        }
      });
      progress.indexed(result.seen, result.added);
      if (headBound !== undefined && reachedBound(page.items, headBound)) break;
    }
  } finally {
    db.endBatch();
  }
  if (listed) result.listed = listed;
  // Only a complete, unbounded scan moves the incremental start point.
  if (!options.startDate && !options.endDate && Number.isFinite(newest)) {
    db.setLastIndex(new Date(newest));
  }
  return result;
}

/** Globals.LastIndex, unless it lies past `future` (said so, then ignored). */
function startPoint(
  db: LocalData,
  future: number,
  ctx: RunContext,
): Date | undefined {
  const saved = db.getLastIndex();
  const lastIndex = saved && saved.getTime() <= future ? saved : undefined;
  if (saved && !lastIndex) {
    ctx.logger.warn(
      `The last index date ${saved.toISOString()} is in the future; ` +
        "listing the whole library.",
    );
  }
  return lastIndex;
}

/**
 * The pages to index: the search (in date ranges side by side when long),
 * or the list, newest first, down to `headBound` when there is one.
 */
function pagesToIndex(
  options: IndexOptions,
  library: LibraryClient,
  ctx: RunContext,
  search: SearchMediaItemsRequest | undefined,
  headBound: number | undefined,
): AsyncIterable<Page<MediaItem>> {
  const pages: AsyncIterable<Page<MediaItem>> = search
    ? shardedSearch(library, search, {
      concurrency: Math.min(MAX_INDEX_STREAMS, options.maxThreads),
      signal: ctx.signal,
      onPlan: (ranges) =>
        ctx.logger.info(
          `The search is long: read as ${ranges.length} date ranges side by side`,
        ),
    })
    : library.listMediaItems({
      signal: ctx.signal,
      // The head of the list ends at the bound: no page is asked for past it.
      lookAhead: (page) =>
        headBound === undefined || !reachedBound(page.items, headBound),
    });
  ctx.logger.info(
    search
      ? `Indexing with mediaItems.search ${JSON.stringify(search.filters)}`
      : headBound !== undefined
      ? `Indexing new items with mediaItems.list, newest first, down to ${
        new Date(headBound).toISOString().slice(0, 10)
      }`
      : "Indexing the whole library with mediaItems.list",
  );
  return pages;
}

/**
 * Records one listed item: an item already indexed (or the same upload
 * from another source) gets the listing's metadata, a new one is placed and
 * added. True when it was added.
 */
function recordItem(
  db: LocalData,
  record: MediaRecord,
  profile: FsProfile,
  options: IndexOptions,
  ctx: RunContext,
): boolean {
  const existing = db.getItem(record.remoteId) ??
    adoptSameUpload(db, record, profile);
  if (existing) {
    db.updateItemMetadata(record.remoteId, {
      url: record.productUrl,
      description: record.description,
      mimeType: record.mimeType || undefined,
      videoStatus: record.videoStatus,
      width: record.width,
      height: record.height,
      cameraMake: record.cameraMake,
      cameraModel: record.cameraModel,
    });
    return false;
  }
  const placement = placeRecord(db, record, profile, options);
  db.insertItem(newItemFromRecord(record, placement));
  ctx.logger.debug(
    `Indexed ${placement.path}/${placement.fileName} (${record.remoteId})`,
  );
  return true;
}

function olderThan(item: MediaItem, bound: number): boolean {
  return Date.parse(item.mediaMetadata?.creationTime ?? "") < bound;
}

/** Whether a page of the newest-first list reached items older than `bound`. */
function reachedBound(items: readonly MediaItem[], bound: number): boolean {
  return items.some((item) => olderThan(item, bound));
}
