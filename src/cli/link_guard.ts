// The supervisor's one job for the sandboxed worker: making symbolic links
// (album folders, the --compare-folder results). Deno lets only a holder of
// unscoped file access call symlink(), because a link would let a scoped
// program read or write wherever it points: so the worker asks, and a link
// is made only when both where it is made and where it leads are inside the
// folders of the run (src/cli/permissions.ts, linkScope). Nothing else
// passes, whatever the worker sends.

import { basename, dirname, isAbsolute, resolve } from "node:path";
import { leadsOutside } from "../fs/confine.ts";
import type { LinkScope } from "./permissions.ts";

/** A link request refused; the worker sees it as Deno.errors.NotCapable. */
export class LinkRefused extends Error {
  override name = "NotCapable";
}

/**
 * Checks one request: `path` (absolute, its folder existing) must lie in
 * one of scope.places, and `target`, read from the link's real folder,
 * must lead into one of scope.targets. Throws LinkRefused otherwise.
 */
export async function checkLink(
  scope: LinkScope,
  target: string,
  path: string,
): Promise<void> {
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
  if (name === "" || name === "." || name === "..") {
    throw refuse("the link has no name");
  }
  let folder: string;
  try {
    folder = await Deno.realPath(dirname(path));
  } catch {
    throw refuse("its folder does not exist");
  }
  if (await leadsOutside(folder, scope.places) !== undefined) {
    throw refuse("it is outside the folders of this run");
  }
  const leads = await leadsOutside(resolve(folder, target), scope.targets);
  if (leads !== undefined) {
    throw refuse(`it leads to ${leads}, outside the folders of this run`);
  }
}

/** Makes the link when checkLink accepts it. */
export async function guardedSymlink(
  scope: LinkScope,
  target: string,
  path: string,
): Promise<void> {
  await checkLink(scope, target, path);
  await Deno.symlink(target, path);
}
