// The comparison of the album reconcile (album_links.ts): each folder of an
// albums root, the wanted links (album_wanted.ts) against the record of
// what we made and against the disk. What the record claims is checked
// first: a pending entry an interrupted run left becomes a link when the
// entry is one of the values it names, and is dropped otherwise; a link gone,
// or replaced by something not ours, is forgotten. Then each wanted link is
// planned, or adopted when an identical one is there unrecorded, or
// reported when its name is taken by something not ours; links of ours no
// longer wanted are planned for removal. Only the record (in memory)
// changes here; the disk is read, never written.

import { join } from "node:path";
import { classifyFsError } from "../fs/atomic_write.ts";
import type { FsProfile } from "../fs/fs_profile.ts";
import { nameKey } from "./album_paths.ts";
import type { LinkRecord, LinkValue, RootRecord } from "./album_link_record.ts";
import type { LinkTally } from "./album_tally.ts";
import type { RootState, WantedFolder, WantedLink } from "./album_wanted.ts";
import { isMissing, type LinkFs } from "./link_fs.ts";

type EntryKind = "symlink" | "file" | "dir" | "other";

export interface DiskEntry {
  name: string;
  kind: EntryKind;
}

/** A link to make. */
export interface Planned {
  root: RootState;
  record: RootRecord;
  folder: string;
  segments: string[];
  link: WantedLink;
  /** What of ours is there now and goes first (a replacement). */
  replaces?: LinkValue;
}

/** A link of ours to remove. */
export interface Removal {
  root: RootState;
  record: RootRecord;
  folder: string;
  name: string;
}

/** The folder's entries by nameKey, or undefined when it is not there. */
export async function listFolder(
  fs: LinkFs,
  profile: Pick<FsProfile, "caseInsensitive">,
  path: string,
): Promise<Map<string, DiskEntry> | undefined> {
  let entries: Deno.DirEntry[];
  try {
    entries = await fs.readDir(path);
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw classifyFsError(err, "read the folder", path);
  }
  const out = new Map<string, DiskEntry>();
  for (const e of entries) {
    out.set(nameKey(e.name, profile), { name: e.name, kind: kindOf(e) });
  }
  return out;
}

function kindOf(entry: Deno.DirEntry): EntryKind {
  if (entry.isSymlink) return "symlink";
  if (entry.isFile) return "file";
  if (entry.isDirectory) return "dir";
  return "other";
}

function valueKind(value: LinkValue): EntryKind {
  return value.startsWith("s:") ? "symlink" : "file";
}

export interface CompareDeps {
  profile: FsProfile;
  fs: LinkFs;
  signal: AbortSignal | undefined;
  record: LinkRecord;
  tally: LinkTally;
}

/** One folder being compared. */
interface Here {
  root: RootState;
  record: RootRecord;
  /** The folder as used: the wanted spelling, else the first recorded. */
  rel: string;
  abs: string;
  listing: Map<string, DiskEntry> | undefined;
}

/** A link of ours found in the folder: its name on disk and value. */
type Ours = Map<string, { name: string; value: LinkValue }>;

export class Comparison {
  /** The links to make, in the order found. */
  readonly plans: Planned[] = [];
  /** The links of ours to remove, in the order found. */
  readonly removals: Removal[] = [];
  readonly #d: CompareDeps;

  constructor(deps: CompareDeps) {
    this.#d = deps;
  }

  /** Compares one root's wanted folders with its record and the disk. */
  async compareRoot(root: RootState, record: RootRecord): Promise<void> {
    const recorded = this.#recordedFolders(record);
    const keys = new Set([...root.folders.keys(), ...recorded.keys()]);
    for (const key of keys) {
      this.#d.signal?.throwIfAborted();
      const wanted = root.folders.get(key);
      const rels = recorded.get(key) ?? [];
      const rel = wanted?.rel ?? rels[0];
      const abs = join(root.abs, rel);
      const listing = await listFolder(this.#d.fs, this.#d.profile, abs);
      const here: Here = { root, record, rel, abs, listing };
      const ours = await this.#checkRecorded(here, rels);
      for (const [nk, link] of wanted?.links ?? []) {
        await this.#compareLink(here, wanted!, nk, link, ours);
      }
      await this.#removeUnwanted(here, ours);
      // A wanted folder that is there is ours to keep, with its parents.
      if (wanted !== undefined && listing !== undefined) {
        for (let i = 1; i <= wanted.segments.length; i++) {
          this.#d.record.addDir(
            record,
            wanted.segments.slice(0, i).join("/"),
          );
        }
      }
    }
  }

