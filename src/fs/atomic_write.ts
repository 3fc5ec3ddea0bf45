// Write, then commit: bytes go to `.gphotos-<random>.part` in the target's
// own folder (so the final rename never crosses filesystems), the count is
// checked, the data flushed, the time set, and only then is the file
// renamed to its real name. A crash or kill at any point leaves either the
// old state or a `.part` file that nothing trusts and cleanStaleTemps
// removes; never a short file under a real name.
//
// fsync: on by default. Without it, a power cut soon after the rename can
// leave an empty or short file under the final name (ext4 delays block
// allocation), and the index, saved meanwhile, says it was downloaded: the
// next run would trust it forever. The cost is one flush per file, small
// next to the download itself even on an SD card. Only the file data is
// flushed (fdatasync), not the folder: if the rename itself is lost the
// file is just missing, and `--retry-download` brings it back.
//
// Errors are sorted for the caller: DiskError (disk full, no permission,
// read-only, a file where a folder should be) stops the run;
// FileNameError is one item's problem; SizeMismatchError and errors from
// the body stream itself are transfer problems worth a retry; an abort
// rethrows the signal's reason.

import { basename, dirname, join } from "node:path";
import { DiskError } from "../errors.ts";
import { type Logger, silentLogger } from "../log.ts";
import { FileNameError, SizeMismatchError } from "./fs_errors.ts";

/** Temp files start with this and end with TEMP_SUFFIX. */
export const TEMP_PREFIX = ".gphotos-";
export const TEMP_SUFFIX = ".part";

/** A name this program gives to its temporary files (and probe files). */
export function isTempName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX) && name.endsWith(TEMP_SUFFIX) &&
    name.length > TEMP_PREFIX.length + TEMP_SUFFIX.length;
}

export interface WriteStreamOptions {
  /** Fail unless exactly this many bytes arrive. */
  expectedSize?: number;
  /** Modification time of the finished file (see clampFileTime). */
  mtime?: Date;
  /** Access time; mtime when absent. */
  atime?: Date;
  signal?: AbortSignal;
  /** Permission bits before the umask; default 0o666 as gphotos-sync. */
  mode?: number;
  /** Flush the data to the device before the rename; default true. */
  sync?: boolean;
}

export interface WriteStreamResult {
  path: string;
  bytes: number;
}

/**
 * The folder a file is written into. src/fs/known_folders.ts keeps one
 * per folder of a run, made and checked once; `madeFolder` makes it for
 * each file.
 */
export interface TargetFolder {
  /** ROOT-relative or absolute spelling, for messages. */
  readonly path: string;
  /** The path to create `name` at, right before it is created. */
  writable(name: string): Promise<string>;
  /** Throws unless the folder is still the one checked; before the rename. */
  confirm(): Promise<void>;
  /** Told of each file finished in the folder. */
  written?(name: string): void;
}

/** A TargetFolder made (mkdir -p) for each file, checking nothing. */
export function madeFolder(folder: string): TargetFolder {
  return {
    path: folder,
    writable: async (name) => {
      await fsStep(
        "create the folder",
        folder,
        () => Deno.mkdir(folder, { recursive: true }),
      );
      return join(folder, name);
    },
    confirm: () => Promise.resolve(),
  };
}

/**
 * Stream `body` into `targetPath` (its folder is created if needed) so that
 * the file appears complete or not at all. Memory use does not depend on
 * the size of the stream. The stream is cancelled on failure.
 */
export function writeStreamAtomic(
  targetPath: string,
  body: ReadableStream<Uint8Array>,
  options: WriteStreamOptions = {},
): Promise<WriteStreamResult> {
  return writeStreamInto(
    madeFolder(dirname(targetPath)),
    basename(targetPath),
    body,
    options,
  );
}

/**
 * Writes are gathered up to this size: a 160 KB photo is three write
 * calls, and 20 streams at once hold 1.3 MiB (twice that saves a write per
 * photo and costs as much memory again).
 */
const WRITE_SIZE = 64 * 1024;
/** Gathering buffers kept for the next file (one per stream at most). */
const spareBuffers: ArrayBuffer[] = [];

/**
 * writeStreamAtomic into `folder`, under `name`. The calls on the file are
 * blocking ones (open, write, time, close, rename: each a few microseconds
 * on a local disk, where an asynchronous call costs a hop to a thread and
 * back); only the flush, which waits for the device, runs on a thread.
 */
