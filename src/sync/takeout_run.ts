// `gphotos-sync takeout ROOT ARCHIVE...`: import a Google Takeout export
// into the same layout and index as the API sources. Two passes over the
// parts: a listing (names, sizes and the small JSON files), then one
// streaming pass that writes each item once, atomically, and records it.
// Re-running completes an interrupted import; a later export adds only
// what is new.

import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import type { TakeoutOptions } from "../cli/args.ts";
import { LocalData } from "../db/local_data.ts";
import type { IndexedItem } from "../db/rows.ts";
import { DiskError, ExitCode, InterruptedError } from "../errors.ts";
import { cleanStaleTemps, writeStreamAtomic } from "../fs/atomic_write.ts";
import { resolveInside } from "../fs/confine.ts";
import { type FsProfile, probeFsProfile } from "../fs/fs_profile.ts";
import { acquireLock } from "../fs/lock.ts";
import { clampFileTime } from "../fs/times.ts";
import { mediaFolder } from "../media/date_path.ts";
import { localFileName, originalName } from "../media/naming.ts";
import type { MediaRecord } from "../media/record.ts";
import type { ArchiveError } from "../takeout/archive_errors.ts";
import { ArchiveSet } from "../takeout/archive_set.ts";
import {
  type BestDate,
  chooseBestDate,
  exifOfBytes,
} from "../takeout/best_date.ts";
import { locationText } from "../takeout/metadata.ts";
import { xmpDataOf, xmpDocument, xmpSidecarPath } from "../takeout/xmp.ts";
import { reconcileAlbumLinks } from "./album_links.ts";
import type { RunContext } from "./context.ts";
import { placeRecord } from "./placement.ts";
import { formatBytes } from "./status.ts";
import {
  planImport,
  type PlannedFile,
  type RefusedEntry,
  type TakeoutPlan,
} from "./takeout_plan.ts";

export const REPORT_FILE = "gphotos.takeout-report.json";

/** Bytes read ahead to find an EXIF date when the sidecar gives none. */
const EXIF_PEEK_BYTES = 256 * 1024;

interface Unmatched {
  entry: string;
  part: string;
  date: string;
  dateFrom: BestDate["source"];
  path?: string;
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
  unmatched: number;
  skippedTrash: number;
  skippedArchived: number;
  refused: number;
  failed: number;
  albums: number;
  bytes: number;
}

interface ImportState {
  counts: TakeoutCounts;
  unmatched: Unmatched[];
  failed: RefusedEntry[];
  problems: ArchiveError[];
  /** Item key -> the RemoteId it ended up as. */
  done: Map<string, string>;
  cleaned: Set<string>;
}

export async function runTakeout(
  options: TakeoutOptions,
  ctx: RunContext,
): Promise<number> {
  const set = await ArchiveSet.open(options.archives);
  try {
    if (options.dryRun) return await dryRun(options, set, ctx);
    await Deno.mkdir(options.root, { recursive: true });
    await Deno.mkdir(options.dbPath, { recursive: true });
    const held = await acquireLock(options.dbPath, {
      logger: ctx.logger,
      now: ctx.now,
    });
    if (!held.acquired) {
      ctx.tell(
        `Another run is using the index in ${options.dbPath} (${held.holder.description}); nothing was done.`,
      );
      return ExitCode.ok;
    }
    try {
      const profile = await probeFsProfile(options.root, {
        ntfs: options.ntfs,
        caseInsensitiveFs: options.caseInsensitiveFs,
        maxFilename: options.maxFilename,
      }, { logger: ctx.logger });
      using db = LocalData.open(options.dbPath, {
        logger: ctx.logger,
        now: ctx.now,
      });
      return await importExport(options, set, db, profile, ctx);
    } finally {
      held.lock.release();
    }
  } finally {
    await set.close();
  }
}

