// The guard behind "nothing is ever written outside ROOT, whatever names the
// server sends": every path made from remote data goes through
// resolveInside before anything is created. Names are sanitized earlier
// (src/media/naming.ts); this catches what slips past that, including a
// folder inside ROOT that is a symbolic link to somewhere else.

import { dirname, isAbsolute, join, resolve, sep } from "./path.ts";
import { DiskError } from "../errors.ts";
import { UnsafePathError } from "./fs_errors.ts";

/** More links than this in one chain is a loop (Linux stops at 40 too). */
const MAX_LINK_DEPTH = 40;

/**
 * The absolute path of `relativePath` under `root`, after checking that it
 * stays inside: not absolute, no ".." part, no NUL, and what exists of it,
 * followed through symbolic links (dangling ones included), is inside the
 * real location of `root`. Returns the path spelled under `root` as given
 * (not the resolved one), so that messages show the user's paths.
 */
export async function resolveInside(
  root: string,
  relativePath: string,
): Promise<string> {
  const segments = checkedSegments(root, relativePath);
  const absRoot = resolve(root);
  const target = segments.length ? join(absRoot, ...segments) : absRoot;

  let realRoot: string;
  try {
    realRoot = await Deno.realPath(absRoot);
  } catch (err) {
    throw new DiskError(
      `The backup folder ${absRoot} cannot be opened: ` +
        `${err instanceof Error ? err.message : err}. Check that it exists.`,
      { cause: err },
    );
  }
  const outside = await outsideLocation(target, realRoot, 0);
  if (outside !== undefined) {
    throw new UnsafePathError(
      `Refusing ${JSON.stringify(relativePath)}: ${target} leads to ` +
        `${outside}, outside ${absRoot}. Remove the symbolic link that ` +
        "points out of the backup folder.",
      target,
    );
  }
  return target;
}

/**
 * Where `path` really leads, when that is outside every one of `realRoots`
 * (real paths of folders); undefined when it stays inside one of them.
 * Symbolic links on the way, dangling ones included, are followed.
 */
export async function leadsOutside(
  path: string,
  realRoots: readonly string[],
): Promise<string | undefined> {
  let first: string | undefined;
  for (const root of realRoots) {
    const outside = await outsideLocation(resolve(path), root, 0);
    if (outside === undefined) return undefined;
    first ??= outside;
  }
  return first ?? resolve(path);
}

/** leadsOutside with blocking calls (for the supervisor's link checks). */
export function leadsOutsideSync(
  path: string,
  realRoots: readonly string[],
): string | undefined {
  let first: string | undefined;
  for (const root of realRoots) {
    const outside = outsideLocationSync(resolve(path), root, 0);
    if (outside === undefined) return undefined;
    first ??= outside;
  }
  return first ?? resolve(path);
}

/**
 * `folder/name` for a file of fixed name the program keeps in ROOT or
 * beside the index (gphotos.sqlite, gphotos.log, the lock, the token, ...),
 * refusing a symbolic link planted there that leads out of `folder`: the
 * program would read or write the file it points at. A link that stays
 * inside is followed, as the file system would. Synchronous, for the
 * callers that open such files so.
 */
export function fixedFile(folder: string, name: string): string {
  const path = join(folder, name);
  let probe = path;
  for (let depth = 0;; depth++) {
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(probe);
    } catch (err) {
      if (isMissing(err)) return path;
      throw err;
    }
    if (!info.isSymlink) {
      const where = Deno.realPathSync(probe);
      if (isInside(Deno.realPathSync(folder), where)) return path;
      throw fixedFileRefused(path, where, folder);
    }
    if (depth >= MAX_LINK_DEPTH) throw fixedFileRefused(path, probe, folder);
    // The link text is relative to the real folder the link is in.
    const next = resolve(
      Deno.realPathSync(dirname(probe)),
      Deno.readLinkSync(probe),
    );
    if (!isInside(Deno.realPathSync(folder), realOrSelf(dirname(next)))) {
      throw fixedFileRefused(path, next, folder);
    }
    probe = next;
  }
}

