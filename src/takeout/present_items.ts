// Which files of an export the backup holds already: by the sidecar's
// photo URL, by the item's key, or (an item a Google API indexed) by name
// and capture time, and still on disk. Each scheduled export is the whole
// library again: what is found here is never read.

import { join } from "node:path";
import type { LocalData } from "../db/local_data.ts";
import type { IndexedItem } from "../db/rows.ts";
import { resolveInside } from "../fs/confine.ts";
import type { FsProfile } from "../fs/fs_profile.ts";
import { findSameUpload } from "../backup/placement.ts";
import { ITEM_RECHECK, ITEM_SETTLED } from "./converge_target.ts";
import { COPY, type ImportState, PRESENT } from "./import_state.ts";
import { sourceRefOf } from "./item.ts";
import { borrowsSidecar, type PlannedFile, type TakeoutPlan } from "./plan.ts";
import { decidesItem } from "./set.ts";

/** An index row a file already is, and whether Takeout's bytes replace it. */
export interface Existing {
  item: IndexedItem;
  /** A Library API copy: Takeout's original replaces it at the same path. */
  replace: boolean;
  /** Found by its sidecar's photo URL. */
  byUrl: boolean;
}

export class PresentItems {
  readonly #plan: TakeoutPlan;
  readonly #setName: string | undefined;
  readonly #db: LocalData;
  readonly #profile: FsProfile;
  readonly #root: string;
  /** Folders of stored items, resolved inside ROOT (looked at, never made). */
  readonly #storedFolders = new Map<string, string>();

  constructor(
    plan: TakeoutPlan,
    setName: string | undefined,
    db: LocalData,
    profile: FsProfile,
    root: string,
  ) {
    this.#plan = plan;
    this.#setName = setName;
    this.#db = db;
    this.#profile = profile;
    this.#root = root;
  }

  /**
   * The index row this file already is: by sidecar URL (unless `byUrl` is
   * false: asked already), key, or API name+date.
   */
  find(file: PlannedFile, byUrl = true): Existing | undefined {
    const db = this.#db;
    if (byUrl && !borrowsSidecar(file) && file.meta?.url) {
      const byUrl = db.itemByPhotoUrl(file.meta.url);
      if (byUrl) return { item: byUrl, replace: false, byUrl: true };
    }
    const byKey = db.getItem(file.key) ?? db.itemByAlias(file.key);
    if (byKey) return { item: byKey, replace: false, byUrl: false };
    const taken = file.meta?.photoTakenTime;
    if (taken && !borrowsSidecar(file)) {
      // An item the Library API or the Picker indexed: the same upload,
      // by name and capture time. Takeout's original bytes replace the
      // API's copy.
      const api = findSameUpload(
        db,
        file.match.originalName,
        taken,
        this.#profile,
        (item) => item.source !== "takeout",
      );
      if (api) return { item: api, replace: true, byUrl: false };
    }
    return undefined;
  }

  /**
   * What converge must do with an item found in the backup: nothing when
   * another export stored it by its sidecar; look again when this import
   * decides it and stored it otherwise (from another copy than the first,
   * by a later export) or with a duplicate number.
   */
  flagOf(existing: Existing, file: PlannedFile): number {
    const plan = this.#plan;
    if (!decidesItem(existing.item.sourceRef, plan.parts, this.#setName)) {
      return existing.byUrl ? ITEM_SETTLED : 0;
    }
    const first = plan.copies(plan.itemOf(file.row)).find((r) =>
      plan.skip(r) === undefined
    );
    const chosen = first === undefined ? file : plan.file(first);
    // Numbered: by a run stopped before it put its folders' numbers in
    // order, maybe.
    return existing.item.sourceRef === sourceRefOf(chosen) &&
        existing.item.duplicateNo === 0
      ? 0
      : ITEM_RECHECK;
  }

  async onDisk(item: IndexedItem): Promise<boolean> {
    try {
      const abs = await this.#storedPath(item.path, item.fileName);
      // Synchronous: a stat is a few microseconds, an async op's round
      // trip several times that, once per item of a present export.
      return Deno.statSync(abs).isFile;
    } catch {
      return false;
    }
  }

  /**
   * The absolute path of a stored item, ROOT/<folder>/<fileName>, to look
   * at. The folder is resolved once (resolveInside follows every link on
   * its way, and for a folder not there each step fails with an error
   * object: costly per item of a present export) and never made.
   */
  async #storedPath(folder: string, fileName: string): Promise<string> {
    const root = this.#root;
    if (
      fileName === "" || fileName === "." || fileName === ".." ||
      /[\/\0]/.test(fileName)
    ) {
      return await resolveInside(root, join(folder, fileName));
    }
    let abs = this.#storedFolders.get(folder);
    if (abs === undefined) {
      abs = await resolveInside(root, folder);
      this.#storedFolders.set(folder, abs);
    }
    return join(abs, fileName);
  }
}

/**
 * Marks the items of the plan the backup holds already (by sidecar URL
 * or key, on disk): the first copy present, the others copies; their
 * bytes are not read. Copies of items an earlier run of this export
 * stored are copies.
 */
export async function settlePresent(
  plan: TakeoutPlan,
  state: ImportState,
  db: LocalData,
  present: PresentItems,
): Promise<void> {
  const byUrl = storedByUrl(plan, state, db);
  for (let item = 0; item < plan.itemCount; item++) {
    const rows = firstRows(plan, item);
    if (rows.length === 0) continue;
    const key = plan.itemKey(item);
    let first = COPY;
    if (state.done.has(key)) {
      // Stored by an earlier run of this export, from another copy than
      // one of these, which may come first.
      state.flags[item] |= ITEM_RECHECK;
    } else {
      const file = plan.file(rows[0]);
      const found = byUrl.get(item);
      const existing: Existing | undefined = found === undefined
        ? present.find(file, false)
        : { item: found, replace: false, byUrl: true };
      if (
        !existing || existing.replace || !existing.item.downloaded ||
        !await present.onDisk(existing.item)
      ) continue;
      state.done.set(key, existing.item.remoteId);
      state.counts.alreadyPresent++;
      state.progressItems++;
      state.progressBytes += file.entry.size;
      state.flags[item] |= present.flagOf(existing, file);
      first = PRESENT;
    }
    state.outcome[rows[0]] = first;
    for (const r of rows.slice(1)) state.outcome[r] = COPY;
  }
}

/** The rows of an item this run reads, not left out. */
function firstRows(plan: TakeoutPlan, item: number): number[] {
  return plan.copies(item).filter((r) =>
    !plan.silent(r) && plan.skip(r) === undefined
  );
}

/** The items stored by their sidecar's URL, in one query for the whole export. */
function storedByUrl(
  plan: TakeoutPlan,
  state: ImportState,
  db: LocalData,
): Map<number, IndexedItem> {
  const byUrl = new Map<number, IndexedItem>();
  db.itemsByPhotoUrls(
    (function* () {
      for (let item = 0; item < plan.itemCount; item++) {
        if (state.done.has(plan.itemKey(item))) continue;
        const rows = firstRows(plan, item);
        if (rows.length === 0) continue;
        const file = plan.file(rows[0]);
        if (!borrowsSidecar(file) && file.meta?.url) {
          yield [item, file.meta.url] as [number, string];
        }
      }
    })(),
    (item, stored) => {
      if (!byUrl.has(item)) byUrl.set(item, stored);
    },
  );
  return byUrl;
}
