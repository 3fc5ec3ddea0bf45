// Fetching one indexed item to its place on disk, shared by `sync` and
// `pick`: the item's bytes from a baseUrl ("=d" / "=dv", with the Bearer
// header where the source needs it) are written to a temp file in the
// target folder, checked against the announced size, dated, then renamed.
// A transfer that breaks off is tried again, up to --max-retries times with
// the request backoff, each time with a fresh baseUrl from the caller (the
// Library API's batchGet, the Picker's re-listing). The caller marks the
// index from the outcome.

import { join } from "node:path";
import type { Logger } from "../log.ts";
import type { IndexedItem } from "../db/rows.ts";
import { DiskError, InterruptedError } from "../errors.ts";
import { isTempName, writeStreamInto } from "../fs/atomic_write.ts";
import { type KnownFolder, KnownFolders } from "../fs/known_folders.ts";
import {
  FileNameError,
  SizeMismatchError,
  UnsafePathError,
} from "../fs/fs_errors.ts";
import type { FsProfile } from "../fs/fs_profile.ts";
import { clampFileTime } from "../fs/times.ts";
import {
  type AccessTokenSource,
  type HttpClient,
  NetworkError,
  type RetryBudget,
} from "../google/http.ts";
import { ExpiredUrlError, openMediaStream } from "../google/media_download.ts";

/**
 * Fresh baseUrls refused in a row before an item is given up. One refusal
 * can be a url that expired on the way; two mean the bytes are withheld.
 */
const MAX_FRESH_REFUSALS = 2;

export type FetchOutcome =
  | { kind: "downloaded"; bytes: number }
  /** Failed for good: the item goes to the bad-ids list. */
  | { kind: "failed"; reason: string }
  /** The disk cannot take more: every download must stop. */
  | { kind: "fatal"; error: Error }
  /** The run's signal aborted (Ctrl-C, or another download's disk error). */
  | { kind: "stopped" };

/** What a caller answers when asked for a fresh baseUrl. */
export type FreshUrl =
  | { baseUrl: string }
  /** The source says the item cannot be had (e.g. Google calls the id invalid). */
  | { failed: string }
  /** Nothing more can be fetched from this source in this run. */
  | { fatal: Error };

/** The state of one item's attempts. */
interface Tries {
  /** The item as named in messages. */
  name: string;
  url: string | undefined;
  /** The url came from `fresh` after a failure, moments ago. */
  urlIsFresh: boolean;
  freshRefusals: number;
  /** Backoff waits so far. */
  waits: number;
  lastError: unknown;
  budget: RetryBudget;
}

/** The item given up after its last error. */
function givenUp(tries: Tries): FetchOutcome {
  const e = tries.lastError;
  return { kind: "failed", reason: e instanceof Error ? e.message : String(e) };
}

export interface ItemFetcherOptions {
  root: string;
  http: HttpClient;
  profile: FsProfile;
  logger: Logger;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** --image-timeout / --video-timeout, in seconds. */
  imageTimeout: number;
  videoTimeout: number;
  /** Picker baseUrls need `Authorization: Bearer`; Library ones do not. */
  auth?: AccessTokenSource;
}

export class ItemFetcher {
  readonly #o: ItemFetcherOptions;
  readonly #folders: KnownFolders;
  readonly #swept = new Set<KnownFolder>();

  constructor(options: ItemFetcherOptions) {
    this.#o = options;
    this.#folders = new KnownFolders(options.root);
  }

  /**
   * The item's folder, ROOT/<path>, confined to ROOT and listed once per
   * run. The first time, `.gphotos-*.part` files a killed run left there
   * are removed (the caller holds the lock, so they are nobody's).
   */
  async folder(item: IndexedItem): Promise<KnownFolder> {
    const folder = await this.#folders.folder(item.path);
    if (!this.#swept.has(folder)) {
      this.#swept.add(folder);
      for (const name of folder.names) {
        if (!isTempName(name)) continue;
        const path = join(folder.path, name);
        try {
          await Deno.remove(path);
          this.#o.logger.debug(`Removed ${path}, left by an interrupted run`);
        } catch {
          // Gone already, or not ours to remove: nothing trusts it.
        }
      }
    }
    return folder;
  }