export async function writeStreamInto(
  folder: TargetFolder,
  name: string,
  body: ReadableStream<Uint8Array>,
  options: WriteStreamOptions = {},
): Promise<WriteStreamResult> {
  const { signal, expectedSize } = options;
  if (
    expectedSize !== undefined &&
    !(Number.isSafeInteger(expectedSize) && expectedSize >= 0)
  ) {
    throw new RangeError(`expectedSize ${expectedSize} is not a byte count`);
  }
  const label = join(folder.path, name);
  const reader = readerOf(body);
  // A byte stream (a download) is read straight into the gathering buffer.
  const byob = reader instanceof ReadableStreamBYOBReader ? reader : undefined;
  let file: Deno.FsFile | undefined;
  let tempPath: string | undefined;
  let finished = false;
  let gathered: Gathered | undefined;
  const onAbort = () => {
    reader.cancel(signal?.reason).catch(() => {});
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    signal?.throwIfAborted();
    const targetPath = await folder.writable(name);
    const temp = join(dirname(targetPath), tempName());
    const out = file = createTemp(folder.path, temp, options.mode ?? 0o666);
    tempPath = temp;
    const gather = gathered = new Gathered(out, label, expectedSize);
    while (true) {
      if (byob) {
        // The read takes the buffer over and hands it back in `value`.
        const { done, value } = await byob.read(gather.room());
        if (value) gather.lent(value);
        signal?.throwIfAborted();
        if (done) break;
        gather.readIn(value.byteLength);
        continue;
      }
      const { done, value } = await (reader as ReadableStreamDefaultReader<
        Uint8Array
      >).read();
      signal?.throwIfAborted();
      if (done) break;
      gather.add(value);
    }
    finished = true;
    gather.flush();
    const bytes = gather.bytes;
    if (expectedSize !== undefined && bytes !== expectedSize) {
      throw downloadMismatch(label, expectedSize, bytes, "short");
    }
    if (options.sync ?? true) {
      await fsStep("write", label, () => out.syncData());
    }
    if (options.mtime) setTime(out, label, options.mtime, options.atime);
    file = undefined;
    out.close();
    await folder.confirm();
    stepSync("rename into", label, () => Deno.renameSync(temp, targetPath));
    tempPath = undefined;
    folder.written?.(name);
    return { path: targetPath, bytes };
  } catch (err) {
    if (!finished) reader.cancel(err).catch(() => {});
    discard(file, tempPath);
    if (signal?.aborted) throw signal.reason;
    throw err;
  } finally {
    gathered?.recycle();
    signal?.removeEventListener("abort", onAbort);
    reader.releaseLock();
  }
}

/** A byob reader when the body is a byte stream, else a default one. */
/**
 * A reader that reads a byte stream straight into the caller's buffer, or
 * the plain reader of any other stream.
 */
export function readerOf(
  body: ReadableStream<Uint8Array>,
): ReadableStreamBYOBReader | ReadableStreamDefaultReader<Uint8Array> {
  try {
    return body.getReader({ mode: "byob" });
  } catch {
    // Not a byte stream: chunks are copied in.
    return body.getReader();
  }
}

function setTime(out: Deno.FsFile, label: string, mtime: Date, atime = mtime) {
  stepSync("set the time of", label, () => out.utimeSync(atime, mtime));
}

/** Creates the temporary file, failing if the name exists. */
function createTemp(folder: string, temp: string, mode: number): Deno.FsFile {
  return stepSync(
    "create a file in",
    folder,
    () => Deno.openSync(temp, { write: true, createNew: true, mode }),
  );
}

/** After a failure: the temporary file closed and removed, as far as can be. */
function discard(file: Deno.FsFile | undefined, tempPath: string | undefined) {
  if (file) {
    try {
      file.close();
    } catch {
      // Closing can only fail if it is closed already.
    }
  }
  if (tempPath !== undefined) {
    try {
      Deno.removeSync(tempPath);
    } catch {
      // Gone already, or the disk refuses: the next run's sweep takes it.
    }
  }
}

/**
 * The bytes of one body gathered into writes of WRITE_SIZE to `out`, and
 * counted against the size announced. A byob read takes the buffer over
 * and hands it back with the bytes in it.
 */
class Gathered {
  /** Bytes received so far. */
  bytes = 0;
  readonly #out: Deno.FsFile;
  readonly #label: string;
  readonly #expectedSize: number | undefined;
  #buffer: ArrayBuffer = spareBuffers.pop() ?? new ArrayBuffer(WRITE_SIZE);
  #filled = 0;

