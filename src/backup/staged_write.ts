// Writing Takeout entries to disk fast without giving up "write, then
// commit". An entry's bytes go to a `.gphotos-<random>.part` file beside
// its target with blocking writes (an async write costs a thread hop per
// chunk: twice the time of the whole import on a 1 GB export), its time is
// set, and the flush to the disk starts in the background while the next
// entry is read. The caller renames staged files to their names only once
// they are durable, then records them in the index, in batches: the disk
// flushes while the archive is read, and the index pays one commit per
// batch instead of one per file.
//
// A kill leaves `.part` files, which cleanStaleTemps removes, never a short
// file under a real name.

import { dirname, join } from "node:path";
import { classifyFsError, sizeMismatch, tempName } from "../fs/atomic_write.ts";
import type { SizeMismatchError } from "../fs/fs_errors.ts";
import { DiskError } from "../errors.ts";
import { statfsSync } from "node:fs";

/** What stageEntry reads from: a stream's reader, or anything alike. */
export interface ChunkReader {
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
}

/** A file written under a temporary name, on its way to the disk. */
export interface StagedFile {
  readonly target: string;
  readonly temp: string;
  readonly bytes: number;
  /** Settles when the data is flushed and the file closed. */
  readonly durable: Promise<void>;
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
  step(
    "create the folder",
    folder,
    () => Deno.mkdirSync(folder, { recursive: true }),
  );
  // An entry's declared size is known before its bytes: one that cannot
  // fit stops the import before a byte is written, not when the disk is
  // full (an honest 1 TB entry would otherwise fill it first).
  if (options.expectedSize !== undefined) {
    const free = (options.freeBytes ?? statfsFree)(folder);
    if (
      free !== undefined && options.expectedSize + FREE_SPACE_RESERVE > free
    ) {
      throw new DiskError(
        `Not enough free space for ${target}: the archive declares ` +
          `${options.expectedSize} bytes, and ${free} are free there ` +
          `(${FREE_SPACE_RESERVE} kept in reserve). Nothing of it was ` +
          "written; what was imported before is kept. Free some space on " +
          "that disk and run again.",
      );
    }
  }
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
    const durable = (options.sync ?? true)
      ? file.syncData().then(
        () => file.close(),
        (err) => {
          file.close();
          throw classifyFsError(err, "write", target);
        },
      )
      : Promise.resolve(file.close());
    open = false;
    // Settled by commitStaged or discardStaged; never unhandled meanwhile.
    durable.catch(() => {});
    return { target, temp, bytes, durable };
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

/** A small file (an XMP sidecar) staged like an entry. */
export function stageBytes(
  target: string,
  bytes: Uint8Array,
  options: Pick<StageOptions, "mtime" | "sync"> = {},
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
 * Renames durable staged files to their targets, in order. Waits for every
 * flush first, so a file appears under its name only once its bytes are on
 * the disk. A failed flush throws (DiskError) with nothing renamed.
 */
export async function commitStaged(files: readonly StagedFile[]) {
  await Promise.all(files.map((f) => f.durable));
  for (const f of files) {
    step("rename into", f.target, () => Deno.renameSync(f.temp, f.target));
  }
}

/** Removes staged files that will not be committed. */
export async function discardStaged(files: readonly StagedFile[]) {
  await Promise.allSettled(files.map((f) => f.durable));
  for (const f of files) {
    try {
      Deno.removeSync(f.temp);
    } catch {
      // Already gone.
    }
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