async function listAndPlan(
  options: TakeoutOptions,
  set: ArchiveSet,
  ctx: RunContext,
) {
  const listing = await set.list({
    collect: (e) => e.name.toLowerCase().endsWith(".json"),
    collectMaxBytes: 4 * 1024 * 1024,
    signal: ctx.signal,
  });
  const plan = planImport(listing, {
    includeTrashed: options.includeTrashed,
    skipArchived: options.skipArchived,
  });
  return { listing, plan };
}

async function importExport(
  options: TakeoutOptions,
  set: ArchiveSet,
  db: LocalData,
  profile: FsProfile,
  ctx: RunContext,
): Promise<number> {
  const started = ctx.now().getTime();
  const { listing, plan } = await listAndPlan(options, set, ctx);
  const state: ImportState = {
    counts: emptyCounts(),
    unmatched: [],
    failed: [],
    problems: [...listing.problems],
    done: new Map(),
    cleaned: new Set(),
  };
  state.counts.refused = plan.refused.length;
  for (const r of plan.refused) {
    ctx.logger.warn(`Refused ${r.name} in ${r.part}: ${r.reason}`);
  }
  for (const p of listing.problems) ctx.logger.error(p.message);

  const wanted = new Map<string, PlannedFile>();
  for (const f of plan.files) {
    if (f.skip === "trashed") state.counts.skippedTrash++;
    else if (f.skip === "archived") state.counts.skippedArchived++;
    else wanted.set(`${f.entry.part}\u0000${f.entry.index}`, f);
  }
  const total = new Set([...wanted.values()].map((f) => f.key)).size;
  const totalBytes = [...wanted.values()].reduce(
    (n, f) => n + f.entry.size,
    0,
  );
  const progress = options.progress
    ? takeoutProgress(ctx, total, totalBytes)
    : undefined;

  // Originals first: an edited copy or a video half goes beside its
  // original, so the original's place must be known. Parts are streamed in
  // order; companions met before their original wait for a second pass.
  const deferred = new Set<string>();
  const pass = async (only?: Set<string>) => {
    for await (
      const { entry, body } of set.entries({
        want: (e) => {
          const id = `${e.part}\u0000${e.index}`;
          return wanted.has(id) && (only === undefined || only.has(id));
        },
        signal: ctx.signal,
        onProblem: (p) => {
          state.problems.push(p);
          ctx.logger.error(p.message);
        },
      })
    ) {
      const id = `${entry.part}\u0000${entry.index}`;
      const file = wanted.get(id)!;
      if (
        only === undefined && file.companionOf &&
        !state.done.has(file.companionOf) && plan.items.has(file.companionOf)
      ) {
        deferred.add(id);
        await body.cancel();
        continue;
      }
      await importFile(file, body, { options, db, profile, ctx, state, plan });
      progress?.(state);
    }
  };
  await pass();
  if (deferred.size > 0) await pass(deferred);
  if (ctx.signal.aborted) throw new InterruptedError();

  state.counts.albums = recordAlbums(plan, state, db);
  if (state.counts.albums > 0) {
    await reconcileAlbumLinks({
      ...options,
      albumInvert: options.albumInvert,
      skipSharedAlbums: false,
    }, { db, profile, ctx });
  }

  const seconds = (ctx.now().getTime() - started) / 1000;
  const report = {
    archives: options.archives,
    finished: ctx.now().toISOString(),
    seconds,
    counts: state.counts,
    unmatched: state.unmatched,
    refused: plan.refused,
    failed: state.failed,
    unreadableJson: plan.badJson,
    unclaimedSidecars: plan.unclaimedSidecars,
    problems: state.problems.map((p) => p.message),
  };
  const reportPath = await resolveInside(options.root, REPORT_FILE);
  await Deno.writeTextFile(reportPath, JSON.stringify(report, null, 2) + "\n");
  const c = state.counts;
  ctx.tell(
    `gphotos-sync takeout: ${c.imported} imported (${
      formatBytes(c.bytes)
    }), ${c.alreadyPresent} already present, ${c.identical} identical copies, ${c.replacedApiCopies} API copies replaced by originals, ${c.editedCopies} edited copies, ${c.livePairs} live/motion video halves, ${c.unmatched} without metadata, ${c.skippedTrash} in the trash skipped, ${c.refused} entries refused, ${c.failed} failed, ${c.albums} albums, in ${
      seconds.toFixed(1)
    } s. Report: ${reportPath}`,
  );
  if (state.problems.length > 0) {
    for (const p of state.problems) ctx.tell(p.message);
  }
  if (options.json) ctx.print(JSON.stringify(report));
  return state.problems.length > 0 || c.refused > 0 || c.failed > 0
    ? ExitCode.partial
    : ExitCode.ok;
}

