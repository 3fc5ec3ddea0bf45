// Writing Takeout entries to disk fast without giving up "write, then
// commit". An entry's bytes go to a `.gphotos-<random>.part` file beside
// its target with blocking writes (an async write costs a thread hop per
// chunk: twice the time of the whole import on a 1 GB export), and its time
// is set. The caller commits staged files in batches: every file of the
// batch is flushed to the disk at once (the filesystem writes the flushes
// of a batch in one journal commit: a flush per file as each is written
// made the disk commit once per file, and the next file's creation wait
// for it), then they are renamed to their names, their folders flushed
// once each so the new names are on the disk too, and only then are they
// recorded in the index. A large file starts its flush as soon as it is
// written instead, so the disk works while the next entry is read.
//
// A kill leaves `.part` files, which cleanStaleTemps removes, never a short
// file under a real name.

import { dirname, join } from "node:path";
import {
  classifyFsError,
  sizeMismatch,
  type TargetFolder,
  tempName,
} from "../fs/atomic_write.ts";
import type { SizeMismatchError } from "../fs/fs_errors.ts";
import { DiskError } from "../errors.ts";
import { statfsSync } from "node:fs";

/** What stageEntry reads from: a stream's reader, or anything alike. */
export interface ChunkReader {
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
}

/**
 * Files from this size on start their flush as soon as they are written:
 * their bytes, not the flush, decide the time, and the disk writes them
 * while the next entries are read. Smaller ones are flushed with their
 * batch.
 */
export const EAGER_FLUSH_BYTES = 4 * 1024 * 1024;

/** A file written under a temporary name, on its way to the disk. */
export interface StagedFile {
  readonly target: string;
  readonly temp: string;
  readonly bytes: number;
  /** The checked folder it goes into, confirmed before the rename. */
  readonly folder: TargetFolder | undefined;
  /**
   * The open file until it is flushed and closed (commitStaged), or
   * discarded; a flush already started for a large file.
   */
  readonly handle: { file?: Deno.FsFile; flushing?: Promise<void> };
}

export interface StageOptions {
  /** Fail unless exactly this many bytes arrive. */
  expectedSize?: number;
  mtime?: Date;
  signal?: AbortSignal;
  /** Sees every chunk before it is written (hashing). */
  onChunk?: (chunk: Uint8Array) => void;
  /** Chunks read ahead by the caller, written first. */
  head?: readonly Uint8Array[];
  /** Flush to the disk (default true). */
  sync?: boolean;
  /**
   * The folder `target` is in, made and checked by the caller (see
   * src/fs/known_folders.ts): not made again, and confirmed before the
   * rename. Without it the folder is made (mkdir -p) for each file.
   */
  folder?: TargetFolder;
  /**
   * Free bytes where a file goes (undefined when unknown); checked against
   * expectedSize before anything is written. Default: statfs.
   */
  freeBytes?: (folder: string) => number | undefined;
}

/**
 * Room kept free beyond an entry's size: for the index's next commit and
 * the entry's XMP sidecar.
 */
export const FREE_SPACE_RESERVE = 1024 * 1024;

/**
 * A small entry is checked against what statfs said last for its folder,
 * less the bytes staged there since, while that leaves this much beyond
 * the entry and the reserve and is less than a second old (other programs
 * write too); past either, the disk is asked again. One statfs per file
 * was a tenth of the system calls of an import of small files.
 */
const FREE_SPACE_RECHECK = 64 * 1024 * 1024;
const FREE_SPACE_MAX_AGE_MS = 1000;
const lastFree = new Map<string, { free: number; at: number }>();

function freeSpace(folder: string, expected: number): number | undefined {
  const now = performance.now();
  const known = lastFree.get(folder);
  if (
    known !== undefined && now - known.at < FREE_SPACE_MAX_AGE_MS &&
    known.free - expected - FREE_SPACE_RESERVE > FREE_SPACE_RECHECK
  ) {
    return known.free;
  }
  if (lastFree.size > 1024) lastFree.clear();
  const free = statfsFree(folder);
  if (free === undefined) lastFree.delete(folder);
  else lastFree.set(folder, { free, at: now });
  return free;
}

/** Free bytes for this user where `folder` is; undefined when unknown. */
export function statfsFree(folder: string): number | undefined {
  try {
    const s = statfsSync(folder);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return undefined;
  }
}

/**
 * Writes `reader`'s bytes (after `head`) to a temporary file beside
 * `target`. The reader is read to its end; on failure nothing is left on
 * disk and the error is thrown (DiskError for what stops the run,
 * FileNameError for one bad name, SizeMismatchError, or the reader's own).
 */
