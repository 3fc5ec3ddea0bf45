// `gphotos-sync [sync] ROOT`: lock, index, download, in gphotos-sync's
// order, with the run's outcome as the exit code.

import type { SyncOptions } from "../options.ts";
import type { ExitCode } from "../errors.ts";
import type { CommandResult } from "./result.ts";
import type { BadIds } from "../backup/bad_ids.ts";
import { withBackup } from "../backup/session.ts";
import type { RunContext } from "../backup/context.ts";
import { downloadMedia, type DownloadResult } from "../library/download.ts";
import { openGoogleSession } from "./google_session.ts";
import { indexMedia, type IndexResult } from "../library/index_media.ts";
import { createProgress, noProgress } from "../backup/progress.ts";
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
  }, async ({ db, profile, badIds }) => {
    const progress = options.progress
      ? createProgress({
        write: ctx.stderr,
        isTty: ctx.isTty,
        now: () => ctx.now().getTime(),
      })
      : noProgress;

    // gphotos-sync's order: index media, index albums, download, link albums.
    // The albums are listed and their contents read while the library is
    // listed, from its first page on (when Google answers at all), and
    // recorded only after it: what an album adds is named after the
    // library's items, as in gphotos-sync.
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
    const albums = await albumsRun;
    const dryRun = options.dryRun;
    let albumsPruned: string[] = [];
    // --do-delete and --compare-folder load their modules when asked for:
    // a plain sync keeps less code in memory.
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
    // A dry run goes no further than saying what --do-delete would do.
    let downloaded: DownloadResult | undefined;
    if (!dryRun && !options.indexOnly && !options.skipFiles) {
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
    let links: AlbumLinksResult | undefined;
    if (!dryRun && !options.skipAlbums && !options.indexOnly) {
      links = await reconcileAlbumLinks(options, { db, profile, ctx });
    }
    if (options.compareFolder && !dryRun) {
      const { compareFolder } = await import("../library/compare.ts");
      const c = await compareFolder({
        folder: options.compareFolder,
        root: options.root,
        db,
        profile,
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
    const seconds = (ctx.now().getTime() - started) / 1000;
    const dry = dryRun ? dryRunLines(deleted, albumsPruned) : undefined;
    return {
      failed: badIds.added,
      lines: dry?.lines,
      summary: dry?.summary ??
        summary(indexed, albums, downloaded, links, deleted, badIds, seconds) +
          (albumsPruned.length > 0
            ? ` ${albumsPruned.length} albums deleted on Google were removed.`
            : ""),
      report: (code: ExitCode) => ({
        root: options.root,
        exitCode: code,
        seconds,
        indexed: indexed
          ? { listed: indexed.seen, added: indexed.added }
          : null,
        albums: albums
          ? {
            listed: albums.albumsListed + albums.sharedAlbumsListed,
            indexed: albums.albumsIndexed,
            itemsAdded: albums.itemsAdded,
          }
          : null,
        downloaded: downloaded
          ? {
            items: downloaded.downloaded,
            bytes: downloaded.bytes,
            alreadyOnDisk: downloaded.alreadyOnDisk,
            failed: downloaded.failed,
            videosWaiting: downloaded.videosWaiting,
            seconds: downloaded.seconds,
          }
          : null,
        deleted: deleted && !dryRun
          ? { files: deleted.deletedFiles, items: deleted.deletedRows }
          : null,
        ...(dryRun
          ? {
            dryRun: true,
            wouldDelete: {
              files: deleted?.files ?? [],
              items: deleted?.deletedRows ?? 0,
              albums: albumsPruned,
            },
          }
          : {}),
        albumLinks: links
          ? {
            albums: links.albums,
            links: links.links,
            created: links.created,
            replaced: links.replaced,
            removed: links.removed,
          }
          : null,
        badIds: { added: badIds.added, skipped: badIds.skipped },
      }),
    };
  });
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

function summary(
  indexed: IndexResult | undefined,
  albums: IndexAlbumsResult | undefined,
  downloaded: DownloadResult | undefined,
  links: AlbumLinksResult | undefined,
  deleted: DeleteResult | undefined,
  badIds: BadIds,
  seconds: number,
): string {
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
