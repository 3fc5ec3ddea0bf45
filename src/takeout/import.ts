// `gphotos-sync takeout ROOT ARCHIVE...`: import a Google Takeout export
// into the same layout and index as the API sources. Two passes over the
// parts: a listing (names, sizes and the small JSON files), then one
// streaming pass that hands each item once to the import of a file
// (import_file.ts), which stages it with the backup's writer; last, what
// the whole export says of each item (converge.ts), the albums, and the
// parts recorded. Re-running completes an interrupted import; a later
// export adds only what is new.

import { basename } from "node:path";
import type { TakeoutOptions } from "../options.ts";
import type { LocalData } from "../db/local_data.ts";
import { endedCode, ExitCode, InterruptedError } from "../errors.ts";
import type { FsProfile } from "../fs/fs_profile.ts";
import {
  MissingPartError,
  TruncatedArchiveError,
} from "../archive/archive_errors.ts";
import type { ArchiveError } from "../archive/archive_errors.ts";
import type { ArchiveSet } from "../archive/archive_set.ts";
import { parsePartName } from "../archive/part_names.ts";
import { TakeoutParts } from "../db/takeout_parts.ts";
import { reconcileAlbumLinks } from "../backup/album_links.ts";
import type { RunContext } from "../backup/context.ts";
import {
  recordAlbums,
  type ResolvedReferences,
  resolveReferences,
} from "./albums.ts";
import { convergeItems } from "./converge.ts";
import { ITEM_RECHECK } from "./converge_target.ts";
import { Importer } from "./import_file.ts";
import {
  countSkipped,
  entryReport,
  summaryLine,
  takeoutProgress,
} from "./import_report.ts";
import { type ImportState, newState } from "./import_state.ts";
import type { ItemFacts } from "./item_facts.ts";
import type { TakeoutPlan } from "./plan.ts";
import { settlePresent } from "./present_items.ts";
import { earlierItems, forgetStaleKeys, planSet, type SetPlan } from "./set.ts";

/** A part's number in its export (takeout-<time>-NNN), 0 when it has none. */
export function partNumber(path: string): number {
  return parsePartName(basename(path))?.number ?? 0;
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
  const { db, ctx } = job;
  const started = ctx.now().getTime();
  const planned = await listAndPlan(job);
  const { plan } = planned;
  if (job.holdIncomplete) {
    const incomplete = cutShort(planned);
    if (incomplete.length > 0) return held(incomplete);
  }
  const problems = missingFromSeries(planned, job.holdIncomplete === true);
  const state = newState(plan, problems);
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
  await readParts(job, plan, state);
  const references = await complete(job, plan, state);
  forgetStaleKeys(plan, staleKeys, db);
  if (job.setName !== undefined && !job.options.dryRun) {
    await recordParts(job, planned, state);
  }
  return outcome(job, planned, state, references, started);
}

/** Parts found cut short while listed (maybe still being written). */
function cutShort(planned: SetPlan): string[] {
  return planned.listed.filter((l) =>
    l.problems.some((p) => p instanceof TruncatedArchiveError)
  ).map((l) => l.path);
}

/** Nothing imported: parts still being written, given back. */
function held(incomplete: string[]): ImportOutcome {
  return {
    code: ExitCode.ok,
    failed: 0,
    report: {},
    summary: "",
    problems: [],
    incomplete,
  };
}

/**
 * The data pass: every entry to import read once and handed to the
 * importer, then the last batch committed. Items the backup holds
 * already are known by their sidecar (or key) without reading a byte of
 * them: each scheduled export is the whole library again, and only what
 * is new is read.
 */
async function readParts(
  job: ImportJob,
  plan: TakeoutPlan,
  state: ImportState,
): Promise<void> {
  const { options, set, db, profile, ctx } = job;
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
  await settlePresent(plan, state, db, importer.present);
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
  const deferred = new Set<number>();
  const pass = (only?: Set<number>) =>
    readPass(job, plan, state, importer, {
      wantedRow,
      only,
      deferred,
      progress,
    });
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
}

/** What a pass over the parts reads, and where it puts what waits. */
interface PassInput {
  wantedRow: (e: { part: string; index: number }) => number;
  /** The rows deferred by the first pass (the second pass reads only these). */
  only: Set<number> | undefined;
  deferred: Set<number>;
  progress: ((state: ImportState) => void) | undefined;
}

/**
 * One pass over the parts, in order. Originals first: an edited copy or a
 * video half goes beside its original, so the original's place must be
 * known; and a file without a sidecar that may be a copy of files with
 * one comes after them, so that their sidecar's facts hold whatever the
 * order of the listing. Files met before those they wait for are deferred
 * to a second pass.
 */
async function readPass(
  job: ImportJob,
  plan: TakeoutPlan,
  state: ImportState,
  importer: Importer,
  { wantedRow, only, deferred, progress }: PassInput,
): Promise<void> {
  const { set, ctx } = job;
  /** Whether an item a row waits for may still be imported by this pass. */
  const pending = (key: string) =>
    !state.done.has(key) && !state.failed.has(key) && plan.willImport(key);
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
    await importer.importFile(plan.file(row), body);
    progress?.(state);
  }
}

/**
 * Facts the export gave late (a sidecar in a later part, an album's lone
 * sidecar) and duplicate numbers, whatever the order files came in; then
 * the albums and their folders. The album references resolved.
 */
async function complete(
  job: ImportJob,
  plan: TakeoutPlan,
  state: ImportState,
): Promise<ResolvedReferences> {
  const { options, db, profile, ctx } = job;
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
  state.counts.albums = recordAlbums(
    plan,
    state.done,
    db,
    references.resolved,
    job.setName,
    converged.changed,
  );
  if (state.counts.albums > 0) {
    await reconcileAlbumLinks(options, { db, profile, ctx });
  }
  return references;
}

/** The import's outcome: its report, summary line and exit code. */
function outcome(
  job: ImportJob,
  planned: SetPlan,
  state: ImportState,
  references: ResolvedReferences,
  started: number,
): ImportOutcome {
  const { set, ctx } = job;
  const { plan } = planned;
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
  const failures = state.problems.length + c.refused + c.failed;
  return {
    code: endedCode(failures),
    failed: failures,
    report,
    summary: summaryLine(c, seconds),
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
