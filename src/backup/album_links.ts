// Album folders on disk: the links under <albums-path> and
// <shared-albums-path> that mirror the index's albums. gphotos-sync deleted
// the whole album tree and rebuilt it on every run, so a crash or a full
// disk left albums empty and a 100,000-link tree was rewritten each time.
// Here the tree is reconciled instead: the wanted tree is computed from the
// index (album_paths.ts names it), compared with the disk and with our
// record of what we made, and only the differences are written.
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

import { fixedFile } from "../fs/confine.ts";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import type { CommonOptions, LayoutOptions } from "../options.ts";
import type { Logger } from "../log.ts";
import type { AlbumEntry, LocalData } from "../db/local_data.ts";
import { DiskError } from "../errors.ts";
import { classifyFsError } from "../fs/atomic_write.ts";
import { resolveInside } from "../fs/confine.ts";
import type { FsProfile } from "../fs/fs_profile.ts";
import {
  type AlbumPathOptions,
  folderKey,
  nameKey,
  planAlbum,
} from "./album_paths.ts";

import {
  LinkRecord,
  type LinkValue,
  type RootRecord,
} from "./album_link_record.ts";
import { denoLinkFs, type LinkFs } from "./link_fs.ts";

export const ALBUM_LINKS_MANIFEST = "gphotos.album_links.json";
/** Individual problems logged as warnings; the rest only counted. */
const MAX_WARNINGS = 20;
/** Links made together (see reconcile). */
const LINK_BATCH = 500;

/**
 * What the album folders are made from: where they go, how they are named
 * and linked. Every source that files items in albums has these (sync,
 * pick, takeout).
 */
export type AlbumLinkOptions =
  & Pick<CommonOptions, "root" | "dbPath">
  & Pick<
    LayoutOptions,
    | "albumsPath"
    | "sharedAlbumsPath"
    | "useHardlinks"
    | "albumInvert"
    | "skipVideo"
  >
  & AlbumPathOptions
  & {
    /** --skip-shared-albums (sync): shared albums get no folder. */
    skipSharedAlbums?: boolean;
  };

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

export interface AlbumLinkDeps {
  db: LocalData;
  profile: FsProfile;
  ctx: { logger: Logger; signal?: AbortSignal };
  fs?: LinkFs;
}

// ---- the wanted tree -------------------------------------------------------

interface WantedLink {
  name: string;
  value: LinkValue;
  /** Absolute path of the media file. */
  target: string;
  mtime: Date;
  albumId: string;
}

interface WantedFolder {
  rel: string;
  segments: string[];
  /** nameKey(link name) -> link. */
  links: Map<string, WantedLink>;
}

interface RootState {
  /** The record's key: relative to ROOT when inside it, else absolute. */
  key: string;
  abs: string;
  /** folderKey -> folder. */
  folders: Map<string, WantedFolder>;
  /** folderKey of every wanted folder and of its parents -> rel. */
  dirs: Map<string, string>;
  taken: Set<string>;
}

interface MediaFolder {
  abs: string;
  /** nameKeys of the files in it. */
  names: Set<string>;
}

type EntryKind = "symlink" | "file" | "dir" | "other";

interface DiskEntry {
  name: string;
  kind: EntryKind;
}

function kindOf(entry: Deno.DirEntry): EntryKind {
  if (entry.isSymlink) return "symlink";
  if (entry.isFile) return "file";
  if (entry.isDirectory) return "dir";
  return "other";
}

function valueKind(value: LinkValue): EntryKind {
  return value.startsWith("s:") ? "symlink" : "file";
}

