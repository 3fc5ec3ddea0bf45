// --compare-folder DIR: which files of a local photo collection are not in
// the Google Photos library, and the other way round. As gphotos-sync did
// it (LocalFilesScan): scan DIR into the index's LocalFiles table (size,
// EXIF capture time and ImageUniqueID, video creation time), read the same
// facts from the library's downloaded files, match the two in
// gphotos-sync's stages (src/db/local_files.ts), then lay out
// ROOT/comparison as folders of links:
//   missing_files/<path inside DIR>   local files the library lacks
//   extra_files/<path inside ROOT>    library files DIR lacks
//   duplicates/NNNNN_GGG_<name>       local files that are the same item
//                                     (GGG numbers the groups)
// ROOT/comparison is this step's own output and is rebuilt on every run.
// Links are symbolic (relative when the file is inside ROOT, absolute
// otherwise); on a filesystem without them, hard links.

import { dirname, join, relative, resolve, sep } from "node:path";
import { DiskError, InterruptedError, UsageError } from "../errors.ts";
import { type Logger, silentLogger } from "../log.ts";
import type { LocalData } from "../db/local_data.ts";
import {
  type DuplicateEntry,
  type IndexedFile,
  type LocalFileEntry,
  LocalFilesTable,
  type NewLocalFile,
} from "../db/local_files.ts";
import type { FsProfile } from "../fs/fs_profile.ts";
import { resolveInside } from "../fs/confine.ts";
import { makeSymlink } from "../fs/symlink.ts";
import {
  type LocalMedia,
  mediaTypeOf,
  readLocalMedia,
  splitDuplicateName,
} from "../media/local_media.ts";
import { fitFileName, sanitizeFileName } from "../media/naming.ts";

export const COMPARISON_FOLDER = "comparison";
export const MISSING_FOLDER = "missing_files";
export const EXTRA_FOLDER = "extra_files";
export const DUPLICATES_FOLDER = "duplicates";

/**
 * Folders of ROOT never scanned, so that comparing ROOT with itself does
 * not count album links and earlier results (gphotos-sync skipped albums,
 * comparison and gphotos-code).
 */
export const DEFAULT_SKIP_FOLDERS: readonly string[] = [
  "albums",
  "sharedAlbums",
  COMPARISON_FOLDER,
  "gphotos-code",
];

/** Rows written to the index per transaction while scanning. */
const BATCH = 500;
/** Link failures warned about one by one; the rest are counted. */
const LINK_WARNINGS = 10;

export interface CompareOptions {
  /** The local folder to compare (--compare-folder). */
  folder: string;
  /** The backup folder (ROOT): its index items' files and the output. */
  root: string;
  db: LocalData;
  /** ROOT's filesystem: link kind, name rules, case sensitivity. */
  profile: FsProfile;
  logger?: Logger;
  signal?: AbortSignal;
  now?: () => Date;
  /**
   * false: keep the LocalFiles rows of the previous scan instead of
   * scanning again (gphotos-sync did so under --skip-index). Default true.
   */
  scan?: boolean;
  /**
   * Folders relative to ROOT that are not scanned when DIR contains them;
   * pass the --albums-path and --shared-albums-path in use.
   * Default DEFAULT_SKIP_FOLDERS.
   */
  skipFolders?: readonly string[];
}

export interface CompareResult {
  /** Media files in LocalFiles (found by this scan, or kept from the last). */
  scanned: number;
  /** Local files matched to an index item. */
  matched: number;
  /** Local files with no index item: comparison/missing_files. */
  missing: number;
  /** Index items no local file matched: comparison/extra_files (those on disk). */
  extra: number;
  /** Local files that matched the same item as another: comparison/duplicates. */
  duplicates: number;
  /** Groups of such files (one per index item). */
  duplicateGroups: number;
  /** Files that could not be read, and were left out (each is logged). */
  unreadable: number;
  /** Links that could not be made (each is logged). */
  linkFailures: number;
}

