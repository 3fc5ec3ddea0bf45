// The folders of ROOT a run writes many files into, each checked once. A
// file's path checked on its own (resolveInside) costs a realpath of its
// folder, a readlink per component, and for a file not there yet a failed
// walk more; making its folder again costs a mkdir that fails with EEXIST.
// Here the folders are walked down from ROOT as a tree, each level looked at
// (lstat, and the listing of its names) once per run and made at most once,
// and a file costs one lstat of its folder before it is created and one
// before it is renamed into place.
//
// Why a folder checked once stays safe to write into. What the check
// guards against is a write landing outside ROOT through a symbolic link:
// a link standing for the folder or for one of its parents (planted by
// someone who can write to ROOT, or left by a restore). A folder is looked
// at from its parent's real path: a real folder there is taken as it is; a
// link is followed and kept only if it leads inside ROOT. Files are then
// written through the folder's real path, and its identity (device and
// inode, from lstat) is kept. Before a file is created in the folder, and
// again before a file is renamed into it, lstat of that real path must give
// the same identity:
//
// - a part of the path replaced by a link, or the folder replaced by
//   another folder, gives another identity (two folders never share an
//   inode, and folders have no hard links): the folders are looked at
//   again from ROOT, and the folder is refused if it now leads outside;
// - the only way to keep the identity is to move the checked folder itself
//   elsewhere and link to it; files then land in that same folder, which
//   holds nothing but what the program and that person put there, and
//   which that person could write to anyway: nothing outside their reach
//   is touched;
// - the file itself never follows a link: it is created with O_EXCL (which
//   fails on any existing name, a link included) and renamed onto its
//   name (which replaces a link standing there, not what it points at).
//
// What is left is the moment between one lstat and the call after it, the
// same moment every check-then-write has on a path (Deno has no openat): a
// check per file did not close it either, it only came earlier.

import { join, resolve, sep } from "node:path";
import { classifyFsError, type TargetFolder } from "./atomic_write.ts";
import { checkedSegments, leadsOutside } from "./confine.ts";
import { UnsafePathError } from "./fs_errors.ts";

interface Identity {
  /** The real path, every part of it a real folder when checked. */
  path: string;
  dev: number;
  ino: number;
}

/** A folder under ROOT, as this run knows it. */
export class KnownFolder implements TargetFolder {
  /** Where it is under ROOT, e.g. "photos/2024/05" ("" for ROOT). */
  readonly relative: string;
  /** ROOT/relative, spelled as the user gave ROOT (for messages). */
  readonly path: string;
  /**
   * Names (not folders) it held when first looked at (none when it did
   * not exist), and the files this run finished in it since.
   */
  readonly names: ReadonlySet<string>;
  readonly #owner: KnownFolders;
  readonly #parent: KnownFolder | undefined;
  #id: Identity | undefined;
  /** The folder being made or checked again, once for all who wait. */
  #pending: Promise<Identity> | undefined;

  constructor(
    owner: KnownFolders,
    parent: KnownFolder | undefined,
    relative: string,
    names: Set<string>,
    id: Identity | undefined,
  ) {
    this.#owner = owner;
    this.#parent = parent;
    this.relative = relative;
    this.path = relative === "" ? owner.root : join(owner.root, relative);
    this.names = names;
    this.#id = id;
  }

  /**
   * Where to create `name`: in the folder's real path, the folder made if
   * need be and checked to be the one confined to ROOT (see the top of
   * this file). Call it right before creating the file.
   */
  async writable(name: string): Promise<string> {
    checkName(name, this.path);
    // A plain name in a real path: joined as is (join() normalizes,
    // a cost per file that buys nothing here).
    const folder = (await this.ready()).path;
    return folder.endsWith(sep) ? folder + name : folder + sep + name;
  }

  /**
   * Throws UnsafePathError unless the folder is still the one checked:
   * call it right before renaming a finished file into the folder.
   */
  confirm(): Promise<void> {
    if (this.#id !== undefined && same(this.#id)) return Promise.resolve();
    return Promise.reject(
      new UnsafePathError(
        `Refusing to finish a file in ${this.path}: the folder was replaced ` +
          "while the file was written (by a symbolic link or another " +
          "folder), so the file was not kept.",
        this.path,
      ),
    );
  }

  /** Its identity if it exists (as last checked), without checking. */
  get existing(): Identity | undefined {
    return this.#id;
  }

  written(name: string): void {
    (this.names as Set<string>).add(name);
  }

  /** The folder made (once) and still the one checked: its identity. */
  ready(): Promise<Identity> {
    const id = this.#id;
    if (id !== undefined && same(id)) return Promise.resolve(id);
    this.#pending ??= this.#settle(id).finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #settle(old: Identity | undefined): Promise<Identity> {
    this.#id = undefined;
    let id: Identity;
    if (old !== undefined) {
      // Changed since it was checked: every folder is looked at afresh.
      this.#owner.forget();
      const again = await this.#owner.folder(this.relative);
      id = await again.ready();
    } else {
      id = await this.#make();
    }
    this.#id = id;
    return id;
  }

  /** Makes the folder in its parent (made first if need be). */
  async #make(): Promise<Identity> {
    if (this.#parent === undefined) return await this.#owner.rootIdentity();
    const parent = await this.#parent.ready();
    const path = join(parent.path, baseName(this.relative));
    try {
      await Deno.mkdir(path);
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists)) {
        throw classifyFsError(err, "create the folder", this.path);
      }
    }
    const id = await this.#owner.identify(this.relative, path);
    if (id === undefined) {
      throw classifyFsError(
        Object.assign(new Error("No such folder"), { code: "ENOENT" }),
        "create the folder",
        this.path,
      );
    }
    return id;
  }
}

