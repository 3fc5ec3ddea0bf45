// What every command that writes to a backup does first and last: take the
// index's lock (or say who holds it and stop), sweep temporary files a
// killed run left, probe the filesystem, open the index and the bad-ids
// list, finish the file moves a killed import left; and at the end store
// the bad ids and release the lock.

import { resolve } from "node:path";
import type { CommonOptions, LayoutOptions } from "../options.ts";
import { LocalData } from "../db/local_data.ts";
import { ExitCode, GphotosError } from "../errors.ts";
import { classifyFsError, cleanStaleTemps } from "../fs/atomic_write.ts";
import { type FsProfile, probeFsProfile } from "../fs/fs_profile.ts";
import { acquireLock } from "../fs/lock.ts";
import { BadIds } from "./bad_ids.ts";
import { finishItemMoves } from "./item_moves.ts";
import type { RunContext } from "./context.ts";

export interface Backup {
  db: LocalData;
  profile: FsProfile;
  badIds: BadIds;
}

export async function withBackup<T>(
  options: CommonOptions & LayoutOptions,
  ctx: RunContext,
  /** busy: what the run comes to when another run holds the lock. */
  open: { flushIndex?: boolean; busy: T },
  fn: (backup: Backup) => Promise<T>,
): Promise<T> {
  for (const folder of [options.root, options.dbPath]) {
    try {
      await Deno.mkdir(folder, { recursive: true });
    } catch (e) {
      // A file in the way, no permission, a read-only disk: say which.
      throw classifyFsError(e, "create the folder", folder);
    }
  }
  const held = await acquireLock(options.dbPath, {
    logger: ctx.logger,
    now: ctx.now,
  });
  if (!held.acquired) {
    // An overlap with a run still going is normal (a slow night); a run
    // holding the index for more than a day is hung, and every later run
    // exiting 0 would hide that from the monitor.
    const since = Date.parse(held.holder.startedAt ?? "");
    const hours = (ctx.now().getTime() - since) / 3_600_000;
    if (options.lockLimitHours > 0 && hours > options.lockLimitHours) {
      throw new GphotosError(
        `Another run has held the index in ${options.dbPath} for ${
          Math.floor(hours)
        } hours (${held.holder.description}), longer than --lock-limit ${options.lockLimitHours}: it looks hung. ` +
          `Check that process${
            held.holder.pid ? ` (pid ${held.holder.pid})` : ""
          } and stop it; the next run takes over its lock. Nothing was done.`,
        ExitCode.failed,
      );
    }
    ctx.tell(
      `Another run is using the index in ${options.dbPath} (${held.holder.description}); nothing was done.`,
    );
    return open.busy;
  }
  const badIds = await BadIds.load(options.root, ctx.logger);
  try {
    await sweepStaleTemps(options, ctx);
    const profile = await probeFsProfile(options.root, {
      ntfs: options.ntfs,
      caseInsensitiveFs: options.caseInsensitiveFs,
      maxFilename: options.maxFilename,
    }, { logger: ctx.logger });
    using db = LocalData.open(options.dbPath, {
      flush: open.flushIndex,
      logger: ctx.logger,
      now: ctx.now,
    });
    // Files a killed import was moving take their places first: the
    // index already says they are there.
    await finishItemMoves(db, options.root, ctx.logger);
    return await fn({ db, profile, badIds });
  } finally {
    try {
      await badIds.store();
    } catch (e) {
      ctx.logger.error(`Cannot write ${badIds.file}: ${(e as Error).message}`);
    }
    held.lock.release();
  }
}

/**
 * A killed run can leave `.gphotos-*.part` files where no later write
 * looks again: the album-link record beside the index, probe files in
 * ROOT, a media folder whose items were all finished. Holding the lock,
 * nobody else's temp files can be there.
 */
export async function sweepStaleTemps(
  options: CommonOptions & LayoutOptions,
  ctx: RunContext,
): Promise<void> {
  const logger = ctx.logger;
  await cleanStaleTemps(options.root, { recursive: false, logger });
  if (resolve(options.dbPath) !== resolve(options.root)) {
    await cleanStaleTemps(options.dbPath, { recursive: false, logger });
  }
  await cleanStaleTemps(resolve(options.root, options.photosPath), {
    recursive: true,
    logger,
  });
}
