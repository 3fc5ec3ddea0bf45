// `gphotos-sync takeout ROOT ARCHIVE...`: import a Google Takeout export
// into the same layout and index as the API sources. Two passes over the
// parts: a listing (names, sizes and the small JSON files), then one
// streaming pass that writes each item once and records it. Files are
// staged under temporary names and flushed in the background; once on the
// disk they are renamed and recorded in the index in batches (see
// src/backup/staged_write.ts). Re-running completes an interrupted
// import; a later export adds only what is new.

import { createHash } from "node:crypto";
import { basename, join } from "node:path";
import type { TakeoutOptions } from "../options.ts";
import type { LocalData } from "../db/local_data.ts";
import type { IndexedItem } from "../db/rows.ts";
import { DiskError, endedCode, ExitCode, InterruptedError } from "../errors.ts";
import { writeStreamAtomic } from "../fs/atomic_write.ts";
import { resolveInside } from "../fs/confine.ts";
import { UnsafePathError } from "../fs/fs_errors.ts";
import { type KnownFolder, KnownFolders } from "../fs/known_folders.ts";
import type { FsProfile } from "../fs/fs_profile.ts";
import { clampFileTime } from "../fs/times.ts";
import { mediaFolder } from "../media/date_path.ts";
import { localFileName, originalName } from "../media/naming.ts";
import type { MediaRecord } from "../media/record.ts";
import {
  type ArchiveError,
  MissingPartError,
  TruncatedArchiveError,
} from "../archive/archive_errors.ts";
import { parsePartName } from "../archive/part_names.ts";
import { TakeoutParts } from "../db/takeout_parts.ts";
import {
  decidesItem,
  earlierItems,
  forgetStaleKeys,
  planSet,
  type SetPlan,
} from "./set.ts";
import type { ArchiveSet } from "../archive/archive_set.ts";
import type { BestDate } from "./best_date.ts";
import {
  commitStaged,
  discardStaged,
  stageBytes,
  type StagedFile,
  stageEntry,
} from "../backup/staged_write.ts";
import { xmpSidecarPath } from "../media/naming.ts";
import {
  dateFor,
  embeddedDates,
  extrasFor,
  PEEK_BYTES,
  readHead,
  recordOf,
  sourceRefOf,
  xmpFor,
} from "./item.ts";
import { reconcileAlbumLinks } from "../backup/album_links.ts";
import type { CommandResult, RunContext } from "../backup/context.ts";
import { formatBytes } from "../text/format.ts";
import { findSameUpload } from "../backup/placement.ts";
import { recordAlbums, resolveReferences } from "./albums.ts";
import type { ItemFacts } from "./item_facts.ts";
import { compareWithStored, type EntryReader } from "../backup/stored_copy.ts";
import {
  convergeItems,
  ITEM_INSERTED,
  ITEM_NUMBERED,
  ITEM_RECHECK,
  ITEM_SETTLED,
} from "./converge.ts";
import {
  borrowedFrom,
  borrowsSidecar,
  type PlannedFile,
  type RefusedEntry,
  type TakeoutPlan,
} from "./plan.ts";

export const REPORT_FILE = "gphotos.takeout-report.json";

/**
 * Staged items committed together: their files flushed at once, renamed,
 * then recorded in one transaction (see src/takeout/staged_write.ts). A
 * batch of a few hundred small files is what the disk flushes fastest;
 * the files stay open until then, an item's file and its XMP sidecar,
 * well under the usual limit of 1024 handles.
 */
const PENDING_MAX_ITEMS = 128;
const PENDING_MAX_BYTES = 512 * 1024 * 1024;

interface Unmatched {
  entry: string;
  part: string;
  date: string;
  dateFrom: BestDate["source"];
  path?: string;
}

/** A numbered file dated by the sidecar Google wrote for its first copy. */
interface ForgottenDuplicate {
  entry: string;
  part: string;
  date: string;
  path: string;
}

/**
 * Where each media entry ended (by plan row); rows left at 0 were never met
 * by the data pass (their part could not be read that far).
 */
const IMPORTED = 1;
const REPLACED = 2;
const IDENTICAL = 3;
const COPY = 4;
const PRESENT = 5;
const FAILED = 6;

/**
 * Every file entry of the parts, counted where it ended: each entry is in
 * exactly one of these, and they add up to `listed`.
 */
export interface EntryReport {
  listed: number;
  /** Media written as new items. */
  imported: number;
  /** Media written over an API copy of the same item. */
  replacedApiCopies: number;
  /** Bytes the backup holds already under another name. */
  identical: number;
  /** Another copy of an item of this export (album folders, parts). */
  copies: number;
  alreadyPresent: number;
  skippedTrash: number;
  skippedArchived: number;
  skippedVideos: number;
  failed: number;
  /** In a part that could not be read that far (see problems). */
  notRead: number;
  /** Sidecars used by the files they describe. */
  sidecars: number;
  /** Sidecars in album folders that made their item a member. */
  albumMemberships: number;
  unclaimedSidecars: number;
  unreadableJson: number;
  albumMetadata: number;
  otherFiles: number;
  /** The same name in several parts, after the first. */
  repeated: number;
  refused: number;
}

export interface TakeoutCounts {
  imported: number;
  /** Already in the index from an earlier import or this one. */
  alreadyPresent: number;
  /** Same bytes as an item already stored under another name. */
  identical: number;
  /** Library API items whose file was replaced by Takeout's original. */
  replacedApiCopies: number;
  editedCopies: number;
  livePairs: number;
  /** Numbered files dated by their first copy's sidecar (immich-go #68). */
  forgottenDuplicates: number;
  /** Items already stored that a sidecar of this import dated and described. */
  completed: number;
  unmatched: number;
  skippedTrash: number;
  skippedArchived: number;
  skippedVideos: number;
  refused: number;
  failed: number;
  albums: number;
  bytes: number;
}

interface ImportState {
  counts: TakeoutCounts;
  unmatched: Unmatched[];
  forgottenDuplicates: ForgottenDuplicate[];
  /** Where each media entry ended, by plan row (IMPORTED...). */
  outcome: Uint8Array;
  /** Failed items by key; a later copy of the item that imports clears it. */
  failed: Map<string, RefusedEntry>;
  problems: ArchiveError[];
  /** Items imported (or being imported), and the RemoteId each is stored as. */
  done: DoneItems;
  /** Items and bytes handled so far, for --progress. */
  progressItems: number;
  progressBytes: number;
  /** By plan item: what converge needs to know (ITEM_INSERTED...). */
  flags: Uint8Array;
}

