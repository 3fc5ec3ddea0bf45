// What one album reconcile reports, shared by its phases (the wanted tree,
// the comparison, the changes): the counts the caller gets, the warnings
// (the first few logged, the rest only counted at debug level, so a tree of
// 100,000 broken links does not bury the log) and the albums left with a
// wanted link missing, which are not marked downloaded.

import type { Logger } from "../log.ts";

/** Individual problems logged as warnings; the rest only counted. */
const MAX_WARNINGS = 20;

export interface AlbumLinksResult {
  /** Albums with at least one link wanted. */
  albums: number;
  /** Links wanted: album items whose file is on disk. */
  links: number;
  created: number;
  /** Links of ours that pointed elsewhere or were of the other kind. */
  replaced: number;
  removed: number;
  /** Identical links found unrecorded (gphotos-sync's, or a crashed run's). */
  adopted: number;
  /** Album items whose file is not downloaded yet. */
  notDownloaded: number;
  /** Wanted names taken by something we did not make (left alone). */
  conflicts: number;
  /** Links that could not be made (reported as warnings). */
  failed: number;
  foldersCreated: number;
  foldersRemoved: number;
}

export class LinkTally {
  readonly result: AlbumLinksResult = {
    albums: 0,
    links: 0,
    created: 0,
    replaced: 0,
    removed: 0,
    adopted: 0,
    notDownloaded: 0,
    conflicts: 0,
    failed: 0,
    foldersCreated: 0,
    foldersRemoved: 0,
  };
  /** Albums some of whose wanted links are missing after the run. */
  readonly incomplete = new Set<string>();
  readonly #log: Logger;
  #warnings = 0;

  constructor(log: Logger) {
    this.#log = log;
  }

  warn(message: string): void {
    this.#warnings++;
    if (this.#warnings <= MAX_WARNINGS) this.#log.warn(message);
    else this.#log.debug(message);
  }

  /** A wanted name (of album `albumId`'s link, or a folder) taken by another file. */
  conflict(path: string, albumId?: string): void {
    if (albumId !== undefined) this.incomplete.add(albumId);
    this.result.conflicts++;
    this.warn(
      `Album link ${path} not made: something not made by gphotos-sync has ` +
        "that name. Move it away to get the link.",
    );
  }
}