function realOrSelf(path: string): string {
  try {
    return Deno.realPathSync(path);
  } catch {
    return path;
  }
}

function fixedFileRefused(path: string, leads: string, folder: string) {
  return new UnsafePathError(
    `Refusing ${path}: it is a symbolic link to ${leads}, outside ${folder}. ` +
      "Remove the link (or move the file it points at into the folder).",
    path,
  );
}

/** The path's parts, refusing those that could only mean escaping. */
export function checkedSegments(
  root: string,
  relativePath: string,
): string[] {
  const refuse = (why: string) =>
    new UnsafePathError(
      `Refusing to write ${JSON.stringify(relativePath)} under ${root}: ` +
        `${why}. This name came from the server or the index; the item is ` +
        "skipped.",
      relativePath,
    );
  if (relativePath.includes("\0")) throw refuse("it contains a NUL byte");
  if (isAbsolute(relativePath) || /^[A-Za-z]:/.test(relativePath)) {
    throw refuse("it is an absolute path");
  }
  // Backslashes separate folders on Windows only; elsewhere they are
  // ordinary characters of a name.
  const separators = sep === "\\" ? /[\\/]+/ : /\/+/;
  const segments = relativePath.split(separators).filter((s) =>
    s !== "" && s !== "."
  );
  // Lexical ".." handling is wrong next to symlinks (a/.. is the parent of
  // a's target), and no name this program makes contains one: refuse all.
  if (segments.includes("..")) throw refuse('it contains ".."');
  return segments;
}

/**
 * Where `path` really leads if that is outside `realRoot`, else undefined.
 * Walks up to the deepest part that exists; a dangling symbolic link on
 * the way is followed by hand, since creating a file through it would
 * create its target.
 */
async function outsideLocation(
  path: string,
  realRoot: string,
  depth: number,
): Promise<string | undefined> {
  let probe = path;
  while (true) {
    try {
      const real = await Deno.realPath(probe);
      return isInside(realRoot, real) ? undefined : real;
    } catch (err) {
      if (err instanceof Deno.errors.FilesystemLoop) return probe;
      if (!isMissing(err)) throw err;
    }
    let isLink = false;
    try {
      isLink = (await Deno.lstat(probe)).isSymlink;
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    if (isLink) {
      if (depth >= MAX_LINK_DEPTH) return probe;
      // The link text is relative to where the link really is.
      const realParent = await Deno.realPath(dirname(probe));
      if (!isInside(realRoot, realParent)) return realParent;
      const dest = resolve(realParent, await Deno.readLink(probe));
      return await outsideLocation(dest, realRoot, depth + 1);
    }
    const parent = dirname(probe);
    if (parent === probe) return probe;
    probe = parent;
  }
}

/** outsideLocation with blocking calls. */
function outsideLocationSync(
  path: string,
  realRoot: string,
  depth: number,
): string | undefined {
  let probe = path;
  while (true) {
    try {
      const real = Deno.realPathSync(probe);
      return isInside(realRoot, real) ? undefined : real;
    } catch (err) {
      if (err instanceof Deno.errors.FilesystemLoop) return probe;
      if (!isMissing(err)) throw err;
    }
    let isLink = false;
    try {
      isLink = Deno.lstatSync(probe).isSymlink;
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    if (isLink) {
      if (depth >= MAX_LINK_DEPTH) return probe;
      const realParent = Deno.realPathSync(dirname(probe));
      if (!isInside(realRoot, realParent)) return realParent;
      const dest = resolve(realParent, Deno.readLinkSync(probe));
      return outsideLocationSync(dest, realRoot, depth + 1);
    }
    const parent = dirname(probe);
    if (parent === probe) return probe;
    probe = parent;
  }
}

function isInside(realRoot: string, real: string): boolean {
  if (real === realRoot) return true;
  const prefix = realRoot.endsWith(sep) ? realRoot : realRoot + sep;
  return real.startsWith(prefix);
}

function isMissing(err: unknown): boolean {
  return err instanceof Deno.errors.NotFound ||
    err instanceof Deno.errors.NotADirectory;
}