/** A part's number in its export (takeout-<time>-NNN), 0 when it has none. */
export function partNumber(path: string): number {
  return parsePartName(basename(path))?.number ?? 0;
}

/** Writes the report whole or not at all (a kill keeps the last one). */
export async function writeReport(
  root: string,
  report: object,
): Promise<string> {
  const reportPath = await resolveInside(root, REPORT_FILE);
  const reportBytes = new TextEncoder().encode(
    JSON.stringify(report, null, 2) + "\n",
  );
  await writeStreamAtomic(reportPath, ReadableStream.from([reportBytes]), {
    expectedSize: reportBytes.length,
  });
  return reportPath;
}

/** One import: the parts to read, and where the export's record is. */
export interface ImportJob {
  options: TakeoutOptions;
  /** The parts to read now, opened. */
  set: ArchiveSet;
  /**
   * The export these parts are of, when they are parts of one: they are
   * planned with the parts of it imported before, and recorded.
   */
  setName: string | undefined;
  db: LocalData;
  profile: FsProfile;
  ctx: RunContext;
  /**
   * Parts found cut short while listed are still being written (a
   * scheduled run): nothing is imported, they are given back.
   */
  holdIncomplete?: boolean;
  /**
   * Each part's size and time when it was found (a scheduled run): what
   * is recorded, so that a part changed since is read again.
   */
  stats?: ReadonlyMap<string, { size: number; mtime: Date | undefined }>;
}

export interface ImportOutcome {
  code: number;
  /** Problems met, entries refused and items failed (exit 3 when any). */
  failed: number;
  report: Record<string, unknown>;
  /** The summary line (without the report's path). */
  summary: string;
  /** The problems to show, one line each. */
  problems: string[];
  /** With holdIncomplete: the parts still being written; nothing was done. */
  incomplete?: string[];
}

/**
 * The plan and the listing's problems. The listing is planned as it is
 * read (see takeout_plan.ts): neither the entries nor the sidecars' bytes
 * are held, so memory stays small however many items the export has. The
 * parts of the same export imported before come from the index's record.
 */
async function listAndPlan(job: ImportJob) {
  const { options, set, setName, db, ctx } = job;
  const records = setName === undefined || options.dryRun
    ? undefined
    : new TakeoutParts(db);
  const given = new Set(set.parts.map((p) => basename(p.part)));
  const earlier = records === undefined
    ? []
    : records.ofSet(setName!).filter((r) =>
      (r.state === "imported" || r.state === "damaged") && !given.has(r.name)
    );
  return await planSet({
    set,
    earlier,
    options: {
      includeTrashed: options.includeTrashed,
      skipArchived: options.skipArchived,
      skipVideo: options.skipVideo,
      keepNames: options.dryRun,
      // Items met again later (present, or completed by a later sidecar)
      // are worked out from the plan alone.
      keepMediaNames: true,
    },
    db: records === undefined ? undefined : db,
    record: records !== undefined,
    signal: ctx.signal,
  });
}