function isMissing(err: unknown): boolean {
  return err instanceof Deno.errors.NotFound ||
    err instanceof Deno.errors.NotADirectory;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

interface Planned {
  root: RootState;
  record: RootRecord;
  folder: string;
  segments: string[];
  link: WantedLink;
  /** What of ours is there now and goes first (a replacement). */
  replaces?: LinkValue;
}

interface Removal {
  root: RootState;
  record: RootRecord;
  folder: string;
  name: string;
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
  readonly #result: AlbumLinksResult = {
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
  #warnings = 0;
  #rootReal = "";
  readonly #roots = new Map<string, RootState>();
  /** By the index's Path. */
  readonly #mediaFolders = new Map<string, MediaFolder>();
  /** Folders confirmed inside their root, by absolute path. */
  readonly #confined = new Set<string>();
  /** The album folders made (or being made) for links, by path. */
  readonly #folders = new Map<string, Promise<boolean>>();
  /** Folders that cannot be used (a file in the way, or leading outside). */
  readonly #unusable = new Set<string>();
  /** Albums some of whose wanted links are missing after the run. */
  readonly #incomplete = new Set<string>();
  #record = new LinkRecord();
  #manifestPath = "";

  constructor(options: AlbumLinkOptions, deps: AlbumLinkDeps) {
    this.#options = options;
    this.#db = deps.db;
    this.#profile = deps.profile;
    this.#log = deps.ctx.logger;
    this.#signal = deps.ctx.signal;
    this.#fs = deps.fs ?? denoLinkFs;
  }

  async run(): Promise<AlbumLinksResult> {
    if (!this.#options.useHardlinks && !this.#profile.symlinks) {
      this.#log.warn(
        "Album folders are not made: this filesystem cannot hold symbolic " +
          "links. Use --use-hardlinks, or --skip-albums to stop this warning.",
      );
      return this.#result;
    }
    const fs = this.#fs;
    this.#rootReal = await fs.realPath(this.#options.root);
    this.#manifestPath = fixedFile(this.#options.dbPath, ALBUM_LINKS_MANIFEST);
    const albums = await this.#wanted();
    await this.#loadRecord();

    const plans: Planned[] = [];
    const removals: Removal[] = [];
    const keys = new Set([
      ...this.#roots.keys(),
      ...this.#record.roots.keys(),
    ]);
    for (const key of keys) {
      this.#signal?.throwIfAborted();
      const root = this.#roots.get(key) ?? this.#rootState(
        key,
        isAbsolute(key) ? key : join(this.#rootReal, key),
      );
      await this.#compareRoot(root, this.#record.root(key), plans, removals);
    }

    let failure: unknown;
    try {
      if (plans.length > 0) {
        // The intent: what may exist after a crash from here on.
        for (const p of plans) {
          for (let i = 1; i <= p.segments.length; i++) {
            this.#record.addDir(p.record, p.segments.slice(0, i).join("/"));
          }
          this.#record.setPending(
            p.record,
            p.folder,
            p.link.name,
            p.replaces === undefined
              ? [p.link.value]
              : [p.replaces, p.link.value],
          );
        }
        await this.#saveRecord();
      }
      for (const r of removals) await this.#remove(r);
      // Links are asked for together: in the sandbox the supervisor makes
      // them, and a batch costs one message and one check per folder
      // (src/cli/link_guard.ts). The order they are made in is free.
      for (let i = 0; i < plans.length; i += LINK_BATCH) {
        const made = await Promise.allSettled(
          plans.slice(i, i + LINK_BATCH).map((p) => this.#create(p)),
        );
        const failed = made.find((r) => r.status === "rejected");
        if (failed) throw (failed as PromiseRejectedResult).reason;
      }
      for (const key of keys) {
        const root = this.#roots.get(key);
        if (root !== undefined) {
          await this.#removeUnwantedDirs(root, this.#record.root(key));
        }
      }
    } catch (err) {
      failure = err;
    }
    if (this.#record.dirty) {
      try {
        await this.#saveRecord();
      } catch (err) {
        // The first failure is the one to report; the next run verifies
        // whatever the record left pending.
        if (failure === undefined) throw err;
        this.#log.warn(messageOf(err));
      }
    }
    if (failure !== undefined) throw failure;

    this.#markAlbums(albums);
    const r = this.#result;
    this.#log.info(
      `Album links: ${r.links} wanted in ${r.albums} albums; ${r.created} ` +
        `created, ${r.replaced} replaced, ${r.removed} removed, ${r.adopted} ` +
        `adopted, ${r.notDownloaded} items not downloaded yet` +
        (r.conflicts > 0 ? `, ${r.conflicts} names taken by other files` : "") +
        (r.failed > 0 ? `, ${r.failed} failed` : "") + ".",
    );
    return r;
  }

  #warn(message: string): void {
    this.#warnings++;
    if (this.#warnings <= MAX_WARNINGS) this.#log.warn(message);
    else this.#log.debug(message);
  }

  #rootState(key: string, abs: string): RootState {
    let state = this.#roots.get(key);
    if (state === undefined) {
      state = {
        key,
        abs,
        folders: new Map(),
        dirs: new Map(),
        taken: new Set(),
      };
      this.#roots.set(key, state);
    }
    return state;
  }

  /**
   * The albums root for own or shared albums, as its real path (symlink
   * texts are computed between real paths); made only when a link is.
   */
  async #albumsRoot(shared: boolean): Promise<RootState> {
    const path = resolve(
      this.#options.root,
      shared ? this.#options.sharedAlbumsPath : this.#options.albumsPath,
    );
    const abs = await this.#realPath(path);
    const rel = relative(this.#rootReal, abs);
    const inside = rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
    const key = inside ? rel.split(sep).join("/") : abs;
    return this.#rootState(key, abs);
  }

  /** Builds the wanted tree from the index; returns the albums linked. */
  async #wanted(): Promise<AlbumEntry[]> {
    const o = this.#options;
    const linked: AlbumEntry[] = [];
    let ownRoot: RootState | undefined;
    let sharedRoot: RootState | undefined;
    for (const album of this.#db.albums()) {
      this.#signal?.throwIfAborted();
      if (album.isShared && o.skipSharedAlbums) continue;
      let files = this.#db.albumFiles(album.remoteId, {
        invert: o.albumInvert,
      });
      if (o.skipVideo) files = files.filter((f) => !f.item.isVideo);
      if (files.length === 0) continue;
      const root = album.isShared
        ? sharedRoot ??= await this.#albumsRoot(true)
        : ownRoot ??= await this.#albumsRoot(false);
      const plan = planAlbum(
        album,
        files,
        o,
        this.#profile,
        root.abs,
        root.taken,
      );
      if (plan === undefined) {
        this.#warn(
          `Album "${album.albumName}" is not linked: no link name fits the ` +
            `filesystem's path length limit under ${root.abs}. Use a shorter ` +
            "--albums-path.",
        );
        continue;
      }
      const rel = plan.folder.join("/");
      if (plan.shortened) {
        this.#log.info(
          `Album "${album.albumName}" is in the shortened folder ${rel} ` +
            "(the filesystem limits path lengths).",
        );
      }
      const folder: WantedFolder = {
        rel,
        segments: plan.folder,
        links: new Map(),
      };
      const folderAbs = join(root.abs, ...plan.folder);
      // Media folder (as the index spells it) -> the link text up to the name.
      const towards = new Map<string, string>();
      for (const { name, file } of plan.links) {
        const item = file.item;
        const media = item.downloaded
          ? await this.#mediaFolder(item.path)
          : undefined;
        if (
          media === undefined ||
          !media.names.has(nameKey(item.fileName, this.#profile))
        ) {
          this.#result.notDownloaded++;
          continue;
        }
        const target = join(media.abs, item.fileName);
        let value: LinkValue;
        if (o.useHardlinks) {
          let info: Deno.FileInfo;
          try {
            info = await this.#fs.stat(target);
          } catch (err) {
            if (!isMissing(err)) throw classifyFsError(err, "read", target);
            this.#result.notDownloaded++;
            continue;
          }
          value = `h:${info.dev}:${info.ino}`;
        } else {
          let prefix = towards.get(item.path);
          if (prefix === undefined) {
            prefix = relative(folderAbs, media.abs);
            towards.set(item.path, prefix);
          }
          value = `s:${prefix === "" ? "" : prefix + sep}${item.fileName}`;
        }
        folder.links.set(nameKey(name, this.#profile), {
          name,
          value,
          target,
          mtime: item.createDate,
          albumId: album.remoteId,
        });
      }
      if (folder.links.size === 0) continue;
      root.folders.set(folderKey(plan.folder, this.#profile), folder);
      for (let i = 1; i <= plan.folder.length; i++) {
        const segments = plan.folder.slice(0, i);
        root.dirs.set(folderKey(segments, this.#profile), segments.join("/"));
      }
      this.#result.albums++;
      this.#result.links += folder.links.size;
      linked.push(album);
    }
    return linked;
  }

  /** The real path of `path`, or of its nearest existing parent plus the rest. */
  async #realPath(path: string): Promise<string> {
    const rest: string[] = [];
    for (let p = path;;) {
      try {
        return join(await this.#fs.realPath(p), ...rest.reverse());
      } catch (err) {
        if (!isMissing(err)) throw classifyFsError(err, "open the folder", p);
        const parent = resolve(p, "..");
        if (parent === p) throw classifyFsError(err, "open the folder", p);
        rest.push(p.slice(parent.length).replace(/^[\\/]+/, ""));
        p = parent;
      }
    }
  }

  /** A media folder (an index Path) and the files in it, read once. */
  async #mediaFolder(path: string): Promise<MediaFolder> {
    let media = this.#mediaFolders.get(path);
    if (media === undefined) {
      const abs = isAbsolute(path) ? path : join(this.#rootReal, path);
      const names = new Set<string>();
      try {
        for (const entry of await this.#fs.readDir(abs)) {
          if (entry.isFile) names.add(nameKey(entry.name, this.#profile));
        }
      } catch (err) {
        if (!isMissing(err)) throw classifyFsError(err, "read the folder", abs);
      }
      media = { abs, names };
      this.#mediaFolders.set(path, media);
    }
    return media;
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

  /** The folder's entries by nameKey, or undefined when it is not there. */
  async #list(path: string): Promise<Map<string, DiskEntry> | undefined> {
    let entries: Deno.DirEntry[];
    try {
      entries = await this.#fs.readDir(path);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw classifyFsError(err, "read the folder", path);
    }
    const out = new Map<string, DiskEntry>();
    for (const e of entries) {
      out.set(nameKey(e.name, this.#profile), {
        name: e.name,
        kind: kindOf(e),
      });
    }
    return out;
  }

  /** Which of `values` the entry at `path` is, by reading it. */
  async #identify(
    path: string,
    entry: DiskEntry,
    values: readonly LinkValue[],
  ): Promise<LinkValue | undefined> {
    try {
      if (entry.kind === "symlink") {
        const text = `s:${await this.#fs.readLink(path)}`;
        return values.find((v) => v === text);
      }
      if (entry.kind === "file" && values.some((v) => v.startsWith("h:"))) {
        const info = await this.#fs.lstat(path);
        const ino = `h:${info.dev}:${info.ino}`;
        return values.find((v) => v === ino);
      }
    } catch (err) {
      if (!isMissing(err)) throw classifyFsError(err, "read", path);
    }
    return undefined;
  }

  /** Compares one root's wanted folders with its record and the disk. */
  async #compareRoot(
    root: RootState,
    record: RootRecord,
    plans: Planned[],
    removals: Removal[],
  ): Promise<void> {
    // Recorded folders by key (a case-insensitive filesystem may have the
    // same folder under two spellings).
    const recorded = new Map<string, string[]>();
    for (const rel of [...record.links.keys(), ...record.pending.keys()]) {
      const key = nameKey(rel, this.#profile);
      const list = recorded.get(key) ?? [];
      if (!list.includes(rel)) list.push(rel);
      recorded.set(key, list);
    }
    const keys = new Set([...root.folders.keys(), ...recorded.keys()]);
    for (const key of keys) {
      this.#signal?.throwIfAborted();
      const wanted = root.folders.get(key);
      const rels = recorded.get(key) ?? [];
      const rel = wanted?.rel ?? rels[0];
      const abs = join(root.abs, rel);
      const listing = await this.#list(abs);
      // What the record says we made here, checked against the listing.
      const ours = new Map<string, { name: string; value: LinkValue }>();
      for (const recRel of rels) {
        for (const [name, values] of [...(record.pending.get(recRel) ?? [])]) {
          const entry = listing?.get(nameKey(name, this.#profile));
          const found = entry === undefined
            ? undefined
            : await this.#identify(join(abs, entry.name), entry, values);
          this.#record.clearPending(record, recRel, name);
          if (found === undefined) {
            this.#record.deleteLink(record, recRel, name);
          } else this.#record.setLink(record, recRel, name, found);
        }
        for (const [name, value] of [...(record.links.get(recRel) ?? [])]) {
          const entry = listing?.get(nameKey(name, this.#profile));
          if (entry === undefined || entry.kind !== valueKind(value)) {
            // Gone, or replaced by something that is not ours.
            this.#record.deleteLink(record, recRel, name);
            continue;
          }
          if (recRel !== rel) {
            // Same folder, other spelling: keep the record under the one used.
            this.#record.deleteLink(record, recRel, name);
            this.#record.setLink(record, rel, name, value);
          }
          ours.set(nameKey(name, this.#profile), { name: entry.name, value });
        }
      }

      for (const [nk, link] of wanted?.links ?? []) {
        const entry = listing?.get(nk);
        const mine = ours.get(nk);
        ours.delete(nk);
        const plan: Planned = {
          root,
          record,
          folder: rel,
          segments: wanted!.segments,
          link,
        };
        if (entry === undefined) {
          plans.push(plan);
        } else if (mine !== undefined) {
          if (mine.value === link.value) continue;
          const path = join(abs, entry.name);
          if (await this.#identify(path, entry, [mine.value]) === undefined) {
            this.#record.deleteLink(record, rel, mine.name);
            this.#conflict(path, link.albumId);
            continue;
          }
          // Removing `link.name` removes `mine.name` too: on a filesystem
          // where they differ they have the same key only if it ignores case.
          plan.replaces = mine.value;
          plans.push(plan);
          this.#result.replaced++;
        } else {
          const path = join(abs, entry.name);
          if (await this.#identify(path, entry, [link.value]) !== undefined) {
            this.#record.setLink(record, rel, entry.name, link.value);
            this.#result.adopted++;
          } else {
            this.#conflict(path, link.albumId);
          }
        }
      }
      // Ours and not wanted.
      for (const { name, value } of ours.values()) {
        const path = join(abs, name);
        const entry = listing!.get(nameKey(name, this.#profile))!;
        if (await this.#identify(path, entry, [value]) === undefined) {
          this.#record.deleteLink(record, rel, name);
        } else {
          removals.push({ root, record, folder: rel, name });
        }
      }
      // A wanted folder that is there is ours to keep, with its parents.
      if (wanted !== undefined && listing !== undefined) {
        for (let i = 1; i <= wanted.segments.length; i++) {
          this.#record.addDir(record, wanted.segments.slice(0, i).join("/"));
        }
      }
    }
  }

  #conflict(path: string, albumId?: string): void {
    if (albumId !== undefined) this.#incomplete.add(albumId);
    this.#result.conflicts++;
    this.#warn(
      `Album link ${path} not made: something not made by gphotos-sync has ` +
        "that name. Move it away to get the link.",
    );
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
      this.#warn(
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
        this.#warn(messageOf(e));
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
        this.#conflict(abs);
        return false;
      }
      try {
        await resolveInside(root.abs, rel);
      } catch (err) {
        this.#unusable.add(abs);
        this.#warn(`Album folder ${abs} not used: ${messageOf(err)}`);
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
      this.#incomplete.add(link.albumId);
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
      this.#warn(
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
      const listing = await this.#list(abs);
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
        this.#warn(messageOf(e));
      }
    }
  }

  /** Albums.Downloaded: set once every wanted link of the album is made. */
  #markAlbums(albums: AlbumEntry[]): void {
    const done = albums.filter((a) =>
      !a.downloaded && !this.#incomplete.has(a.remoteId)
    );
    if (done.length === 0) return;
    this.#db.transaction(() => {
      for (const a of done) this.#db.markAlbumDownloaded(a.remoteId);
    });
  }
}
