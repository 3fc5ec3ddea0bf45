// `takeout` as a subject of the reliability machinery: a seeded Takeout
// export (photos and videos with their sidecars in other parts than their
// media, names Takeout numbered "(1)", edited copies, album folders holding
// copies, the same bytes uploaded twice) written as .zip and .tgz parts.
// The backup's source of truth is the archive: each item's bytes, and the
// sidecar's photoTakenTime, which decides the folder and the file's time.
// An import may also merge into a backup made by an earlier import or by
// `sync` (whose API copies Takeout's originals replace). Used by the crash
// loop; the damaged-input soak uses the same export builder.

import { join } from "node:path";
import { photoIdOf } from "../../src/takeout/plan.ts";
import { type Backup, backup } from "../e2e/harness.ts";
import {
  assertEntriesAddUp,
  type ExportFile,
  listedEntries,
  type PartFormat,
  photoUrl,
  readReport,
  sidecarJson,
  supplementalName,
  writeExport,
} from "../e2e/takeout_export.ts";
import type { CrashScenario, CrashSubject } from "./crash_loop.ts";
import {
  type BackupProblems,
  checkBackup,
  fileDigests,
  type KillMoment,
  readIndexState,
  type Rng,
  sha256File,
  spawnProgram,
  strayEntries,
  tempFiles,
  walk,
} from "./kit.ts";
import { albumProblems } from "./sync_subject.ts";
import { createHash } from "node:crypto";

export const LIBRARY = "Takeout/Google Photos";

/** One item of the export, as Google holds it. */
export interface ExportItem {
  /** The RemoteId the import stores it as. */
  key: string;
  /** The sidecar's title: the upload's name. */
  title: string;
  /** Its entry name in its folder (Takeout's "(1)" for a repeated title). */
  entry: string;
  /** photoTakenTime, ISO. */
  taken: string;
  bytes: Uint8Array;
  sha: string;
  /** The item whose edited copy this is (no sidecar of its own). */
  editOf?: ExportItem;
  /** Album titles holding a copy. */
  albums: string[];
  /** Entry names (archive paths) of every copy, and of its sidecars. */
  mediaEntries: string[];
  sidecarEntries: string[];
}

export interface TakeoutWorld {
  items: ExportItem[];
  files: ExportFile[];
  /** Album title -> keys of the items it holds. */
  albums: Map<string, string[]>;
  /** Keys of items uploaded twice (same bytes): only one is stored. */
  sameBytes: [string, string][];
}

const MONTHS = ["2019-03", "2019-04", "2020-11", "2021-01"];

