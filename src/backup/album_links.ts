// Album folders on disk: the links under <albums-path> and
// <shared-albums-path> that mirror the index's albums. gphotos-sync deleted
// the whole album tree and rebuilt it on every run, so a crash or a full
// disk left albums empty and a 100,000-link tree was rewritten each time.
// Here the tree is reconciled instead, in three steps: the wanted tree is
// computed from the index (album_wanted.ts; album_paths.ts names it),
// compared with the disk and with our record of what we made
// (album_compare.ts), and only the differences are written (here, which
// also runs the steps; album_tally.ts holds the counts and warnings).
//
// The record ("manifest") is a JSON file next to the index,
// <db-path>/gphotos.album_links.json, rather than a table in it:
// - it describes the disk, not Google's library, so --flush-index (which
//   moves the index aside) must not lose it, or every link made so far
//   would turn into a "user file" that is never removed again;
// - it is read whole and written whole (atomically, by rename), which is
//   what a reconcile needs, and it keeps the index gphotos-sync can still
//   open free of tables it does not know.
//
// Safety rules:
// - An entry in an album folder is removed or replaced only when the
//   record says we made it AND it still is what we made (same symlink
//   text; same inode for a hard link). Anything else is the user's and is
//   never touched; a wanted name taken by a user's file is reported.
// - A link identical to the one wanted but missing from the record (made
//   by gphotos-sync, or by a run that crashed) is adopted, not rewritten.
// - Before creating anything, the record is written with the new entries
//   marked pending, so a crash at any point leaves only entries the next
//   run can verify; it then converges.
// - A link is made only to a file that is on disk, and links whose file
//   is gone are removed, so no link we made dangles.
// - A run with nothing to change reads folders and writes nothing: the
//   record is trusted for the link text, the folder listing for the kind
//   (with --use-hardlinks each media file is also stat'ed, so that a file
//   downloaded again, a new inode, gets a new link).

import { isAbsolute, join } from "node:path";
import type { Logger } from "../log.ts";
import type { AlbumEntry, LocalData } from "../db/local_data.ts";
import { DiskError } from "../errors.ts";
import { classifyFsError } from "../fs/atomic_write.ts";
import { fixedFile, resolveInside } from "../fs/confine.ts";
import type { FsProfile } from "../fs/fs_profile.ts";
import { nameKey } from "./album_paths.ts";
import { LinkRecord, type RootRecord } from "./album_link_record.ts";
import {
  Comparison,
  listFolder,
  type Planned,
  type Removal,
} from "./album_compare.ts";
import { type AlbumLinksResult, LinkTally } from "./album_tally.ts";
import {
  type AlbumLinkOptions,
  type RootState,
  WantedTree,
} from "./album_wanted.ts";
import { denoLinkFs, isMissing, type LinkFs } from "./link_fs.ts";

export type { AlbumLinkOptions } from "./album_wanted.ts";
export type { AlbumLinksResult } from "./album_tally.ts";

export const ALBUM_LINKS_MANIFEST = "gphotos.album_links.json";
/** Links made together (see #makeLinks). */
const LINK_BATCH = 500;

export interface AlbumLinkDeps {
  db: LocalData;
  profile: FsProfile;
  ctx: { logger: Logger; signal?: AbortSignal };
  fs?: LinkFs;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Makes the album folders match the index: every album's downloaded items
 * linked under its folder (symlinks, or hard links with --use-hardlinks),
 * nothing of ours left that is not wanted, nothing else touched. Call it
 * after the downloads, holding the run's lock.
 */
export async function reconcileAlbumLinks(
  options: AlbumLinkOptions,
  deps: AlbumLinkDeps,
): Promise<AlbumLinksResult> {
  return await new Reconcile(options, deps).run();
}

class Reconcile {
  readonly #options: AlbumLinkOptions;
  readonly #db: LocalData;
  readonly #profile: FsProfile;
  readonly #log: Logger;
  readonly #signal: AbortSignal | undefined;
  readonly #fs: LinkFs;
  readonly #tally: LinkTally;
  readonly #result: AlbumLinksResult;
  /** Folders confirmed inside their root, by absolute path. */
  readonly #confined = new Set<string>();
  /** The album folders made (or being made) for links, by path. */
  readonly #folders = new Map<string, Promise<boolean>>();
  /** Folders that cannot be used (a file in the way, or leading outside). */
  readonly #unusable = new Set<string>();
  #record = new LinkRecord();
  #manifestPath = "";

