// The import of one file entry of an export: skipped when the backup holds
// it already or it is a copy of an item of this run, else dated (by its
// sidecar, or its EXIF or video header), placed (src/backup/placement.ts),
// its bytes hashed while they are staged, and kept unless the backup holds
// the same bytes already; then it waits with its XMP sidecar in the
// writer's batch (src/backup/batch_writer.ts) until the batch is committed
// and recorded. This module holds no file open and writes none itself.

import { createHash, type Hash } from "node:crypto";
import { join } from "node:path";
import type { TakeoutOptions } from "../options.ts";
import type { LocalData } from "../db/local_data.ts";
import { DiskError, InterruptedError } from "../errors.ts";
import { resolveInside } from "../fs/confine.ts";
import type { FsProfile } from "../fs/fs_profile.ts";
import { clampFileTime } from "../fs/times.ts";
import { xmpSidecarPath } from "../media/naming.ts";
import type { MediaRecord } from "../media/record.ts";
import type { ItemPlacement } from "../db/rows.ts";
import type { RunContext } from "../backup/context.ts";
import { type BatchItem, BatchWriter } from "../backup/batch_writer.ts";
import { type StagedPlacement, StagedPlacements } from "../backup/placement.ts";
import type { StagedFile, StageOptions } from "../backup/staged_write.ts";
import { compareWithStored, type EntryReader } from "../backup/stored_copy.ts";
import type { BestDate } from "./best_date.ts";
import { ITEM_INSERTED, ITEM_NUMBERED } from "./converge_target.ts";
import { DuplicateRanks } from "./duplicate_ranks.ts";
import {
  COPY,
  FAILED,
  IDENTICAL,
  IMPORTED,
  type ImportState,
  PRESENT,
  REPLACED,
} from "./import_state.ts";
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
import { borrowedFrom, type PlannedFile, type TakeoutPlan } from "./plan.ts";
import { type Existing, PresentItems } from "./present_items.ts";

/**
 * Staged items committed together: their files flushed at once, renamed,
 * then recorded in one transaction (see src/backup/batch_writer.ts). A
 * batch of a few hundred small files is what the disk flushes fastest;
 * the files stay open until then, an item's file and its XMP sidecar,
 * well under the usual limit of 1024 handles.
 */
const BATCH_LIMITS = { items: 128, bytes: 512 * 1024 * 1024 };

export interface ImportDeps {
  plan: TakeoutPlan;
  /** The export the parts are of, when they are one's. */
  setName: string | undefined;
  options: TakeoutOptions;
  db: LocalData;
  profile: FsProfile;
  ctx: RunContext;
  state: ImportState;
}

/** Where an item goes on disk: a new place, or the row it replaces. */
type Target = ItemPlacement & { remoteId: string };

export class Importer {
  readonly #deps: ImportDeps;
  readonly #writer: BatchWriter;
  readonly #places: StagedPlacements;
  readonly #ranks: DuplicateRanks;
  readonly present: PresentItems;
  /** sha256:size -> RemoteId of the items staged by this run. */
  readonly #hashes = new Map<string, string>();

  constructor(deps: ImportDeps) {
    const { plan, setName, options, db, profile, ctx } = deps;
    this.#deps = deps;
    this.#writer = new BatchWriter(options.root, db, ctx.logger, BATCH_LIMITS);
    this.#places = new StagedPlacements(db, profile, options);
    this.#ranks = new DuplicateRanks(plan, db);
    this.present = new PresentItems(plan, setName, db, profile, options.root);
  }

