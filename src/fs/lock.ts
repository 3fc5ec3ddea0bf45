// One run per index: `gphotos.lock` next to gphotos.sqlite. The file holds
// who runs (pid, host, start time, last heartbeat) so a second run can say
// who holds it, and an advisory lock (flock) on it, which the kernel drops
// when the holder dies however it dies. So on a local disk a lock left by a
// killed run is free again at once. Where flock does nothing (some network
// mounts; told apart by a second flock on the same file succeeding), the
// holder is judged by the age of its heartbeat, on any host.
//
// gphotos-sync (Python) left an empty gphotos.lock behind after every run
// and held a POSIX lock (lockf) on it while running: an empty file is taken
// over silently, and a POSIX lock counts as held. That lock is seen through
// SQLite, which takes POSIX locks itself: a read of the empty file as a
// database is refused while another process holds one. Both checks need
// nothing but the file, so they work under the run's scoped permissions
// (Deno refuses /proc to everything but --allow-all).

import { DatabaseSync } from "node:sqlite";
import { DiskError } from "../errors.ts";
import { fixedFile } from "./confine.ts";
import { type Logger, silentLogger } from "../log.ts";

export const LOCK_FILE = "gphotos.lock";

/** What the lock file says about its holder. */
export interface LockInfo {
  pid: number;
  hostname: string;
  /** When the holding run started (ISO 8601). */
  startedAt: string;
  /** Last heartbeat (ISO 8601). */
  updatedAt: string;
}

export interface LockHolder {
  /** "gphotos-sync" for the Python program's lockf lock. */
  program: "gphotos-sync-deno" | "gphotos-sync" | "unknown";
  pid?: number;
  hostname?: string;
  startedAt?: string;
  /** For messages: "pid 123 on host nas, started 2024-05-01T10:00:00.000Z". */
  description: string;
}

export interface HeldLock extends Disposable, AsyncDisposable {
  readonly path: string;
  readonly info: LockInfo;
  /** Remove the lock file and drop the lock; safe to call twice. */
  release(): void;
}

export type LockResult =
  | { acquired: true; lock: HeldLock; tookOver?: LockHolder }
  | { acquired: false; holder: LockHolder };

export interface LockDeps {
  logger?: Logger;
  now?: () => Date;
  hostname?: () => string;
  /**
   * Whether another process holds a POSIX lock (fcntl, lockf) on the file,
   * as gphotos-sync (Python) does while it runs. Default: SQLite's probe.
   */
  posixLocked?: (path: string) => boolean;
  /**
   * Whether flock works on the file's filesystem (a second flock on it
   * while we hold one is refused). Default: that probe.
   */
  flockWorks?: (path: string) => Promise<boolean>;
  /** A lock from another host is stale after this long without heartbeat. */
  staleAfterMs?: number;
  /** How often the holder refreshes updatedAt; 0 turns it off. */
  heartbeatMs?: number;
}

const DEFAULT_HEARTBEAT_MS = 60_000;
const DEFAULT_STALE_AFTER_MS = 10 * 60_000;
/** A lock file is a few hundred bytes; read no more than this of it. */
const MAX_LOCK_BYTES = 64 * 1024;

/**
 * Take the lock in `dbFolder`, or learn who holds it. A stale lock (its run
 * is gone) is taken over with a warning.
 */
export async function acquireLock(
  dbFolder: string,
  deps: LockDeps = {},
): Promise<LockResult> {
  const log = deps.logger ?? silentLogger;
  const now = deps.now ?? (() => new Date());
  const hostname = (deps.hostname ?? Deno.hostname)();
  const path = fixedFile(dbFolder, LOCK_FILE);

  // A few rounds: the file can be released and removed between our open
  // and our flock, and then we hold a lock on a file nobody else sees.
  for (let round = 0; round < 5; round++) {
    const file = await openLockFile(path);
    let keep = false;
    try {
      if (!(await file.tryLock(true))) {
        const info = parseInfo(await readText(file));
        return { acquired: false, holder: holderOf(info) };
      }
      if (!(await isSameFile(file, path))) continue;

      const found = await judgeFoundLock(
        await readText(file),
        path,
        hostname,
        now,
        deps,
        log,
      );
      if (found.held) return { acquired: false, holder: found.held };
      const lock = writeOwnLock(file, path, hostname, now, deps, log);
      keep = true;
      return found.tookOver
        ? { acquired: true, lock, tookOver: found.tookOver }
        : { acquired: true, lock };
    } finally {
      // Closing drops the flock.
      if (!keep) file.close();
    }
  }
  throw new DiskError(
    `The lock file ${path} kept changing while taking it. ` +
      "Is another program removing it? Run again.",
  );
}

