// --do-delete for albums: an album deleted on Google loses its folder of
// links. Not being listed is not enough (since 31 March 2025 albums.list
// shows only albums this app created, so every older album would vanish):
// Google must also answer albums.get with "not found" for its id. Albums the
// program made itself (Takeout, Picker) are never pruned here.

import type { LocalData } from "../db/local_data.ts";
import { ApiError } from "../errors.ts";
import type { LibraryClient } from "../google/library.ts";
import type { RunContext } from "./context.ts";

const LOCAL_ALBUM = /^(takeout-album|picker-album):/;

export async function pruneDeletedAlbums(
  listed: Set<string>,
  deps: { db: LocalData; library: LibraryClient; ctx: RunContext },
): Promise<number> {
  const { db, library, ctx } = deps;
  let pruned = 0;
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
    db.deleteAlbum(album.remoteId);
    pruned++;
    ctx.logger.info(
      `Album "${album.albumName}" was deleted on Google; its folder goes.`,
    );
  }
  return pruned;
}