  /**
   * gphotos-sync's rule, made safe: a non-empty file already at the item's
   * path is taken as the item (a backup restored from elsewhere, an index
   * rebuilt with --flush-index) and not fetched again, but only when its
   * modification time is the item's capture time, as every download sets
   * it. gphotos-sync trusted the name alone, and a rebuilt index that
   * numbered duplicates differently ("IMG_1 (2).JPG") adopted another
   * item's bytes. Its size, or undefined when the file is not this item.
   */
  async sizeOnDisk(item: IndexedItem): Promise<number | undefined> {
    try {
      const folder = await this.folder(item);
      // The folder's listing says which names are there: a name it did not
      // hold when first looked at is not on disk from before this run.
      const where = folder.existing;
      if (!where || !folder.names.has(item.fileName)) return undefined;
      // lstat: a link at the name is not the item (it is downloaded and
      // the link replaced), whatever it points at.
      const st = Deno.lstatSync(join(where.path, item.fileName));
      if (!st.isFile || st.size === 0 || !st.mtime) return undefined;
      const expected = clampFileTime(item.createDate, this.#o.profile.minTime);
      // FAT keeps times to 2 s.
      const off = Math.abs(st.mtime.getTime() - expected.getTime());
      return off < 2000 ? st.size : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Downloads the item from `baseUrl`, retrying transfers that break off
   * with a baseUrl from `fresh` (told why the last attempt failed: an
   * ExpiredUrlError means the old baseUrl is refused). Never throws: the
   * outcome says what happened.
   */
  async fetch(
    item: IndexedItem,
    baseUrl: string | undefined,
    fresh: (signal: AbortSignal, cause: unknown) => Promise<FreshUrl>,
    signal: AbortSignal,
  ): Promise<FetchOutcome> {
    const tries: Tries = {
      name: `${item.path}/${item.fileName}`,
      url: baseUrl,
      urlIsFresh: false,
      freshRefusals: 0,
      waits: 0,
      lastError: undefined,
      // One budget for the item: the retries of each request and the
      // repeats of broken transfers draw from it together, so --max-retries
      // bounds the requests for one item (instead of multiplying with
      // itself).
      budget: { left: this.#o.http.maxRetries },
    };
    for (let attempt = 1;; attempt++) {
      if (signal.aborted) return { kind: "stopped" };
      const budgetBefore = tries.budget.left;
      try {
        if (!tries.url) throw new ExpiredUrlError("no baseUrl", 0, "NO_URL");
        const bytes = await this.fetchOnce(
          item,
          tries.url,
          signal,
          tries.budget,
        );
        this.#o.logger.debug(`Downloaded ${tries.name} (${bytes} bytes)`);
        return { kind: "downloaded", bytes };
      } catch (e) {
        const outcome = await this.#afterFailure(
          tries,
          { attempt, error: e, budgetBefore },
          fresh,
          signal,
        );
        if (outcome !== undefined) return outcome;
      }
    }
  }

  /**
   * One failed attempt: the outcome when the item is done with (given up,
   * stopped, or the disk full), else undefined after the wait and with a
   * fresh baseUrl for the next attempt.
   */
  async #afterFailure(
    tries: Tries,
    failed: { attempt: number; error: unknown; budgetBefore: number },
    fresh: (signal: AbortSignal, cause: unknown) => Promise<FreshUrl>,
    signal: AbortSignal,
  ): Promise<FetchOutcome | undefined> {
    const e = failed.error;
    if (signal.aborted) return { kind: "stopped" };
    tries.lastError = e;
    if (e instanceof DiskError) return { kind: "fatal", error: e };
    if (e instanceof UnsafePathError || e instanceof FileNameError) {
      return { kind: "failed", reason: e.message };
    }
    if (e instanceof InterruptedError) return { kind: "stopped" };
    const transient = e instanceof ExpiredUrlError ||
      e instanceof NetworkError || e instanceof SizeMismatchError;
    if (!transient) return givenUp(tries);
    if (
      e instanceof ExpiredUrlError && tries.urlIsFresh &&
      tries.budget.left === failed.budgetBefore
    ) {
      // A baseUrl handed out moments ago, refused at its first request:
      // the bytes are withheld (deleted, or not served). Waiting and
      // asking again would only spend the retries, slowly.
      if (++tries.freshRefusals >= MAX_FRESH_REFUSALS) {
        return {
          kind: "failed",
          reason:
            `Google refused the bytes of ${tries.name} ${
              tries.freshRefusals + 1
            } times in a row, each time at once with a fresh baseUrl ` +
            `(HTTP ${e.status}); the item cannot be downloaded now ` +
            "(it may have been deleted).",
        };
      }
    } else {
      tries.freshRefusals = 0;
    }
    if (tries.budget.left <= 0) return givenUp(tries);
    tries.budget.left--;
    this.#o.logger.info(
      `${tries.name}: attempt ${failed.attempt} failed (${
        (e as Error).message
      })`,
    );
    // A refused baseUrl is cured by a fresh one, not by waiting; for
    // the rest, wait first, so the fresh baseUrl is fresh when used.
    if (!(e instanceof ExpiredUrlError)) {
      try {
        await this.#o.sleep(this.#o.http.backoffMs(tries.waits++), signal);
      } catch {
        return { kind: "stopped" };
      }
    }
    // A new baseUrl for the next attempt: the old one may have expired
    // while the transfer stalled.
    try {
      const answer = await fresh(signal, e);
      if ("failed" in answer) return { kind: "failed", reason: answer.failed };
      if ("fatal" in answer) return { kind: "fatal", error: answer.fatal };
      tries.url = answer.baseUrl;
      tries.urlIsFresh = true;
    } catch (e2) {
      if (signal.aborted) return { kind: "stopped" };
      tries.lastError = e2;
      tries.urlIsFresh = false;
      if (!(e2 instanceof NetworkError)) return givenUp(tries);
    }
    return undefined;
  }

  /** One transfer: temp file, size check, capture time as mtime, rename. */
  async fetchOnce(
    item: IndexedItem,
    baseUrl: string,
    signal: AbortSignal,
    budget?: RetryBudget,
  ): Promise<number> {
    const folder = await this.folder(item);
    const seconds = item.isVideo ? this.#o.videoTimeout : this.#o.imageTimeout;
    const media = await openMediaStream(this.#o.http, baseUrl, {
      isVideo: item.isVideo,
      auth: this.#o.auth,
      signal,
      timeoutMs: seconds * 1000,
      label: `${item.path}/${item.fileName}`,
      budget,
    });
    const written = await writeStreamInto(folder, item.fileName, media.body, {
      expectedSize: media.contentLength,
      mtime: clampFileTime(item.createDate, this.#o.profile.minTime),
      signal,
    });
    return written.bytes;
  }
}