/** Compares `folder` with the index of `root`; see the module comment. */
export async function compareFolder(
  options: CompareOptions,
): Promise<CompareResult> {
  const logger = options.logger ?? silentLogger;
  let realRoot: string;
  try {
    realRoot = await Deno.realPath(options.root);
  } catch (error) {
    throw new DiskError(
      `Cannot open the backup folder ${options.root}: ${messageOf(error)}. ` +
        "Check that it exists.",
      { cause: error },
    );
  }
  const folder = resolve(options.folder);
  const realFolder = await checkedFolder(folder, realRoot);
  const table = new LocalFilesTable(options.db.database(), {
    now: options.now,
  });
  const run = new CompareRun(options, logger, realRoot, table);

  await removeComparison(realRoot);
  let unreadable = 0;
  if (options.scan ?? true) {
    logger.info(`Indexing the comparison folder ${folder} ...`);
    unreadable += await run.scan(folder, realFolder);
    logger.info(`Indexed ${table.count()} files in ${folder}.`);
  }
  logger.info("Reading the library's files for the comparison ...");
  const { dates, unreadable: unreadableItems } = await run.readIndexedFiles();
  unreadable += unreadableItems;

  logger.info("Matching local files with the library ...");
  const stages = options.db.transaction(() =>
    table.match(dates, { caseInsensitive: options.profile.caseInsensitive })
  );
  logger.debug(
    `Matched ${stages.byUidAndDate} by unique id, ` +
      `${stages.byNameAndDate - stages.byUidAndDate} by name and date, ` +
      `${stages.byName - stages.byNameAndDate} by name only.`,
  );

  logger.info(`Creating ${join(options.root, COMPARISON_FOLDER)} ...`);
  const missing = table.missing();
  const extra = table.extra();
  const duplicates = table.duplicates();
  await run.linkMissing(folder, missing);
  await run.linkExtra(extra);
  const duplicateGroups = await run.linkDuplicates(duplicates);
  if (run.linkFailures > LINK_WARNINGS) {
    logger.warn(
      `${run.linkFailures - LINK_WARNINGS} more comparison links could not ` +
        "be made (see above for the first ones).",
    );
  }

  const result: CompareResult = {
    scanned: table.count(),
    matched: table.matchedCount(),
    missing: missing.length,
    extra: extra.length,
    duplicates: duplicates.length,
    duplicateGroups,
    unreadable,
    linkFailures: run.linkFailures,
  };
  logger.info(
    `Comparison of ${folder}: ${result.scanned} files, ${result.matched} in ` +
      `the library, ${result.missing} missing from it, ${result.extra} ` +
      `library items not in the folder, ${result.duplicates} duplicates.`,
  );
  return result;
}

