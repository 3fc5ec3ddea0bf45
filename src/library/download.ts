// The download step of `sync`: fresh baseUrls by batchGet (at most 50 ids a
// call, as they expire after an hour), then a bounded pool of streams, each
// written to a temp file in its folder, checked, renamed (item_fetch.ts,
// shared with `pick`), and only then marked downloaded in the index.

import { join } from "node:path";
import type { SyncOptions } from "../options.ts";
import type { LocalData } from "../db/local_data.ts";
import type { IndexedItem, ItemFilter } from "../db/rows.ts";
import { ApiError } from "../errors.ts";
import { resolveInside } from "../fs/confine.ts";
import type { FsProfile } from "../fs/fs_profile.ts";
import type { MediaItem } from "../google/api_types.ts";
import type { HttpClient } from "../google/http.ts";
import {
  type LibraryClient,
  MAX_BATCH_GET,
  toMediaRecord,
} from "../google/library.ts";
import type { BadIds } from "../backup/bad_ids.ts";
import type { RunContext } from "../backup/context.ts";
import { type FreshUrl, ItemFetcher } from "../backup/item_fetch.ts";
import { DownloadLoop } from "../backup/download_loop.ts";
import type { Progress } from "../backup/progress.ts";

export interface DownloadResult {
  downloaded: number;
  bytes: number;
  /** Found complete on disk and marked downloaded without a transfer. */
  alreadyOnDisk: number;
  /** Failed for good in this run (now in the bad-ids file). */
  failed: number;
  /** Videos Google is still processing: tried again on a later run. */
  videosWaiting: number;
  /** Marked downloaded but missing on disk (--retry-download) and reset. */
  missingReset: number;
  /** Wall time of the transfers, from the first batchGet to the last byte. */
  seconds: number;
}

type DownloadOptions = Pick<
  SyncOptions,
  | "maxThreads"
  | "imageTimeout"
  | "videoTimeout"
  | "retryDownload"
  | "skipVideo"
  | "startDate"
  | "endDate"
  | "maxRetries"
  | "skipAlbums"
  | "skipSharedAlbums"
>;

type DownloadFilter = Omit<ItemFilter, "downloaded">;

export interface DownloadDeps {
  root: string;
  db: LocalData;
  library: LibraryClient;
  http: HttpClient;
  profile: FsProfile;
  badIds: BadIds;
  ctx: RunContext;
  progress: Progress;
}

export async function downloadMedia(
  options: DownloadOptions,
  deps: DownloadDeps,
): Promise<DownloadResult> {
  const { db, ctx } = deps;
  const result: DownloadResult = {
    downloaded: 0,
    bytes: 0,
    alreadyOnDisk: 0,
    failed: 0,
    videosWaiting: 0,
    missingReset: 0,
    seconds: 0,
  };
  const filter = downloadFilter(options);
  if (options.retryDownload) {
    result.missingReset = await resetMissing(deps, filter);
  }

  const pending = pendingIds(db, filter, deps.badIds);
  ctx.logger.info(`${pending.length} items to download`);

  // A disk error stops every download; the first one is what the user sees.
  const loop = new DownloadLoop(
    ctx.signal,
    options.maxThreads,
    deps.db,
    deps.progress,
  );
  const { signal } = loop;
  const run = new DownloadRun(options, deps, result, signal, loop.fail);
  const total = pending.length;
  const started = ctx.now().getTime();
  // A batch's baseUrls are asked for while the batch before it downloads,
  // so that the streams never wait for a batchGet.
  const ahead = (from: number) => {
    if (from >= pending.length) return undefined;
    const next = prepareBatch(
      pending.slice(from, from + MAX_BATCH_GET),
      db,
      run,
      loop,
    );
    // Awaited in turn below; until then a failure must not go unhandled.
    next.catch(() => {});
    return next;
  };
  let next: ReturnType<typeof ahead>;
  await loop.run(
    total,
    () => result.bytes,
    async () => {
      next = ahead(0);
      for (let i = 0; next && !signal.aborted; i += MAX_BATCH_GET) {
        const { batch, fresh } = await next;
        next = signal.aborted ? undefined : ahead(i + MAX_BATCH_GET);
        for (const item of batch) {
          if (signal.aborted) break;
          const api = fresh.get(item.remoteId);
          if (!api) {
            loop.done++;
            continue;
          }
          await loop.pool.submit(async () => {
            await run.download(item, api);
            loop.done++;
            deps.progress.downloaded(loop.done, total, result.bytes);
          });
        }
      }
    },
    // A batch being prepared writes to the index: it ends before the batch.
    () => next ?? Promise.resolve(),
  );
  result.seconds = (ctx.now().getTime() - started) / 1000;
  return result;
}