interface ImportDeps {
  options: TakeoutOptions;
  db: LocalData;
  profile: FsProfile;
  ctx: RunContext;
  state: ImportState;
  plan: TakeoutPlan;
}

async function importFile(
  file: PlannedFile,
  body: ReadableStream<Uint8Array>,
  deps: ImportDeps,
): Promise<void> {
  const { db, ctx, state, options } = deps;
  if (state.done.has(file.key)) {
    await body.cancel();
    return;
  }
  const existing = findExisting(file, deps);
  if (existing && existing.downloaded && await onDisk(existing, deps)) {
    state.done.set(file.key, existing.remoteId);
    state.counts.alreadyPresent++;
    await body.cancel();
    return;
  }
  try {
    let stream = body;
    let date = dateFor(file, undefined, ctx);
    if (date.source !== "sidecar") {
      const peeked = await peek(stream, EXIF_PEEK_BYTES);
      stream = peeked.stream;
      const exif = await exifOfBytes(peeked.head).catch(() => undefined);
      date = dateFor(file, exif, ctx);
    }
    const record = recordOf(file, date);
    const target = existing ?? placeFile(file, record, deps);
    const rel = join(target.path, target.fileName);
    const abs = await resolveInside(options.root, rel);
    await cleanFolderOnce(dirname(abs), deps);
    const hash = createHash("sha256");
    const hashing = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, out) {
        hash.update(chunk);
        out.enqueue(chunk);
      },
    });
    const written = await writeStreamAtomic(
      abs,
      stream.pipeThrough(hashing),
      {
        expectedSize: file.entry.size,
        mtime: clampFileTime(record.createTime, deps.profile.minTime),
        signal: ctx.signal,
      },
    );
    const sha256 = hash.digest("hex");
    const twin = db.itemByContentHash(sha256, written.bytes);
    if (twin && !existing) {
      // The same bytes are stored already (an upload made twice): keep
      // one file, and remember this copy as an alias for the next import.
      await Deno.remove(abs);
      db.putContentHash(file.key, sha256, written.bytes);
      state.done.set(file.key, twin.remoteId);
      state.counts.identical++;
      return;
    }
    db.transaction(() => {
      if (existing) {
        db.updateItemMetadata(existing.remoteId, {
          description: record.description || undefined,
          location: record.location,
        });
        db.markDownloaded(existing.remoteId, written.bytes);
      } else {
        db.insertItem({
          remoteId: record.remoteId,
          source: "takeout",
          path: target.path,
          fileName: target.fileName,
          origFileName: target.origFileName,
          duplicateNo: target.duplicateNo,
          mimeType: record.mimeType,
          description: record.description,
          createDate: record.createTime,
          isVideo: record.isVideo,
          fileSize: written.bytes,
          downloaded: true,
          location: record.location,
          sourceRef: `${file.entry.part}:${file.entry.name}`,
        });
      }
      db.putContentHash(target.remoteId, sha256, written.bytes);
      db.putItemExtras(target.remoteId, {
        people: file.meta?.people ?? [],
        favorite: file.meta?.favorited === true,
        archived: file.meta?.archived === true || file.folderKind === "archive",
        trashed: file.meta?.trashed === true || file.folderKind === "trash",
        photoUrl: file.companion ? undefined : file.meta?.url,
        archiveEntry: `${file.entry.part}:${file.entry.name}`,
        matchedBy: file.match.matchedBy,
        dateSource: date.source,
        editOf: file.companion === "edit"
          ? state.done.get(file.companionOf!)
          : undefined,
        pairOf: file.companion === "pair"
          ? state.done.get(file.companionOf!)
          : undefined,
      });
    });
    if (!options.noXmp && file.meta) {
      const xmp = xmpDocument({
        ...xmpDataOf(file.meta),
        ...(date.source === "sidecar" ? { takenAt: date.date } : {}),
      });
      await writeStreamAtomic(
        xmpSidecarPath(abs),
        new Blob([xmp]).stream(),
        { mtime: clampFileTime(record.createTime, deps.profile.minTime) },
      );
    }
    state.done.set(file.key, target.remoteId);
    state.counts.bytes += written.bytes;
    if (existing) state.counts.replacedApiCopies++;
    else state.counts.imported++;
    if (file.companion === "edit") state.counts.editedCopies++;
    if (file.companion === "pair") state.counts.livePairs++;
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
  } catch (e) {
    await body.cancel().catch(() => {});
    if (ctx.signal.aborted) throw new InterruptedError();
    // A full or read-only disk stops the import; anything else (a damaged
    // entry, a name the filesystem refuses) fails this file only.
    if (e instanceof DiskError) throw e;
    const reason = e instanceof Error ? e.message : String(e);
    state.counts.failed++;
    state.failed.push({ part: file.entry.part, name: file.entry.name, reason });
    ctx.logger.error(`Cannot import ${file.entry.name}: ${reason}`);
  }
}

