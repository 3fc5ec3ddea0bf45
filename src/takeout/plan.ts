// From the listing of a Takeout export (all parts as one tree) to the plan
// of the import: which entries are items, which sidecar and album each
// belongs to, which copies are the same item, what is skipped and what is
// refused. Nothing is read but the listing and the small JSON files the
// listing captured; nothing is written.
//
// Memory must not grow much with the number of items (libraries hold
// 50,000 to 200,000), so nothing is kept per entry that the import does not
// use, and little is made per entry that lives long. The listing is kept
// by column (plan_listing.ts), each JSON file's facts too (item_facts.ts).
// Once it is complete, the export's folders are laid out (takeout_tree.ts)
// and each matching folder is decided on its own (plan_folder.ts: the
// rules), which is all matching ever looks at; the decisions are packed
// into the plan's columns (plan_store.ts) and the folder's strings dropped.
// TakeoutPlan (takeout_plan.ts) reads them back.

import type { ListedEntry } from "../archive/archive.ts";
import type { ArchiveError } from "../archive/archive_errors.ts";
import type { ArchiveSet, SetListing } from "../archive/archive_set.ts";
import { entryKey, safeEntryPath } from "../archive/entry_path.ts";
import { FactsTable } from "./item_facts.ts";
import { foldName, isJsonName } from "./names.ts";
import {
  type AlbumFile,
  type FolderPlace,
  isAlbumFile,
  layoutTree,
  libraryFolders,
  type TakeoutAlbum,
  type TakeoutFolder,
  type TreeLayout,
} from "./takeout_tree.ts";
import {
  Catalog,
  kindOf,
  lastSegment,
  ListedFolders,
  type NameLookup,
} from "./plan_listing.ts";
import {
  decideFolder,
  type FolderDecisions,
  type FolderListing,
  type PlanOptions,
} from "./plan_folder.ts";
import { PART, PlanRows } from "./plan_store.ts";
import {
  type AlbumReference,
  type EntryCounts,
  type PlannedAlbum,
  type RefusedEntry,
  TakeoutPlan,
} from "./takeout_plan.ts";

export {
  type Companion,
  photoIdOf,
  type PlanOptions,
  type SkipReason,
} from "./plan_folder.ts";
export {
  type AlbumReference,
  borrowedFrom,
  borrowsSidecar,
  type EntryCounts,
  type PlannedAlbum,
  type PlannedFile,
  type RefusedEntry,
  TakeoutPlan,
} from "./takeout_plan.ts";
export type { NameLookup } from "./plan_listing.ts";

interface Refusal extends RefusedEntry {
  where: number;
}

interface BadJson extends RefusedEntry {
  phase: number;
  where: number;
}

/** A matching folder: where it sits, and the listing's folders it joins. */
interface MatchingFolder {
  place: FolderPlace;
  folders: number[];
}

/**
 * Builds a plan from listed entries, given one by one in any order (see
 * ListOptions.visit); their collected content is read on the spot and not
 * kept.
 */
export class PlanBuilder {
  readonly #options: PlanOptions;
  readonly #keepEntries: boolean;
  readonly #parts: string[] = [];
  readonly #partNo = new Map<string, number>();
  #catalog: Catalog;
  readonly #lookup: NameLookup | undefined;
  readonly #facts = new FactsTable();
  readonly #refused: Refusal[] = [];
  readonly #badJson: BadJson[] = [];
  readonly #unclaimed: string[] = [];
  /** What the per-folder planning found besides media rows. */
  readonly #found = new Found();

  /**
   * `parts` in the order the import reads them: between two copies of one
   * name, the one in the earlier part (or earlier in its part) is kept.
   * `keepEntries` keeps the listing's entry objects in the plan;
   * `lookup` gives names back, which then need no copy here.
   */
  constructor(
    parts: readonly string[],
    options: PlanOptions,
    keepEntries = false,
    lookup?: NameLookup,
  ) {
    for (const part of parts) this.#partOf(part);
    this.#options = options;
    this.#keepEntries = keepEntries;
    this.#lookup = lookup;
    this.#catalog = this.#newCatalog();
  }

