// `gphotos-sync takeout ROOT ARCHIVE...`: import a Google Takeout export
// into the same layout and index as the API sources. Two passes over the
// parts: a listing (names, sizes and the small JSON files), then one
// streaming pass that writes each item once and records it. Files are
// staged under temporary names and flushed in the background; once on the
// disk they are renamed and recorded in the index in batches (see
// src/takeout/staged_write.ts). Re-running completes an interrupted
// import; a later export adds only what is new.

import { createHash } from "node:crypto";
import { join } from "node:path";
import type { TakeoutOptions } from "../cli/args.ts";
import type { LocalData } from "../db/local_data.ts";
import type { IndexedItem } from "../db/rows.ts";
import { DiskError, ExitCode, InterruptedError } from "../errors.ts";
import { writeStreamAtomic } from "../fs/atomic_write.ts";
import { resolveInside } from "../fs/confine.ts";
import { UnsafePathError } from "../fs/fs_errors.ts";
import { type KnownFolder, KnownFolders } from "../fs/known_folders.ts";
import type { FsProfile } from "../fs/fs_profile.ts";
import { clampFileTime } from "../fs/times.ts";
import { mediaFolder } from "../media/date_path.ts";
import type { ExifFields } from "../media/exif.ts";
import { memoryBytes } from "../media/file_bytes.ts";
import { localFileName, originalName } from "../media/naming.ts";
import type { MediaRecord } from "../media/record.ts";
import { readVideoCreationTimeFrom } from "../media/video_time.ts";
import type { ArchiveError } from "../takeout/archive_errors.ts";
import { ArchiveSet } from "../takeout/archive_set.ts";
import {
  type BestDate,
  chooseBestDate,
  exifOfBytes,
} from "../takeout/best_date.ts";
import { locationText } from "../takeout/metadata.ts";
import {
  commitStaged,
  discardStaged,
  stageBytes,
  type StagedFile,
  stageEntry,
} from "../takeout/staged_write.ts";
import { xmpDataOf, xmpDocument, xmpSidecarPath } from "../takeout/xmp.ts";
import { reconcileAlbumLinks } from "./album_links.ts";
import { withBackup } from "./backup_session.ts";
import type { RunContext } from "./context.ts";
import { formatBytes } from "./status.ts";
import { findSameUpload } from "./placement.ts";
import {
  type AlbumReference,
  borrowedFrom,
  borrowsSidecar,
  photoIdOf,
  planArchives,
  type PlannedFile,
  type RefusedEntry,
  type TakeoutPlan,
} from "./takeout_plan.ts";

export const REPORT_FILE = "gphotos.takeout-report.json";

/** Bytes read ahead to find an EXIF or video date when the sidecar gives none. */
const PEEK_BYTES = 256 * 1024;
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
}

export async function runTakeout(
  options: TakeoutOptions,
  ctx: RunContext,
): Promise<number> {
  const set = await ArchiveSet.open(options.archives);
  try {
    if (options.dryRun) return await dryRun(options, set, ctx);
    // The lock, the temp sweep, the filesystem probe and the index, as
    // sync and pick have them.
    return await withBackup(
      options,
      ctx,
      {},
      ({ db, profile }) => importExport(options, set, db, profile, ctx),
    );
  } finally {
    await set.close();
  }
}

/**
 * The plan and the listing's problems. The listing is planned as it is
 * read (see takeout_plan.ts): neither the entries nor the sidecars' bytes
 * are held, so memory stays small however many items the export has.
 */
async function listAndPlan(
  options: TakeoutOptions,
  set: ArchiveSet,
  ctx: RunContext,
): Promise<{ problems: ArchiveError[]; plan: TakeoutPlan }> {
  return await planArchives(set, {
    includeTrashed: options.includeTrashed,
    skipArchived: options.skipArchived,
    skipVideo: options.skipVideo,
    keepNames: options.dryRun,
    signal: ctx.signal,
  });
}