  constructor(options: AlbumLinkOptions, deps: AlbumLinkDeps) {
    this.#options = options;
    this.#db = deps.db;
    this.#profile = deps.profile;
    this.#log = deps.ctx.logger;
    this.#signal = deps.ctx.signal;
    this.#fs = deps.fs ?? denoLinkFs;
    this.#tally = new LinkTally(this.#log);
    this.#result = this.#tally.result;
  }

  async run(): Promise<AlbumLinksResult> {
    if (!this.#options.useHardlinks && !this.#profile.symlinks) {
      this.#log.warn(
        "Album folders are not made: this filesystem cannot hold symbolic " +
          "links. Use --use-hardlinks, or --skip-albums to stop this warning.",
      );
      return this.#result;
    }
    const rootReal = await this.#fs.realPath(this.#options.root);
    this.#manifestPath = fixedFile(this.#options.dbPath, ALBUM_LINKS_MANIFEST);
    const wanted = new WantedTree({
      options: this.#options,
      db: this.#db,
      profile: this.#profile,
      fs: this.#fs,
      log: this.#log,
      signal: this.#signal,
      tally: this.#tally,
      rootReal,
    });
    const albums = await wanted.build();
    await this.#loadRecord();

    const keys = new Set([
      ...wanted.roots.keys(),
      ...this.#record.roots.keys(),
    ]);
    const { plans, removals } = await this.#compare(wanted, keys, rootReal);
    const failure = await this.#apply(wanted.roots, keys, plans, removals);
    await this.#saveRecordAfter(failure);
    if (failure !== undefined) throw failure;

    this.#markAlbums(albums);
    this.#logSummary();
    return this.#result;
  }

