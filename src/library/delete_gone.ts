// --do-delete: remove from the backup the items deleted from Google Photos.
// gphotos-sync deleted every file of the photos folder that its index did
// not know, so an index built from a listing that skipped pages (gphotos-sync
// #453) could wipe good files. Here a file is deleted only when all of this
// holds: the item lies inside what the run listed (the whole library, or
// the days and media types a filtered run searched) and the listing did not
// return it, the listing is not suspiciously short, Google confirms by id
// that the item is gone (batchGet answers "invalid id"), and the file lies
// in the photos folder under a name the program gives (never `.*` or
// `gphotos*`). With --dry-run the same checks run and nothing is changed.

import { basename, join } from "node:path";
import type { SyncOptions } from "../options.ts";
import type { LocalData } from "../db/local_data.ts";
import type { ItemFilter } from "../db/rows.ts";
import { ExitCode, GphotosError } from "../errors.ts";
import { resolveInside } from "../fs/confine.ts";
import { type LibraryClient, MAX_BATCH_GET } from "../google/library.ts";
import type { RunContext } from "../backup/context.ts";

export interface DeleteResult {
  /** Indexed items inside the listing's scope that it did not return. */
  unlisted: number;
  /** Of those, still there when asked by id (archived, or skipped by paging). */
  stillThere: number;
  /** Files deleted (with dryRun: that would be). */
  deletedFiles: number;
  /** Index rows deleted (with dryRun: that would be). */
  deletedRows: number;
  /** The files, relative to ROOT. */
  files: string[];
}

/** What a listing covered: the index items it would have returned. */
export type ListingScope = Pick<
  ItemFilter,
  "createdFrom" | "createdBefore" | "skipVideo"
>;

/**
 * The scope of the run's listing: the days of --start-date / --end-date
 * (whole UTC days, as Google's date filter counts them) and, with
 * --skip-video, photos only. Without them, the whole library.
 */
export function listingScope(
  options: Pick<SyncOptions, "startDate" | "endDate" | "skipVideo">,
): ListingScope {
  const scope: ListingScope = {};
  if (options.startDate) {
    scope.createdFrom = new Date(`${options.startDate}T00:00:00Z`);
  }
  if (options.endDate) {
    scope.createdBefore = new Date(
      Date.parse(`${options.endDate}T00:00:00Z`) + 86_400_000,
    );
  }
  if (options.skipVideo) scope.skipVideo = true;
  return scope;
}

/** A listing shorter than this share of the indexed items is not trusted. */
const TRUNCATION_RATIO = 0.5;

export async function deleteGone(
  listed: Set<string>,
  deps: {
    db: LocalData;
    library: LibraryClient;
    root: string;
    photosPath: string;
    ctx: RunContext;
    /** What the listing covered; nothing outside it is looked at. */
    scope: ListingScope;
    /** Say what would be deleted; delete nothing. */
    dryRun: boolean;
  },
): Promise<DeleteResult> {
  const { db, ctx, dryRun } = deps;
  const indexed = [...db.items({ ...deps.scope, source: "library" })];
  const unlisted = indexed.filter((i) => !listed.has(i.remoteId));
  const result: DeleteResult = {
    unlisted: unlisted.length,
    stillThere: 0,
    deletedFiles: 0,
    deletedRows: 0,
    files: [],
  };
  if (unlisted.length === 0) return result;
  if (listed.size < indexed.length * TRUNCATION_RATIO) {
    throw new GphotosError(
      `--do-delete: Google listed ${listed.size} items but the index holds ${indexed.length} in what was listed; the listing looks truncated, so nothing was deleted. Run again later; if the library really shrank that much, run once with --flush-index first.`,
      ExitCode.failed,
    );
  }
  for (let i = 0; i < unlisted.length; i += MAX_BATCH_GET) {
    const batch = unlisted.slice(i, i + MAX_BATCH_GET);
    const answers = await deps.library.batchGet(
      batch.map((it) => it.remoteId),
      { signal: ctx.signal },
    );
    for (const [k, item] of batch.entries()) {
      const answer = answers[k];
      if ("ok" in answer) {
        result.stillThere++;
        continue;
      }
      const rel = join(item.path, item.fileName);
      if (deletable(item.path, item.fileName, deps.photosPath)) {
        try {
          const abs = await resolveInside(deps.root, rel);
          if (dryRun) await Deno.lstat(abs);
          else await Deno.remove(abs);
          result.deletedFiles++;
          result.files.push(rel);
          if (!dryRun) {
            ctx.logger.info(`Deleted ${rel}: removed from Google Photos`);
          }
        } catch (e) {
          if (!(e instanceof Deno.errors.NotFound)) {
            ctx.logger.warn(`Cannot delete ${rel}: ${(e as Error).message}`);
            continue;
          }
        }
      }
      if (dryRun) result.deletedRows++;
      else if (db.deleteItem(item.remoteId)) result.deletedRows++;
    }
  }
  return result;
}

function deletable(path: string, fileName: string, photosPath: string) {
  const inPhotos = path === photosPath || path.startsWith(`${photosPath}/`);
  const name = basename(fileName);
  return inPhotos && !name.startsWith(".") && !name.startsWith("gphotos");
}