/** The folders of one ROOT, each checked once per run. */
export class KnownFolders {
  readonly root: string;
  #folders = new Map<string, Promise<KnownFolder>>();
  #realRoot: string | undefined;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /**
   * The folder `relative` (under ROOT), confined to ROOT and listed the
   * first time it is asked for; not made (see KnownFolder.writable).
   * Throws UnsafePathError when it leads outside ROOT.
   */
  folder(relative: string): Promise<KnownFolder> {
    let key: string;
    try {
      key = checkedSegments(this.root, relative).join("/");
    } catch (err) {
      return Promise.reject(err);
    }
    let known = this.#folders.get(key);
    if (known === undefined) {
      known = this.#look(key);
      // A refusal is not kept: the next item asks again (and is refused).
      known.catch(() => this.#folders.delete(key));
      this.#folders.set(key, known);
    }
    return known;
  }

  /** Drops what was learnt: the next folder() looks from ROOT again. */
  forget(): void {
    this.#folders = new Map();
    this.#realRoot = undefined;
  }

  /** ROOT's real path and identity. */
  async rootIdentity(): Promise<Identity> {
    this.#realRoot ??= await Deno.realPath(this.root);
    const st = await Deno.lstat(this.#realRoot);
    return { path: this.#realRoot, dev: st.dev ?? NaN, ino: st.ino ?? NaN };
  }

  async #look(relative: string): Promise<KnownFolder> {
    if (relative === "") {
      return new KnownFolder(
        this,
        undefined,
        "",
        new Set(),
        await this.rootIdentity(),
      );
    }
    const cut = relative.lastIndexOf("/");
    const parent = await this.folder(cut < 0 ? "" : relative.slice(0, cut));
    const names = new Set<string>();
    // A folder whose parent is not there yet is not there either.
    const parentId = parent.existing;
    const id = parentId === undefined ? undefined : await this.identify(
      relative,
      join(parentId.path, baseName(relative)),
    );
    if (id !== undefined) {
      try {
        for await (const entry of Deno.readDir(id.path)) {
          if (!entry.isDirectory) names.add(entry.name);
        }
      } catch (err) {
        throw classifyFsError(
          err,
          "read the folder",
          join(this.root, relative),
        );
      }
    }
    return new KnownFolder(this, parent, relative, names, id);
  }

  /**
   * What stands at `path` (the folder `relative`, in its parent's real
   * path): a real folder is taken as it is; a link is followed, and
   * refused unless it leads inside ROOT; anything else is in the way.
   * Undefined when nothing is there.
   */
  async identify(
    relative: string,
    path: string,
  ): Promise<Identity | undefined> {
    let st: Deno.FileInfo;
    try {
      st = await Deno.lstat(path);
    } catch (err) {
      if (
        err instanceof Deno.errors.NotFound ||
        err instanceof Deno.errors.NotADirectory
      ) return undefined;
      throw classifyFsError(err, "read the folder", path);
    }
    let real = path;
    if (st.isSymlink) {
      const { path: realRoot } = await this.rootIdentity();
      const outside = await leadsOutside(path, [realRoot]);
      if (outside !== undefined) {
        throw new UnsafePathError(
          `Refusing ${JSON.stringify(relative)}: ${
            join(this.root, relative)
          } leads to ${outside}, outside ${this.root}. Remove the symbolic ` +
            "link that points out of the backup folder.",
          join(this.root, relative),
        );
      }
      try {
        real = await Deno.realPath(path);
      } catch {
        // A link inside ROOT to nothing: in the way of the folder.
        real = path;
      }
      st = await Deno.lstat(real);
    }
    if (!st.isDirectory) {
      throw classifyFsError(
        Object.assign(new Error("Not a directory"), { code: "ENOTDIR" }),
        "create the folder",
        join(this.root, relative),
      );
    }
    return { path: real, dev: st.dev ?? NaN, ino: st.ino ?? NaN };
  }
}

/** lstat of the real path: the same folder? One call, no thread hop. */
function same(id: Identity): boolean {
  try {
    const st = Deno.lstatSync(id.path);
    if (!st.isDirectory) return false;
    // Without inode numbers, a real folder at the real path is all that
    // can be told (its parts are walked again).
    if (Number.isNaN(id.ino)) return Deno.realPathSync(id.path) === id.path;
    return st.dev === id.dev && st.ino === id.ino;
  } catch {
    return false;
  }
}

function baseName(relative: string): string {
  return relative.slice(relative.lastIndexOf("/") + 1);
}

/** One name in a folder: no separator, no NUL, not "." or "..". */
function checkName(name: string, folder: string): void {
  if (
    name === "" || name === "." || name === ".." || name.includes("/") ||
    name.includes("\0") || (sep === "\\" && name.includes("\\"))
  ) {
    throw new UnsafePathError(
      `Refusing to write ${JSON.stringify(name)} in ${folder}: it is not a ` +
        "plain file name. This name came from the server or the index; the " +
        "item is skipped.",
      join(folder, name),
    );
  }
}
