// The download step of `pick`: the picked items' bytes with the Bearer
// header, through the same bounded pool, retries, atomic writes and
// timeouts as `sync` (item_fetch.ts). Picker baseUrls are renewed by
// listing the session again. Videos Google is still processing are looked
// at again, with the request backoff, for as long as the session lives;
// those still not ready then are reported, not marked bad (a later pick of
// them will work).

import type { LocalData } from "../db/local_data.ts";
import type { IndexedItem } from "../db/rows.ts";
import type { HttpClient } from "../google/http.ts";
import { ExpiredUrlError } from "../google/media_download.ts";
import {
  type PickedMediaItem,
  type PickerClient,
  PickerSessionGoneError,
} from "../google/picker.ts";
import type { BadIds } from "../backup/bad_ids.ts";
import type { RunContext } from "../backup/context.ts";
import type { FreshUrl, ItemFetcher } from "../backup/item_fetch.ts";
import type { PickedEntry } from "./index.ts";
import { whenText } from "./wait.ts";
import { DownloadLoop } from "../backup/download_loop.ts";
import type { Progress } from "../backup/progress.ts";

/** A listing younger than this is trusted for baseUrls (they live an hour). */
const FRESH_LISTING_MS = 60_000;
/** Stop waiting for videos this long before the session expires. */
const VIDEO_WAIT_MARGIN_MS = 60_000;

export interface PickDownloadResult {
  downloaded: number;
  bytes: number;
  /** Found complete on disk and marked downloaded without a transfer. */
  alreadyOnDisk: number;
  /** Failed for good (now in the bad-ids file). */
  failed: number;
  /** Videos Google had not finished processing while the session lived. */
  stillProcessing: IndexedItem[];
}

export interface PickDownloadDeps {
  picker: PickerClient;
  sessionId: string;
  /** When the session, and with it access to the items, ends. */
  expireTime: Date | undefined;
  db: LocalData;
  http: HttpClient;
  fetcher: ItemFetcher;
  badIds: BadIds;
  ctx: RunContext;
  progress: Progress;
  maxThreads: number;
}

/**
 * The session's current baseUrls and processing states, from one listing
 * shared by every download that needs it (re-listing 2,000 items is 20
 * calls, not one per item).
 */
export class PickedUrls {
  #items = new Map<string, PickedMediaItem>();
  #listedAt = -Infinity;
  #listing: Promise<void> | undefined;
  #gone: PickerSessionGoneError | undefined;

  constructor(
    private picker: PickerClient,
    private sessionId: string,
    private now: () => number,
  ) {}

  /** Starts from the listing the plan was made from. */
  seed(items: Iterable<PickedMediaItem>): void {
    for (const p of items) this.#items.set(p.id, p);
    this.#listedAt = this.now();
  }

  /** Lists the session again (unless a listing is recent, or `force`). */
  async refresh(signal: AbortSignal, force = false): Promise<void> {
    if (this.#gone) throw this.#gone;
    if (!force && this.now() - this.#listedAt < FRESH_LISTING_MS) return;
    this.#listing ??= (async () => {
      try {
        const items = new Map<string, PickedMediaItem>();
        for await (
          const page of this.picker.listMediaItems(this.sessionId, { signal })
        ) {
          for (const p of page.items) items.set(p.id, p);
        }
        this.#items = items;
        this.#listedAt = this.now();
      } catch (e) {
        if (e instanceof PickerSessionGoneError) this.#gone = e;
        throw e;
      } finally {
        this.#listing = undefined;
      }
    })();
    await this.#listing;
  }

  get(id: string): PickedMediaItem | undefined {
    return this.#items.get(id);
  }

  /**
   * A baseUrl for the item's next attempt, for ItemFetcher's retries. A
   * refused one (ExpiredUrlError) means listing the session again; after a
   * broken transfer a recent listing's URL is still good.
   */
  async fresh(
    id: string,
    signal: AbortSignal,
    cause: unknown,
  ): Promise<FreshUrl> {
    try {
      await this.refresh(signal, cause instanceof ExpiredUrlError);
    } catch (e) {
      if (e instanceof PickerSessionGoneError) return { fatal: e };
      throw e;
    }
    const url = this.get(id)?.mediaFile?.baseUrl;
    return url === undefined
      ? { failed: "no longer in the picker session" }
      : { baseUrl: url };
  }
}

function statusOf(p: PickedMediaItem | undefined): string | undefined {
  return p?.mediaFile?.mediaFileMetadata?.videoMetadata?.processingStatus;
}

export async function downloadPicked(
  entries: readonly PickedEntry[],
  deps: PickDownloadDeps,
): Promise<PickDownloadResult> {
  const run = new PickDownload(entries, deps);
  await run.loop.run(entries.length, () => run.result.bytes, () => run.all());
  const { result } = run;
  for (const item of result.stillProcessing) {
    deps.ctx.logger.warn(
      `${item.path}/${item.fileName}: Google was still processing this video before the picker session ended; pick it again later.`,
    );
  }
  return result;
}

/** One download of a pick: what is ready now, then videos as they get ready. */
class PickDownload {
  readonly result: PickDownloadResult = {
    downloaded: 0,
    bytes: 0,
    alreadyOnDisk: 0,
    failed: 0,
    stillProcessing: [],
  };
  readonly urls: PickedUrls;
  /** A disk error or the session's end stops every download; the first is told. */
  readonly loop: DownloadLoop;

