// The supervisor's one job for the sandboxed worker: making symbolic links
// (album folders, the --compare-folder results). Deno lets only a holder of
// unscoped file access call symlink(), because a link would let a scoped
// program read or write wherever it points: so the worker asks, and a link
// is made only when both where it is made and where it leads are inside the
// folders of the run (src/cli/permissions.ts, linkScope). Nothing else
// passes, whatever the worker sends.
//
// The worker sends its requests in batches (an album's links at once). A
// batch is checked and made in one go, with blocking calls and nothing in
// between: each folder a link is made in, and each folder a link points
// into, is resolved once per batch, and each link then costs an lstat of
// what it points at and the symlink() itself. The link is made in the
// folder's real path as just resolved, so a folder swapped for a link
// during the batch is not followed; what is left is the moment between a
// check and the call after it, as for a link checked alone.

import {
  basename,
  dirname,
  isAbsolute,
  join,
  resolve,
  sep,
} from "../fs/path.ts";
import { leadsOutsideSync } from "../fs/confine.ts";
import type { LinkScope } from "./permissions.ts";

/** A link request refused; the worker sees it as Deno.errors.NotCapable. */
export class LinkRefused extends Error {
  override name = "NotCapable";
}

export interface LinkRequest {
  target: string;
  path: string;
}

/**
 * Checks and makes a batch of links; one result per request, in order:
 * undefined when made, else the error (LinkRefused, or the filesystem's).
 */
export function guardedSymlinks(
  scope: LinkScope,
  requests: readonly LinkRequest[],
): (Error | undefined)[] {
  const batch = new BatchCheck(scope);
  return requests.map(({ target, path }) => {
    try {
      Deno.symlinkSync(target, batch.check(target, path));
      return undefined;
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
  });
}

/**
 * Checks one request: `path` (absolute, its folder existing) must lie in
 * one of scope.places, and `target`, read from the link's real folder,
 * must lead into one of scope.targets. Throws LinkRefused otherwise.
 * Returns where to make the link: in the real path of its folder.
 */
export function checkLink(
  scope: LinkScope,
  target: string,
  path: string,
): string {
  return new BatchCheck(scope).check(target, path);
}

/** The checks of one batch, with the folders it resolved. */
class BatchCheck {
  readonly #scope: LinkScope;
  /** Folder as asked -> its real path, or the reason it is refused. */
  readonly #places = new Map<string, string | { refused: string }>();
  /** Folder a target lies in -> its real path, or where it leads outside. */
  readonly #targets = new Map<string, { real: string } | { outside: string }>();

  constructor(scope: LinkScope) {
    this.#scope = scope;
  }

  check(target: string, path: string): string {
    const refuse = (why: string) =>
      new LinkRefused(`Refusing to link ${path} -> ${target}: ${why}.`);
    if (
      typeof target !== "string" || typeof path !== "string" ||
      target === "" || target.includes("\0") || path.includes("\0")
    ) {
      throw refuse("not a usable name");
    }
    if (!isAbsolute(path)) throw refuse("the link's path is not absolute");
    const name = basename(path);
    if (name === "" || name === "." || name === ".." || path.endsWith(sep)) {
      throw refuse("the link has no name");
    }
    const folder = this.#place(dirname(path));
    if (typeof folder !== "string") throw refuse(folder.refused);
    const leads = this.#leads(resolve(folder, target));
    if (leads !== undefined) {
      throw refuse(`it leads to ${leads}, outside the folders of this run`);
    }
    return join(folder, name);
  }

  /** The real path of a folder links are made in, if it is a place. */
  #place(folder: string): string | { refused: string } {
    let known = this.#places.get(folder);
    if (known === undefined) {
      try {
        const real = Deno.realPathSync(folder);
        known = within(real, this.#scope.places)
          ? real
          : { refused: "it is outside the folders of this run" };
      } catch {
        known = { refused: "its folder does not exist" };
      }
      this.#places.set(folder, known);
    }
    return known;
  }

  /**
   * Where `where` really leads when that is outside scope.targets. Its
   * folder is resolved once per batch; the entry itself is looked at with
   * lstat, and followed link by link only when it is a link.
   */
  #leads(where: string): string | undefined {
    const folder = dirname(where);
    let known = this.#targets.get(folder);
    if (known === undefined) {
      let real: string | undefined;
      try {
        real = Deno.realPathSync(folder);
      } catch {
        // Missing, or a link on the way that dangles: the full walk.
      }
      const outside = real === undefined
        ? leadsOutsideSync(folder, this.#scope.targets)
        : within(real, this.#scope.targets)
        ? undefined
        : real;
      known = outside === undefined ? { real: real ?? folder } : { outside };
      this.#targets.set(folder, known);
    }
    if ("outside" in known) return known.outside;
    const entry = join(known.real, basename(where));
    try {
      if (!Deno.lstatSync(entry).isSymlink) return undefined;
    } catch {
      // Nothing there: the link would dangle inside the folder.
      return undefined;
    }
    return leadsOutsideSync(entry, this.#scope.targets);
  }
}

/** Whether the real path `real` is one of `roots` (real paths) or inside one. */
function within(real: string, roots: readonly string[]): boolean {
  return roots.some((root) =>
    real === root || real.startsWith(root.endsWith(sep) ? root : root + sep)
  );
}
