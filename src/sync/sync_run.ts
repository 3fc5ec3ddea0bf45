// `gphotos-sync [sync] ROOT`: lock, index, download, in gphotos-sync's
// order, with the run's outcome as the exit code.

import type { SyncOptions } from "../cli/options.ts";
import { LocalData } from "../db/local_data.ts";
import { ExitCode, UsageError } from "../errors.ts";
import { acquireLock } from "../fs/lock.ts";
import { probeFsProfile } from "../fs/fs_profile.ts";
import { BadIds } from "./bad_ids.ts";
import type { RunContext } from "./context.ts";
import { downloadMedia, type DownloadResult } from "./download.ts";
import { openGoogleSession } from "./google_session.ts";
import { indexMedia, type IndexResult } from "./index_media.ts";
import { createProgress, noProgress } from "./progress.ts";
import { deleteGone, type DeleteResult } from "./delete_gone.ts";
import { formatBytes } from "./status.ts";

/** Flags parsed for gphotos-sync parity whose step this build does not run yet. */
function refuseUnbuilt(options: SyncOptions): void {
  const unbuilt: [boolean, string][] = [
    [options.album !== undefined, "--album"],
    [options.albumRegex !== undefined, "--album-regex"],
    [options.compareFolder !== undefined, "--compare-folder"],
  ];
  const used = unbuilt.filter(([on]) => on).map(([, flag]) => flag);
  if (used.length > 0) {
    throw new UsageError(
      `${
        used.join(", ")
      }: not available in this version of gphotos-sync yet; run without ${
        used.length > 1 ? "them" : "it"
      }.`,
    );
  }
}

/** --do-delete compares the index with a complete listing of the library. */
function checkDoDelete(options: SyncOptions): void {
  if (!options.doDelete) return;
  const narrowing: [boolean, string][] = [
    [options.startDate !== undefined, "--start-date"],
    [options.endDate !== undefined, "--end-date"],
    [options.skipVideo, "--skip-video"],
    [options.favouritesOnly, "--favourites-only"],
    [options.archived, "--archived"],
    [options.skipIndex, "--skip-index"],
    [options.skipFiles, "--skip-files"],
    [options.album !== undefined, "--album"],
    [options.albumRegex !== undefined, "--album-regex"],
  ];
  const used = narrowing.filter(([on]) => on).map(([, f]) => f);
  if (used.length > 0) {
    throw new UsageError(
      `--do-delete needs a listing of the whole library; it cannot be combined with ${
        used.join(", ")
      }.`,
    );
  }
}

export async function runSync(
  options: SyncOptions,
  ctx: RunContext,
): Promise<number> {
  refuseUnbuilt(options);
  checkDoDelete(options);
  // The client secret is checked before anything is created on disk.
  const session = await openGoogleSession(options, ctx, "library");
  await Deno.mkdir(options.root, { recursive: true });
  await Deno.mkdir(options.dbPath, { recursive: true });
  const held = await acquireLock(options.dbPath, {
    logger: ctx.logger,
    now: ctx.now,
  });
  if (!held.acquired) {
    ctx.tell(
      `Another run is using the index in ${options.dbPath} (${held.holder.description}); nothing was done.`,
    );
    return ExitCode.ok;
  }
  const started = ctx.now().getTime();
  const badIds = BadIds.load(options.root, ctx.logger);
  try {
    const profile = await probeFsProfile(options.root, {
      ntfs: options.ntfs,
      caseInsensitiveFs: options.caseInsensitiveFs,
      maxFilename: options.maxFilename,
    }, { logger: ctx.logger });
    using db = LocalData.open(options.dbPath, {
      flush: options.flushIndex,
      logger: ctx.logger,
      now: ctx.now,
    });
    const progress = options.progress
      ? createProgress({
        write: (t) => ctx.tell(t.replace(/\n$/, "")),
        isTty: ctx.isTty,
        now: () => ctx.now().getTime(),
      })
      : noProgress;

    let indexed: IndexResult | undefined;
    if (!options.skipIndex && !options.skipFiles) {
      indexed = await indexMedia({
        ...options,
        // A complete listing is what --do-delete compares the index with.
        rescan: options.rescan || options.doDelete,
      }, {
        db,
        library: session.library,
        profile,
        ctx,
        progress,
      });
      progress.finish();
    }
    let deleted: DeleteResult | undefined;
    if (options.doDelete && indexed?.listed) {
      deleted = await deleteGone(indexed.listed, {
        db,
        library: session.library,
        root: options.root,
        photosPath: options.photosPath,
        ctx,
      });
    }
    let downloaded: DownloadResult | undefined;
    if (!options.indexOnly && !options.skipFiles) {
      downloaded = await downloadMedia(options, {
        root: options.root,
        db,
        library: session.library,
        http: session.http,
        profile,
        badIds,
        ctx,
        progress,
      });
    }
    const seconds = (ctx.now().getTime() - started) / 1000;
    ctx.tell(summary(indexed, downloaded, deleted, badIds, seconds));
    return badIds.added > 0 ? ExitCode.partial : ExitCode.ok;
  } finally {
    try {
      badIds.store();
    } catch (e) {
      ctx.logger.error(`Cannot write ${badIds.file}: ${(e as Error).message}`);
    }
    held.lock.release();
  }
}

function summary(
  indexed: IndexResult | undefined,
  downloaded: DownloadResult | undefined,
  deleted: DeleteResult | undefined,
  badIds: BadIds,
  seconds: number,
): string {
  const parts: string[] = [];
  if (indexed) parts.push(`${indexed.added} new items indexed`);
  if (deleted && deleted.deletedRows > 0) {
    parts.push(`${deleted.deletedFiles} deleted as removed from Google Photos`);
  }
  if (downloaded) {
    parts.push(
      `${downloaded.downloaded} downloaded (${formatBytes(downloaded.bytes)})`,
    );
    if (downloaded.videosWaiting > 0) {
      parts.push(`${downloaded.videosWaiting} videos still processing`);
    }
    if (downloaded.failed > 0) {
      parts.push(`${downloaded.failed} failed (listed in ${badIds.file})`);
    }
  }
  if (badIds.skipped > 0) {
    parts.push(`${badIds.skipped} skipped as listed in ${badIds.file}`);
  }
  return `gphotos-sync: ${parts.join(", ") || "nothing to do"} in ${
    seconds.toFixed(1)
  } s.`;
}