/** The index row this file already is: by sidecar URL, key, or API name+date. */
function findExisting(
  file: PlannedFile,
  deps: ImportDeps,
): IndexedItem | undefined {
  const { db, profile } = deps;
  if (!file.companion && file.meta?.url) {
    const byUrl = db.itemByPhotoUrl(file.meta.url);
    if (byUrl) return byUrl;
  }
  const byKey = db.getItem(file.key) ?? db.itemByAlias(file.key);
  if (byKey) return byKey;
  const taken = file.meta?.photoTakenTime;
  if (taken && !file.companion) {
    // An item the Library API downloaded: the same original name and
    // capture time. Takeout's original bytes replace the API's copy.
    const api = db.itemByOriginalName(
      originalName(file.match.originalName, profile),
      taken,
      profile.caseInsensitive,
    );
    if (api && api.source !== "takeout") return api;
  }
  return undefined;
}

async function onDisk(item: IndexedItem, deps: ImportDeps): Promise<boolean> {
  try {
    const abs = await resolveInside(
      deps.options.root,
      join(item.path, item.fileName),
    );
    return (await Deno.stat(abs)).isFile;
  } catch {
    return false;
  }
}

function dateFor(
  file: PlannedFile,
  exif: Awaited<ReturnType<typeof exifOfBytes>>,
  ctx: RunContext,
): BestDate {
  return chooseBestDate({
    photoTakenTime: file.meta?.photoTakenTime,
    creationTime: file.meta?.creationTime,
    exif,
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

/** Where a new item goes; edits and video halves go beside their original. */
function placeFile(
  file: PlannedFile,
  record: MediaRecord,
  deps: ImportDeps,
): {
  remoteId: string;
  path: string;
  fileName: string;
  origFileName: string;
  duplicateNo: number;
} {
  const { db, profile, options, state } = deps;
  let path = mediaFolder(record.createTime, options);
  if (file.companionOf) {
    const original = db.getItem(state.done.get(file.companionOf) ?? "");
    if (original) {
      path = original.path;
      record.createTime = original.createDate;
    }
  }
  const placed = file.companionOf
    ? (() => {
      const orig = originalName(record.filename, profile);
      const dup = db.nextDuplicateNo(path, orig, profile.caseInsensitive);
      return {
        path,
        origFileName: orig,
        duplicateNo: dup,
        fileName: localFileName(orig, dup, profile),
      };
    })()
    : placeRecord(db, record, profile, options);
  return { remoteId: record.remoteId, ...placed };
}

async function cleanFolderOnce(folder: string, deps: ImportDeps) {
  if (deps.state.cleaned.has(folder)) return;
  deps.state.cleaned.add(folder);
  await cleanStaleTemps(folder, {
    recursive: false,
    logger: deps.ctx.logger,
  });
}

/** Each album folder of the export becomes an album of the index. */
function recordAlbums(
  plan: TakeoutPlan,
  state: ImportState,
  db: LocalData,
): number {
  let count = 0;
  db.transaction(() => {
    for (const { album, meta, keys } of plan.albums) {
      const members = keys.map((k) => state.done.get(k))
        .filter((id): id is string => id !== undefined)
        .map((id) => db.getItem(id))
        .filter((i): i is IndexedItem => i !== undefined)
        .sort((a, b) => a.createDate.getTime() - b.createDate.getTime());
      if (members.length === 0) continue;
      const albumId = `takeout-album:${album.title.normalize("NFC")}`;
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
    }
  });
  return count;
}

/** --dry-run: the plan on stdout; nothing is written. */
async function dryRun(
  options: TakeoutOptions,
  set: ArchiveSet,
  ctx: RunContext,
): Promise<number> {
  const { listing, plan } = await listAndPlan(options, set, ctx);
  const lines: string[] = [];
  const items: Record<string, unknown>[] = [];
  for (const [key, copies] of plan.items) {
    const f = copies[0];
    if (f.skip) continue;
    const date = dateFor(f, undefined, ctx);
    const folder = mediaFolder(date.date, options);
    items.push({
      key,
      entry: f.entry.name,
      part: f.entry.part,
      target: `${folder}/${f.match.originalName}`,
      sidecar: f.match.sidecar ?? null,
      matchedBy: f.match.matchedBy,
      date: date.date.toISOString(),
      dateFrom: date.source,
      copies: copies.length,
    });
    lines.push(
      `${folder}/${f.match.originalName} <- ${f.entry.name} (${f.match.matchedBy}, date from ${date.source})`,
    );
  }
  const skipped = plan.files.filter((f) => f.skip).length;
  const summary = {
    dryRun: true,
    items: items.length,
    skipped,
    albums: plan.albums.filter((a) => a.keys.length > 0).map((a) =>
      a.album.title
    ),
    refused: plan.refused,
    problems: listing.problems.map((p) => p.message),
  };
  if (options.json) ctx.print(JSON.stringify({ ...summary, plan: items }));
  else {
    for (const l of lines) ctx.print(l);
    ctx.print(
      `Dry run: ${items.length} items would be imported (before checking the index), ${skipped} skipped, ${summary.albums.length} albums, ${plan.refused.length} entries refused. Nothing was written.`,
    );
  }
  return listing.problems.length > 0 || plan.refused.length > 0
    ? ExitCode.partial
    : ExitCode.ok;
}

/** Reads up to `n` bytes ahead; the returned stream still yields everything. */
async function peek(
  stream: ReadableStream<Uint8Array>,
  n: number,
): Promise<{ head: Uint8Array; stream: ReadableStream<Uint8Array> }> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let ended = false;
  while (size < n) {
    const { value, done } = await reader.read();
    if (done) {
      ended = true;
      break;
    }
    chunks.push(value);
    size += value.length;
  }
  const head = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    head.set(c, off);
    off += c.length;
  }
  const rest = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(c);
      if (ended) controller.close();
    },
    async pull(controller) {
      const { value, done } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return { head, stream: rest };
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
    unmatched: 0,
    skippedTrash: 0,
    skippedArchived: 0,
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
    const done = state.done.size;
    if (now - last < (ctx.isTty ? 200 : 10_000) && done < totalItems) return;
    last = now;
    const bytes = state.counts.bytes;
    const rate = bytes / Math.max(1, now - start);
    const eta = rate > 0 ? Math.round((totalBytes - bytes) / rate / 1000) : 0;
    const line = `Importing: ${done}/${totalItems} items, ${
      formatBytes(bytes)
    } of ${formatBytes(totalBytes)}, about ${eta} s left`;
    ctx.stderr(ctx.isTty ? `\r\x1b[2K${line}` : `${line}\n`);
  };
}