/** Imports the parts of `job` into the backup; the report, not written. */
export async function importParts(job: ImportJob): Promise<ImportOutcome> {
  const { options, set, db, profile, ctx } = job;
  const started = ctx.now().getTime();
  const planned = await listAndPlan(job);
  const { plan } = planned;
  if (job.holdIncomplete) {
    const cut = planned.listed.filter((l) =>
      l.problems.some((p) => p instanceof TruncatedArchiveError)
    ).map((l) => l.path);
    if (cut.length > 0) {
      return {
        code: ExitCode.ok,
        failed: 0,
        report: {},
        summary: "",
        problems: [],
        incomplete: cut,
      };
    }
  }
  const problems = missingFromSeries(planned, job.holdIncomplete === true);
  const state: ImportState = {
    counts: emptyCounts(),
    unmatched: [],
    forgottenDuplicates: [],
    outcome: new Uint8Array(plan.fileCount),
    failed: new Map(),
    problems,
    done: new DoneItems(plan),
    progressItems: 0,
    progressBytes: 0,
    flags: new Uint8Array(plan.itemCount),
  };
  state.counts.refused = plan.refused.length;
  for (const r of plan.refused) {
    ctx.logger.warn(`Refused ${r.name} in ${r.part}: ${r.reason}`);
  }
  for (const p of problems) ctx.logger.error(p.message);
  // What the parts imported before became is known without reading them.
  const staleKeys = earlierItems(
    plan,
    planned.earlier,
    db,
    state.done,
    (item) => state.flags[item] |= ITEM_RECHECK,
  );

  const { total, totalBytes } = countSkipped(plan, state.counts);
  const progress = options.progress
    ? takeoutProgress(ctx, total, totalBytes)
    : undefined;
  const importer = new Importer({
    plan,
    setName: job.setName,
    options,
    db,
    profile,
    ctx,
    state,
  });
  // Items the backup holds already are known by their sidecar (or key)
  // without reading a byte of them: each scheduled export is the whole
  // library again, and only what is new is read.
  await importer.settlePresent();
  if (state.progressItems > 0) progress?.(state);

  /** The row of an entry to import, or -1. */
  const wantedRow = (e: { part: string; index: number }) => {
    const row = plan.rowOf(e.part, e.index);
    return row >= 0 && plan.skip(row) === undefined &&
        state.outcome[row] === 0
      ? row
      : -1;
  };
  // The readers forget the rest of the listing (sidecars are half of it).
  set.keepOnly((part, index) => wantedRow({ part, index }) >= 0);

  // Originals first: an edited copy or a video half goes beside its
  // original, so the original's place must be known; and a file without a
  // sidecar that may be a copy of files with one comes after them, so that
  // their sidecar's facts hold whatever the order of the listing. Parts
  // are streamed in order; files met before those they wait for are read
  // in a second pass.
  const deferred = new Set<number>();
  /** Whether an item a row waits for may still be imported by this pass. */
  const pending = (key: string) =>
    !state.done.has(key) && !state.failed.has(key) && plan.willImport(key);
  const pass = async (only?: Set<number>) => {
    for await (
      const { entry, body } of set.entries({
        want: (e) => {
          const row = wantedRow(e);
          return row >= 0 && (only === undefined || only.has(row));
        },
        signal: ctx.signal,
        onProblem: (p) => {
          state.problems.push(p);
          ctx.logger.error(p.message);
        },
      })
    ) {
      const row = wantedRow(entry);
      const companionOf = plan.companionOf(row);
      if (
        only === undefined &&
        ((companionOf !== undefined && !state.done.has(companionOf) &&
          plan.hasItem(companionOf)) ||
          plan.waitsFor(row)?.some(pending))
      ) {
        deferred.add(row);
        await body.cancel();
        continue;
      }
      await importer.importFile(plan.file(row, entry), body);
      progress?.(state);
    }
  };
  // Between commits the index is only read: the reads share one
  // transaction instead of taking and dropping the file's lock for each
  // (eight system calls a query, six queries an item); each batch of
  // writes still commits on its own.
  db.beginBatch(1);
  try {
    await pass();
    if (deferred.size > 0) await pass(deferred);
    await importer.flush();
    db.endBatch();
  } catch (err) {
    try {
      db.endBatch();
    } catch {
      // The error that stopped the import is the one to report.
    }
    if (ctx.signal.aborted) {
      // What is fully written is kept and recorded: the next run has less
      // to do, and nothing half-done remains.
      await importer.flush().catch(() => importer.discard());
      throw new InterruptedError();
    }
    await importer.discard();
    throw err;
  }
  if (ctx.signal.aborted) throw new InterruptedError();

  // Facts the export gave late (a sidecar in a later part, an album's
  // lone sidecar) and duplicate numbers, whatever the order files came in.
  const referenceFacts = new Map<string, ItemFacts>();
  for (
    const { ref, id } of resolveReferences(plan, state.done, db, profile)
      .resolved
  ) {
    if (!referenceFacts.has(id)) {
      referenceFacts.set(id, plan.referenceFacts(ref));
    }
  }
  const converged = await convergeItems({
    plan,
    done: state.done,
    flags: state.flags,
    db,
    profile,
    options,
    referenceFacts,
    setName: job.setName,
    now: ctx.now(),
    logger: ctx.logger,
  });
  state.counts.completed = converged.completed;
  if (converged.dated.size > 0) {
    state.unmatched = state.unmatched.filter((u) =>
      !converged.dated.has(u.entry)
    );
    state.counts.unmatched = state.unmatched.length;
  }

  const references = resolveReferences(plan, state.done, db, profile);
  const albums = recordAlbums(
    plan,
    state.done,
    db,
    references.resolved,
    job.setName,
    converged.changed,
  );
  state.counts.albums = albums;
  if (state.counts.albums > 0) {
    await reconcileAlbumLinks({
      ...options,
      albumInvert: options.albumInvert,
      skipSharedAlbums: false,
    }, { db, profile, ctx });
  }
  forgetStaleKeys(plan, staleKeys, db);
  if (job.setName !== undefined && !options.dryRun) {
    await recordParts(job, planned, state);
  }

  const failed = [...state.failed.values()];
  state.counts.failed = failed.length;
  const unclaimedSidecars = [
    ...plan.unclaimedSidecars,
    ...references.unresolved.filter((r) => !r.silent).map((r) => r.name),
  ].sort();
  const entries = entryReport(
    plan,
    state,
    references.resolved.filter((r) => !r.ref.silent).length,
    unclaimedSidecars,
  );
  const seconds = (ctx.now().getTime() - started) / 1000;
  const report = {
    archives: set.parts.map((p) => p.part),
    ...(planned.earlier.length > 0
      ? { earlierParts: planned.earlier.map((r) => r.path) }
      : {}),
    finished: ctx.now().toISOString(),
    seconds,
    counts: state.counts,
    entries,
    unmatched: state.unmatched,
    forgottenDuplicates: state.forgottenDuplicates,
    refused: plan.refused,
    failed,
    unreadableJson: plan.badJson,
    unclaimedSidecars,
    otherFiles: plan.otherFiles,
    problems: state.problems.map((p) => p.message),
  };
  const c = state.counts;
  const skipped = [
    c.skippedTrash ? `${c.skippedTrash} in the trash` : "",
    c.skippedArchived ? `${c.skippedArchived} archived` : "",
    c.skippedVideos ? `${c.skippedVideos} videos` : "",
  ].filter((s) => s !== "").join(", ");
  const summary = `gphotos-sync takeout: ${c.imported} imported (${
    formatBytes(c.bytes)
  }), ${c.alreadyPresent} already present, ${c.identical} identical copies, ${c.replacedApiCopies} API copies replaced by originals, ${c.editedCopies} edited copies, ${c.livePairs} live/motion video halves, ${
    c.forgottenDuplicates
      ? `${c.forgottenDuplicates} numbered copies dated by their first copy's sidecar, `
      : ""
  }${
    c.completed
      ? `${c.completed} items completed by a sidecar that came later, `
      : ""
  }${c.unmatched} without metadata, ${
    skipped ? `skipped ${skipped}, ` : ""
  }${c.refused} entries refused, ${c.failed} failed, ${c.albums} albums, in ${
    seconds.toFixed(1)
  } s.`;
  const failures = state.problems.length + c.refused + c.failed;
  return {
    code: endedCode(failures),
    failed: failures,
    report,
    summary,
    problems: state.problems.map((p) => p.message),
  };
}

/**
 * Parts missing from the middle of the numbered series: given alone, a
 * problem; parts the same export's earlier runs imported are not missing,
 * and a scheduled run waits for parts still to come.
 */
function missingFromSeries(planned: SetPlan, waits: boolean): ArchiveError[] {
  const earlier = new Set(planned.earlier.map((r) => r.name));
  return planned.problems.filter((p) => {
    if (!(p instanceof MissingPartError)) return true;
    return !waits && !earlier.has(basename(p.part));
  });
}

/**
 * The new parts in the index: imported (or damaged: some entries could
 * not be read), with what each media entry became. Written last: a run
 * killed before reads these parts again.
 */
async function recordParts(
  job: ImportJob,
  planned: SetPlan,
  state: ImportState,
): Promise<void> {
  const { db, ctx, setName } = job;
  const records = new TakeoutParts(db);
  const { plan } = planned;
  const stats = new Map<
    string,
    { size: number; mtime: Date | undefined } | undefined
  >();
  for (const part of planned.listed) {
    const info = job.stats?.get(part.path) ??
      await Deno.stat(part.path).then((i) => ({
        size: i.size,
        mtime: i.mtime ?? undefined,
      })).catch(() => undefined);
    stats.set(part.path, info);
  }
  const failedParts = new Set(
    [...state.failed.values()].map((f) => f.part),
  );
  db.transaction(() => {
    for (const part of planned.listed) {
      const name = basename(part.path);
      const info = stats.get(part.path);
      const damaged = part.problems.length > 0 ||
        state.problems.some((p) => p.part === part.path) ||
        failedParts.has(part.path);
      records.put({
        name,
        set: setName!,
        number: partNumber(part.path),
        path: part.path,
        size: info?.size ?? 0,
        mtime: info?.mtime,
        checksum: part.checksum,
        entries: part.entries,
        state: damaged ? "damaged" : "imported",
        reason: damaged
          ? "some entries could not be read: see the report of the run that read it"
          : undefined,
        importedAt: ctx.now(),
      });
    }
    for (let row = 0; row < plan.fileCount; row++) {
      if (plan.silent(row)) continue;
      const { part, index } = plan.entryOf(row);
      const id = state.done.get(plan.key(row));
      records.setItem(basename(part), index, id, plan.key(row));
    }
  });
}

/**
 * Items (not copies) left out, by reason: an item counts when no copy is
 * imported. Also the items to import and their bytes (first copy's size),
 * for --progress.
 */
function countSkipped(
  plan: TakeoutPlan,
  counts: TakeoutCounts,
): { total: number; totalBytes: number } {
  let total = 0;
  let totalBytes = 0;
  for (let item = 0; item < plan.itemCount; item++) {
    // Parts an earlier run imported are counted already.
    const copies = plan.copies(item).filter((r) => !plan.silent(r));
    if (copies.length === 0) continue;
    const imported = copies.find((r) => plan.skip(r) === undefined);
    if (imported !== undefined) {
      total++;
      totalBytes += plan.size(imported);
      continue;
    }
    const reason = plan.skip(copies[0]);
    if (reason === "trashed") counts.skippedTrash++;
    else if (reason === "archived") counts.skippedArchived++;
    else if (reason === "video") counts.skippedVideos++;
  }
  return { total, totalBytes };
}

/**
 * Items imported (or being imported) by this run, and the RemoteId each is
 * stored as: a byte per item of the plan, the RemoteId kept only when it is
 * not the item's key (an item found in the index, identical bytes). A Map
 * of every key would grow with every item imported.
 */
class DoneItems {
  readonly #plan: TakeoutPlan;
  readonly #done: Uint8Array;
  readonly #other = new Map<number, string>();
  /** Keys that are no item of the plan (none are expected). */
  readonly #outside = new Map<string, string>();

  constructor(plan: TakeoutPlan) {
    this.#plan = plan;
    this.#done = new Uint8Array(plan.itemCount);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  get(key: string): string | undefined {
    const item = this.#plan.itemOfKey(key);
    if (item < 0) return this.#outside.get(key);
    if (!this.#done[item]) return undefined;
    return this.#other.get(item) ?? key;
  }

  set(key: string, remoteId: string): void {
    const item = this.#plan.itemOfKey(key);
    if (item < 0) {
      this.#outside.set(key, remoteId);
      return;
    }
    this.#done[item] = 1;
    if (remoteId === key) this.#other.delete(item);
    else this.#other.set(item, remoteId);
  }

  /** The items stored under another RemoteId than their key. */
  *elsewhere(): Iterable<[number, string]> {
    yield* this.#other;
  }

  delete(key: string): void {
    const item = this.#plan.itemOfKey(key);
    if (item < 0) {
      this.#outside.delete(key);
      return;
    }
    this.#done[item] = 0;
    this.#other.delete(item);
  }
}

interface ImportDeps {
  plan: TakeoutPlan;
  /** The export the parts are of, when they are one's. */
  setName: string | undefined;
  options: TakeoutOptions;
  db: LocalData;
  profile: FsProfile;
  ctx: RunContext;
  state: ImportState;
}

/** Where an item goes on disk. */
interface Target {
  remoteId: string;
  path: string;
  fileName: string;
  origFileName: string;
  duplicateNo: number;
}

/** A staged item waiting for its flush, and what recording it does. */
interface Pending {
  staged: StagedFile[];
  bytes: number;
  /** Index writes, run inside the batch's transaction. */
  record: () => void;
  /** Counts and report lines, once recorded. */
  after: () => void;
  /** Undoes what record() could not do (the files are removed). */
  fail: (reason: string) => void;
  /**
   * Drops what this run kept about the item while it was not in the index
   * (recorded says whether it now is).
   */
  settle?: (recorded: boolean) => void;
}

/** An index row this file already is, and whether Takeout's bytes replace it. */
interface Existing {
  item: IndexedItem;
  /** A Library API copy: Takeout's original replaces it at the same path. */
  replace: boolean;
  /** Found by its sidecar's photo URL. */
  byUrl: boolean;
}

class Importer {
  readonly #deps: ImportDeps;
  #pending: Pending[] = [];
  #pendingBytes = 0;
  /** Next free duplicate number per folder and name, for items not yet recorded. */
  readonly #reserved = new Map<string, number>();
  /** Numbers kept for the items the plan ranks, per folder and name. */
  readonly #blocks = new Map<string, { base: number; end: number }>();
  /**
   * By duplicate group: the place of each of its items not yet stored, how
   * many places, and those taken.
   */
  readonly #ranks = new Map<
    number,
    { of: number; place: Map<number, number>; taken: Set<number> }
  >();
  /** sha256:size -> RemoteId of the items staged by this run. */
  readonly #hashes = new Map<string, string>();
  /** Placement of the items staged by this run, by RemoteId. */
  readonly #placed = new Map<string, { path: string; createDate: Date }>();
  /** The folders of ROOT files are written into, each made and checked once. */
  readonly #folders: KnownFolders;
  /** Folders of stored items, resolved inside ROOT (looked at, never made). */
  readonly #storedFolders = new Map<string, string>();

  constructor(deps: ImportDeps) {
    this.#deps = deps;
    this.#folders = new KnownFolders(deps.options.root);
  }

  async importFile(file: PlannedFile, body: ReadableStream<Uint8Array>) {
    const { ctx, state, options, db, plan } = this.#deps;
    let reader: EntryReader = body.getReader();
    if (state.done.has(file.key)) {
      state.outcome[file.row] = COPY;
      await reader.cancel();
      return;
    }
    const existing = this.#findExisting(file);
    if (
      existing && !existing.replace && existing.item.downloaded &&
      await this.#onDisk(existing.item)
    ) {
      state.done.set(file.key, existing.item.remoteId);
      state.failed.delete(file.key);
      state.outcome[file.row] = PRESENT;
      state.counts.alreadyPresent++;
      state.progressItems++;
      state.progressBytes += file.entry.size;
      state.flags[plan.itemOf(file.row)] |= this.#presentFlag(
        existing,
        file,
      );
      await reader.cancel();
      return;
    }
    const waits = existing ? undefined : plan.waitsFor(file.row);
    if (waits !== undefined) {
      // Named and sized as files with a sidecar: an album's copy of one of
      // those, if its bytes are theirs.
      const ids = waits.flatMap((k) => {
        const id = state.done.get(k);
        return id === undefined ? [] : [id];
      });
      const copy = await this.#copyOf(file, ids, reader);
      if (copy.of !== undefined) {
        state.outcome[file.row] = COPY;
        state.done.set(file.key, copy.of);
        state.failed.delete(file.key);
        return;
      }
      reader = copy.reader!;
    }
    let release = () => {};
    let settle = () => {};
    try {
      let head: Uint8Array[] = [];
      let date = dateFor(file, {}, ctx.now());
      if (date.source !== "sidecar") {
        head = await readHead(reader, PEEK_BYTES);
        date = dateFor(file, await embeddedDates(head, file), ctx.now());
      }
      const record = recordOf(file, date);
      let target: Target;
      if (existing) target = existing.item;
      else {
        const placed = this.#place(file, record);
        target = placed.target;
        release = placed.release;
        settle = placed.settle;
      }
      const rel = join(target.path, target.fileName);
      const { path: abs, folder } = await this.#inside(
        target.path,
        target.fileName,
      );
      const mtime = clampFileTime(
        record.createTime,
        this.#deps.profile.minTime,
      );
      const hash = createHash("sha256");
      const media = await stageEntry(abs, reader, {
        expectedSize: file.entry.size,
        mtime,
        signal: ctx.signal,
        onChunk: (chunk) => hash.update(chunk),
        head,
        folder,
      });
      const sha256 = hash.digest("hex");
      const twin = existing ? undefined : await this.#twinOf(sha256, media);
      if (twin !== undefined) {
        // The same bytes are stored already (an upload made twice): keep
        // one file, and remember this copy as an alias for the next import.
        await discardStaged([media]);
        release();
        state.done.set(file.key, twin);
        state.failed.delete(file.key);
        state.outcome[file.row] = IDENTICAL;
        state.progressItems++;
        state.progressBytes += media.bytes;
        this.#push({
          staged: [],
          bytes: 0,
          record: () => db.putContentHash(file.key, sha256, media.bytes),
          after: () => state.counts.identical++,
          fail: () => {},
        });
        return;
      }
      if (file.sidecarUnreadable) {
        // Imported without it, the file would keep a guessed date for
        // good: a later import finds the same bytes and leaves them be.
        await discardStaged([media]);
        release();
        this.#failed(
          file,
          "its sidecar could not be read (see the problem of its part " +
            "below), so its date and description are unknown: the next " +
            "import that can read it imports the file",
        );
        return;
      }
      const staged = [media];
      const xmp = options.noXmp ? undefined : xmpFor(file, date);
      if (xmp !== undefined) {
        try {
          staged.push(
            await stageBytes(
              xmpSidecarPath(abs),
              new TextEncoder().encode(xmp),
              { mtime, folder },
            ),
          );
        } catch (err) {
          await discardStaged(staged);
          throw err;
        }
      }
      const hashKey = `${sha256}:${media.bytes}`;
      this.#hashes.set(hashKey, target.remoteId);
      this.#placed.set(target.remoteId, {
        path: target.path,
        createDate: existing ? existing.item.createDate : record.createTime,
      });
      const settlePlace = settle;
      state.done.set(file.key, target.remoteId);
      state.failed.delete(file.key);
      state.progressItems++;
      state.progressBytes += media.bytes;
      this.#push({
        staged,
        bytes: media.bytes,
        record: () =>
          this.#record(file, target, existing, record, date, {
            sha256,
            bytes: media.bytes,
          }),
        after: () => {
          if (existing?.replace) state.counts.replacedApiCopies++;
          else state.counts.imported++;
          state.flags[plan.itemOf(file.row)] |= ITEM_INSERTED |
            (target.duplicateNo > 0 ? ITEM_NUMBERED : 0);
          state.outcome[file.row] = existing?.replace ? REPLACED : IMPORTED;
          state.counts.bytes += media.bytes;
          const companion = borrowedFrom(file);
          if (companion === "edit") state.counts.editedCopies++;
          if (companion === "pair") state.counts.livePairs++;
          if (companion === "duplicate") {
            state.counts.forgottenDuplicates++;
            state.forgottenDuplicates.push({
              entry: file.entry.name,
              part: file.entry.part,
              date: date.date.toISOString(),
              path: rel,
            });
          }
          if (file.match.matchedBy === "none") {
            state.counts.unmatched++;
            state.unmatched.push({
              entry: file.entry.name,
              part: file.entry.part,
              date: date.date.toISOString(),
              dateFrom: date.source,
              path: rel,
            });
          }
          ctx.logger.debug(`Imported ${rel} from ${file.entry.name}`);
        },
        fail: (reason) => {
          state.done.delete(file.key);
          this.#failed(file, reason);
        },
        settle: (recorded) => {
          // Once in the index, the index answers for it (and memory does
          // not grow with every item imported).
          this.#hashes.delete(hashKey);
          this.#placed.delete(target.remoteId);
          if (recorded) settlePlace();
        },
      });
      if (
        this.#pending.length >= PENDING_MAX_ITEMS ||
        this.#pendingBytes > PENDING_MAX_BYTES
      ) {
        await this.flush();
      }
    } catch (err) {
      await reader.cancel().catch(() => {});
      release();
      if (ctx.signal.aborted) throw new InterruptedError();
      // A full or read-only disk stops the import; anything else (a damaged
      // entry, a name the filesystem refuses) fails this file only.
      if (err instanceof DiskError) throw err;
      this.#failed(file, err instanceof Error ? err.message : String(err));
    }
    // The reader is not released: the body ends with this entry, and a
    // release makes an error object (with its stack) per entry.
  }

  /** Waits for every staged file, renames and records them. */
  async flush() {
    await this.#commit(this.#pending.length);
  }

  /** Removes the staged files of items that will not be recorded. */
  async discard() {
    const pending = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    await discardStaged(pending.flatMap((p) => p.staged));
  }

  #push(pending: Pending) {
    this.#pending.push(pending);
    this.#pendingBytes += pending.bytes;
  }

  /** The first `count` pending items: flushed, renamed, then recorded in one transaction. */
  async #commit(count: number) {
    if (count === 0) return;
    const batch = this.#pending.slice(0, count);
    const { db, ctx } = this.#deps;
    const recorded: Pending[] = [];
    const failed: Pending[] = [];
    // A folder replaced by a link while its files were written: they are
    // not kept (the others of the batch are).
    const refused = new Set<Pending>();
    for (;;) {
      const left = batch.filter((p) => !refused.has(p));
      try {
        await commitStaged(left.flatMap((p) => p.staged));
        break;
      } catch (err) {
        if (!(err instanceof UnsafePathError)) throw err;
        const inFolder = left.filter((p) =>
          p.staged.some((f) => f.folder?.path === err.path)
        );
        if (inFolder.length === 0) throw err;
        for (const p of inFolder) {
          refused.add(p);
          await discardStaged(p.staged);
          p.fail(err.message);
          ctx.logger.error(err.message);
        }
      }
    }
    this.#pending.splice(0, count);
    this.#pendingBytes -= batch.reduce((n, p) => n + p.bytes, 0);
    for (const p of refused) failed.push(p);
    db.transaction(() => {
      for (const p of batch) {
        if (refused.has(p)) continue;
        try {
          p.record();
          recorded.push(p);
        } catch (err) {
          failed.push(p);
          if (err instanceof DiskError) throw err;
          const reason = err instanceof Error ? err.message : String(err);
          for (const f of p.staged) {
            try {
              Deno.removeSync(f.target);
            } catch {
              // Already gone.
            }
          }
          p.fail(reason);
          ctx.logger.error(`Cannot record ${p.staged[0]?.target}: ${reason}`);
        }
      }
    });
    for (const p of recorded) {
      p.after();
      p.settle?.(true);
    }
    for (const p of failed) p.settle?.(false);
  }

  #failed(file: PlannedFile, reason: string) {
    const { state, ctx } = this.#deps;
    state.outcome[file.row] = FAILED;
    state.failed.set(file.key, {
      part: file.entry.part,
      name: file.entry.name,
      reason,
    });
    ctx.logger.error(`Cannot import ${file.entry.name}: ${reason}`);
  }

  #record(
    file: PlannedFile,
    target: Target,
    existing: Existing | undefined,
    record: MediaRecord,
    date: BestDate,
    content: { sha256: string; bytes: number },
  ) {
    const { db, state } = this.#deps;
    const sourceRef = sourceRefOf(file);
    if (existing) {
      db.updateItemMetadata(existing.item.remoteId, {
        description: record.description || undefined,
        location: record.location,
        sourceRef: existing.replace ? sourceRef : undefined,
      });
      db.markDownloaded(existing.item.remoteId, content.bytes);
    } else {
      db.insertItem({
        remoteId: target.remoteId,
        source: "takeout",
        path: target.path,
        fileName: target.fileName,
        origFileName: target.origFileName,
        duplicateNo: target.duplicateNo,
        mimeType: record.mimeType,
        description: record.description,
        createDate: record.createTime,
        isVideo: record.isVideo,
        fileSize: content.bytes,
        downloaded: true,
        location: record.location,
        sourceRef,
      });
    }
    db.putContentHash(target.remoteId, content.sha256, content.bytes);
    if (target.remoteId !== file.key) {
      // A replaced API copy: the key finds it again without a sidecar URL.
      db.putContentHash(file.key, content.sha256, content.bytes);
    }
    db.putItemExtras(
      target.remoteId,
      extrasFor(
        file,
        date,
        file.companionOf === undefined
          ? undefined
          : state.done.get(file.companionOf),
      ),
    );
  }

  /**
   * The index row this file already is: by sidecar URL (unless `byUrl` is
   * false: asked already), key, or API name+date.
   */
  #findExisting(file: PlannedFile, byUrl = true): Existing | undefined {
    const { db, profile } = this.#deps;
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
        profile,
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
  #presentFlag(existing: Existing, file: PlannedFile): number {
    const { plan } = this.#deps;
    if (!this.#owned(existing.item)) return existing.byUrl ? ITEM_SETTLED : 0;
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

  /** Whether this import decides an item of the backup (see decidesItem). */
  #owned(item: IndexedItem): boolean {
    return decidesItem(
      item.sourceRef,
      this.#deps.plan.parts,
      this.#deps.setName,
    );
  }

  /**
   * Whether the entry read by `reader` is a copy of one of the items `ids`
   * (stored, of its size), compared byte for byte with the file on disk;
   * when it is none, a reader of the whole entry again.
   */
  async #copyOf(
    file: PlannedFile,
    ids: readonly string[],
    reader: EntryReader,
  ): Promise<{ of?: string; reader?: EntryReader }> {
    const { db, options } = this.#deps;
    for (const id of new Set(ids)) {
      // Staged by this run and not recorded yet: recorded first.
      if (this.#placed.has(id)) await this.flush();
      const item = db.getItem(id);
      if (!item?.downloaded || item.fileSize !== file.entry.size) continue;
      let abs: string;
      try {
        abs = await resolveInside(options.root, join(item.path, item.fileName));
      } catch {
        continue;
      }
      const compared = await compareWithStored(reader, [], abs);
      if (compared.same) {
        const hash = db.contentHashOf(id);
        if (hash !== undefined) {
          this.#push({
            staged: [],
            bytes: 0,
            record: () => db.putContentHash(file.key, hash.sha256, hash.size),
            after: () => {},
            fail: () => {},
          });
        }
        return { of: id };
      }
      reader = compared.reader;
    }
    return { reader };
  }

  /** An item already stored with these bytes, still on disk. */
  async #twinOf(
    sha256: string,
    staged: StagedFile,
  ): Promise<string | undefined> {
    const mine = this.#hashes.get(`${sha256}:${staged.bytes}`);
    if (mine !== undefined) return mine;
    const stored = this.#deps.db.itemByContentHash(sha256, staged.bytes);
    if (stored && stored.downloaded && await this.#onDisk(stored)) {
      return stored.remoteId;
    }
    return undefined;
  }

  async #onDisk(item: IndexedItem): Promise<boolean> {
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
   * Marks the items of the plan the backup holds already (by sidecar URL
   * or key, on disk): the first copy present, the others copies; their
   * bytes are not read. Copies of items an earlier run of this export
   * stored are copies.
   */
  async settlePresent(): Promise<void> {
    const { plan, state, db } = this.#deps;
    const firstRows = (item: number) =>
      plan.copies(item).filter((r) =>
        !plan.silent(r) && plan.skip(r) === undefined
      );
    // By sidecar URL first, in one query for the whole export.
    const byUrl = new Map<number, IndexedItem>();
    db.itemsByPhotoUrls(
      (function* () {
        for (let item = 0; item < plan.itemCount; item++) {
          if (state.done.has(plan.itemKey(item))) continue;
          const rows = firstRows(item);
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
    for (let item = 0; item < plan.itemCount; item++) {
      const rows = firstRows(item);
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
          ? this.#findExisting(file, false)
          : { item: found, replace: false, byUrl: true };
        if (
          !existing || existing.replace || !existing.item.downloaded ||
          !await this.#onDisk(existing.item)
        ) continue;
        state.done.set(key, existing.item.remoteId);
        state.counts.alreadyPresent++;
        state.progressItems++;
        state.progressBytes += file.entry.size;
        state.flags[item] |= this.#presentFlag(existing, file);
        first = PRESENT;
      }
      state.outcome[rows[0]] = first;
      for (const r of rows.slice(1)) state.outcome[r] = COPY;
    }
  }

  /**
   * Where a new item goes; edits and video halves go beside their
   * original, with its date. The duplicate number is reserved until
   * release() (items staged but not yet recorded count too).
   */
  #place(
    file: PlannedFile,
    record: MediaRecord,
  ): { target: Target; release: () => void; settle: () => void } {
    const { db, profile, options, state } = this.#deps;
    let path: string | undefined;
    if (file.companionOf) {
      const id = state.done.get(file.companionOf);
      const original = id === undefined
        ? undefined
        : this.#placed.get(id) ?? db.getItem(id);
      if (original) {
        path = original.path;
        record.createTime = original.createDate;
      }
    }
    path ??= mediaFolder(record.createTime, options);
    const origFileName = originalName(
      record.filename || record.remoteId,
      profile,
    );
    const key = `${path}\u0000${
      profile.caseInsensitive ? origFileName.toLowerCase() : origFileName
    }`;
    const next = () =>
      Math.max(
        db.nextDuplicateNo(path, origFileName, profile.caseInsensitive),
        this.#reserved.get(key) ?? 0,
        this.#blocks.get(key)?.end ?? 0,
      );
    /**
     * A file the index does not know at that number (put there by hand).
     * One of this entry's size is its own, renamed by a run stopped before
     * it recorded it: written over, as that run would have left it.
     */
    const foreign = (n: number) => {
      const name = localFileName(origFileName, n, profile);
      let info: Deno.FileInfo;
      try {
        info = Deno.lstatSync(join(options.root, path!, name));
      } catch {
        return false;
      }
      if (info.isFile && info.size === file.entry.size) return false;
      return db.itemByPath(path!, name) === undefined;
    };
    const targetAt = (duplicateNo: number): Target => ({
      remoteId: record.remoteId,
      path: path!,
      origFileName,
      duplicateNo,
      fileName: localFileName(origFileName, duplicateNo, profile),
    });
    // Items of this export that share the name and month are numbered in
    // the plan's order (a block of numbers kept for the whole run), the
    // others after them, as they come.
    let ranked = this.#rank(file);
    let duplicateNo: number;
    if (ranked !== undefined && !this.#blocks.has(key)) {
      const base = next();
      for (let n = base; n < base + ranked.of; n++) {
        if (foreign(n)) {
          // Numbered as they come, around that file.
          ranked.free();
          ranked = undefined;
          break;
        }
      }
      if (ranked !== undefined) {
        this.#blocks.set(key, { base, end: base + ranked.of });
      }
    }
    if (ranked !== undefined) {
      const block = this.#blocks.get(key)!;
      duplicateNo = block.base + ranked.rank;
      return {
        target: targetAt(duplicateNo),
        // Not stored after all (identical bytes, a failure): the place is
        // free for the next copy of its size.
        release: ranked.free,
        settle: () => {},
      };
    }
    duplicateNo = next();
    while (foreign(duplicateNo)) duplicateNo++;
    this.#reserved.set(key, duplicateNo + 1);
    return {
      target: targetAt(duplicateNo),
      release: () => {
        if (this.#reserved.get(key) === duplicateNo + 1) {
          this.#reserved.set(key, duplicateNo);
        }
      },
      // Recorded: the index gives the next number from now on.
      settle: () => {
        if (this.#reserved.get(key) === duplicateNo + 1) {
          this.#reserved.delete(key);
        }
      },
    };
  }

  /**
   * An item's place among the items of this export that share its name and
   * month folder and are not in the backup yet (see
   * TakeoutPlan.duplicateGroups), or undefined when it shares them with
   * none. Items of the same size may be one upload's copies, whose bytes
   * turn out identical: they share a place, which the first to come takes.
   */
  #rank(
    file: PlannedFile,
  ): { rank: number; of: number; free: () => void } | undefined {
    const { plan, db } = this.#deps;
    const item = plan.itemOf(file.row);
    const { groupOf, groups } = plan.duplicateGroups();
    const g = groupOf.get(item);
    if (g === undefined) return undefined;
    let ranks = this.#ranks.get(g);
    if (ranks === undefined) {
      // Items an earlier import stored keep their numbers and take none.
      const key = (i: number) => plan.itemKey(i);
      const absent = groups[g].filter((i) =>
        i === item ||
        (db.getItem(key(i)) ?? db.itemByAlias(key(i))) === undefined
      );
      const sizeOf = (i: number) => plan.size(plan.copies(i)[0]);
      const places = new Map<number, number>();
      ranks = { of: 0, place: new Map(), taken: new Set() };
      for (const i of absent) {
        const size = sizeOf(i);
        let place = places.get(size);
        if (place === undefined) places.set(size, place = ranks.of++);
        ranks.place.set(i, place);
      }
      this.#ranks.set(g, ranks);
    }
    const rank = ranks.place.get(item);
    if (rank === undefined || ranks.of < 2 || ranks.taken.has(rank)) {
      return undefined;
    }
    const taken = ranks.taken;
    taken.add(rank);
    return { rank, of: ranks.of, free: () => taken.delete(rank) };
  }

  /**
   * Where to create ROOT/<folder>/<fileName>, and its folder: made and
   * confined once per run (src/fs/known_folders.ts), its identity checked
   * again before each file is created in it and before files are renamed
   * into it.
   */
  /**
   * The absolute path of a stored item, ROOT/<folder>/<fileName>, to look
   * at. The folder is resolved once (resolveInside follows every link on
   * its way, and for a folder not there each step fails with an error
   * object: costly per item of a present export) and never made.
   */
  async #storedPath(folder: string, fileName: string): Promise<string> {
    const { root } = this.#deps.options;
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

  async #inside(
    folder: string,
    fileName: string,
  ): Promise<{ path: string; folder: KnownFolder }> {
    const known = await this.#folders.folder(folder);
    return { path: await known.writable(fileName), folder: known };
  }
}

/**
 * Where every file entry of the parts ended, counted: media entries by
 * their row's outcome, the rest as the plan sorted them.
 */
function entryReport(
  plan: TakeoutPlan,
  state: ImportState,
  albumMemberships: number,
  unclaimedSidecars: readonly string[],
): EntryReport {
  const e: EntryReport = {
    listed: plan.entryCounts.listed,
    imported: 0,
    replacedApiCopies: 0,
    identical: 0,
    copies: 0,
    alreadyPresent: 0,
    skippedTrash: 0,
    skippedArchived: 0,
    skippedVideos: 0,
    failed: 0,
    notRead: 0,
    sidecars: plan.entryCounts.sidecars,
    albumMemberships,
    unclaimedSidecars: unclaimedSidecars.length,
    unreadableJson: plan.badJson.length,
    albumMetadata: plan.entryCounts.albumMetadata,
    otherFiles: plan.otherFiles.reduce((n, o) => n + (o.entries ?? 1), 0),
    repeated: plan.entryCounts.repeated,
    refused: plan.refused.length,
  };
  for (let row = 0; row < plan.fileCount; row++) {
    if (plan.silent(row)) continue;
    const skip = plan.skip(row);
    if (skip === "trashed") e.skippedTrash++;
    else if (skip === "archived") e.skippedArchived++;
    else if (skip === "video") e.skippedVideos++;
    else {
      switch (state.outcome[row]) {
        case IMPORTED:
          e.imported++;
          break;
        case REPLACED:
          e.replacedApiCopies++;
          break;
        case IDENTICAL:
          e.identical++;
          break;
        case COPY:
          e.copies++;
          break;
        case PRESENT:
          e.alreadyPresent++;
          break;
        case FAILED:
          // A copy that failed while another copy of its item did not.
          if (state.done.has(plan.key(row))) e.copies++;
          else e.failed++;
          break;
        default:
          e.notRead++;
      }
    }
  }
  return e;
}

/** --dry-run: the plan on stdout; nothing is written. */
export async function dryRun(
  options: TakeoutOptions,
  set: ArchiveSet,
  ctx: RunContext,
): Promise<CommandResult> {
  const { problems, plan } = await planSet({
    set,
    earlier: [],
    options: {
      includeTrashed: options.includeTrashed,
      skipArchived: options.skipArchived,
      skipVideo: options.skipVideo,
      keepNames: true,
    },
    record: false,
    signal: ctx.signal,
  });
  // Counted first, so that each item is printed as it is worked out: the
  // plan of 100,000 items is not held twice more as lines or objects.
  let count = 0;
  let skipped = 0;
  for (let item = 0; item < plan.itemCount; item++) {
    const copies = plan.copies(item);
    const kept = copies.filter((r) => plan.skip(r) === undefined).length;
    skipped += copies.length - kept;
    if (kept > 0) count++;
  }
  // Albums of files, and albums of sidecars only (their items may be
  // found in the backup).
  const referenced = new Set(plan.albumReferences.map((r) => r.album));
  const albums = plan.albums.filter((a, i) =>
    a.keys.length > 0 || referenced.has(i)
  ).map((a) => a.album.title);
  const message =
    `Dry run: ${count} items would be imported (before checking the index), ${skipped} skipped, ${albums.length} albums, ${plan.refused.length} entries refused. Nothing was written.`;
  const failed = problems.length + plan.refused.length;
  function* targets() {
    for (let item = 0; item < plan.itemCount; item++) {
      const copies = plan.copies(item);
      const row = copies.find((r) => plan.skip(r) === undefined);
      if (row === undefined) continue;
      const f = plan.file(row);
      // Without a sidecar date the import reads the file's EXIF or video
      // header, which a dry run does not: its folder here is provisional.
      const date = dateFor(f, {}, ctx.now());
      const folder = mediaFolder(date.date, options);
      yield { item, copies, f, date, folder };
    }
  }
  if (options.json) {
    // The plan is a generator: main writes it an item per line as it is
    // worked out, so 100,000 items are not held again as text.
    return {
      failed,
      message,
      report: () => ({
        dryRun: true,
        items: count,
        skipped,
        albums,
        refused: plan.refused,
        problems: problems.map((p) => p.message),
        plan: (function* () {
          for (const { item, copies, f, date, folder } of targets()) {
            yield {
              key: plan.itemKey(item),
              entry: f.entry.name,
              part: f.entry.part,
              target: `${folder}/${f.match.originalName}`,
              sidecar: f.match.sidecar ?? null,
              matchedBy: f.match.matchedBy,
              date: date.date.toISOString(),
              dateFrom: date.source,
              copies: copies.length,
            };
          }
        })(),
      }),
    };
  }
  return {
    failed,
    lines: (function* () {
      for (const { f, date, folder } of targets()) {
        const from = date.source === "sidecar"
          ? "date from the sidecar"
          : `no sidecar date: from the file's EXIF or video header if it has one, else ${date.source}`;
        yield `${folder}/${f.match.originalName} <- ${f.entry.name} (${f.match.matchedBy}, ${from})`;
      }
      yield message;
    })(),
    notes: problems.map((p) => p.message),
  };
}

