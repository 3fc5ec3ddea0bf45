// The writer of a source that streams many items (a Takeout export): an
// item's bytes are staged beside their target (staged_write.ts), the item
// waits in a batch, and the batch is committed at once: every file flushed
// to the disk together, renamed into place, then recorded in the index in
// one transaction (restic's archiver/file_saver.go has the same shape). A
// source hands the writer byte streams and what recording each item does;
// it writes no file itself.

import type { LocalData } from "../db/local_data.ts";
import { DiskError } from "../errors.ts";
import { UnsafePathError } from "../fs/fs_errors.ts";
import { KnownFolders } from "../fs/known_folders.ts";
import type { Logger } from "../log.ts";
import {
  type ChunkReader,
  commitStaged,
  discardStaged,
  stageBytes,
  type StagedFile,
  stageEntry,
  type StageOptions,
} from "./staged_write.ts";

/** An item staged and waiting for its batch's commit. */
export interface BatchItem {
  staged: StagedFile[];
  bytes: number;
  /** Index writes, run inside the batch's transaction. */
  record: () => void;
  /** Counts and report lines, once recorded. */
  after: () => void;
  /** Undoes what record() could not do (the files are removed). */
  fail: (reason: string) => void;
  /**
   * Drops what the source kept about the item while it was not in the
   * index (recorded says whether it now is).
   */
  settle?: (recorded: boolean) => void;
}

export interface BatchLimits {
  /** Items staged before the batch is committed. */
  items: number;
  /** Bytes staged past which the batch is committed. */
  bytes: number;
}

export class BatchWriter {
  readonly #db: LocalData;
  readonly #logger: Logger;
  readonly #limits: BatchLimits;
  /** The folders of ROOT files are written into, each made and checked once. */
  readonly #folders: KnownFolders;
  #pending: BatchItem[] = [];
  #pendingBytes = 0;

  constructor(
    root: string,
    db: LocalData,
    logger: Logger,
    limits: BatchLimits,
  ) {
    this.#db = db;
    this.#logger = logger;
    this.#limits = limits;
    this.#folders = new KnownFolders(root);
  }

  /**
   * Stages `reader`'s bytes as ROOT/<folder>/<fileName>. The folder is
   * made and confined once per run (src/fs/known_folders.ts), its identity
   * checked again before the file is created in it and before files are
   * renamed into it. `options` is the caller's, given its folder here
   * (not copied: one object an entry).
   */
  async stage(
    folder: string,
    fileName: string,
    reader: ChunkReader,
    options: StageOptions,
  ): Promise<StagedFile> {
    const known = await this.#folders.folder(folder);
    const path = await known.writable(fileName);
    options.folder = known;
    return await stageEntry(path, reader, options);
  }

  /** Stages a small file (an XMP sidecar) at `target`, in `beside`'s folder. */
  stageBeside(
    beside: StagedFile,
    target: string,
    bytes: Uint8Array,
    mtime: Date | undefined,
  ): Promise<StagedFile> {
    return stageBytes(target, bytes, { mtime, folder: beside.folder });
  }

  /** Removes staged files that will not be committed. */
  drop(files: readonly StagedFile[]): Promise<void> {
    return discardStaged(files);
  }

  /** Adds an item to the batch; commit it with flush() once `full`. */
  add(item: BatchItem): void {
    this.#pending.push(item);
    this.#pendingBytes += item.bytes;
  }

  /** Whether the batch is as large as a batch gets. */
  get full(): boolean {
    return this.#pending.length >= this.#limits.items ||
      this.#pendingBytes > this.#limits.bytes;
  }

  /** Waits for every staged file, renames and records them. */
  async flush(): Promise<void> {
    await this.#commit(this.#pending.length);
  }

  /** Removes the staged files of items that will not be recorded. */
  async discard(): Promise<void> {
    const pending = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    await discardStaged(pending.flatMap((p) => p.staged));
  }

  /** The first `count` pending items: flushed, renamed, then recorded in one transaction. */
  async #commit(count: number): Promise<void> {
    if (count === 0) return;
    const batch = this.#pending.slice(0, count);
    const refused = await this.#rename(batch);
    this.#pending.splice(0, count);
    this.#pendingBytes -= batch.reduce((n, p) => n + p.bytes, 0);
    const failed: BatchItem[] = [...refused];
    const recorded = this.#record(batch, refused, failed);
    for (const p of recorded) {
      p.after();
      p.settle?.(true);
    }
    for (const p of failed) p.settle?.(false);
  }

  /**
   * Flushes and renames the batch's files. A folder replaced by a link
   * while its files were written: they are not kept (the others of the
   * batch are); the items refused so are returned.
   */
  async #rename(batch: readonly BatchItem[]): Promise<Set<BatchItem>> {
    const refused = new Set<BatchItem>();
    for (;;) {
      const left = batch.filter((p) => !refused.has(p));
      try {
        await commitStaged(left.flatMap((p) => p.staged));
        return refused;
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
          this.#logger.error(err.message);
        }
      }
    }
  }

  /**
   * Records the renamed items in one transaction; an item its record()
   * refuses loses its files and goes to `failed`. The items recorded.
   */
  #record(
    batch: readonly BatchItem[],
    refused: ReadonlySet<BatchItem>,
    failed: BatchItem[],
  ): BatchItem[] {
    const recorded: BatchItem[] = [];
    this.#db.transaction(() => {
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
          this.#logger.error(
            `Cannot record ${p.staged[0]?.target}: ${reason}`,
          );
        }
      }
    });
    return recorded;
  }
}