/** The items `sync` downloads: the library's, in the run's dates and albums. */
function downloadFilter(options: DownloadOptions): DownloadFilter {
  return {
    source: "library" as const,
    skipVideo: options.skipVideo,
    createdFrom: options.startDate
      ? new Date(`${options.startDate}T00:00:00Z`)
      : undefined,
    createdBefore: options.endDate
      ? new Date(Date.parse(`${options.endDate}T00:00:00Z`) + 86_400_000)
      : undefined,
    // Album folders get every item of the album, as in gphotos-sync: the
    // date range chooses what the library listing adds, not which album
    // items are fetched.
    orInAlbums: options.skipAlbums
      ? undefined
      : { shared: !options.skipSharedAlbums },
  };
}

/**
 * The ids of the items to download, bad ids left out. Only the ids are
 * kept: a whole row per item (names, dates, URLs) would be a few hundred
 * bytes each, held through the whole download; each batch reads its rows
 * again when its turn comes.
 */
function pendingIds(
  db: LocalData,
  filter: DownloadFilter,
  badIds: BadIds,
): string[] {
  const pending: string[] = [];
  for (const item of db.itemsToDownload(filter)) {
    if (badIds.checkOk(item.remoteId)) pending.push(item.remoteId);
  }
  return pending;
}

/**
 * One batch's items still to fetch, with their fresh baseUrls: the ones
 * gone from the index, already downloaded or found on disk are counted done.
 */
async function prepareBatch(
  ids: readonly string[],
  db: LocalData,
  run: DownloadRun,
  loop: DownloadLoop,
): Promise<{ batch: IndexedItem[]; fresh: Map<string, MediaItem> }> {
  const batch: IndexedItem[] = [];
  for (const id of ids) {
    const item = db.getItem(id);
    if (item === undefined || item.downloaded) {
      loop.done++;
      continue;
    }
    if (await run.alreadyOnDisk(item)) loop.done++;
    else batch.push(item);
  }
  const fresh = batch.length > 0
    ? await run.freshItems(batch)
    : new Map<string, MediaItem>();
  return { batch, fresh };
}

/** --retry-download: items marked downloaded whose file is gone go back to pending. */
async function resetMissing(
  deps: DownloadDeps,
  filter: DownloadFilter,
): Promise<number> {
  const missing: string[] = [];
  for (const item of deps.db.downloadedItems(filter)) {
    try {
      const path = await resolveInside(
        deps.root,
        join(item.path, item.fileName),
      );
      const st = await Deno.stat(path);
      if (st.isFile) continue;
    } catch {
      // Missing, or a path we would not write to: download it again.
    }
    missing.push(item.remoteId);
  }
  deps.db.transaction(() => {
    for (const id of missing) deps.db.markNotDownloaded(id);
  });
  if (missing.length > 0) {
    deps.ctx.logger.warn(
      `${missing.length} items marked downloaded were missing on disk; downloading them again.`,
    );
  }
  return missing.length;
}

class DownloadRun {
  readonly #fetcher: ItemFetcher;