async function openLockFile(path: string): Promise<Deno.FsFile> {
  try {
    return await Deno.open(path, { read: true, write: true, create: true });
  } catch (err) {
    throw new DiskError(
      `Cannot create the lock file ${path}: ${errText(err)}. ` +
        "Check that the folder exists and is writable.",
      { cause: err },
    );
  }
}

/**
 * What the content of a lock file we hold the flock on means: its holder
 * still runs (`held`), or it is ours to take, over a run that is gone
 * (`tookOver`) or free (neither).
 */
async function judgeFoundLock(
  text: string,
  path: string,
  hostname: string,
  now: () => Date,
  deps: LockDeps,
  log: Logger,
): Promise<{ held?: LockHolder; tookOver?: LockHolder }> {
  if (text.trim() === "") {
    if ((deps.posixLocked ?? posixLocked)(path)) {
      return {
        held: { program: "gphotos-sync", description: "gphotos-sync (Python)" },
      };
    }
    return {};
  }
  const previous = parseInfo(text);
  if (!previous) {
    log.warn(`Taking over the lock ${path}: its content was unreadable.`);
    return {
      tookOver: { program: "unknown", description: "unreadable lock file" },
    };
  }
  const holder = holderOf(previous);
  if (await stillHeld(previous, hostname, now(), path, deps)) {
    return { held: holder };
  }
  log.warn(
    `Taking over the lock ${path}: the run that held it ` +
      `(${holder.description}) is gone.`,
  );
  return { tookOver: holder };
}

/** Write who we are into the flocked file and start its heartbeat. */
function writeOwnLock(
  file: Deno.FsFile,
  path: string,
  hostname: string,
  now: () => Date,
  deps: LockDeps,
  log: Logger,
): FileLock {
  const started = now().toISOString();
  const info: LockInfo = {
    pid: Deno.pid,
    hostname,
    startedAt: started,
    updatedAt: started,
  };
  try {
    writeInfoSync(file, info);
  } catch (err) {
    throw new DiskError(
      `Cannot write the lock file ${path}: ${errText(err)}. ` +
        "Check that the disk is writable and not full.",
      { cause: err },
    );
  }
  const heartbeatMs = deps.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  return new FileLock(file, path, info, heartbeatMs, now, log);
}

class FileLock implements HeldLock {
  readonly path: string;
  readonly info: LockInfo;
  readonly #file: Deno.FsFile;
  readonly #log: Logger;
  readonly #timer: ReturnType<typeof setInterval> | undefined;
  #released = false;

  constructor(
    file: Deno.FsFile,
    path: string,
    info: LockInfo,
    heartbeatMs: number,
    now: () => Date,
    log: Logger,
  ) {
    this.#file = file;
    this.path = path;
    this.info = info;
    this.#log = log;
    if (heartbeatMs > 0) {
      const timer = setInterval(() => {
        info.updatedAt = now().toISOString();
        try {
          writeInfoSync(file, info);
        } catch (err) {
          log.debug(`Cannot refresh the lock file ${path}: ${errText(err)}`);
        }
      }, heartbeatMs);
      // A forgotten release must not keep the program alive.
      Deno.unrefTimer(timer);
      this.#timer = timer;
    }
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    try {
      // Only remove the file if it is still ours: a run on another host
      // may have judged us stale and put its own in place.
      const mine = this.#file.statSync();
      const there = Deno.statSync(this.path);
      if (mine.ino === there.ino && mine.dev === there.dev) {
        Deno.removeSync(this.path);
      }
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) {
        this.#log.warn(
          `Cannot remove the lock file ${this.path}: ${errText(err)}. ` +
            "The next run will take it over.",
        );
      }
    } finally {
      this.#file.close();
    }
  }

  [Symbol.dispose](): void {
    this.release();
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.release();
    return Promise.resolve();
  }
}

