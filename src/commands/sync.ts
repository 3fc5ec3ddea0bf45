// `gphotos-sync [sync] ROOT`: lock, index, download, in gphotos-sync's
// order, with the run's outcome as the exit code.

import type { SyncOptions } from "../options.ts";
import type { ExitCode } from "../errors.ts";
import type { CommandResult } from "../backup/context.ts";
import type { BadIds } from "../backup/bad_ids.ts";
import { type Backup, withBackup } from "../backup/session.ts";
import type { RunContext } from "../backup/context.ts";
import { downloadMedia, type DownloadResult } from "../library/download.ts";
import { type GoogleSession, openGoogleSession } from "./google_session.ts";
import { indexMedia, type IndexResult } from "../library/index_media.ts";
import {
  createProgress,
  noProgress,
  type Progress,
} from "../backup/progress.ts";
import type { DeleteResult } from "../library/delete_gone.ts";
import {
  indexAlbums,
  type IndexAlbumsResult,
} from "../library/index_albums.ts";
import {
  type AlbumLinksResult,
  reconcileAlbumLinks,
} from "../backup/album_links.ts";
import { isAbsolute } from "node:path";
import { formatBytes } from "../text/format.ts";

/** What every step of a sync works with. */
interface SyncRun {
  options: SyncOptions;
  ctx: RunContext;
  session: GoogleSession;
  backup: Backup;
  progress: Progress;
}

/** What the steps came to, for the summary and the --json object. */
interface SyncOutcome {
  indexed?: IndexResult;
  albums?: IndexAlbumsResult;
  albumsPruned: string[];
  deleted?: DeleteResult;
  downloaded?: DownloadResult;
  links?: AlbumLinksResult;
  seconds: number;
}

export async function runSync(
  options: SyncOptions,
  ctx: RunContext,
): Promise<CommandResult> {
  // The client secret is checked before anything is created on disk.
  const session = await openGoogleSession(options, ctx, "library");
  const started = ctx.now().getTime();
  return await withBackup<CommandResult>(options, ctx, {
    flushIndex: options.flushIndex,
    busy: { failed: 0 },
  }, async (backup) => {
    const progress = options.progress
      ? createProgress({
        write: ctx.stderr,
        isTty: ctx.isTty,
        now: () => ctx.now().getTime(),
      })
      : noProgress;
    const run: SyncRun = { options, ctx, session, backup, progress };
    // gphotos-sync's order: index media, index albums, download, link albums.
    const { indexed, albums } = await indexLibrary(run);
    const { albumsPruned, deleted } = await deleteWhatWentAway(
      run,
      indexed,
      albums,
    );
    // A dry run goes no further than saying what --do-delete would do.
    const dryRun = options.dryRun;
    let downloaded: DownloadResult | undefined;
    if (!dryRun && !options.indexOnly && !options.skipFiles) {
      downloaded = await downloadMedia(options, {
        root: options.root,
        db: backup.db,
        library: session.library,
        http: session.http,
        profile: backup.profile,
        badIds: backup.badIds,
        ctx,
        progress,
      });
    }
    let links: AlbumLinksResult | undefined;
    if (!dryRun && !options.skipAlbums && !options.indexOnly) {
      links = await reconcileAlbumLinks(options, {
        db: backup.db,
        profile: backup.profile,
        ctx,
      });
    }
    if (options.compareFolder && !dryRun) await compare(run);
    const seconds = (ctx.now().getTime() - started) / 1000;
    return syncResult(run, {
      indexed,
      albums,
      albumsPruned,
      deleted,
      downloaded,
      links,
      seconds,
    });
  });
}

/**
 * The library and its albums into the index. The albums are listed and
 * their contents read while the library is listed, from its first page on
 * (when Google answers at all), and recorded only after it: what an album
 * adds is named after the library's items, as in gphotos-sync.
 */
async function indexLibrary(
  run: SyncRun,
): Promise<{ indexed?: IndexResult; albums?: IndexAlbumsResult }> {
  const { options, ctx, session, progress } = run;
  const { db, profile } = run.backup;
  const albumsOnly = options.album !== undefined ||
    options.albumRegex !== undefined;
  const listing = !options.skipIndex && !options.skipFiles && !albumsOnly;
  const firstPage = Promise.withResolvers<void>();
  const mediaIndexed = Promise.withResolvers<void>();
  const stopAlbums = new AbortController();
  let albumsRun: Promise<IndexAlbumsResult> | undefined;
  if (!options.skipAlbums && !options.skipIndex) {
    albumsRun = (async () => {
      if (listing) await firstPage.promise;
      return await indexAlbums(options, {
        db,
        library: session.library,
        profile,
        ctx: {
          ...ctx,
          signal: AbortSignal.any([ctx.signal, stopAlbums.signal]),
        },
        recordAfter: mediaIndexed.promise,
      });
    })();
    // Awaited below; a failure meanwhile must not go unhandled.
    albumsRun.catch(() => {});
  }
  let indexed: IndexResult | undefined;
  try {
    if (listing) {
      indexed = await indexMedia({
        ...options,
        // A complete listing is what --do-delete compares the index with.
        rescan: options.rescan || options.doDelete,
      }, {
        db,
        library: session.library,
        profile,
        ctx,
        progress: {
          ...progress,
          indexed: (seen, added) => {
            firstPage.resolve();
            progress.indexed(seen, added);
          },
        },
      });
      progress.finish();
    }
  } catch (e) {
    stopAlbums.abort(e);
    throw e;
  } finally {
    firstPage.resolve();
    mediaIndexed.resolve();
  }
  return { indexed, albums: await albumsRun };
}

/**
 * --do-delete: album folders of albums deleted on Google, then the items a
 * complete listing no longer holds. Their modules load only when asked for:
 * a plain sync keeps less code in memory.
 */
