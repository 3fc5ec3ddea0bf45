// The filesystem calls the album reconcile makes, behind an interface so
// tests can count them and inject failures.

import { lutimesSync } from "node:fs";
import { makeSymlink } from "../fs/symlink.ts";
import { writeStreamAtomic } from "../fs/atomic_write.ts";
import { clampFileTime } from "../fs/times.ts";

/** The filesystem calls the reconcile makes; tests count them. */
export interface LinkFs {
  readDir(path: string): Promise<Deno.DirEntry[]>;
  readLink(path: string): Promise<string>;
  lstat(path: string): Promise<Deno.FileInfo>;
  stat(path: string): Promise<Deno.FileInfo>;
  realPath(path: string): Promise<string>;
  /** Makes one folder, or with `recursive` every missing one on the way. */
  mkdir(path: string, recursive?: boolean): Promise<void>;
  symlink(target: string, path: string): Promise<void>;
  link(existing: string, path: string): Promise<void>;
  /** Removes a file, a link or an empty folder (never recursively). */
  remove(path: string): Promise<void>;
  setLinkTimes(path: string, mtime: Date, minTime: Date): Promise<void>;
  /** The file's text, or undefined when there is none. */
  readText(path: string): Promise<string | undefined>;
  /** Replaces the file atomically. */
  writeText(path: string, text: string): Promise<void>;
}

/**
 * The real filesystem. The calls are Deno's synchronous ones on purpose:
 * the async ones go through a thread pool, which makes a symlink() about
 * six times and a folder read three times slower, and a 100,000-link tree
 * is nothing but such small calls (the reconcile has nothing else to do
 * meanwhile).
 */
export const denoLinkFs: LinkFs = {
  readDir: (path) => sync(() => [...Deno.readDirSync(path)]),
  readLink: (path) => sync(() => Deno.readLinkSync(path)),
  lstat: (path) => sync(() => Deno.lstatSync(path)),
  stat: (path) => sync(() => Deno.statSync(path)),
  realPath: (path) => sync(() => Deno.realPathSync(path)),
  mkdir: (path, recursive) => sync(() => Deno.mkdirSync(path, { recursive })),
  symlink: (target, path) => makeSymlink(target, path),
  link: (existing, path) => sync(() => Deno.linkSync(existing, path)),
  remove: (path) => sync(() => Deno.removeSync(path)),
  setLinkTimes: (path, mtime, minTime) =>
    sync(() => {
      const time = clampFileTime(mtime, minTime);
      lutimesSync(path, time, time);
    }),
  readText: async (path) => {
    try {
      return await Deno.readTextFile(path);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return undefined;
      throw err;
    }
  },
  writeText: async (path, text) => {
    const bytes = new TextEncoder().encode(text);
    await writeStreamAtomic(path, ReadableStream.from([bytes]), {
      expectedSize: bytes.length,
    });
  },
};

/** The error of a call whose path, or a folder on the way, is not there. */
export function isMissing(err: unknown): boolean {
  return err instanceof Deno.errors.NotFound ||
    err instanceof Deno.errors.NotADirectory;
}

function sync<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err);
  }
}