function seededBytes(rng: Rng, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = rng.int(1, 0x7fffffff);
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function sha(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The RemoteId of an item whose sidecar carries this photo id. */
export function keyOf(id: string): string {
  return `takeout:${photoIdOf(photoUrl(id))}`;
}

/**
 * `count` items over a few months, spread over `parts` parts: every
 * seventh a video; every sixth takes the title of an earlier item of its
 * month (Takeout numbers its file "(1)"); every ninth has an edited copy;
 * some are in the albums Alpha and Bravo (a copy with its own sidecar in
 * the album folder); one is the same bytes as another under another id.
 * Media and sidecar of an item are in different parts when there are
 * several.
 */
export function buildExport(
  rng: Rng,
  options: {
    count: number;
    parts: number;
    minSize?: number;
    maxSize?: number;
    /** Share of items with a copy in each album folder (default 0.25). */
    albumShare?: number;
    /** Whether one item is the same bytes as another (default true). */
    sameBytes?: boolean;
  },
): TakeoutWorld {
  const items: ExportItem[] = [];
  const files: ExportFile[] = [];
  const albums = new Map<string, string[]>([["Alpha", []], ["Bravo", []]]);
  const sameBytes: [string, string][] = [];
  /** Items uploaded twice or copies: each pair is on its own. */
  const copied = new Set<string>();
  /** Titles used per year folder, for Takeout's "(n)" numbering. */
  const used = new Map<string, number>();
  const part = () => rng.int(0, options.parts - 1);
  const other = (p: number) =>
    options.parts === 1 ? 0 : (p + rng.int(1, options.parts - 1)) %
      options.parts;
  for (let i = 0; i < options.count; i++) {
    const twin = i % 6 === 5 && items.length > 0
      ? rng.pick(items.filter((x) => !x.editOf))
      : undefined;
    const month = twin ? twin.taken.slice(0, 7) : rng.pick(MONTHS);
    const day = String(rng.int(1, 28)).padStart(2, "0");
    const taken = `${month}-${day}T${String(rng.int(0, 23)).padStart(2, "0")}:${
      String(i % 60).padStart(2, "0")
    }:00.000Z`;
    const video = twin ? twin.title.endsWith(".mp4") : i % 7 === 6;
    const title = twin?.title ??
      `${video ? "VID" : "IMG"}_${String(i).padStart(4, "0")}.${
        video ? "mp4" : "jpg"
      }`;
    const folder = `Photos from ${taken.slice(0, 4)}`;
    const n = used.get(`${folder}/${title}`) ?? 0;
    used.set(`${folder}/${title}`, n + 1);
    const dot = title.lastIndexOf(".");
    const entry = n === 0
      ? title
      : `${title.slice(0, dot)}(${n})${title.slice(dot)}`;
    const sidecarName = supplementalName(title, n === 0 ? undefined : n);
    const id = `p${String(i).padStart(5, "0")}`;
    // (An item with an edited copy is left out: its edit goes beside
    // whichever of the two is stored.)
    const copyOf = i % 13 === 12 && options.sameBytes !== false
      ? rng.pick(items.filter((x) => !x.editOf && !copied.has(x.key)))
      : undefined;
    if (copyOf) copied.add(copyOf.key);
    const bytes = copyOf?.bytes ??
      seededBytes(
        rng,
        rng.int(options.minSize ?? 2_000, options.maxSize ?? 30_000),
      );
    const item: ExportItem = {
      key: keyOf(id),
      title,
      entry,
      taken,
      bytes,
      sha: copyOf?.sha ?? sha(bytes),
      albums: [],
      mediaEntries: [],
      sidecarEntries: [],
    };
    if (copyOf) {
      sameBytes.push([copyOf.key, item.key]);
      copied.add(item.key);
    }
    const folders = [folder];
    // Items with a "(n)" name stay out of albums: Takeout numbers them
    // per folder, and an album folder would number them otherwise.
    if (n === 0) {
      for (const [album, keys] of albums) {
        if (rng.chance(options.albumShare ?? 0.25)) {
          folders.push(album);
          keys.push(item.key);
          item.albums.push(album);
        }
      }
    }
    const sidecar = sidecarJson({ title, id, taken });
    for (const f of folders) {
      const p = part();
      const media = `${LIBRARY}/${f}/${entry}`;
      const side = `${LIBRARY}/${f}/${sidecarName}`;
      files.push({ path: media, data: bytes, part: p });
      files.push({ path: side, data: sidecar, part: other(p) });
      item.mediaEntries.push(media);
      item.sidecarEntries.push(side);
    }
    items.push(item);
    if (i % 9 === 4 && n === 0 && !copyOf) {
      copied.add(item.key);
      const name = `${title.slice(0, dot)}-edited${title.slice(dot)}`;
      const edited = seededBytes(rng, rng.int(2_000, 20_000));
      const path = `${LIBRARY}/${folder}/${name}`;
      files.push({ path, data: edited, part: part() });
      items.push({
        key: `${item.key}:edit:${name}`,
        title: name,
        entry: name,
        taken,
        bytes: edited,
        sha: sha(edited),
        editOf: item,
        albums: [],
        mediaEntries: [path],
        sidecarEntries: [],
      });
    }
  }
  return { items, files, albums, sameBytes };
}

/** photos/YYYY/MM of an ISO time (UTC), as the import files it. */
export function monthFolder(iso: string): string {
  return `photos/${iso.slice(0, 4)}/${iso.slice(5, 7)}`;
}

/** A replaced Library API copy: its id, and the bytes sync had written. */
interface ApiCopy {
  apiId: string;
  apiSha: string;
  item: ExportItem;
}

/**
 * What a takeout backup must look like at any moment (`finished` false
 * right after a kill): what the index marks downloaded holds the archive's
 * bytes (or, for a Library API copy not replaced yet, the API's), sits in
 * the folder of its capture time with that time as its mtime, and has its
 * XMP sidecar; once finished, every item is there once, each album has
 * one link per item, and nothing else is under photos/.
 */
export async function checkTakeoutBackup(
  root: string,
  world: TakeoutWorld,
  options: {
    finished: boolean;
    apiCopies?: readonly ApiCopy[];
    /** Keys that must be stored after a finished run (default: all). */
    mustHave?: readonly string[];
    /** The bytes of items the backup had from elsewhere (sync's own). */
    otherSha?: (id: string) => string | undefined;
  },
): Promise<BackupProblems> {
  const byKey = new Map(world.items.map((i) => [i.key, i]));
  const api = new Map((options.apiCopies ?? []).map((c) => [c.apiId, c]));
  const found = await checkBackup({
    root,
    // An API copy may hold either version until the import is done.
    expectedSha: (id) =>
      api.has(id)
        ? (options.finished ? api.get(id)!.item.sha : undefined)
        : byKey.get(id)?.sha ?? options.otherSha?.(id),
    linkFolders: ["albums"],
    finished: options.finished,
  });
  const problems = found.problems;
  const state = await readIndexState(join(root, "gphotos.sqlite")).catch(
    () => ({ integrity: "ok", rows: [], moving: new Map<string, string[]>() }),
  );
  const stored = new Set<string>();
  for (const row of state.rows) {
    if (!row.downloaded) continue;
    const copy = api.get(row.remoteId);
    const item = copy?.item ?? byKey.get(row.remoteId);
    const rel = `${row.path}/${row.fileName}`;
    if (item === undefined) {
      if (options.otherSha?.(row.remoteId) === undefined) {
        problems.push(`${rel}: not an export item`);
      }
      continue;
    }
    stored.add(item.key);
    // Being moved (a journal a kill left): its place, time and XMP are the
    // next run's to finish; checkBackup found its bytes.
    if (!options.finished && state.moving.has(row.remoteId)) continue;
    const abs = join(root, rel);
    if (copy && !options.finished) {
      const got = await sha256File(abs).catch(() => "missing");
      if (got !== copy.apiSha && got !== item.sha) {
        problems.push(`${rel}: neither the API's bytes nor Takeout's`);
      }
    }
    const taken = (item.editOf ?? item).taken;
    if (row.path !== monthFolder(taken)) {
      problems.push(`${rel}: filed under ${row.path}, taken ${taken}`);
    }
    const mtime = await Deno.stat(abs).then((s) => s.mtime?.toISOString())
      .catch(() => undefined);
    if (mtime !== undefined && mtime !== taken) {
      problems.push(`${rel}: mtime ${mtime}, taken ${taken}`);
    }
    const replaced = !copy || options.finished ||
      (await sha256File(abs).catch(() => "")) === item.sha;
    if (!item.editOf && replaced && row.remoteId === item.key) {
      try {
        await Deno.stat(`${abs}.xmp`);
      } catch {
        problems.push(`${rel}: marked downloaded without its XMP sidecar`);
      }
    }
  }
  if (options.finished) {
    const twins = new Map<string, string>();
    for (const [a, b] of world.sameBytes) {
      twins.set(a, b);
      twins.set(b, a);
    }
    for (const key of options.mustHave ?? world.items.map((i) => i.key)) {
      const twin = twins.get(key);
      if (stored.has(key)) {
        if (twin !== undefined && stored.has(twin)) {
          problems.push(`${key}: the same bytes stored twice`);
        }
      } else if (twin === undefined || !stored.has(twin)) {
        problems.push(`item ${key} not imported`);
      }
    }
    // Nothing but the items and their XMP files: no duplicates.
    const files = (await walk(join(root, "photos"))).filter((e) =>
      e.info.isFile && !e.path.endsWith(".xmp")
    ).map((e) => `photos/${e.path}`);
    const rows = new Set(
      state.rows.filter((r) => r.downloaded).map((r) =>
        `${r.path}/${r.fileName}`
      ),
    );
    for (const f of files) {
      if (!rows.has(f)) problems.push(`${f}: on disk, not in the index`);
    }
    // Two uploads of the same bytes are one item, with one link.
    const one = (key: string) =>
      world.sameBytes.find((pair) => pair.includes(key))?.[0] ?? key;
    const albums = new Map(
      [...world.albums].map(([title, keys]) => [title, [
        ...new Set(keys.map(one)),
      ]]),
    );
    problems.push(
      ...await albumProblems(root, { items: [], albums, shared: new Map() }),
    );
  }
  return found;
}

class TakeoutCrashScenario implements CrashScenario {
  readonly label: string;
  #run: { stderr: () => string } | undefined;
  /** "Imported" lines of earlier runs of this trial. */
  #importedBefore = 0;

  constructor(
    readonly b: Backup,
    readonly world: TakeoutWorld,
    readonly parts: string[],
    readonly args: string[],
    label: string,
    /** Items this trial's runs import (the rest were there already). */
    readonly toImport: number,
    readonly before: Map<string, Set<string>> | undefined,
    readonly apiCopies: ApiCopy[],
  ) {
    this.label = label;
  }

  start() {
    if (this.#run) this.#importedBefore += this.#imported();
    const handle = spawnProgram(
      ["takeout", this.b.root, ...this.parts, ...this.args],
      { NO_COLOR: "1", XDG_CONFIG_HOME: join(this.b.dir, "config") },
    );
    this.#run = handle;
    return handle;
  }

  /** Items the current run has recorded (it logs each at debug level). */
  #imported(): number {
    return (this.#run?.stderr() ?? "").split(" DEBUG    Imported ").length - 1;
  }

  killMoment(rng: Rng, typicalRunMs: number): KillMoment {
    const remaining = Math.max(1, this.toImport - this.#importedBefore);
    const roll = rng.float();
    if (roll < 0.3) {
      const ms = Math.round(50 + rng.float() * typicalRunMs * 0.9);
      return { kind: "time", ms, what: `after ${ms} ms` };
    }
    const after = (test: () => boolean, delay: number) => {
      let reached: number | undefined;
      return () => {
        if (reached === undefined) {
          if (!test()) return false;
          reached = performance.now();
        }
        return performance.now() - reached >= delay;
      };
    };
    if (roll < 0.6) {
      // The listing, then the staging of the entries' bytes.
      const delay = rng.int(0, Math.round(typicalRunMs * 0.4));
      return {
        kind: "when",
        test: after(() => this.#run!.stderr().includes("Filesystem of"), delay),
        what: `${delay} ms after the filesystem probe`,
      };
    }
    if (roll < 0.85) {
      const k = rng.int(1, remaining);
      return {
        kind: "when",
        test: () => this.#imported() >= k,
        what: `at imported item ${k} of ${remaining}`,
      };
    }
    const delay = rng.int(0, 40);
    return {
      kind: "when",
      test: after(() => this.#imported() >= remaining, delay),
      what: `${delay} ms after the last item was recorded`,
    };
  }

  phase(): string {
    const err = this.#run?.stderr() ?? "";
    if (!err.includes("Filesystem of")) return "startup";
    const imported = this.#imported();
    const remaining = this.toImport - this.#importedBefore;
    if (
      err.includes("Album links:") || (remaining > 0 && imported >= remaining)
    ) return "album links";
    if (imported > 0) return "between batches";
    const staged = walkSync(join(this.b.root, "photos")).some((n) =>
      n.startsWith(".gphotos-")
    );
    return staged ? "staging" : "listing";
  }

  async check(finished: boolean): Promise<BackupProblems> {
    const lib = this.b.library;
    const found = await checkTakeoutBackup(this.b.root, this.world, {
      finished,
      apiCopies: this.apiCopies,
      otherSha: (id) => lib.item(id) ? lib.sha256(id) : undefined,
    });
    if (finished) {
      const stray = await strayEntries(this.b.dir, [
        "backup",
        "client_secret.json",
        "parts",
      ]);
      if (stray.length > 0) {
        found.problems.push(`written outside ROOT: ${stray.join(", ")}`);
      }
      for (const t of await tempFiles(join(this.b.dir, "parts"))) {
        found.problems.push(`temp file beside the parts: ${t}`);
      }
      // The run that finished accounted for every entry of the parts.
      try {
        assertEntriesAddUp(
          await readReport(this.b.root),
          await listedEntries(this.parts),
          "the finishing import",
        );
      } catch (err) {
        found.problems.push(err instanceof Error ? err.message : String(err));
      }
    }
    if (this.before) {
      const after = await fileDigests(join(this.b.root, "photos"));
      for (const [path, allowed] of this.before) {
        if (!allowed.has(after.get(path) ?? "")) {
          found.problems.push(`backed-up file lost or changed: ${path}`);
        }
      }
    }
    return found;
  }

  items(): number {
    return this.world.items.length;
  }

  async [Symbol.asyncDispose]() {
    await this.b[Symbol.asyncDispose]();
  }
}

/** Names of the entries under `dir`, links not followed (sync, for phase()). */
function walkSync(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(d)];
    } catch {
      return;
    }
    for (const e of entries) {
      out.push(e.name);
      if (e.isDirectory) visit(join(d, e.name));
    }
  };
  visit(dir);
  return out;
}

/**
 * Each trial: a fresh import (55%), one into a backup an earlier export
 * filled (25%: the new export holds the old items again, in other parts,
 * and new ones), or one into a backup `sync` made (20%: Takeout's
 * originals replace the API copies of the same name and capture time).
 * 8 to 200 items (over 128 new ones make several batches), 2 to 30 kB, in
 * 1 to 3 parts of .zip and .tgz; symbolic or hard album links.
 */
export const takeoutSubject: CrashSubject = {
  name: "takeout",
  async prepare(rng: Rng): Promise<CrashScenario> {
    const count = rng.pick([rng.int(8, 60), rng.int(60, 200)]);
    const partCount = rng.int(1, 3);
    const formats: PartFormat[] = Array.from(
      { length: partCount },
      () => rng.pick(["zip", "tgz"] as const),
    );
    const world = buildExport(rng, { count, parts: partCount });
    const roll = rng.float();
    const mode = roll < 0.55 ? "fresh" : roll < 0.8 ? "incremental" : "sync";
    const apiCopies: ApiCopy[] = [];
    const replaced = mode === "sync"
      ? world.items.filter((i) =>
        !i.editOf && !world.sameBytes.some((p) => p.includes(i.key)) &&
        rng.chance(0.4)
      )
      : [];
    const b = await backup((lib) => {
      for (const item of replaced) {
        const make = item.title.endsWith(".mp4") ? lib.video : lib.photo;
        const api = make.call(lib, item.title, item.taken, {
          size: rng.int(2_000, 20_000),
        });
        apiCopies.push({ apiId: api.id, apiSha: "", item });
      }
      // Items the export does not have: sync's alone, left alone.
      for (let i = 0; i < (mode === "sync" ? 3 : 0); i++) {
        lib.photo(`API_ONLY_${i}.jpg`, `2018-0${i + 1}-01T00:00:00Z`);
      }
    }, { era: "2024", seed: rng.int(1, 1_000_000) });
    for (const c of apiCopies) c.apiSha = b.library.sha256(c.apiId);
    const partsDir = join(b.dir, "parts");
    await Deno.mkdir(partsDir);
    const args = ["--log-level", "debug"];
    if (rng.chance(0.2)) args.push("--use-hardlinks");
    let before: Map<string, Set<string>> | undefined;
    let toImport = world.items.length -
      world.sameBytes.length;
    if (mode === "incremental") {
      // Last year's export: the first items, as their own parts.
      const old = world.items.slice(0, Math.ceil(world.items.length * 0.6));
      const oldKeys = new Set(old.map((i) => i.key));
      const oldWorld: TakeoutWorld = {
        items: old,
        files: world.files.filter((f) =>
          old.some((i) =>
            i.mediaEntries.includes(f.path) || i.sidecarEntries.includes(f.path)
          )
        ).map((f) => ({ ...f, part: 0 })),
        albums: new Map(),
        sameBytes: world.sameBytes.filter((p) =>
          p.every((k) => oldKeys.has(k))
        ),
      };
      const oldDir = join(partsDir, "old");
      await Deno.mkdir(oldDir);
      const oldParts = await writeExport(oldDir, oldWorld.files, ["zip"], {
        stamp: "20230101T000000Z",
      });
      const first = await spawnProgram(
        ["takeout", b.root, ...oldParts, ...args],
        { NO_COLOR: "1" },
      ).done;
      if (first.code !== 0) {
        throw new Error(`the first, unkilled import failed: ${first.stderr}`);
      }
      await Deno.remove(oldDir, { recursive: true });
      toImport -= old.length - oldWorld.sameBytes.length;
      before = new Map(
        [...await fileDigests(b.path("photos"))].map(([p, h]) => [
          p,
          new Set([h]),
        ]),
      );
    } else if (mode === "sync") {
      await b.signIn();
      const synced = await b.sync(["--skip-albums"]);
      if (synced.code !== 0) {
        throw new Error(`the sync before the import failed: ${synced.stderr}`);
      }
      before = new Map(
        [...await fileDigests(b.path("photos"))].map(([p, h]) => [
          p,
          new Set([h]),
        ]),
      );
      // A replaced API copy keeps its path and takes Takeout's bytes.
      for (const c of apiCopies) {
        for (const shas of before.values()) {
          if (shas.has(c.apiSha)) shas.add(c.item.sha);
        }
      }
    }
    const parts = await writeExport(partsDir, world.files, formats);
    const label = `${mode}, ${world.items.length} items (${toImport} new${
      apiCopies.length ? `, ${apiCopies.length} API copies` : ""
    }), ${formats.join("+")}${
      args.includes("--use-hardlinks") ? ", hard links" : ""
    }`;
    return new TakeoutCrashScenario(
      b,
      world,
      parts,
      args,
      label,
      toImport,
      before,
      apiCopies,
    );
  },
};