function emptyCounts(): TakeoutCounts {
  return {
    imported: 0,
    alreadyPresent: 0,
    identical: 0,
    replacedApiCopies: 0,
    editedCopies: 0,
    livePairs: 0,
    forgottenDuplicates: 0,
    completed: 0,
    unmatched: 0,
    skippedTrash: 0,
    skippedArchived: 0,
    skippedVideos: 0,
    refused: 0,
    failed: 0,
    albums: 0,
    bytes: 0,
  };
}

/** --progress for an import: items and bytes with an estimate of the time left. */
function takeoutProgress(
  ctx: RunContext,
  totalItems: number,
  totalBytes: number,
): (state: ImportState) => void {
  const start = ctx.now().getTime();
  let last = 0;
  return (state) => {
    const now = ctx.now().getTime();
    const done = state.progressItems;
    if (now - last < (ctx.isTty ? 200 : 10_000) && done < totalItems) return;
    last = now;
    const bytes = state.progressBytes;
    const rate = bytes / Math.max(1, now - start);
    const eta = rate > 0 ? Math.round((totalBytes - bytes) / rate / 1000) : 0;
    const line = `Importing: ${done}/${totalItems} items, ${
      formatBytes(bytes)
    } of ${formatBytes(totalBytes)}, about ${eta} s left`;
    ctx.stderr(ctx.isTty ? `\r\x1b[2K${line}` : `${line}\n`);
  };
}
