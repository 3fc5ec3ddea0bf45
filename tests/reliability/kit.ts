// Shared machinery of the reliability suite: a seeded PRNG, runs of the real
// program that a test can kill at a moment of its choosing, and the checks
// every command's backup must pass at any moment (what the index marks done
// is on disk and byte-identical to the source, no temp files survive a
// finished run, no dangling album links, a sound SQLite file, nothing
// written outside the backup's folder). Nothing here knows about `sync`:
// subjects.ts adapts a command to it.

import { DatabaseSync } from "node:sqlite";
import { createHash } from "node:crypto";
import { join, relative } from "node:path";
import { mulberry32 } from "../fake_google/faults.ts";
import { isTempName } from "../../src/fs/atomic_write.ts";
import { MAIN, type RunResult } from "../e2e/harness.ts";

/** `deno task test:long` sets this; the default suite runs short variants. */
export const LONG = Deno.env.get("GPHOTOS_RELIABILITY") === "long";

/** Seeded choices, so a failing trial can be replayed from its seed. */
export class Rng {
  readonly #next: () => number;
  constructor(readonly seed: number) {
    this.#next = mulberry32(seed);
  }
  /** Uniform in [0, 1). */
  float(): number {
    return this.#next();
  }
  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.#next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.#next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#next() * items.length)];
  }
}

// ---- running the program --------------------------------------------------

/** Variables the program reads that must not leak in from the test's own. */
const PROGRAM_VARS = [
  "GPHOTOS_LIBRARY_API",
  "GPHOTOS_PICKER_API",
  "GPHOTOS_BACKOFF_MS",
];

export interface TimedResult extends RunResult {
  /** Wall time of the run. */
  ms: number;
  /** The signal the test sent, if it sent one before the program ended. */
  killedWith?: Deno.Signal;
}

export interface RunHandle {
  /** Sends `signal` unless the program has already ended. */
  kill(signal?: Deno.Signal): boolean;
  /** stderr so far. */
  stderr(): string;
  readonly done: Promise<TimedResult>;
  readonly ended: () => boolean;
}

export interface SpawnOptions {
  /** Permission flags; default --allow-all. */
  permissions?: string[];
  /** Wrap the deno command, e.g. ["unshare", "-m", ...]: gets the argv. */
  wrap?: (argv: string[]) => string[];
  /** SIGKILL the run after this long (default 120 s): a hang fails fast. */
  timeoutMs?: number;
}