async function stillHeld(
  info: LockInfo,
  hostname: string,
  now: Date,
  path: string,
  deps: LockDeps,
): Promise<boolean> {
  if (info.hostname === hostname) {
    if (info.pid === Deno.pid) return false;
    // We hold the flock: where flock works, the holder is gone.
    if (await (deps.flockWorks ?? flockWorks)(path)) return false;
  }
  const beat = Date.parse(info.updatedAt || info.startedAt);
  if (Number.isNaN(beat)) return false;
  return now.getTime() - beat < (deps.staleAfterMs ?? DEFAULT_STALE_AFTER_MS);
}

/**
 * Whether flock works where `path` is: called while this process holds a
 * flock on it, a second one through another descriptor must be refused.
 */
export async function flockWorks(path: string): Promise<boolean> {
  let second: Deno.FsFile;
  try {
    second = await Deno.open(path, { read: true });
  } catch {
    return true;
  }
  try {
    return !(await second.tryLock(true));
  } catch {
    return true;
  } finally {
    second.close();
  }
}

/**
 * Whether another process holds a POSIX lock on the (empty) file: SQLite
 * reads it as an empty database under a shared POSIX lock of its own, and
 * answers "database is locked" while a conflicting lock is held.
 */
export function posixLocked(path: string): boolean {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path, { readOnly: true, timeout: 0 });
    db.prepare("PRAGMA schema_version").get();
    return false;
  } catch (err) {
    return /locked|busy/i.test(err instanceof Error ? err.message : "");
  } finally {
    try {
      db?.close();
    } catch {
      // Not opened.
    }
  }
}

function parseInfo(text: string): LockInfo | undefined {
  if (text.trim() === "") return undefined;
  try {
    const data = JSON.parse(text) as Partial<LockInfo>;
    if (
      typeof data === "object" && data !== null &&
      Number.isInteger(data.pid) && typeof data.hostname === "string" &&
      typeof data.startedAt === "string"
    ) {
      return {
        pid: data.pid as number,
        hostname: data.hostname,
        startedAt: data.startedAt,
        updatedAt: typeof data.updatedAt === "string"
          ? data.updatedAt
          : data.startedAt,
      };
    }
  } catch {
    // Not ours, or cut short by a crash while writing.
  }
  return undefined;
}

function holderOf(info: LockInfo | undefined): LockHolder {
  if (!info) return { program: "unknown", description: "another run" };
  return {
    program: "gphotos-sync-deno",
    pid: info.pid,
    hostname: info.hostname,
    startedAt: info.startedAt,
    description:
      `pid ${info.pid} on host ${info.hostname}, started ${info.startedAt}`,
  };
}

async function readText(file: Deno.FsFile): Promise<string> {
  await file.seek(0, Deno.SeekMode.Start);
  const buffer = new Uint8Array(MAX_LOCK_BYTES);
  let used = 0;
  while (used < buffer.length) {
    const n = await file.read(buffer.subarray(used));
    if (n === null) break;
    used += n;
  }
  return new TextDecoder().decode(buffer.subarray(0, used));
}

function writeInfoSync(file: Deno.FsFile, info: LockInfo): void {
  const bytes = new TextEncoder().encode(JSON.stringify(info) + "\n");
  file.truncateSync(0);
  file.seekSync(0, Deno.SeekMode.Start);
  let offset = 0;
  while (offset < bytes.length) {
    offset += file.writeSync(bytes.subarray(offset));
  }
}

async function isSameFile(file: Deno.FsFile, path: string): Promise<boolean> {
  try {
    const [mine, there] = await Promise.all([file.stat(), Deno.stat(path)]);
    return mine.ino === there.ino && mine.dev === there.dev;
  } catch {
    return false;
  }
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