  #newCatalog(): Catalog {
    return new Catalog(
      this.#parts,
      this.#facts,
      this.#lookup,
      this.#keepEntries,
    );
  }

  add(e: ListedEntry): void {
    if (e.kind === "dir") return;
    const silent = this.#options.silentParts?.has(e.part) === true;
    if (!silent) this.#found.counts.listed++;
    const where = this.#partOf(e.part) * PART + e.index;
    if (e.kind !== "file") {
      if (silent) return;
      this.#refused.push({
        where,
        part: e.part,
        name: e.name,
        reason: e.kind === "symlink"
          ? `a symbolic link${e.linkTarget ? ` to ${e.linkTarget}` : ""}`
          : e.kind === "hardlink"
          ? `a hard link${e.linkTarget ? ` to ${e.linkTarget}` : ""}`
          : "a device, pipe or other special file",
      });
      return;
    }
    const safe = safeEntryPath(e.name);
    if (!safe.ok) {
      if (silent) return;
      this.#refused.push({
        where,
        part: e.part,
        name: e.name,
        reason: safe.reason,
      });
      return;
    }
    this.#catalog.add(e, where);
  }

  finish(): TakeoutPlan {
    const c = this.#catalog;
    const found = this.#found;
    const listed = new ListedFolders(
      c,
      this.#parts.map((p) => this.#options.silentParts?.has(p) === true),
    );
    for (const [row, reason] of c.readError) {
      if (!listed.dropped[row] && !listed.silent(row)) {
        this.#bad(listed, row, reason, 0);
      }
    }
    for (let row = 0; row < listed.length; row++) {
      if (listed.dropped[row] && !listed.silent(row)) found.counts.repeated++;
    }
    const layout = layoutTree(
      c.folders.map((path, f) => ({ path, hasJson: c.folderHasJson[f] })),
    );
    const folders = libraryFolders(
      layout,
      c.folders,
      this.#albumFiles(listed, layout),
      true,
    );
    const albumList = [...folders.values()]
      .flatMap((f) => f.album === undefined ? [] : [f.album])
      .sort((a, b) => a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : 0);
    const albumIndex = new Map(albumList.map((a, i) => [a.folder, i]));

    const rows = new PlanRows();
    for (const matching of this.#matchingFolders(listed, layout)) {
      const folder = matching.place.folder === undefined
        ? undefined
        : folders.get(matching.place.folder);
      this.#planFolder(listed, matching, folder, albumIndex, rows);
    }
    const waits = rows.waits();
    // What is left of the listing is not needed any more: its memory goes
    // back now (V8 would free it only at its next full collection).
    c.free();
    listed.free();
    this.#catalog = this.#newCatalog();
    this.#facts.forgetTitles();
    return this.#plan(rows, waits, albumList);
  }

  /**
   * The album files lying directly in each library folder: they decide
   * which folders are albums.
   */
  #albumFiles(
    listed: ListedFolders,
    layout: TreeLayout,
  ): Map<string, AlbumFile[]> {
    const c = this.#catalog;
    const albumFiles = new Map<string, AlbumFile[]>();
    c.folders.forEach((path, f) => {
      const place = layout.place(path);
      if (place?.folder === undefined || place.inside.length !== 1) return;
      if (!c.folderHasJson[f]) return;
      for (const row of listed.rowsOf(f)) {
        const json = c.json.get(row);
        // Item sidecars that parsed are no album files.
        if (listed.dropped[row] || json >= 0) continue;
        const name = c.nameOf(row);
        if (!isJsonName(name)) continue;
        if (!isAlbumFile(lastSegment(entryKey(name)), kindOf(json))) continue;
        const file: AlbumFile = { path: name };
        const meta = c.albumMeta.get(row);
        if (meta !== undefined) file.metadata = meta;
        const list = albumFiles.get(place.folder);
        if (list === undefined) albumFiles.set(place.folder, [file]);
        else list.push(file);
      }
    });
    return albumFiles;
  }

  /**
   * The matching folders (parts unpacked side by side put one folder under
   * several prefixes); the entries outside the library are noted, once per
   * part and product folder (`Takeout/Drive`): an export of every product
   * holds many.
   */
  #matchingFolders(
    listed: ListedFolders,
    layout: TreeLayout,
  ): Iterable<MatchingFolder> {
    const c = this.#catalog;
    const { where } = listed;
    const byDir = new Map<string, MatchingFolder>();
    const outside = new Map<
      string,
      { where: number; name: string; n: number }
    >();
    c.folders.forEach((path, f) => {
      const place = layout.place(path);
      if (place === undefined) {
        const segments = path === "" ? [] : path.split("/");
        const top = segments.slice(
          0,
          foldName(segments[0] ?? "") === "takeout" ? 2 : 1,
        ).join("/");
        for (const row of listed.rowsOf(f)) {
          if (listed.dropped[row] || c.readError.has(row)) continue;
          if (listed.silent(row)) continue;
          const key = `${Math.floor(where[row] / PART)}\u0000${top}`;
          const seen = outside.get(key);
          if (seen === undefined) {
            outside.set(key, { where: where[row], name: c.nameOf(row), n: 1 });
          } else {
            seen.n++;
            if (where[row] < seen.where) seen.where = where[row];
            seen.name = `${top}/`;
          }
        }
        return;
      }
      const group = byDir.get(place.dir);
      if (group === undefined) byDir.set(place.dir, { place, folders: [f] });
      else group.folders.push(f);
    });
    for (const { where, name, n } of outside.values()) {
      this.#found.other(
        where,
        this.#parts,
        name,
        "outside the Google Photos folder",
        n > 1 ? n : undefined,
      );
    }
    return byDir.values();
  }

  /** Decides one matching folder and keeps its decisions. */
  #planFolder(
    listed: ListedFolders,
    matching: MatchingFolder,
    folder: TakeoutFolder | undefined,
    albumIndex: ReadonlyMap<string, number>,
    rows: PlanRows,
  ): void {
    const c = this.#catalog;
    let dirRows: number[] = [];
    for (const f of matching.folders) {
      for (const row of listed.rowsOf(f)) {
        if (!listed.dropped[row]) dirRows.push(row);
      }
    }
    if (matching.folders.length > 1) dirRows = dirRows.sort(listed.byWhere);
    const names = dirRows.map((row) => c.nameOf(row));
    const listing: FolderListing = {
      place: matching.place,
      folder,
      names,
      bases: names.map((name) => lastSegment(entryKey(name))),
      size: (at) => c.size.get(dirRows[at]),
      kind: (at) => kindOf(c.json.get(dirRows[at])),
      facts: (at) => Math.max(-1, c.json.get(dirRows[at])),
      readError: (at) => c.readError.has(dirRows[at]),
      itemError: (at) => c.itemError.get(dirRows[at]),
      unreadable: (at) => c.unreadable.has(dirRows[at]),
      silent: (at) => listed.silent(dirRows[at]),
    };
    const decided = decideFolder(listing, {
      options: this.#options,
      facts: this.#facts,
      albumIndex,
    });
    this.#note(listed, listing, dirRows, decided);
    rows.append(decided, {
      names,
      bases: listing.bases,
      where: (at) => listed.where[dirRows[at]],
      size: listing.size,
      mtime: (at) => c.mtime.get(dirRows[at]),
      ...(this.#keepEntries ? { entry: (at) => c.entry[dirRows[at]] } : {}),
    }, {
      names: this.#options.keepNames === true,
      mediaNames: this.#options.keepMediaNames === true,
    });
  }

  /** What a folder's decisions say of its entries that are no media rows. */
  #note(
    listed: ListedFolders,
    listing: FolderListing,
    dirRows: readonly number[],
    decided: FolderDecisions,
  ): void {
    const found = this.#found;
    const { names } = listing;
    const where = (at: number) => listed.where[dirRows[at]];
    for (const { at, reason } of decided.badSidecars) {
      this.#bad(listed, dirRows[at], reason, 1);
    }
    found.counts.albumMetadata += decided.albumMetadata;
    for (const { at, reason } of decided.others) {
      found.other(where(at), this.#parts, names[at], reason);
    }
    for (const at of decided.references) {
      found.reference(
        decided.album,
        this.#parts,
        where(at),
        names[at],
        this.#facts,
        listing.facts(at),
        listing.silent(at),
      );
    }
    for (const at of decided.unclaimed) this.#unclaimed.push(names[at]);
    found.counts.sidecars += decided.sidecars;
  }

  #bad(listed: ListedFolders, row: number, reason: string, phase: number) {
    const where = listed.where[row];
    this.#badJson.push({
      phase,
      where,
      part: this.#parts[Math.floor(where / PART)],
      name: this.#catalog.nameOf(row),
      reason,
    });
  }

  /** The plan, from its rows and what the folders' planning found. */
  #plan(
    rows: PlanRows,
    waits: Map<number, string[]>,
    albumList: TakeoutAlbum[],
  ): TakeoutPlan {
    const found = this.#found;
    const albums: PlannedAlbum[] = albumList.map((album) => {
      const planned: PlannedAlbum = { album, keys: [] };
      if (album.metadata !== undefined) planned.meta = album.metadata;
      return planned;
    });
    const inAlbum = albums.map(() => new Set<string>());
    for (const i of rows.planOrder()) {
      const a = rows.album.get(i);
      if (a < 0 || rows.isSkipped(i)) continue;
      const key = rows.keyOf(i);
      if (inAlbum[a].has(key)) continue;
      inAlbum[a].add(key);
      albums[a].keys.push(key);
    }
    return new TakeoutPlan({
      parts: this.#parts,
      rows,
      facts: this.#facts,
      albums,
      albumReferences: found.references.sort((a, b) =>
        a.album - b.album || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
      ),
      otherFiles: found.others
        .sort((a, b) => a.where - b.where)
        .map(({ where: _, ...other }) => other),
      entryCounts: found.counts,
      waits,
      silentParts: this.#options.silentParts,
      refused: this.#refused
        .sort((a, b) => a.where - b.where)
        .map(({ part, name, reason }) => ({ part, name, reason })),
      badJson: this.#badJson
        .sort((a, b) => a.phase - b.phase || a.where - b.where)
        .map(({ part, name, reason }) => ({ part, name, reason })),
      unclaimedSidecars: this.#unclaimed.sort(),
    });
  }

  #partOf(part: string): number {
    let n = this.#partNo.get(part);
    if (n === undefined) {
      n = this.#parts.length;
      this.#parts.push(part);
      this.#partNo.set(part, n);
    }
    return n;
  }
}

