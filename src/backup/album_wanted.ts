// The wanted tree of the album reconcile (album_links.ts): from the index,
// each album's folder (named by album_paths.ts) and in it a link to every
// item whose file is on disk, so that no link made from it dangles. A
// symlink's text is worked out between real paths; with --use-hardlinks a
// link is the file's inode, so a file downloaded again gets a new link.
// This reads the index and the media folders and writes nothing.

import { isAbsolute, join, relative, resolve, sep } from "node:path";
import type { CommonOptions, LayoutOptions } from "../options.ts";
import type { Logger } from "../log.ts";
import type { AlbumEntry, LocalData } from "../db/local_data.ts";
import type { IndexedItem } from "../db/rows.ts";
import { classifyFsError } from "../fs/atomic_write.ts";
import type { FsProfile } from "../fs/fs_profile.ts";
import {
  type AlbumPathOptions,
  type AlbumPlan,
  folderKey,
  nameKey,
  planAlbum,
} from "./album_paths.ts";
import type { LinkValue } from "./album_link_record.ts";
import type { LinkTally } from "./album_tally.ts";
import { isMissing, type LinkFs } from "./link_fs.ts";

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

export interface WantedLink {
  name: string;
  value: LinkValue;
  /** Absolute path of the media file. */
  target: string;
  mtime: Date;
  albumId: string;
}

export interface WantedFolder {
  rel: string;
  segments: string[];
  /** nameKey(link name) -> link. */
  links: Map<string, WantedLink>;
}

/** One albums root (own or shared albums) and what is wanted under it. */
export interface RootState {
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

export interface WantedDeps {
  options: AlbumLinkOptions;
  db: LocalData;
  profile: FsProfile;
  fs: LinkFs;
  log: Logger;
  signal: AbortSignal | undefined;
  tally: LinkTally;
  /** The real path of ROOT. */
  rootReal: string;
}

export class WantedTree {
  /** The albums roots, by the record's key. */
  readonly roots = new Map<string, RootState>();
  readonly #d: WantedDeps;
  /** By the index's Path. */
  readonly #mediaFolders = new Map<string, MediaFolder>();

  constructor(deps: WantedDeps) {
    this.#d = deps;
  }

  /** The root under `key`, added (with nothing wanted) when new. */
  rootState(key: string, abs: string): RootState {
    let state = this.roots.get(key);
    if (state === undefined) {
      state = {
        key,
        abs,
        folders: new Map(),
        dirs: new Map(),
        taken: new Set(),
      };
      this.roots.set(key, state);
    }
    return state;
  }

  /** Builds the wanted tree from the index; returns the albums linked. */
  async build(): Promise<AlbumEntry[]> {
    const { options: o, db, profile } = this.#d;
    const linked: AlbumEntry[] = [];
    let ownRoot: RootState | undefined;
    let sharedRoot: RootState | undefined;
    for (const album of db.albums()) {
      this.#d.signal?.throwIfAborted();
      if (album.isShared && o.skipSharedAlbums) continue;
      let files = db.albumFiles(album.remoteId, { invert: o.albumInvert });
      if (o.skipVideo) files = files.filter((f) => !f.item.isVideo);
      if (files.length === 0) continue;
      const root = album.isShared
        ? sharedRoot ??= await this.#albumsRoot(true)
        : ownRoot ??= await this.#albumsRoot(false);
      const plan = planAlbum(album, files, o, profile, root.abs, root.taken);
      if (plan === undefined) {
        this.#d.tally.warn(
          `Album "${album.albumName}" is not linked: no link name fits the ` +
            `filesystem's path length limit under ${root.abs}. Use a shorter ` +
            "--albums-path.",
        );
        continue;
      }
      const folder = await this.#folder(album, plan, root);
      if (folder.links.size === 0) continue;
      this.#add(root, folder);
      linked.push(album);
    }
    return linked;
  }

  /** The album's folder with a link to each of its files on disk. */
  async #folder(
    album: AlbumEntry,
    plan: AlbumPlan,
    root: RootState,
  ): Promise<WantedFolder> {
    const rel = plan.folder.join("/");
    if (plan.shortened) {
      this.#d.log.info(
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
      const link = await this.#linkTo(item, folderAbs, towards);
      if (link === undefined) {
        this.#d.tally.result.notDownloaded++;
        continue;
      }
      folder.links.set(nameKey(name, this.#d.profile), {
        name,
        value: link.value,
        target: link.target,
        mtime: item.createDate,
        albumId: album.remoteId,
      });
    }
    return folder;
  }

  /** The link from `folderAbs` to the item's file; undefined when not on disk. */
  async #linkTo(
    item: IndexedItem,
    folderAbs: string,
    towards: Map<string, string>,
  ): Promise<{ value: LinkValue; target: string } | undefined> {
    const media = item.downloaded
      ? await this.#mediaFolder(item.path)
      : undefined;
    if (
      media === undefined ||
      !media.names.has(nameKey(item.fileName, this.#d.profile))
    ) {
      return undefined;
    }
    const target = join(media.abs, item.fileName);
    if (this.#d.options.useHardlinks) {
      let info: Deno.FileInfo;
      try {
        info = await this.#d.fs.stat(target);
      } catch (err) {
        if (!isMissing(err)) throw classifyFsError(err, "read", target);
        return undefined;
      }
      return { value: `h:${info.dev}:${info.ino}`, target };
    }
    let prefix = towards.get(item.path);
    if (prefix === undefined) {
      prefix = relative(folderAbs, media.abs);
      towards.set(item.path, prefix);
    }
    return {
      value: `s:${prefix === "" ? "" : prefix + sep}${item.fileName}`,
      target,
    };
  }

  /** Adds a folder with links to its root: it and its parents are wanted. */
  #add(root: RootState, folder: WantedFolder): void {
    const { profile, tally } = this.#d;
    root.folders.set(folderKey(folder.segments, profile), folder);
    for (let i = 1; i <= folder.segments.length; i++) {
      const segments = folder.segments.slice(0, i);
      root.dirs.set(folderKey(segments, profile), segments.join("/"));
    }
    tally.result.albums++;
    tally.result.links += folder.links.size;
  }

  /**
   * The albums root for own or shared albums, as its real path (symlink
   * texts are computed between real paths); made only when a link is.
   */
  async #albumsRoot(shared: boolean): Promise<RootState> {
    const o = this.#d.options;
    const path = resolve(
      o.root,
      shared ? o.sharedAlbumsPath : o.albumsPath,
    );
    const abs = await this.#realPath(path);
    const rel = relative(this.#d.rootReal, abs);
    const inside = rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
    const key = inside ? rel.split(sep).join("/") : abs;
    return this.rootState(key, abs);
  }

  /** The real path of `path`, or of its nearest existing parent plus the rest. */
  async #realPath(path: string): Promise<string> {
    const rest: string[] = [];
    for (let p = path;;) {
      try {
        return join(await this.#d.fs.realPath(p), ...rest.reverse());
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
      const abs = isAbsolute(path) ? path : join(this.#d.rootReal, path);
      const names = new Set<string>();
      try {
        for (const entry of await this.#d.fs.readDir(abs)) {
          if (entry.isFile) names.add(nameKey(entry.name, this.#d.profile));
        }
      } catch (err) {
        if (!isMissing(err)) {
          throw classifyFsError(err, "read the folder", abs);
        }
      }
      media = { abs, names };
      this.#mediaFolders.set(path, media);
    }
    return media;
  }
}