async function deleteWhatWentAway(
  run: SyncRun,
  indexed: IndexResult | undefined,
  albums: IndexAlbumsResult | undefined,
): Promise<{ albumsPruned: string[]; deleted?: DeleteResult }> {
  const { options, ctx, session } = run;
  const { db } = run.backup;
  const dryRun = options.dryRun;
  const albumsOnly = options.album !== undefined ||
    options.albumRegex !== undefined;
  let albumsPruned: string[] = [];
  if (options.doDelete && albums && !albumsOnly) {
    const { pruneDeletedAlbums } = await import("../library/prune_albums.ts");
    albumsPruned = await pruneDeletedAlbums(albums.listedIds, {
      db,
      library: session.library,
      ctx,
      dryRun,
    });
  }
  let deleted: DeleteResult | undefined;
  if (options.doDelete && indexed?.listed) {
    const { deleteGone, listingScope } = await import(
      "../library/delete_gone.ts"
    );
    deleted = await deleteGone(indexed.listed, {
      db,
      library: session.library,
      root: options.root,
      photosPath: options.photosPath,
      ctx,
      scope: listingScope(options),
      dryRun,
    });
  }
  return { albumsPruned, deleted };
}

/** --compare-folder DIR: its files against the backup, links in comparison/. */
async function compare(run: SyncRun): Promise<void> {
  const { options, ctx } = run;
  const { compareFolder } = await import("../library/compare.ts");
  const c = await compareFolder({
    folder: options.compareFolder!,
    root: options.root,
    db: run.backup.db,
    profile: run.backup.profile,
    logger: ctx.logger,
    signal: ctx.signal,
    now: ctx.now,
    scan: !options.skipIndex,
    skipFolders: [
      options.albumsPath,
      options.sharedAlbumsPath,
      "comparison",
    ].filter((p) => !isAbsolute(p)),
  });
  ctx.tell(
    `Compared ${options.compareFolder}: ${c.scanned} files, ${c.matched} matched, ${c.missing} missing from the backup, ${c.extra} only in the backup, ${c.duplicates} duplicates (links in ${options.root}/comparison).`,
  );
}

/** The run's summary line, its dry-run list and its --json object. */
function syncResult(run: SyncRun, o: SyncOutcome): CommandResult {
  const { options } = run;
  const { badIds } = run.backup;
  const dryRun = options.dryRun;
  const dry = dryRun ? dryRunLines(o.deleted, o.albumsPruned) : undefined;
  return {
    failed: badIds.added,
    lines: dry?.lines,
    summary: dry?.summary ??
      summary(o, badIds) +
        (o.albumsPruned.length > 0
          ? ` ${o.albumsPruned.length} albums deleted on Google were removed.`
          : ""),
    report: (code: ExitCode) => ({
      root: options.root,
      exitCode: code,
      seconds: o.seconds,
      indexed: o.indexed
        ? { listed: o.indexed.seen, added: o.indexed.added }
        : null,
      albums: o.albums
        ? {
          listed: o.albums.albumsListed + o.albums.sharedAlbumsListed,
          indexed: o.albums.albumsIndexed,
          itemsAdded: o.albums.itemsAdded,
        }
        : null,
      downloaded: o.downloaded
        ? {
          items: o.downloaded.downloaded,
          bytes: o.downloaded.bytes,
          alreadyOnDisk: o.downloaded.alreadyOnDisk,
          failed: o.downloaded.failed,
          videosWaiting: o.downloaded.videosWaiting,
          seconds: o.downloaded.seconds,
        }
        : null,
      deleted: o.deleted && !dryRun
        ? { files: o.deleted.deletedFiles, items: o.deleted.deletedRows }
        : null,
      ...(dryRun
        ? {
          dryRun: true,
          wouldDelete: {
            files: o.deleted?.files ?? [],
            items: o.deleted?.deletedRows ?? 0,
            albums: o.albumsPruned,
          },
        }
        : {}),
      albumLinks: o.links
        ? {
          albums: o.links.albums,
          links: o.links.links,
          created: o.links.created,
          replaced: o.links.replaced,
          removed: o.links.removed,
        }
        : null,
      badIds: { added: badIds.added, skipped: badIds.skipped },
    }),
  };
}

/**
 * --do-delete --dry-run: the files and albums that would go, one a line on
 * stdout (with --json they are in its object), and a line for the person.
 */
function dryRunLines(
  deleted: DeleteResult | undefined,
  albums: string[],
): { lines: string[]; summary: string } {
  const files = deleted?.files ?? [];
  return {
    lines: [
      ...files.map((f) => `would delete ${f}`),
      ...albums.map((a) => `would remove the album folder of "${a}"`),
    ],
    summary:
      `Dry run: ${files.length} files would be deleted as removed from Google Photos` +
      (albums.length > 0
        ? `, and the folders of ${albums.length} albums deleted on Google`
        : "") +
      "; nothing was downloaded or deleted.",
  };
}

function summary(o: SyncOutcome, badIds: BadIds): string {
  const { indexed, albums, deleted, downloaded, links, seconds } = o;
  const parts: string[] = [];
  if (indexed) parts.push(`${indexed.added} new items indexed`);
  if (albums && albums.itemsAdded > 0) {
    parts.push(`${albums.itemsAdded} more from albums`);
  }
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
  if (links) {
    const changed = links.created + links.replaced + links.removed;
    parts.push(`${links.albums} album folders (${changed} links changed)`);
  }
  if (badIds.skipped > 0) {
    parts.push(`${badIds.skipped} skipped as listed in ${badIds.file}`);
  }
  return `gphotos-sync: ${parts.join(", ") || "nothing to do"} in ${
    seconds.toFixed(1)
  } s.`;
}