  constructor(
    out: Deno.FsFile,
    label: string,
    expectedSize: number | undefined,
  ) {
    this.#out = out;
    this.#label = label;
    this.#expectedSize = expectedSize;
  }

  /** Where a byob read puts the next bytes. */
  room(): Uint8Array {
    return new Uint8Array(
      this.#buffer,
      this.#filled,
      WRITE_SIZE - this.#filled,
    );
  }

  /** A byob read handed the buffer back (in `value`). */
  lent(value: Uint8Array): void {
    this.#buffer = value.buffer as ArrayBuffer;
  }

  /** A byob read put `n` bytes into the room. */
  readIn(n: number): void {
    this.#count(n);
    this.#filled += n;
    if (this.#filled === WRITE_SIZE) this.flush();
  }

  /** A chunk of a default reader, copied in (or written as is when large). */
  add(value: Uint8Array): void {
    this.#count(value.byteLength);
    if (this.#filled + value.byteLength > WRITE_SIZE) this.flush();
    if (value.byteLength >= WRITE_SIZE) {
      stepSync("write", this.#label, () => writeAllSync(this.#out, value));
    } else {
      new Uint8Array(this.#buffer).set(value, this.#filled);
      this.#filled += value.byteLength;
      if (this.#filled === WRITE_SIZE) this.flush();
    }
  }

  /** Writes what is gathered. */
  flush(): void {
    if (this.#filled === 0) return;
    const data = new Uint8Array(this.#buffer, 0, this.#filled);
    stepSync("write", this.#label, () => writeAllSync(this.#out, data));
    this.#filled = 0;
  }

  /** Keeps the buffer for the next file. */
  recycle(): void {
    // A buffer still lent to a read (an error cut it short) is detached.
    const buffer = this.#buffer;
    if (buffer.byteLength === WRITE_SIZE && spareBuffers.length < 64) {
      spareBuffers.push(buffer);
    }
  }

  #count(n: number): void {
    this.bytes += n;
    const expected = this.#expectedSize;
    if (expected !== undefined && this.bytes > expected) {
      throw downloadMismatch(this.#label, expected, this.bytes, "long");
    }
  }
}

export interface CleanOptions {
  /** Also look in sub-folders (default true); links are not followed. */
  recursive?: boolean;
  logger?: Logger;
}

/**
 * Remove `.gphotos-*.part` files (and links) a killed run left behind under
 * `folder`.
 * Call it while holding the lock: a running writer's temp files look the
 * same. Returns the removed paths; a missing folder removes nothing.
 */
export async function cleanStaleTemps(
  folder: string,
  options: CleanOptions = {},
): Promise<string[]> {
  const log = options.logger ?? silentLogger;
  const recursive = options.recursive ?? true;
  const removed: string[] = [];
  const visit = async (dir: string): Promise<void> => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(dir));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return;
      throw classifyFsError(err, "read the folder", dir);
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      // The filesystem probe's link too (removing a link leaves its target).
      if ((entry.isFile || entry.isSymlink) && isTempName(entry.name)) {
        try {
          await Deno.remove(path);
          removed.push(path);
          log.debug(`Removed ${path}, left by an interrupted run`);
        } catch (err) {
          if (!(err instanceof Deno.errors.NotFound)) {
            log.warn(
              `Cannot remove the leftover temporary file ${path}: ${
                err instanceof Error ? err.message : err
              }`,
            );
          }
        }
      } else if (recursive && entry.isDirectory) {
        await visit(path);
      }
    }
  };
  await visit(folder);
  return removed;
}

/**
 * Turn an error from a filesystem call into the error the caller acts on:
 * DiskError for what stops the run, FileNameError for one bad name.
 * `action` reads after "cannot", e.g. "create a file in".
 */
export function classifyFsError(
  err: unknown,
  action: string,
  path: string,
): Error {
  if (err instanceof DiskError || err instanceof FileNameError) return err;
  const byCode = errorOfCode(err, action, path);
  if (byCode !== undefined) return byCode;
  const detail = err instanceof Error ? err.message : String(err);
  const cause = { cause: err };
  if (err instanceof Deno.errors.NotCapable) {
    return new DiskError(
      `Deno's permissions do not allow to ${action} ${path}. ` +
        "Run with --allow-write for the backup folder.",
      cause,
    );
  }
  if (err instanceof Deno.errors.PermissionDenied) {
    return new DiskError(
      `No permission to ${action} ${path}. ` +
        "Fix the permissions of that folder and run again.",
      cause,
    );
  }
  return new DiskError(
    `Cannot ${action} ${path}: ${detail}. Check the disk and run again.`,
    cause,
  );
}

/** The error for a filesystem error's code (ENOSPC, EACCES...), if it has one. */
function errorOfCode(
  err: unknown,
  action: string,
  path: string,
): Error | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  const detail = err instanceof Error ? err.message : String(err);
  const cause = { cause: err };
  switch (code) {
    case "ENOSPC":
      return new DiskError(
        `Disk full: cannot ${action} ${path}. ` +
          "Free some space on that disk and run again.",
        cause,
      );
    case "EDQUOT":
      return new DiskError(
        `Disk quota exceeded: cannot ${action} ${path}. ` +
          "Free some space or raise the quota and run again.",
        cause,
      );
    case "EROFS":
      return new DiskError(
        `Read-only filesystem: cannot ${action} ${path}. ` +
          "Mount it writable and run again.",
        cause,
      );
    case "EACCES":
    case "EPERM":
      return new DiskError(
        `No permission to ${action} ${path}. ` +
          "Fix the permissions of that folder and run again.",
        cause,
      );
    case "ENOTDIR":
    case "EEXIST":
      if (action === "create the folder" || code === "ENOTDIR") {
        return new DiskError(
          `Cannot ${action} ${path}: a file is in the way of a folder. ` +
            "Move that file away and run again.",
          cause,
        );
      }
      break;
    case "ENAMETOOLONG":
      return new FileNameError(
        `Cannot ${action} ${path}: the name is too long for this ` +
          "filesystem. Try --max-filename with a smaller value.",
        path,
        cause,
      );
    case "EINVAL":
    case "EILSEQ":
      return new FileNameError(
        `Cannot ${action} ${path}: the filesystem refuses this name ` +
          `(${detail}). Try --ntfs if it is a Windows filesystem.`,
        path,
        cause,
      );
    case "EISDIR":
      return new FileNameError(
        `Cannot ${action} ${path}: a folder has that name.`,
        path,
        cause,
      );
  }
  return undefined;
}

async function fsStep<T>(
  action: string,
  path: string,
  step: () => Promise<T>,
): Promise<T> {
  try {
    return await step();
  } catch (err) {
    throw classifyFsError(err, action, path);
  }
}

function stepSync<T>(action: string, path: string, step: () => T): T {
  try {
    return step();
  } catch (err) {
    throw classifyFsError(err, action, path);
  }
}

function writeAllSync(file: Deno.FsFile, data: Uint8Array) {
  let offset = 0;
  while (offset < data.byteLength) {
    offset += file.writeSync(data.subarray(offset));
  }
}

/**
 * Random hex drawn once per process: temp names are this and a count, as
 * unguessable as a fresh random name each (files are created with O_EXCL
 * anyway) at a fraction of its cost, which an import of 100,000 small files
 * pays twice per item.
 */
const TEMP_BASE = Array.from(
  crypto.getRandomValues(new Uint8Array(6)),
  (b) => b.toString(16).padStart(2, "0"),
).join("");
let tempCount = 0;

/** A fresh temporary file name (TEMP_PREFIX, hex, TEMP_SUFFIX). */
export function tempName(): string {
  return `${TEMP_PREFIX}${TEMP_BASE}${
    (tempCount++).toString(16)
  }${TEMP_SUFFIX}`;
}

/**
 * The error for bytes that did not match their announced size: `subject`
 * ("Download of X"), what happened, then `advice` after "expected" bytes.
 */
export function sizeMismatch(
  subject: string,
  expected: number,
  received: number,
  how: "short" | "long",
  expectation: string,
): SizeMismatchError {
  const what = how === "short"
    ? `ended after ${received} bytes`
    : `went on past ${expected} bytes`;
  return new SizeMismatchError(
    `${subject} ${what}${expectation}`,
    expected,
    received,
  );
}

/** A download that did not match its announced size. */
function downloadMismatch(
  path: string,
  expected: number,
  received: number,
  how: "short" | "long",
): SizeMismatchError {
  return sizeMismatch(
    `Download of ${path}`,
    expected,
    received,
    how,
    `, but ${expected} were announced; the file was not kept. The transfer ` +
      "was probably cut short; it can be retried.",
  );
}