  /** Compares every root, wanted or recorded, with its record and the disk. */
  async #compare(
    wanted: WantedTree,
    keys: Set<string>,
    rootReal: string,
  ): Promise<Comparison> {
    const comparison = new Comparison({
      profile: this.#profile,
      fs: this.#fs,
      signal: this.#signal,
      record: this.#record,
      tally: this.#tally,
    });
    for (const key of keys) {
      this.#signal?.throwIfAborted();
      const root = wanted.roots.get(key) ?? wanted.rootState(
        key,
        isAbsolute(key) ? key : join(rootReal, key),
      );
      await comparison.compareRoot(root, this.#record.root(key));
    }
    return comparison;
  }

  /**
   * Makes the changes: the intent recorded first, then the removals, the
   * links, the folders no longer wanted. Returns the first error, so that
   * the record is still saved for what was done.
   */
  async #apply(
    roots: Map<string, RootState>,
    keys: Set<string>,
    plans: Planned[],
    removals: Removal[],
  ): Promise<unknown> {
    try {
      if (plans.length > 0) await this.#recordIntent(plans);
      for (const r of removals) await this.#remove(r);
      await this.#makeLinks(plans);
      for (const key of keys) {
        const root = roots.get(key);
        if (root !== undefined) {
          await this.#removeUnwantedDirs(root, this.#record.root(key));
        }
      }
    } catch (err) {
      return err;
    }
    return undefined;
  }

  /** The intent: what may exist after a crash from here on. */
  async #recordIntent(plans: Planned[]): Promise<void> {
    for (const p of plans) {
      for (let i = 1; i <= p.segments.length; i++) {
        this.#record.addDir(p.record, p.segments.slice(0, i).join("/"));
      }
      this.#record.setPending(
        p.record,
        p.folder,
        p.link.name,
        p.replaces === undefined ? [p.link.value] : [p.replaces, p.link.value],
      );
    }
    await this.#saveRecord();
  }

  /**
   * Links are asked for together: in the sandbox the supervisor makes
   * them, and a batch costs one message and one check per folder
   * (src/cli/link_guard.ts). The order they are made in is free.
   */
  async #makeLinks(plans: Planned[]): Promise<void> {
    for (let i = 0; i < plans.length; i += LINK_BATCH) {
      const made = await Promise.allSettled(
        plans.slice(i, i + LINK_BATCH).map((p) => this.#create(p)),
      );
      const failed = made.find((r) => r.status === "rejected");
      if (failed) throw (failed as PromiseRejectedResult).reason;
    }
  }

  /** Saves what the run changed in the record, even after a failure. */
  async #saveRecordAfter(failure: unknown): Promise<void> {
    if (!this.#record.dirty) return;
    try {
      await this.#saveRecord();
    } catch (err) {
      // The first failure is the one to report; the next run verifies
      // whatever the record left pending.
      if (failure === undefined) throw err;
      this.#log.warn(messageOf(err));
    }
  }

  #logSummary(): void {
    const r = this.#result;
    this.#log.info(
      `Album links: ${r.links} wanted in ${r.albums} albums; ${r.created} ` +
        `created, ${r.replaced} replaced, ${r.removed} removed, ${r.adopted} ` +
        `adopted, ${r.notDownloaded} items not downloaded yet` +
        (r.conflicts > 0 ? `, ${r.conflicts} names taken by other files` : "") +
        (r.failed > 0 ? `, ${r.failed} failed` : "") + ".",
    );
  }

  async #loadRecord(): Promise<void> {
    const text = await this.#fs.readText(this.#manifestPath);
    if (text === undefined) return;
    try {
      this.#record = LinkRecord.parse(text);
    } catch (err) {
      this.#log.warn(
        `Cannot read the album link record ${this.#manifestPath} ` +
          `(${messageOf(err)}); it is started again. Links already made ` +
          "that are still wanted are adopted; others are left in place.",
      );
      this.#record = new LinkRecord();
      this.#record.dirty = true;
    }
  }

  async #saveRecord(): Promise<void> {
    try {
      await this.#fs.writeText(this.#manifestPath, this.#record.toJson());
    } catch (err) {
      throw classifyFsError(
        err,
        "write the album link record",
        this.#manifestPath,
      );
    }
    this.#record.dirty = false;
  }

  /** Confirms (once per folder) that `rel` stays inside the root. */
  async #inside(root: RootState, rel: string): Promise<string> {
    const abs = join(root.abs, rel);
    if (!this.#confined.has(abs)) {
      await resolveInside(root.abs, rel);
      this.#confined.add(abs);
    }
    return abs;
  }

  async #remove(r: Removal): Promise<void> {
    this.#signal?.throwIfAborted();
    let path: string;
    try {
      path = join(await this.#inside(r.root, r.folder), r.name);
    } catch (err) {
      this.#tally.warn(
        `Album link ${r.folder}/${r.name} not removed: ${messageOf(err)}`,
      );
      return;
    }
    try {
      await this.#fs.remove(path);
    } catch (err) {
      if (!isMissing(err)) {
        const e = classifyFsError(err, "remove the album link", path);
        if (e instanceof DiskError) throw e;
        this.#result.failed++;
        this.#tally.warn(messageOf(e));
        return;
      }
    }
    this.#record.deleteLink(r.record, r.folder, r.name);
    this.#result.removed++;
  }

  /**
   * Makes the folder and any missing parents; false when it cannot. Links
   * are made many at a time: the first of a folder makes it, the others
   * wait for that.
   */
  #makeFolder(p: Planned): Promise<boolean> {
    const key = join(p.root.abs, p.folder);
    let made = this.#folders.get(key);
    if (made === undefined) {
      made = this.#makeFolderOnce(p);
      this.#folders.set(key, made);
    }
    return made;
  }

  async #makeFolderOnce(p: Planned): Promise<boolean> {
    const { root, record, segments } = p;
    if (!this.#confined.has(root.abs)) {
      // The albums root itself is the user's choice: made, never removed.
      try {
        await this.#fs.mkdir(root.abs, true);
      } catch (err) {
        throw classifyFsError(err, "create the folder", root.abs);
      }
      this.#confined.add(root.abs);
    }
    for (let i = 1; i <= segments.length; i++) {
      const rel = segments.slice(0, i).join("/");
      const abs = join(root.abs, rel);
      if (this.#unusable.has(abs)) return false;
      if (this.#confined.has(abs)) continue;
      let info: Deno.FileInfo | undefined;
      try {
        info = await this.#fs.lstat(abs);
      } catch (err) {
        if (!isMissing(err)) throw classifyFsError(err, "read", abs);
      }
      if (info !== undefined && !info.isDirectory && !info.isSymlink) {
        this.#unusable.add(abs);
        this.#tally.conflict(abs);
        return false;
      }
      try {
        await resolveInside(root.abs, rel);
      } catch (err) {
        this.#unusable.add(abs);
        this.#tally.warn(`Album folder ${abs} not used: ${messageOf(err)}`);
        return false;
      }
      // The intent already recorded the folder as ours.
      this.#record.addDir(record, rel);
      if (info === undefined) {
        try {
          await this.#fs.mkdir(abs);
          this.#result.foldersCreated++;
        } catch (err) {
          if (!(err instanceof Deno.errors.AlreadyExists)) {
            throw classifyFsError(err, "create the folder", abs);
          }
        }
      }
      this.#confined.add(abs);
    }
    return true;
  }

  async #create(p: Planned): Promise<void> {
    this.#signal?.throwIfAborted();
    const { link } = p;
    // Until the old link is gone, the record must still claim it.
    let old = p.replaces;
    const giveUp = () => {
      if (old === undefined) {
        this.#record.clearPending(p.record, p.folder, link.name);
      } else this.#record.setLink(p.record, p.folder, link.name, old);
      if (p.replaces !== undefined) this.#result.replaced--;
      this.#tally.incomplete.add(link.albumId);
    };
    if (!(await this.#makeFolder(p))) {
      giveUp();
      return;
    }
    const folderAbs = join(p.root.abs, p.folder);
    const path = join(folderAbs, link.name);
    try {
      if (old !== undefined) {
        try {
          await this.#fs.remove(path);
        } catch (err) {
          if (!isMissing(err)) throw err;
        }
        old = undefined;
      }
      if (link.value.startsWith("s:")) {
        await this.#fs.symlink(link.value.slice(2), path);
        await this.#fs.setLinkTimes(path, link.mtime, this.#profile.minTime);
      } else {
        await this.#fs.link(link.target, path);
      }
    } catch (err) {
      giveUp();
      const e = classifyFsError(err, "make the album link", path);
      if (e instanceof DiskError) throw e;
      this.#result.failed++;
      this.#tally.warn(
        err instanceof Deno.errors.AlreadyExists
          ? `Album link ${path} not made: something appeared there meanwhile.`
          : `Album link ${path} not made: ${messageOf(e)}` +
            (this.#options.useHardlinks && (err as { code?: string }).code ===
                "EXDEV"
              ? " (hard links cannot cross filesystems; put the albums " +
                "folder on the same disk as the photos, or drop --use-hardlinks)"
              : ""),
      );
      return;
    }
    this.#record.setLink(p.record, p.folder, link.name, link.value);
    if (p.replaces === undefined) this.#result.created++;
  }

  /** Removes the folders we made that are no longer wanted, when empty. */
  async #removeUnwantedDirs(root: RootState, record: RootRecord) {
    const unwanted = [...record.dirs]
      .filter((rel) => !root.dirs.has(nameKey(rel, this.#profile)))
      .sort((a, b) => b.split("/").length - a.split("/").length);
    for (const rel of unwanted) {
      this.#signal?.throwIfAborted();
      const abs = join(root.abs, rel);
      let info: Deno.FileInfo | undefined;
      try {
        info = await this.#fs.lstat(abs);
      } catch (err) {
        if (!isMissing(err)) throw classifyFsError(err, "read", abs);
      }
      if (info === undefined || !info.isDirectory) {
        // Gone, or something else now (a symlink to a folder is never ours).
        this.#record.deleteDir(record, rel);
        continue;
      }
      const listing = await listFolder(this.#fs, this.#profile, abs);
      if (listing === undefined) {
        this.#record.deleteDir(record, rel);
        continue;
      }
      if (listing.size > 0) continue;
      try {
        await this.#inside(root, rel);
        await this.#fs.remove(abs);
        this.#record.deleteDir(record, rel);
        this.#result.foldersRemoved++;
      } catch (err) {
        if (isMissing(err)) {
          this.#record.deleteDir(record, rel);
          continue;
        }
        const e = classifyFsError(err, "remove the album folder", abs);
        if (e instanceof DiskError) throw e;
        this.#tally.warn(messageOf(e));
      }
    }
  }

  /** Albums.Downloaded: set once every wanted link of the album is made. */
  #markAlbums(albums: AlbumEntry[]): void {
    const done = albums.filter((a) =>
      !a.downloaded && !this.#tally.incomplete.has(a.remoteId)
    );
    if (done.length === 0) return;
    this.#db.transaction(() => {
      for (const a of done) this.#db.markAlbumDownloaded(a.remoteId);
    });
  }
}