async function importExport(
  options: TakeoutOptions,
  set: ArchiveSet,
  db: LocalData,
  profile: FsProfile,
  ctx: RunContext,
): Promise<number> {
  const started = ctx.now().getTime();
  const { problems, plan } = await listAndPlan(options, set, ctx);
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
  };
  state.counts.refused = plan.refused.length;
  for (const r of plan.refused) {
    ctx.logger.warn(`Refused ${r.name} in ${r.part}: ${r.reason}`);
  }
  for (const p of problems) ctx.logger.error(p.message);

  /** The row of an entry to import, or -1. */
  const wantedRow = (e: { part: string; index: number }) => {
    const row = plan.rowOf(e.part, e.index);
    return row >= 0 && plan.skip(row) === undefined ? row : -1;
  };
  // The readers forget the rest of the listing (sidecars are half of it).
  set.keepOnly((part, index) => wantedRow({ part, index }) >= 0);
  const { total, totalBytes } = countSkipped(plan, state.counts);
  const progress = options.progress
    ? takeoutProgress(ctx, total, totalBytes)
    : undefined;
  const importer = new Importer({ plan, options, db, profile, ctx, state });

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

  const albums = recordAlbums(plan, state, db, profile);
  state.counts.albums = albums.count;
  if (state.counts.albums > 0) {
    await reconcileAlbumLinks({
      ...options,
      albumInvert: options.albumInvert,
      skipSharedAlbums: false,
    }, { db, profile, ctx });
  }

  const failed = [...state.failed.values()];
  state.counts.failed = failed.length;
  const unclaimedSidecars = [
    ...plan.unclaimedSidecars,
    ...albums.unresolved.map((r) => r.name),
  ].sort();
  const entries = entryReport(plan, state, albums.resolved, unclaimedSidecars);
  const seconds = (ctx.now().getTime() - started) / 1000;
  const report = {
    archives: options.archives,
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
  const reportPath = await resolveInside(options.root, REPORT_FILE);
  // Whole or not at all: a kill while it is written keeps the last report.
  const reportBytes = new TextEncoder().encode(
    JSON.stringify(report, null, 2) + "\n",
  );
  await writeStreamAtomic(reportPath, ReadableStream.from([reportBytes]), {
    expectedSize: reportBytes.length,
  });
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
  }${c.unmatched} without metadata, ${
    skipped ? `skipped ${skipped}, ` : ""
  }${c.refused} entries refused, ${c.failed} failed, ${c.albums} albums, in ${
    seconds.toFixed(1)
  } s. Report: ${reportPath}`;
  ctx.tell(summary);
  if (state.problems.length > 0) {
    for (const p of state.problems) ctx.tell(p.message);
  }
  if (options.json) ctx.result(report, summary);
  return state.problems.length > 0 || c.refused > 0 || c.failed > 0
    ? ExitCode.partial
    : ExitCode.ok;
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
    const copies = plan.copies(item);
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

  constructor(deps: ImportDeps) {
    this.#deps = deps;
    this.#folders = new KnownFolders(deps.options.root);
  }

  async importFile(file: PlannedFile, body: ReadableStream<Uint8Array>) {
    const { ctx, state, options, db } = this.#deps;
    if (state.done.has(file.key)) {
      state.outcome[file.row] = COPY;
      await body.cancel();
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
      await body.cancel();
      return;
    }
    const reader = body.getReader();
    let release = () => {};
    let settle = () => {};
    try {
      let head: Uint8Array[] = [];
      let date = dateFor(file, {}, ctx);
      if (date.source !== "sidecar") {
        head = await readHead(reader, PEEK_BYTES);
        date = dateFor(file, await embeddedDates(head, file), ctx);
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
      if (!options.noXmp && file.meta) {
        const xmp = xmpDocument({
          ...xmpDataOf(file.meta),
          ...(date.source === "sidecar" ? { takenAt: date.date } : {}),
        });
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
    const sourceRef = `${file.entry.part}:${file.entry.name}`;
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
    db.putItemExtras(target.remoteId, {
      people: file.meta?.people ?? [],
      favorite: file.meta?.favorited === true,
      archived: file.meta?.archived === true || file.folderKind === "archive",
      trashed: file.meta?.trashed === true || file.folderKind === "trash",
      photoUrl: borrowsSidecar(file) ? undefined : file.meta?.url,
      archiveEntry: sourceRef,
      matchedBy: file.match.matchedBy,
      dateSource: date.source,
      editOf: file.companion === "edit"
        ? state.done.get(file.companionOf!)
        : undefined,
      pairOf: file.companion === "pair"
        ? state.done.get(file.companionOf!)
        : undefined,
    });
  }

  /** The index row this file already is: by sidecar URL, key, or API name+date. */
  #findExisting(file: PlannedFile): Existing | undefined {
    const { db, profile } = this.#deps;
    if (!borrowsSidecar(file) && file.meta?.url) {
      const byUrl = db.itemByPhotoUrl(file.meta.url);
      if (byUrl) return { item: byUrl, replace: false };
    }
    const byKey = db.getItem(file.key) ?? db.itemByAlias(file.key);
    if (byKey) return { item: byKey, replace: false };
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
      if (api) return { item: api, replace: true };
    }
    return undefined;
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
      const abs = await resolveInside(
        this.#deps.options.root,
        join(item.path, item.fileName),
      );
      return (await Deno.stat(abs)).isFile;
    } catch {
      return false;
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
    // Items of this export that share the name and month are numbered in
    // the plan's order (a block of numbers kept for the whole run), the
    // others after them, as they come.
    const ranked = this.#rank(file);
    let duplicateNo: number;
    if (ranked !== undefined) {
      let block = this.#blocks.get(key);
      if (block === undefined) {
        const base = next();
        block = { base, end: base + ranked.of };
        this.#blocks.set(key, block);
      }
      duplicateNo = block.base + ranked.rank;
      return {
        target: {
          remoteId: record.remoteId,
          path,
          origFileName,
          duplicateNo,
          fileName: localFileName(origFileName, duplicateNo, profile),
        },
        // Not stored after all (identical bytes, a failure): the place is
        // free for the next copy of its size.
        release: ranked.free,
        settle: () => {},
      };
    }
    duplicateNo = next();
    this.#reserved.set(key, duplicateNo + 1);
    return {
      target: {
        remoteId: record.remoteId,
        path,
        origFileName,
        duplicateNo,
        fileName: localFileName(origFileName, duplicateNo, profile),
      },
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
  async #inside(
    folder: string,
    fileName: string,
  ): Promise<{ path: string; folder: KnownFolder }> {
    const known = await this.#folders.folder(folder);
    return { path: await known.writable(fileName), folder: known };
  }
}

/** Reads at least `n` bytes ahead (fewer if the entry is shorter). */
async function readHead(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  n: number,
): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < n) {
    const { value, done } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
  }
  return chunks;
}

/** The EXIF date of a photo, or the movie header date of a video, from its first bytes. */
async function embeddedDates(
  head: Uint8Array[],
  file: PlannedFile,
): Promise<{ exif?: ExifFields; videoTime?: Date }> {
  const bytes = concat(head);
  if (file.isVideo) {
    // Only what the head holds is looked at: a movie header after the
    // media data (moov at the end) is not reached, and the name or the
    // entry time dates the video instead.
    const source = memoryBytes(bytes);
    const videoTime = await readVideoCreationTimeFrom({
      size: file.entry.size,
      read: (offset, length) => source.read(offset, length),
    }).catch(() => undefined);
    return { videoTime };
  }
  return { exif: await exifOfBytes(bytes).catch(() => undefined) };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function dateFor(
  file: PlannedFile,
  embedded: { exif?: ExifFields; videoTime?: Date },
  ctx: RunContext,
): BestDate {
  return chooseBestDate({
    photoTakenTime: file.meta?.photoTakenTime,
    creationTime: file.meta?.creationTime,
    exif: embedded.exif,
    videoTime: embedded.videoTime,
    name: file.match.originalName,
    entryTime: file.entry.mtime ?? ctx.now(),
  }, { now: ctx.now() });
}

function recordOf(file: PlannedFile, date: BestDate): MediaRecord {
  const record: MediaRecord = {
    remoteId: file.key,
    source: "takeout",
    filename: file.match.originalName,
    mimeType: mimeTypeOf(file.match.originalName, file.isVideo),
    description: file.meta?.description ?? "",
    createTime: date.date,
    isVideo: file.isVideo,
  };
  if (file.meta?.geo) record.location = locationText(file.meta.geo);
  return record;
}

/**
 * Each album folder of the export becomes an album of the index, of the
 * items its files are and of those its lone sidecars name (found by photo
 * URL, else by upload name and capture time, in this import or already in
 * the backup, whatever source stored them).
 */
function recordAlbums(
  plan: TakeoutPlan,
  state: ImportState,
  db: LocalData,
  profile: FsProfile,
): { count: number; resolved: number; unresolved: AlbumReference[] } {
  let count = 0;
  let resolved = 0;
  const unresolved: AlbumReference[] = [];
  const referenced = plan.albums.map(() => [] as string[]);
  for (const ref of plan.albumReferences) {
    const id = referencedItem(ref, state, db, profile);
    if (id === undefined) unresolved.push(ref);
    else {
      resolved++;
      referenced[ref.album].push(id);
    }
  }
  db.transaction(() => {
    plan.albums.forEach(({ album, meta, keys }, a) => {
      const ids = new Set(
        keys.map((k) => state.done.get(k))
          .filter((id): id is string => id !== undefined),
      );
      for (const id of referenced[a]) ids.add(id);
      const members = [...ids]
        .map((id) => db.getItem(id))
        .filter((i): i is IndexedItem => i !== undefined)
        .sort((a, b) =>
          a.createDate.getTime() - b.createDate.getTime() ||
          (a.remoteId < b.remoteId ? -1 : a.remoteId > b.remoteId ? 1 : 0)
        );
      if (members.length === 0) return;
      // By folder, not title: two albums may share a title (Takeout names
      // their folders "Trip" and "Trip(1)"), and each keeps its own items.
      const folderName = album.folder.split("/").pop() ?? album.title;
      const albumId = `takeout-album:${folderName.normalize("NFC")}`;
      db.putAlbum({
        remoteId: albumId,
        albumName: album.title,
        size: members.length,
        description: meta?.description,
        startDate: members[0].createDate,
        endDate: members[members.length - 1].createDate,
        isShared: false,
      });
      db.clearAlbumFiles(albumId);
      members.forEach((m, i) => db.putAlbumFile(albumId, m.remoteId, i));
      count++;
    });
  });
  return { count, resolved, unresolved };
}

/** The RemoteId of the item an album's lone sidecar names, if it is held. */
function referencedItem(
  ref: AlbumReference,
  state: ImportState,
  db: LocalData,
  profile: FsProfile,
): string | undefined {
  const id = photoIdOf(ref.url);
  const done = id === undefined ? undefined : state.done.get(`takeout:${id}`);
  if (done !== undefined) return done;
  if (ref.url !== undefined) {
    const byUrl = db.itemByPhotoUrl(ref.url);
    if (byUrl !== undefined) return byUrl.remoteId;
  }
  if (ref.title === undefined || Number.isNaN(ref.takenMs)) return undefined;
  return findSameUpload(db, ref.title, new Date(ref.takenMs), profile)
    ?.remoteId;
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
async function dryRun(
  options: TakeoutOptions,
  set: ArchiveSet,
  ctx: RunContext,
): Promise<number> {
  const { problems, plan } = await listAndPlan(options, set, ctx);
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
  const code = problems.length > 0 || plan.refused.length > 0
    ? ExitCode.partial
    : ExitCode.ok;
  function* targets() {
    for (let item = 0; item < plan.itemCount; item++) {
      const copies = plan.copies(item);
      const row = copies.find((r) => plan.skip(r) === undefined);
      if (row === undefined) continue;
      const f = plan.file(row);
      // Without a sidecar date the import reads the file's EXIF or video
      // header, which a dry run does not: its folder here is provisional.
      const date = dateFor(f, {}, ctx);
      const folder = mediaFolder(date.date, options);
      yield { item, copies, f, date, folder };
    }
  }
  if (options.json) {
    // The plan is a generator: main writes it an item per line as it is
    // worked out, so 100,000 items are not held again as text.
    ctx.result({
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
    }, message);
    return code;
  }
  for (const { f, date, folder } of targets()) {
    const from = date.source === "sidecar"
      ? "date from the sidecar"
      : `no sidecar date: from the file's EXIF or video header if it has one, else ${date.source}`;
    ctx.print(
      `${folder}/${f.match.originalName} <- ${f.entry.name} (${f.match.matchedBy}, ${from})`,
    );
  }
  for (const p of problems) ctx.tell(p.message);
  ctx.print(message);
  return code;
}

function mimeTypeOf(name: string, isVideo: boolean): string {
  const ext = name.slice(name.lastIndexOf(".") + 1).toLowerCase();
  const known: Record<string, string> = {
    jpg: "image/jpeg",
    jpeg: "image/jpeg",
    png: "image/png",
    gif: "image/gif",
    heic: "image/heic",
    heif: "image/heif",
    webp: "image/webp",
    dng: "image/x-adobe-dng",
    tif: "image/tiff",
    tiff: "image/tiff",
    bmp: "image/bmp",
    mp4: "video/mp4",
    mov: "video/quicktime",
    m4v: "video/x-m4v",
    "3gp": "video/3gpp",
    mkv: "video/x-matroska",
    avi: "video/x-msvideo",
    webm: "video/webm",
    mp: "video/mp4",
    mv: "video/mp4",
  };
  return known[ext] ?? (isVideo ? "video/unknown" : "image/unknown");
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