export async function stageEntry(
  target: string,
  reader: ChunkReader,
  options: StageOptions = {},
): Promise<StagedFile> {
  const folder = dirname(target);
  const temp = join(folder, tempName());
  if (options.folder === undefined) {
    step(
      "create the folder",
      folder,
      () => Deno.mkdirSync(folder, { recursive: true }),
    );
  }
  checkRoom(target, folder, options);
  const file = step(
    "create a file in",
    folder,
    () => Deno.openSync(temp, { write: true, createNew: true, mode: 0o666 }),
  );
  let bytes = 0;
  let open = true;
  try {
    const write = (chunk: Uint8Array) => {
      options.onChunk?.(chunk);
      bytes += chunk.length;
      if (options.expectedSize !== undefined && bytes > options.expectedSize) {
        throw entryMismatch(target, options.expectedSize, bytes, "long");
      }
      step("write", target, () => {
        for (let at = 0; at < chunk.length;) {
          at += file.writeSync(chunk.subarray(at));
        }
      });
    };
    for (const chunk of options.head ?? []) write(chunk);
    while (true) {
      const { done, value } = await reader.read();
      options.signal?.throwIfAborted();
      if (done) break;
      write(value);
    }
    if (options.expectedSize !== undefined && bytes !== options.expectedSize) {
      throw entryMismatch(target, options.expectedSize, bytes, "short");
    }
    if (options.mtime) {
      const mtime = options.mtime;
      step("set the time of", target, () => file.utimeSync(mtime, mtime));
    }
    const known = lastFree.get(folder);
    if (known !== undefined) known.free -= bytes;
    const handle: StagedFile["handle"] = {};
    if (!(options.sync ?? true)) file.close();
    else if (bytes >= EAGER_FLUSH_BYTES) {
      handle.flushing = flushAndClose(file, target);
      // Settled by commitStaged or discardStaged; never unhandled meanwhile.
      handle.flushing.catch(() => {});
    } else handle.file = file;
    open = false;
    return { target, temp, bytes, folder: options.folder, handle };
  } catch (err) {
    if (open) file.close();
    try {
      Deno.removeSync(temp);
    } catch {
      // Already gone.
    }
    throw err;
  }
}

/**
 * An entry's declared size is known before its bytes: one that cannot fit
 * stops the import before a byte is written, not when the disk is full (an
 * honest 1 TB entry would otherwise fill it first).
 */
function checkRoom(target: string, folder: string, options: StageOptions) {
  if (options.expectedSize === undefined) return;
  const free = options.freeBytes
    ? options.freeBytes(folder)
    : freeSpace(folder, options.expectedSize);
  if (free !== undefined && options.expectedSize + FREE_SPACE_RESERVE > free) {
    throw new DiskError(
      `Not enough free space for ${target}: the archive declares ` +
        `${options.expectedSize} bytes, and ${free} are free there ` +
        `(${FREE_SPACE_RESERVE} kept in reserve). Nothing of it was ` +
        "written; what was imported before is kept. Free some space on " +
        "that disk and run again.",
    );
  }
}

/** A small file (an XMP sidecar) staged like an entry. */
export function stageBytes(
  target: string,
  bytes: Uint8Array,
  options: Pick<StageOptions, "mtime" | "sync" | "folder"> = {},
): Promise<StagedFile> {
  // One chunk: a stream for it would cost more than the file.
  let given = false;
  const reader: ChunkReader = {
    read: () => {
      if (given) return Promise.resolve({ done: true, value: undefined });
      given = true;
      return Promise.resolve({ done: false, value: bytes });
    },
  };
  return stageEntry(target, reader, options);
}

/**
 * Flushes staged files to the disk, all at once, then renames them to their
 * targets in order and flushes each folder they went into, once. A file
 * appears under its name only once its bytes are on the disk, and is
 * recorded only once its name is. A failed flush throws (DiskError) with
 * nothing renamed; a folder no longer the one checked throws its
 * UnsafePathError, before anything in it is renamed.
 */
export async function commitStaged(files: readonly StagedFile[]) {
  const flushes = await Promise.allSettled(
    files.map((f) => {
      const { file, flushing } = f.handle;
      if (file === undefined) return flushing;
      f.handle.file = undefined;
      return (f.handle.flushing = flushAndClose(file, f.target));
    }),
  );
  for (const r of flushes) if (r.status === "rejected") throw r.reason;
  const folders = new Map<string, TargetFolder | undefined>();
  for (const f of files) folders.set(dirname(f.target), f.folder);
  for (const folder of new Set(folders.values())) await folder?.confirm();
  for (const f of files) {
    step("rename into", f.target, () => Deno.renameSync(f.temp, f.target));
    f.folder?.written?.(f.target.slice(dirname(f.target).length + 1));
  }
  await Promise.all([...folders.keys()].map(flushFolder));
}

/** Removes staged files that will not be committed. */
export async function discardStaged(files: readonly StagedFile[]) {
  await Promise.allSettled(files.map((f) => f.handle.flushing));
  for (const f of files) {
    try {
      f.handle.file?.close();
    } catch {
      // Closed already.
    }
    f.handle.file = undefined;
    try {
      Deno.removeSync(f.temp);
    } catch {
      // Already gone.
    }
  }
}

/** Flushes a written file's data and closes it. */
async function flushAndClose(file: Deno.FsFile, target: string) {
  try {
    await file.syncData();
  } catch (err) {
    throw classifyFsError(err, "write", target);
  } finally {
    file.close();
  }
}

/** Flushes a folder, so that the names just given in it are on the disk. */
async function flushFolder(folder: string) {
  let dir: Deno.FsFile;
  try {
    dir = Deno.openSync(folder, { read: true });
  } catch (err) {
    throw classifyFsError(err, "read the folder", folder);
  }
  try {
    await dir.sync();
  } catch (err) {
    throw classifyFsError(err, "write", folder);
  } finally {
    dir.close();
  }
}

function step<T>(action: string, path: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw classifyFsError(err, action, path);
  }
}

/** An archive entry that did not match its listed size. */
function entryMismatch(
  path: string,
  expected: number,
  received: number,
  how: "short" | "long",
): SizeMismatchError {
  return sizeMismatch(
    `The archive entry for ${path}`,
    expected,
    received,
    how,
    ` where its listing says ${expected}; the file was not kept. The part ` +
      "is probably damaged: download it again.",
  );
}
