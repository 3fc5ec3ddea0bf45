// The index step of `sync`: page through the Library API (list, or search
// when a filter applies) and record every item in SyncFiles, placing new
// ones. Incremental by default: the search starts at the day of the newest
// capture time the last complete scan saw (gphotos-sync's LastIndex).

import type { SyncOptions } from "../cli/options.ts";
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
import type { RunContext } from "./context.ts";
import { placeRecord } from "./placement.ts";
import type { Progress } from "./progress.ts";

export interface IndexResult {
  /**
   * Ids of every item the listing returned, kept only for a complete,
   * unfiltered listing (what --do-delete compares the index with).
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
>;

function apiDate(day: string): ApiDate {
  const [year, month, d] = day.split("-").map(Number);
  return { year, month, day: d };
}

function dayOf(date: Date): string {
  return date.toISOString().slice(0, 10);
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
  const lastIndex = db.getLastIndex();
  const search = buildSearch(options, lastIndex);
  const pages: AsyncIterable<Page<MediaItem>> = search
    ? library.searchMediaItems(search, { signal: ctx.signal })
    : library.listMediaItems({ signal: ctx.signal });
  ctx.logger.info(
    search
      ? `Indexing with mediaItems.search ${JSON.stringify(search.filters)}`
      : "Indexing the whole library with mediaItems.list",
  );
  const result: IndexResult = { seen: 0, added: 0, updated: 0, skipped: 0 };
  const listed = search ? undefined : new Set<string>();
  const fallback = Date.parse(MISSING_DATE_FALLBACK);
  let newest = lastIndex?.getTime() ?? -Infinity;
  for await (const page of pages) {
    db.transaction(() => {
      for (const item of page.items) {
        const record = toMediaRecord(item);
        result.seen++;
        listed?.add(record.remoteId);
        if (options.skipVideo && record.isVideo) {
          result.skipped++;
          continue;
        }
        const t = record.createTime.getTime();
        if (t !== fallback && t > newest) newest = t;
        const existing = db.getItem(record.remoteId);
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
          result.updated++;
          continue;
        }
        const placement = placeRecord(db, record, profile, options);
        db.insertItem(newItemFromRecord(record, placement));
        result.added++;
        ctx.logger.debug(
          `Indexed ${placement.path}/${placement.fileName} (${record.remoteId})`,
        );
      }
    });
    progress.indexed(result.seen, result.added);
  }
  if (listed) result.listed = listed;
  // Only a complete, unbounded scan moves the incremental start point.
  if (!options.startDate && !options.endDate && Number.isFinite(newest)) {
    db.setLastIndex(new Date(newest));
  }
  return result;
}