  /**
   * Imports one file entry from `body`, read to its end or cancelled.
   * The reader is not released: the body ends with this entry, and a
   * release makes an error object (with its stack) per entry.
   */
  async importFile(file: PlannedFile, body: ReadableStream<Uint8Array>) {
    const { ctx, state, plan } = this.#deps;
    let reader: EntryReader = body.getReader();
    if (state.done.has(file.key)) {
      state.outcome[file.row] = COPY;
      await reader.cancel();
      return;
    }
    const existing = this.present.find(file);
    if (
      existing && !existing.replace && existing.item.downloaded &&
      await this.present.onDisk(existing.item)
    ) {
      this.#isPresent(file, existing);
      await reader.cancel();
      return;
    }
    const waits = existing ? undefined : plan.waitsFor(file.row);
    if (waits !== undefined) {
      // Named and sized as files with a sidecar: an album's copy of one of
      // those, if its bytes are theirs.
      const copy = await this.#copyOf(file, this.#doneIds(waits), reader);
      if (copy.of !== undefined) {
        this.#isCopy(file, copy.of);
        return;
      }
      reader = copy.reader!;
    }
    let placed: StagedPlacement | undefined;
    let staged: StagedFile[] | undefined;
    try {
      let head: Uint8Array[] = [];
      let date = dateFor(file, {}, ctx.now());
      if (date.source !== "sidecar") {
        head = await readHead(reader, PEEK_BYTES);
        date = dateFor(file, await embeddedDates(head, file), ctx.now());
      }
      const record = recordOf(file, date);
      if (!existing) placed = this.#place(file, record);
      const target: Target = placed?.placement ?? existing!.item;
      const hash = createHash("sha256");
      const options = this.#stageOptions(file, record, hash, head);
      const media = await this.#writer.stage(
        target.path,
        target.fileName,
        reader,
        options,
      );
      const sha256 = hash.digest("hex");
      const twin = existing ? undefined : await this.#twinOf(sha256, media);
      if (twin !== undefined || file.sidecarUnreadable) {
        await this.#writer.drop([media]);
        placed?.release();
        this.#notKept(file, twin, sha256, media.bytes);
        return;
      }
      staged = [media];
      const xmp = this.#xmpOf(file, date);
      if (xmp) staged.push(await this.#stageXmp(media, xmp, options));
      this.#writer.add(
        this.#staged(
          file,
          target,
          existing,
          record,
          date,
          staged,
          sha256,
          placed,
        ),
      );
      staged = undefined;
      if (this.#writer.full) await this.#writer.flush();
    } catch (err) {
      await this.#stopped(file, err, reader, staged, placed);
    }
  }

  /**
   * Where a new item goes: beside its original when it has one, in its
   * duplicate group's block of numbers when it is in one.
   */
  #place(file: PlannedFile, record: MediaRecord): StagedPlacement {
    return this.#places.place(
      record,
      file.entry.size,
      this.#originalOf(file),
      this.#ranks.rankOf(file.row),
    );
  }

  /**
   * How a file's bytes are staged: checked for size, hashed, and timed
   * with its capture time (as far as the filesystem can hold it).
   */
  #stageOptions(
    file: PlannedFile,
    record: MediaRecord,
    hash: Hash,
    head: Uint8Array[],
  ): StageOptions {
    return {
      expectedSize: file.entry.size,
      mtime: clampFileTime(record.createTime, this.#deps.profile.minTime),
      signal: this.#deps.ctx.signal,
      onChunk: (chunk) => hash.update(chunk),
      head,
    };
  }

  /** Stages a file's XMP sidecar beside it, with its time. */
  #stageXmp(
    media: StagedFile,
    xmp: Uint8Array,
    options: StageOptions,
  ): Promise<StagedFile> {
    const path = xmpSidecarPath(media.target);
    return this.#writer.stageBeside(media, path, xmp, options.mtime);
  }

  /** The XMP sidecar of a file, unless --no-xmp. */
  #xmpOf(file: PlannedFile, date: BestDate): Uint8Array | undefined {
    if (this.#deps.options.noXmp) return undefined;
    const xmp = xmpFor(file, date);
    return xmp === undefined ? undefined : new TextEncoder().encode(xmp);
  }

  /**
   * A file not imported after all: its bytes are stored already (an
   * upload made twice: one file is kept, and this copy is remembered as
   * an alias for the next import), or its sidecar could not be read.
   */
  #notKept(
    file: PlannedFile,
    twin: string | undefined,
    sha256: string,
    bytes: number,
  ) {
    if (twin !== undefined) {
      this.#isIdentical(file, twin, sha256, bytes);
      return;
    }
    // Imported without it, the file would keep a guessed date for good: a
    // later import finds the same bytes and leaves them be.
    this.#failed(
      file,
      "its sidecar could not be read (see the problem of its part " +
        "below), so its date and description are unknown: the next " +
        "import that can read it imports the file",
    );
  }

  /**
   * A file's import stopped by `err`: its staged files (not in the batch
   * yet) removed, its place given back. A full or read-only disk, or the
   * run stopped, stops the import; anything else (a damaged entry, a name
   * the filesystem refuses) fails this file only.
   */
  async #stopped(
    file: PlannedFile,
    err: unknown,
    reader: EntryReader,
    staged: StagedFile[] | undefined,
    placed: StagedPlacement | undefined,
  ) {
    if (staged !== undefined) await this.#writer.drop(staged);
    await reader.cancel().catch(() => {});
    placed?.release();
    if (this.#deps.ctx.signal.aborted) throw new InterruptedError();
    if (err instanceof DiskError) throw err;
    this.#failed(file, err instanceof Error ? err.message : String(err));
  }

  /** Waits for every staged file, renames and records them. */
  flush(): Promise<void> {
    return this.#writer.flush();
  }

  /** Removes the staged files of items that will not be recorded. */
  discard(): Promise<void> {
    return this.#writer.discard();
  }

  /** The file is an item the backup holds, on disk: its bytes are not read. */
  #isPresent(file: PlannedFile, existing: Existing) {
    const { state, plan } = this.#deps;
    state.done.set(file.key, existing.item.remoteId);
    state.failed.delete(file.key);
    state.outcome[file.row] = PRESENT;
    state.counts.alreadyPresent++;
    state.progressItems++;
    state.progressBytes += file.entry.size;
    state.flags[plan.itemOf(file.row)] |= this.present.flagOf(existing, file);
  }

  /** The file is a copy of item `of` (an album's copy). */
  #isCopy(file: PlannedFile, of: string) {
    const { state } = this.#deps;
    state.outcome[file.row] = COPY;
    state.done.set(file.key, of);
    state.failed.delete(file.key);
  }

  /** The file's bytes are item `twin`'s, stored already: an alias of it. */
  #isIdentical(file: PlannedFile, twin: string, sha256: string, bytes: number) {
    const { state, db } = this.#deps;
    state.done.set(file.key, twin);
    state.failed.delete(file.key);
    state.outcome[file.row] = IDENTICAL;
    state.progressItems++;
    state.progressBytes += bytes;
    this.#writer.add({
      staged: [],
      bytes: 0,
      record: () => db.putContentHash(file.key, sha256, bytes),
      after: () => state.counts.identical++,
      fail: () => {},
    });
  }

  /** The RemoteIds of the items `keys` done so far. */
  #doneIds(keys: readonly string[]): string[] {
    const { state } = this.#deps;
    return keys.flatMap((k) => {
      const id = state.done.get(k);
      return id === undefined ? [] : [id];
    });
  }

  /** The place of an edited copy's or video half's original, once done. */
  #originalOf(file: PlannedFile) {
    if (!file.companionOf) return undefined;
    const id = this.#deps.state.done.get(file.companionOf);
    return id === undefined ? undefined : this.#places.placeOf(id);
  }

  /**
   * A staged item in the batch: what recording it does, counts once it is
   * recorded, and what its failure undoes. Until recorded, its place and
   * hash are known to this run only.
   */
  #staged(
    file: PlannedFile,
    target: Target,
    existing: Existing | undefined,
    record: MediaRecord,
    date: BestDate,
    staged: StagedFile[],
    sha256: string,
    placed: StagedPlacement | undefined,
  ): BatchItem {
    const { state } = this.#deps;
    const bytes = staged[0].bytes;
    const hashKey = `${sha256}:${bytes}`;
    this.#hashes.set(hashKey, target.remoteId);
    this.#places.staged(target.remoteId, {
      path: target.path,
      createDate: existing ? existing.item.createDate : record.createTime,
    });
    state.done.set(file.key, target.remoteId);
    state.failed.delete(file.key);
    state.progressItems++;
    state.progressBytes += bytes;
    return {
      staged,
      bytes,
      record: () =>
        this.#record(file, target, existing, record, date, { sha256, bytes }),
      after: () => this.#imported(file, target, existing, date, bytes),
      fail: (reason) => {
        state.done.delete(file.key);
        this.#failed(file, reason);
      },
      settle: (recorded) => {
        // Once in the index, the index answers for it (and memory does
        // not grow with every item imported).
        this.#hashes.delete(hashKey);
        this.#places.forget(target.remoteId);
        if (recorded) placed?.settle();
      },
    };
  }

  /** Counts and report lines of a file recorded. */
  #imported(
    file: PlannedFile,
    target: Target,
    existing: Existing | undefined,
    date: BestDate,
    bytes: number,
  ) {
    const { state, plan, ctx } = this.#deps;
    const rel = join(target.path, target.fileName);
    if (existing?.replace) state.counts.replacedApiCopies++;
    else state.counts.imported++;
    state.flags[plan.itemOf(file.row)] |= ITEM_INSERTED |
      (target.duplicateNo > 0 ? ITEM_NUMBERED : 0);
    state.outcome[file.row] = existing?.replace ? REPLACED : IMPORTED;
    state.counts.bytes += bytes;
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

  /** The index rows of a file written: its item (new or replaced), hash, extras. */
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
      if (this.#places.isStaged(id)) await this.flush();
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
          this.#writer.add({
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
    if (stored && stored.downloaded && await this.present.onDisk(stored)) {
      return stored.remoteId;
    }
    return undefined;
  }
}