  /**
   * Recorded folders by key (a case-insensitive filesystem may have the
   * same folder under two spellings).
   */
  #recordedFolders(record: RootRecord): Map<string, string[]> {
    const recorded = new Map<string, string[]>();
    for (const rel of [...record.links.keys(), ...record.pending.keys()]) {
      const key = nameKey(rel, this.#d.profile);
      const list = recorded.get(key) ?? [];
      if (!list.includes(rel)) list.push(rel);
      recorded.set(key, list);
    }
    return recorded;
  }

  /**
   * What the record says we made in the folder (under any of its
   * spellings `rels`), checked against the listing: the record is
   * corrected, and the links of ours that are there are returned.
   */
  async #checkRecorded(here: Here, rels: string[]): Promise<Ours> {
    const { record, rel, abs, listing } = here;
    const links = this.#d.record;
    const profile = this.#d.profile;
    const ours: Ours = new Map();
    for (const recRel of rels) {
      for (const [name, values] of [...(record.pending.get(recRel) ?? [])]) {
        const entry = listing?.get(nameKey(name, profile));
        const found = entry === undefined
          ? undefined
          : await this.#identify(join(abs, entry.name), entry, values);
        links.clearPending(record, recRel, name);
        if (found === undefined) {
          links.deleteLink(record, recRel, name);
        } else links.setLink(record, recRel, name, found);
      }
      for (const [name, value] of [...(record.links.get(recRel) ?? [])]) {
        const entry = listing?.get(nameKey(name, profile));
        if (entry === undefined || entry.kind !== valueKind(value)) {
          // Gone, or replaced by something that is not ours.
          links.deleteLink(record, recRel, name);
          continue;
        }
        if (recRel !== rel) {
          // Same folder, other spelling: keep the record under the one used.
          links.deleteLink(record, recRel, name);
          links.setLink(record, rel, name, value);
        }
        ours.set(nameKey(name, profile), { name: entry.name, value });
      }
    }
    return ours;
  }

  /** One wanted link: planned, adopted, kept, or its name reported taken. */
  async #compareLink(
    here: Here,
    wanted: WantedFolder,
    nk: string,
    link: WantedLink,
    ours: Ours,
  ): Promise<void> {
    const { root, record, rel, abs, listing } = here;
    const entry = listing?.get(nk);
    const mine = ours.get(nk);
    ours.delete(nk);
    const plan: Planned = {
      root,
      record,
      folder: rel,
      segments: wanted.segments,
      link,
    };
    if (entry === undefined) {
      this.plans.push(plan);
    } else if (mine !== undefined) {
      if (mine.value === link.value) return;
      const path = join(abs, entry.name);
      if (await this.#identify(path, entry, [mine.value]) === undefined) {
        this.#d.record.deleteLink(record, rel, mine.name);
        this.#d.tally.conflict(path, link.albumId);
        return;
      }
      // Removing `link.name` removes `mine.name` too: on a filesystem
      // where they differ they have the same key only if it ignores case.
      plan.replaces = mine.value;
      this.plans.push(plan);
      this.#d.tally.result.replaced++;
    } else {
      const path = join(abs, entry.name);
      if (await this.#identify(path, entry, [link.value]) !== undefined) {
        this.#d.record.setLink(record, rel, entry.name, link.value);
        this.#d.tally.result.adopted++;
      } else {
        this.#d.tally.conflict(path, link.albumId);
      }
    }
  }

  /** The links of ours left in `ours`, not wanted: removed if still ours. */
  async #removeUnwanted(here: Here, ours: Ours): Promise<void> {
    const { root, record, rel, abs, listing } = here;
    for (const { name, value } of ours.values()) {
      const path = join(abs, name);
      const entry = listing!.get(nameKey(name, this.#d.profile))!;
      if (await this.#identify(path, entry, [value]) === undefined) {
        this.#d.record.deleteLink(record, rel, name);
      } else {
        this.removals.push({ root, record, folder: rel, name });
      }
    }
  }

  /** Which of `values` the entry at `path` is, by reading it. */
  async #identify(
    path: string,
    entry: DiskEntry,
    values: readonly LinkValue[],
  ): Promise<LinkValue | undefined> {
    try {
      if (entry.kind === "symlink") {
        const text = `s:${await this.#d.fs.readLink(path)}`;
        return values.find((v) => v === text);
      }
      if (entry.kind === "file" && values.some((v) => v.startsWith("h:"))) {
        const info = await this.#d.fs.lstat(path);
        const ino = `h:${info.dev}:${info.ino}`;
        return values.find((v) => v === ino);
      }
    } catch (err) {
      if (!isMissing(err)) throw classifyFsError(err, "read", path);
    }
    return undefined;
  }
}
