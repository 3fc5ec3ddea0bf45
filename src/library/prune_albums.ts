// --do-delete for albums: an album deleted on Google loses its folder of
// links. Not being listed is not enough (since 31 March 2025 albums.list
// shows only albums this app created, so every older album would vanish):
// Google must also answer albums.get with "not found" for its id. Albums the
// program made itself (Takeout, Picker) are never pruned here. With
// --dry-run the same checks run and the names of the albums that would go
// are returned; nothing is changed.

import type { LocalData } from "../db/local_data.ts";
import { ApiError } from "../errors.ts";
import type { LibraryClient } from "../google/library.ts";
import type { RunContext } from "../backup/context.ts";

const LOCAL_ALBUM = /^(takeout-album|picker-album):/;

/** Removes the albums Google confirms deleted; returns their names. */
export async function pruneDeletedAlbums(
  listed: Set<string>,
  deps: {
    db: LocalData;
    library: LibraryClient;
    ctx: RunContext;
    dryRun: boolean;
  },
): Promise<string[]> {
  const { db, library, ctx } = deps;
  const pruned: string[] = [];
  for (const album of db.albums()) {
    if (listed.has(album.remoteId) || LOCAL_ALBUM.test(album.remoteId)) {
      continue;
    }
    try {
      await library.getAlbum(album.remoteId, { signal: ctx.signal });
      continue;
    } catch (e) {
      const gone = e instanceof ApiError &&
        (e.status === 404 ||
          (e.status === 400 && e.code === "INVALID_ARGUMENT"));
      if (!gone) {
        ctx.logger.info(
          `Album "${album.albumName}" was not listed, but Google did not confirm it deleted (${
            (e as Error).message
          }); kept.`,
        );
        continue;
      }
    }
    pruned.push(album.albumName);
    if (deps.dryRun) continue;
    db.deleteAlbum(album.remoteId);
    ctx.logger.info(
      `Album "${album.albumName}" was deleted on Google; its folder goes.`,
    );
  }
  return pruned;
}