/**
 * What the planning of the folders found besides media rows: the entries
 * that are not part of the library, the album references and the counts.
 */
class Found {
  readonly counts: EntryCounts = {
    listed: 0,
    sidecars: 0,
    albumMetadata: 0,
    repeated: 0,
  };
  readonly others: Refusal[] = [];
  readonly references: AlbumReference[] = [];

  other(
    where: number,
    parts: readonly string[],
    name: string,
    reason: string,
    entries?: number,
  ) {
    const other: Refusal = {
      where,
      part: parts[Math.floor(where / PART)],
      name,
      reason,
    };
    if (entries !== undefined) other.entries = entries;
    this.others.push(other);
  }

  reference(
    album: number,
    parts: readonly string[],
    where: number,
    name: string,
    facts: FactsTable,
    row: number,
    silent: boolean,
  ) {
    const ref: AlbumReference = {
      album,
      part: parts[Math.floor(where / PART)],
      name,
      takenMs: facts.takenMs(row),
      facts: row,
    };
    const url = facts.url(row);
    if (url !== undefined) ref.url = url;
    const title = facts.title(row);
    if (title !== undefined) ref.title = title;
    if (silent) ref.silent = true;
    this.references.push(ref);
  }
}

/** The plan of a listing held whole (entries with their collected content). */
export function planImport(
  listing: SetListing,
  options: PlanOptions,
): TakeoutPlan {
  const builder = new PlanBuilder(
    listing.parts.map((p) => p.part),
    options,
    true,
  );
  for (const e of listing.entries) builder.add(e);
  return builder.finish();
}

/**
 * Lists every part of the set, collecting the JSON files, and plans the
 * import on the way: neither the listing nor the JSON bytes are held.
 */
export async function planArchives(
  set: ArchiveSet,
  options: PlanOptions & { signal?: AbortSignal; collectMaxBytes?: number },
): Promise<{ plan: TakeoutPlan; problems: ArchiveError[] }> {
  const builder = new PlanBuilder(
    set.parts.map((p) => p.part),
    options,
    false,
    set,
  );
  const listing = await set.list({
    collect: (e) => isJsonName(e.name),
    collectMaxBytes: options.collectMaxBytes ?? 4 * 1024 * 1024,
    signal: options.signal,
    visit: (e) => builder.add(e),
  });
  return { plan: builder.finish(), problems: [...listing.problems] };
}