  constructor(
    private options: DownloadOptions,
    private deps: DownloadDeps,
    private result: DownloadResult,
    private signal: AbortSignal,
    private fail: (e: Error) => void,
  ) {
    this.#fetcher = new ItemFetcher({
      root: deps.root,
      http: deps.http,
      profile: deps.profile,
      logger: deps.ctx.logger,
      sleep: deps.ctx.sleep,
      imageTimeout: options.imageTimeout,
      videoTimeout: options.videoTimeout,
    });
  }

  /**
   * gphotos-sync's rule: a file already at the item's path is taken as the
   * item (e.g. a backup restored from elsewhere) and not fetched again.
   */
  async alreadyOnDisk(item: IndexedItem): Promise<boolean> {
    const size = await this.#fetcher.sizeOnDisk(item);
    if (size === undefined) return false;
    this.deps.db.markDownloaded(item.remoteId, size);
    this.result.alreadyOnDisk++;
    return true;
  }

  /**
   * Fresh MediaItems (with baseUrls) for a batch. Ids Google calls invalid
   * go to the bad-ids list; videos still processing wait for a later run.
   */
  async freshItems(batch: IndexedItem[]): Promise<Map<string, MediaItem>> {
    const { library, db, ctx } = this.deps;
    const out = new Map<string, MediaItem>();
    let results;
    try {
      results = await library.batchGet(batch.map((i) => i.remoteId), {
        signal: this.signal,
      });
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 400 || batch.length === 1) {
        throw e;
      }
      // The whole batch was refused: ask item by item to find the bad ones.
      ctx.logger.warn(
        `batchGet refused a batch (${e.message}); retrying item by item.`,
      );
      for (const item of batch) {
        for (const [id, api] of await this.freshItems([item])) {
          out.set(id, api);
        }
      }
      return out;
    }
    batch.forEach((item, i) => {
      const r = results[i];
      if ("error" in r) {
        this.#bad(
          item,
          `Google: ${r.error.message || `status ${r.error.code}`}`,
        );
        return;
      }
      const record = toMediaRecord(r.ok);
      if (
        record.isVideo && record.videoStatus && record.videoStatus !== "READY"
      ) {
        db.setVideoStatus(item.remoteId, record.videoStatus);
        if (record.videoStatus === "FAILED") {
          this.#bad(item, "Google could not process this video");
        } else {
          this.result.videosWaiting++;
          ctx.logger.info(
            `${item.path}/${item.fileName}: video still ${record.videoStatus} at Google; it will be fetched on a later run.`,
          );
        }
        return;
      }
      out.set(item.remoteId, r.ok);
    });
    return out;
  }

  async download(item: IndexedItem, api: MediaItem): Promise<void> {
    const outcome = await this.#fetcher.fetch(
      item,
      api.baseUrl,
      async (signal): Promise<FreshUrl> => {
        const [r] = await this.deps.library.batchGet([item.remoteId], {
          signal,
        });
        if ("error" in r) return { failed: `Google: ${r.error.message}` };
        // An item without a baseUrl is asked for again on the next attempt.
        return { baseUrl: r.ok.baseUrl ?? "" };
      },
      this.signal,
    );
    switch (outcome.kind) {
      case "downloaded":
        this.deps.db.markDownloaded(item.remoteId, outcome.bytes);
        this.result.downloaded++;
        this.result.bytes += outcome.bytes;
        return;
      case "failed":
        return this.#bad(item, outcome.reason);
      case "fatal":
        return this.fail(outcome.error);
      case "stopped":
        return;
    }
  }

  #bad(item: IndexedItem, reason: string): void {
    const { badIds, db, ctx } = this.deps;
    badIds.add(item.remoteId, {
      path: `${item.path}/${item.fileName}`,
      product_url: item.url ?? "",
    });
    db.markFailed(item.remoteId, reason);
    this.result.failed++;
    ctx.logger.error(
      `Failed to download ${item.path}/${item.fileName}: ${reason}`,
    );
  }
}