  constructor(
    private readonly entries: readonly PickedEntry[],
    private readonly deps: PickDownloadDeps,
  ) {
    const { ctx } = deps;
    this.urls = new PickedUrls(
      deps.picker,
      deps.sessionId,
      () => ctx.now().getTime(),
    );
    this.urls.seed(entries.map((e) => e.picked));
    this.loop = new DownloadLoop(
      ctx.signal,
      deps.maxThreads,
      deps.db,
      deps.progress,
    );
  }

  async all(): Promise<void> {
    const { ctx } = this.deps;
    let { ready, waiting } = this.#triage(this.entries);
    ctx.logger.info(
      `${ready.length} picked items to download${
        waiting.length > 0
          ? `, ${waiting.length} videos still being processed by Google`
          : ""
      }`,
    );
    await this.#fetchAll(ready);
    let round = 0;
    while (waiting.length > 0 && !this.loop.signal.aborted) {
      const wait = this.#nextWait(waiting.length, round++);
      if (wait === undefined) break;
      await ctx.sleep(wait, this.loop.signal);
      try {
        await this.urls.refresh(this.loop.signal, true);
      } catch (e) {
        if (!(e instanceof PickerSessionGoneError)) throw e;
        ctx.logger.warn(
          `The picker session ended while ${waiting.length} videos were still being processed.`,
        );
        break;
      }
      ({ ready, waiting } = this.#triage(waiting));
      await this.#fetchAll(ready);
    }
    this.result.stillProcessing = waiting.map((e) => e.item);
  }

  /** How long to wait before looking at processing videos again, if at all. */
  #nextWait(waiting: number, round: number): number | undefined {
    const { ctx, expireTime } = this.deps;
    const expireAt = expireTime?.getTime() ?? Infinity;
    const left = expireAt - VIDEO_WAIT_MARGIN_MS - ctx.now().getTime();
    if (left <= 0) return undefined;
    const wait = Math.min(this.deps.http.backoffMs(round), left);
    if (round === 0) {
      ctx.tell(
        `${waiting} picked videos are still being processed by ` +
          "Google; waiting for them while the session lasts" +
          (expireTime ? ` (until ${whenText(expireTime)}).` : "."),
      );
    }
    ctx.logger.info(
      `${waiting} videos still processing; looking again in ${
        (wait / 1000).toFixed(1)
      } s`,
    );
    return wait;
  }

  #bad(item: IndexedItem, reason: string): void {
    this.deps.badIds.add(item.remoteId, {
      path: `${item.path}/${item.fileName}`,
      product_url: item.url ?? "",
    });
    this.deps.db.markFailed(item.remoteId, reason);
    this.result.failed++;
    this.deps.ctx.logger.error(
      `Failed to download ${item.path}/${item.fileName}: ${reason}`,
    );
  }

  async #fetchAll(batch: readonly PickedEntry[]): Promise<void> {
    const { db, fetcher, progress } = this.deps;
    const { loop, result, urls } = this;
    const total = this.entries.length;
    for (const { item, picked } of batch) {
      if (loop.signal.aborted) break;
      const size = await fetcher.sizeOnDisk(item);
      if (size !== undefined) {
        db.markDownloaded(item.remoteId, size);
        result.alreadyOnDisk++;
        loop.done++;
        continue;
      }
      await loop.pool.submit(async () => {
        const outcome = await fetcher.fetch(
          item,
          urls.get(picked.id)?.mediaFile?.baseUrl ?? picked.mediaFile?.baseUrl,
          (s, cause) => urls.fresh(picked.id, s, cause),
          loop.signal,
        );
        switch (outcome.kind) {
          case "downloaded":
            db.markDownloaded(item.remoteId, outcome.bytes);
            result.downloaded++;
            result.bytes += outcome.bytes;
            break;
          case "failed":
            this.#bad(item, outcome.reason);
            break;
          case "fatal":
            loop.fail(outcome.error);
            break;
          case "stopped":
            break;
        }
        loop.done++;
        progress.downloaded(loop.done, total, result.bytes);
      });
    }
    await loop.pool.drain();
  }

  /** Sorts entries into those to fetch now and videos to wait for. */
  #triage(batch: readonly PickedEntry[]) {
    const { db } = this.deps;
    const ready: PickedEntry[] = [];
    const waiting: PickedEntry[] = [];
    for (const entry of batch) {
      const status = statusOf(
        this.urls.get(entry.picked.id) ?? entry.picked,
      );
      if (entry.item.isVideo && status === "PROCESSING") {
        db.setVideoStatus(entry.item.remoteId, "PROCESSING");
        waiting.push(entry);
      } else if (entry.item.isVideo && status === "FAILED") {
        db.setVideoStatus(entry.item.remoteId, "FAILED");
        this.#bad(entry.item, "Google could not process this video");
        this.loop.done++;
      } else {
        if (entry.item.isVideo && status !== undefined) {
          db.setVideoStatus(entry.item.remoteId, "READY");
        }
        ready.push(entry);
      }
    }
    return { ready, waiting };
  }
}