/** The real path of the folder to compare, refusing what cannot be. */
async function checkedFolder(
  folder: string,
  realRoot: string,
): Promise<string> {
  let real: string;
  try {
    real = await Deno.realPath(folder);
    if (!(await Deno.stat(real)).isDirectory) {
      throw new UsageError(
        `The comparison folder ${folder} is not a folder. Give a folder to ` +
          "--compare-folder.",
      );
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(
      `Cannot open the comparison folder ${folder}: ${messageOf(error)}. ` +
        "Check the path given to --compare-folder.",
      { cause: error },
    );
  }
  if (isInside(join(realRoot, COMPARISON_FOLDER), real)) {
    throw new UsageError(
      `The comparison folder ${folder} is inside ` +
        `${join(realRoot, COMPARISON_FOLDER)}, which the comparison itself ` +
        "rebuilds. Compare another folder.",
    );
  }
  return real;
}

/** Removes ROOT/comparison, whatever it is (never what a link points at). */
async function removeComparison(realRoot: string): Promise<void> {
  const path = join(realRoot, COMPARISON_FOLDER);
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  await Deno.remove(path, { recursive: info.isDirectory });
}

class CompareRun {
  linkFailures = 0;
  readonly #skipFolders: Set<string>;

  constructor(
    readonly options: CompareOptions,
    readonly logger: Logger,
    readonly realRoot: string,
    readonly table: LocalFilesTable,
  ) {
    this.#skipFolders = new Set(
      (options.skipFolders ?? DEFAULT_SKIP_FOLDERS).map((f) =>
        resolve(realRoot, f)
      ),
    );
  }

  #checkAbort(): void {
    if (this.options.signal?.aborted) {
      throw new InterruptedError(
        "Interrupted while comparing the folder; run again to compare it " +
          "from the start.",
      );
    }
  }

  /**
   * Replaces LocalFiles with the media files under `folder` (spelled as
   * the user gave it; `realFolder` is where it really is). Returns how many
   * files or folders could not be read.
   */
  async scan(folder: string, realFolder: string): Promise<number> {
    const { db } = this.options;
    const table = this.table;
    db.transaction(() => table.clear());
    let unreadable = 0;
    let batch: NewLocalFile[] = [];
    const flush = () => {
      const rows = batch;
      batch = [];
      db.transaction(() => rows.forEach((row) => table.add(row)));
    };
    // Folders by real path: a link to a folder already seen is a loop.
    const seen = new Set<string>([realFolder]);
    const pending: string[] = [folder];
    while (pending.length > 0) {
      const dir = pending.pop()!;
      let entries: Deno.DirEntry[];
      try {
        entries = await Array.fromAsync(Deno.readDir(dir));
      } catch (error) {
        unreadable++;
        this.logger.warn(
          `Cannot read the folder ${dir}: ${messageOf(error)}. Its files ` +
            "are left out of the comparison.",
        );
        continue;
      }
      entries.sort((a, b) => compareNames(a.name, b.name));
      const realDir = await Deno.realPath(dir);
      const subfolders: string[] = [];
      for (const entry of entries) {
        this.#checkAbort();
        // Hidden files and folders are not photos (".thumbnails", ".trash").
        if (entry.name.startsWith(".")) continue;
        const path = join(dir, entry.name);
        if (entry.isSymlink) {
          // Linked files are skipped as gphotos-sync did (album folders are
          // made of them); linked folders are followed, once.
          const target = await this.#linkedFolder(path, seen);
          if (target !== undefined) subfolders.push(path);
          continue;
        }
        if (entry.isDirectory) {
          const real = join(realDir, entry.name);
          if (this.#skipFolders.has(real) || seen.has(real)) continue;
          seen.add(real);
          subfolders.push(path);
          continue;
        }
        if (!entry.isFile) continue;
        const row = await this.#scanFile(dir, entry.name, realDir);
        if (row === "unreadable") unreadable++;
        else if (row !== undefined) batch.push(row);
        if (batch.length >= BATCH) flush();
      }
      // Depth first, in name order.
      for (let i = subfolders.length - 1; i >= 0; i--) {
        pending.push(subfolders[i]);
      }
    }
    flush();
    return unreadable;
  }

  async #linkedFolder(
    path: string,
    seen: Set<string>,
  ): Promise<string | undefined> {
    try {
      const real = await Deno.realPath(path);
      if (!(await Deno.stat(real)).isDirectory) return undefined;
      if (seen.has(real) || this.#skipFolders.has(real)) return undefined;
      seen.add(real);
      return real;
    } catch {
      return undefined; // Dangling: nothing to compare.
    }
  }

  async #scanFile(
    dir: string,
    name: string,
    realDir: string,
  ): Promise<NewLocalFile | "unreadable" | undefined> {
    const mimeType = mediaTypeOf(name);
    if (mimeType === undefined) {
      this.logger.debug(`Not a photo or video, left out: ${join(dir, name)}`);
      return undefined;
    }
    // gphotos-sync's own files in ROOT (gphotos.sqlite, gphotos.log, ...).
    if (name.includes("gphotos") && realDir === this.realRoot) {
      return undefined;
    }
    const path = join(dir, name);
    let media: LocalMedia;
    try {
      media = await readLocalMedia(path, mimeType);
    } catch (error) {
      this.logger.warn(
        `Cannot read ${path}: ${messageOf(error)}. It is left out of the ` +
          "comparison.",
      );
      return "unreadable";
    }
    const { originalName, duplicateNo } = splitDuplicateName(name);
    this.logger.debug(
      `Indexed local file ${path} ${media.createDate.toISOString()} ` +
        media.uid,
    );
    return {
      folder: dir,
      fileName: name,
      originalFileName: originalName,
      duplicateNo,
      uid: media.uid,
      mimeType: media.mimeType,
      description: media.description,
      fileSize: media.size,
      createDate: media.createDate,
    };
  }

  /**
   * Reads the library's downloaded files that the match needs (see
   * LocalFilesTable.filesToRead): records each ImageUniqueID in SyncFiles
   * (read once, as gphotos-sync did) and returns each capture time.
   */
  async readIndexedFiles(): Promise<
    { dates: Map<string, Date>; unreadable: number }
  > {
    const { db, profile } = this.options;
    const dates = new Map<string, Date>();
    const uids: [string, string][] = [];
    let unreadable = 0;
    for (const item of this.table.filesToRead(profile.caseInsensitive)) {
      this.#checkAbort();
      const path = this.#indexedPath(item);
      if (path === undefined) continue;
      const mimeType = mediaTypeOf(item.fileName) ?? item.mimeType;
      let media: LocalMedia;
      try {
        media = await readLocalMedia(path, mimeType);
      } catch (error) {
        // Not downloaded (yet): the index date stands in.
        if (error instanceof Deno.errors.NotFound) continue;
        unreadable++;
        this.logger.warn(
          `Cannot read ${path}: ${messageOf(error)}. The comparison uses ` +
            "its date in the index.",
        );
        continue;
      }
      dates.set(item.remoteId, media.createDate);
      if (item.uid === undefined) uids.push([item.remoteId, media.uid]);
    }
    for (let i = 0; i < uids.length; i += BATCH) {
      const slice = uids.slice(i, i + BATCH);
      db.transaction(() =>
        slice.forEach(([remoteId, uid]) => this.table.setItemUid(remoteId, uid))
      );
    }
    return { dates, unreadable };
  }

  /**
   * ROOT/<Path>/<FileName> of an index item, or undefined for a row that
   * names something outside ROOT (a damaged or foreign index).
   */
  #indexedPath(item: IndexedFile): string | undefined {
    const parts = [...item.path.split(/[\\/]+/), item.fileName].filter((p) =>
      p !== "" && p !== "."
    );
    if (
      parts.includes("..") || item.path.startsWith("/") ||
      /^[A-Za-z]:/.test(item.path) || item.fileName.includes("/")
    ) {
      this.logger.warn(
        `Index item ${item.remoteId} names ${item.path}/${item.fileName}, ` +
          "outside the backup folder: left out of the comparison.",
      );
      return undefined;
    }
    return join(this.realRoot, ...parts);
  }

  async linkMissing(
    folder: string,
    missing: LocalFileEntry[],
  ): Promise<void> {
    const profile = this.options.profile;
    for (const file of missing) {
      this.#checkAbort();
      const target = join(file.folder, file.fileName);
      const inside = relative(folder, target).split(sep).map((part) =>
        sanitizeFileName(part, profile)
      );
      await this.#link([MISSING_FOLDER, ...inside], target);
    }
  }

  async linkExtra(extra: IndexedFile[]): Promise<void> {
    for (const item of extra) {
      this.#checkAbort();
      const target = this.#indexedPath(item);
      if (target === undefined) continue;
      const inside = relative(this.realRoot, target).split(sep);
      await this.#link([EXTRA_FOLDER, ...inside], target);
    }
  }

  /** Returns the number of groups. */
  async linkDuplicates(duplicates: DuplicateEntry[]): Promise<number> {
    const profile = this.options.profile;
    let group = 0;
    let previous: string | undefined;
    for (const [i, file] of duplicates.entries()) {
      this.#checkAbort();
      if (file.remoteId !== previous) group++;
      previous = file.remoteId;
      const name = fitFileName(
        `${String(i).padStart(5, "0")}_${String(group).padStart(3, "0")}_` +
          sanitizeFileName(file.fileName, profile),
        profile,
      );
      await this.#link(
        [DUPLICATES_FOLDER, name],
        join(file.folder, file.fileName),
      );
    }
    return group;
  }

  /**
   * Makes ROOT/comparison/<parts> a link to `target`. A target that has
   * gone since the scan, or a name taken by an earlier link, is skipped.
   */
  async #link(parts: string[], target: string): Promise<void> {
    let realTarget: string;
    try {
      realTarget = await Deno.realPath(target);
    } catch {
      this.logger.debug(`${target} is gone; no comparison link for it.`);
      return;
    }
    let link: string;
    try {
      link = await resolveInside(
        this.realRoot,
        [COMPARISON_FOLDER, ...parts].join("/"),
      );
      await Deno.mkdir(dirname(link), { recursive: true });
      try {
        await Deno.lstat(link);
        this.logger.debug(`${link} exists already; ${target} not linked.`);
        return;
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
      if (this.options.profile.symlinks) {
        const text = isInside(this.realRoot, realTarget)
          ? relative(dirname(link), realTarget)
          : resolve(target);
        await makeSymlink(text, link);
      } else {
        await Deno.link(realTarget, link);
      }
    } catch (error) {
      // Hard links across filesystems fail for every file alike: say it a
      // few times, not thousands.
      if (++this.linkFailures > LINK_WARNINGS) return;
      this.logger.warn(
        `Cannot link ${target} into ${COMPARISON_FOLDER}/${parts.join("/")}: ` +
          `${messageOf(error)}.`,
      );
    }
  }
}

function isInside(parent: string, path: string): boolean {
  return path === parent ||
    path.startsWith(parent.endsWith(sep) ? parent : parent + sep);
}

/** Code-unit order: the same on every machine, unlike localeCompare. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