/** Starts `deno run src/main.ts ARGS`; the caller decides when to kill it. */
export function spawnProgram(
  args: string[],
  env: Record<string, string>,
  options: SpawnOptions = {},
): RunHandle {
  const argv = [
    Deno.execPath(),
    "run",
    ...(options.permissions ?? ["--allow-all"]),
    MAIN,
    ...args,
  ];
  const full = options.wrap ? options.wrap(argv) : argv;
  const started = performance.now();
  const child = new Deno.Command(full[0], {
    args: full.slice(1),
    env: {
      ...Object.fromEntries(PROGRAM_VARS.map((v) => [v, ""])),
      ...env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let ended = false;
  let killedWith: Deno.Signal | undefined;
  let stderr = "";
  const dec = new TextDecoder();
  const errDone = (async () => {
    for await (const chunk of child.stderr) {
      stderr += dec.decode(chunk, { stream: true });
    }
  })();
  const outDone = new Response(child.stdout).text();
  let timedOut = false;
  const guard = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch {
      // Already ended.
    }
  }, options.timeoutMs ?? 120_000);
  const done = Promise.all([child.status, outDone, errDone]).then(
    ([status, stdout]) => {
      clearTimeout(guard);
      ended = true;
      if (timedOut) {
        stderr += `\n[test: killed after ${options.timeoutMs ?? 120_000} ms]`;
      }
      const code = status.signal
        ? 128 + (SIGNAL_NUMBERS[status.signal] ?? 0)
        : status.code;
      const result: TimedResult = {
        code,
        stdout,
        stderr,
        ms: performance.now() - started,
      };
      if (killedWith) result.killedWith = killedWith;
      return result;
    },
  );
  return {
    kill(signal: Deno.Signal = "SIGKILL") {
      if (ended) return false;
      try {
        child.kill(signal);
        killedWith ??= signal;
        return true;
      } catch {
        return false;
      }
    },
    stderr: () => stderr,
    done,
    ended: () => ended,
  };
}

const SIGNAL_NUMBERS: Partial<Record<Deno.Signal, number>> = {
  SIGINT: 2,
  SIGKILL: 9,
  SIGTERM: 15,
};

/** When to kill a run: after a delay, or when a condition turns true. */
export type KillMoment =
  | { kind: "time"; ms: number; what: string }
  | { kind: "when"; test: () => boolean; what: string };

/**
 * A moment a random 0 to 120 ms after the `remaining`-th media request of
 * this run (`mediaSince` counts them): what follows the last download
 * (album links, a session's deletion).
 */
export function afterLastMedia(
  rng: Rng,
  mediaSince: () => number,
  remaining: number,
): KillMoment {
  const delay = rng.int(0, 120);
  let reached: number | undefined;
  return {
    kind: "when",
    test: () => {
      if (reached === undefined) {
        if (mediaSince() < remaining) return false;
        reached = performance.now();
      }
      return performance.now() - reached >= delay;
    },
    what: `${delay} ms after the last media request`,
  };
}

/**
 * Runs until `moment` (polling a condition every few ms), then SIGKILLs.
 * Resolves with the result; `killedWith` is unset if the run ended first.
 */
export async function runAndKill(
  handle: RunHandle,
  moment: KillMoment,
  signal: Deno.Signal = "SIGKILL",
): Promise<TimedResult> {
  if (moment.kind === "time") {
    const timer = setTimeout(() => handle.kill(signal), moment.ms);
    try {
      return await handle.done;
    } finally {
      clearTimeout(timer);
    }
  }
  const poll = (async () => {
    while (!handle.ended()) {
      if (moment.test()) {
        handle.kill(signal);
        return;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  const result = await handle.done;
  await poll;
  return result;
}

// ---- what a backup must look like -----------------------------------------

export interface IndexRow {
  remoteId: string;
  path: string;
  fileName: string;
  downloaded: boolean;
}

export interface IndexState {
  /** PRAGMA integrity_check's answer ("ok" when sound). */
  integrity: string;
  rows: IndexRow[];
  /**
   * Items whose files are being moved (the ItemMoves journal a killed run
   * left, which the next run finishes before anything else): where the
   * file may be meanwhile, ROOT-relative.
   */
  moving: Map<string, string[]>;
}

/**
 * The index as the next run will find it: the file and its journal are
 * copied aside and opened there, so a hot journal left by a kill is rolled
 * back on the copy and the real one stays for the program to recover.
 */
export async function readIndexState(dbFile: string): Promise<IndexState> {
  const scratch = await Deno.makeTempDir({ prefix: "gphotos-index-copy-" });
  try {
    const copy = join(scratch, "gphotos.sqlite");
    await Deno.copyFile(dbFile, copy);
    for (const suffix of ["-journal", "-wal", "-shm"]) {
      await Deno.copyFile(dbFile + suffix, copy + suffix).catch(() => {});
    }
    const db = new DatabaseSync(copy);
    try {
      const integrity = (db.prepare("PRAGMA integrity_check").all() as {
        integrity_check: string;
      }[]).map((r) => r.integrity_check).join("; ");
      // A kill while the index was being made leaves a file with no table
      // yet, which the next run takes for a new index.
      const tables = db.prepare(
        "SELECT COUNT(*) AS n FROM sqlite_schema WHERE type = 'table'",
      ).get() as { n: number };
      if (Number(tables.n) === 0) {
        return { integrity, rows: [], moving: new Map() };
      }
      const rows = (db.prepare(
        "SELECT RemoteId, Path, FileName, Downloaded FROM SyncFiles",
      ).all() as Record<string, unknown>[]).map((r) => ({
        remoteId: String(r.RemoteId),
        path: String(r.Path),
        fileName: String(r.FileName),
        downloaded: Number(r.Downloaded) === 1,
      }));
      const moving = new Map<string, string[]>();
      const journal = db.prepare(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name = 'ItemMoves'",
      ).get();
      if (journal !== undefined) {
        for (
          const r of db.prepare(
            "SELECT RemoteId, FromPath, ViaPath, ToPath FROM ItemMoves",
          ).all() as Record<string, unknown>[]
        ) {
          moving.set(
            String(r.RemoteId),
            [r.ToPath, r.ViaPath, r.FromPath].filter((p) => p !== null).map(
              String,
            ),
          );
        }
      }
      return { integrity, rows, moving };
    } finally {
      db.close();
    }
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  using file = await Deno.open(path);
  for await (const chunk of file.readable) h.update(chunk);
  return h.digest("hex");
}

/** Every entry under `folder` (relative paths), links not followed. */
export async function walk(
  folder: string,
): Promise<{ path: string; info: Deno.FileInfo }[]> {
  const out: { path: string; info: Deno.FileInfo }[] = [];
  const visit = async (dir: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(dir));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return;
      throw e;
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      const info = await Deno.lstat(path);
      out.push({ path: relative(folder, path), info });
      if (info.isDirectory) await visit(path);
    }
  };
  await visit(folder);
  return out;
}

/** `.gphotos-*.part` files (and probe leftovers) anywhere under `root`. */
export async function tempFiles(root: string): Promise<string[]> {
  return (await walk(root)).filter((e) => isTempName(e.path.split("/").pop()!))
    .map((e) => e.path);
}

/** Symbolic links under `folder` whose target does not exist. */
export async function danglingLinks(folder: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await walk(folder)) {
    if (!e.info.isSymlink) continue;
    try {
      await Deno.stat(join(folder, e.path));
    } catch {
      out.push(e.path);
    }
  }
  return out;
}

export interface BackupProblems {
  /** Human-readable, one per problem; empty when all is well. */
  problems: string[];
  /** Rows marked downloaded whose file was checked. */
  verified: number;
}

export interface CheckOptions {
  root: string;
  /** Where gphotos.sqlite lives (default root). */
  dbPath?: string;
  /** The source's SHA-256 of an item's bytes; undefined = not known. */
  expectedSha: (remoteId: string) => string | undefined;
  /** Folders of links under root (album folders). */
  linkFolders?: string[];
  /** After a finished run: no temp files may remain. */
  finished: boolean;
  /** Ids that must be in the index and downloaded after a finished run. */
  mustHave?: Iterable<string>;
}

/**
 * The invariants of a backup at any moment (`finished: false`, e.g. just
 * after a kill) or after a run that ended (`finished: true`).
 */
export async function checkBackup(o: CheckOptions): Promise<BackupProblems> {
  const problems: string[] = [];
  const dbFile = join(o.dbPath ?? o.root, "gphotos.sqlite");
  let state: IndexState;
  try {
    state = await readIndexState(dbFile);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      state = { integrity: "ok", rows: [], moving: new Map() };
    } else {
      return { problems: [`index unreadable: ${e}`], verified: 0 };
    }
  }
  if (state.integrity !== "ok") {
    problems.push(`integrity_check: ${state.integrity}`);
  }
  const byPath = new Map<string, IndexRow>();
  for (const row of state.rows) byPath.set(`${row.path}/${row.fileName}`, row);
  let verified = 0;
  for (const row of state.rows) {
    if (!row.downloaded) continue;
    let file = join(o.root, row.path, row.fileName);
    // A file being moved is at one of the journal's places until the next
    // run finishes the move.
    for (const place of state.moving.get(row.remoteId) ?? []) {
      if (await exists(join(o.root, place))) {
        file = join(o.root, place);
        break;
      }
    }
    const want = o.expectedSha(row.remoteId);
    try {
      const got = await sha256File(file);
      if (want !== undefined && got !== want) {
        problems.push(
          `${row.path}/${row.fileName}: marked downloaded, bytes differ`,
        );
      }
      verified++;
    } catch {
      problems.push(`${row.path}/${row.fileName}: marked downloaded, missing`);
    }
  }
  // A file under its real name is never partial, marked or not.
  for (const e of await walk(o.root)) {
    if (!e.info.isFile || isTempName(e.path.split("/").pop()!)) continue;
    const row = byPath.get(e.path);
    if (row === undefined || row.downloaded) continue;
    const want = o.expectedSha(row.remoteId);
    if (want !== undefined && await sha256File(join(o.root, e.path)) !== want) {
      problems.push(`${e.path}: a partial file under the item's real name`);
    }
  }
  if (o.finished) {
    for (const t of await tempFiles(o.root)) {
      problems.push(`temp file left: ${t}`);
    }
    for (const id of state.moving.keys()) {
      problems.push(`item ${id}: a file move left unfinished by a whole run`);
    }
    const have = new Map(state.rows.map((r) => [r.remoteId, r]));
    for (const id of o.mustHave ?? []) {
      const row = have.get(id);
      if (!row) problems.push(`item ${id} missing from the index`);
      else if (!row.downloaded) {
        problems.push(`${row.path}/${row.fileName} not downloaded`);
      }
    }
  }
  for (const folder of o.linkFolders ?? []) {
    for (const d of await danglingLinks(join(o.root, folder))) {
      problems.push(`dangling link ${folder}/${d}`);
    }
  }
  return { problems, verified };
}

/** Names in `dir` other than `allowed`: what a run wrote beside ROOT. */
export async function strayEntries(
  dir: string,
  allowed: readonly string[],
): Promise<string[]> {
  const names = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name);
  return names.filter((n) => !allowed.includes(n)).sort();
}

/** Every regular file under `root` with its SHA-256: what must not be lost. */
export async function fileDigests(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await walk(root)) {
    if (e.info.isFile) out.set(e.path, await sha256File(join(root, e.path)));
  }
  return out;
}

/** Paths of `before` that are gone or changed in `after`. */
export function lostFiles(
  before: Map<string, string>,
  after: Map<string, string>,
): string[] {
  return [...before].filter(([p, h]) => after.get(p) !== h).map(([p]) => p);
}

// ---- figures --------------------------------------------------------------

/**
 * Prints one line of figures for RELIABILITY.md (grep "FIGURES" in the
 * output of `deno task test:long`).
 */
export function reportFigures(name: string, figures: object) {
  // deno-lint-ignore no-console -- figures are this suite's report
  console.log(`FIGURES ${name} ${JSON.stringify(figures)}`);
}

/** A stack trace printed to the user, which a message should never carry. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+(:\d+:\d+\)?|\(native\))$/m.test(text) ||
    /\b(TypeError|RangeError|ReferenceError|SyntaxError): /.test(text) &&
      /^\s+at /m.test(text);
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}
