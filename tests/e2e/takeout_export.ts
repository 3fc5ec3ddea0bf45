// Synthetic Google Takeout exports for the end-to-end tests of `takeout`:
// sidecar JSON as Google writes it, the clipped sidecar names Takeout
// produces, parts written as real .zip and .tgz files (one entry in one
// part, its sidecar in another), and readers of what an import left in the
// index and on disk.

import { join } from "node:path";
import { LocalData } from "../../src/db/local_data.ts";
import { ArchiveSet } from "../../src/archive/archive_set.ts";
import { assertEquals } from "../assert.ts";
import type { IndexedItem } from "../../src/db/rows.ts";
import {
  type TarEntrySpec,
  writeTar,
  writeZip,
  type ZipEntrySpec,
} from "../archive/archive_builder.ts";
import { type RunOptions, runProgram, type RunResult } from "./harness.ts";

export const utf8 = new TextEncoder();

/** What a per-item sidecar says; times are ISO strings. */
export interface SidecarSpec {
  title: string;
  taken?: string;
  created?: string;
  /** The photo id of the photos.google.com URL. */
  id?: string;
  description?: string;
  geo?: [number, number, number?];
  geoExif?: [number, number, number?];
  people?: string[];
  favorited?: boolean;
  archived?: boolean;
  trashed?: boolean;
}

function stamp(iso: string) {
  return {
    timestamp: String(Date.parse(iso) / 1000),
    formatted: "6 oct. 2023, 06:39:09 UTC",
  };
}

function geo(point: [number, number, number?] | undefined) {
  const [latitude, longitude, altitude] = point ?? [0, 0, 0];
  return {
    latitude,
    longitude,
    altitude: altitude ?? 0,
    latitudeSpan: 0,
    longitudeSpan: 0,
  };
}

/** The URL Google puts in a sidecar for a photo id. */
export function photoUrl(id: string): string {
  return `https://photos.google.com/photo/AF1Qip${id.padEnd(12, "x")}`;
}

export function sidecarJson(spec: SidecarSpec): Uint8Array {
  const json: Record<string, unknown> = {
    title: spec.title,
    description: spec.description ?? "",
    imageViews: "4",
    creationTime: stamp(spec.created ?? spec.taken ?? "2024-01-01T00:00:00Z"),
  };
  if (spec.taken) json.photoTakenTime = stamp(spec.taken);
  json.geoData = geo(spec.geo);
  json.geoDataExif = geo(spec.geoExif);
  if (spec.people) json.people = spec.people.map((name) => ({ name }));
  if (spec.id) json.url = photoUrl(spec.id);
  json.googlePhotosOrigin = {
    mobileUpload: { deviceType: "ANDROID_PHONE" },
  };
  if (spec.favorited) json.favorited = true;
  if (spec.archived) json.archived = true;
  if (spec.trashed) json.trashed = true;
  return utf8.encode(JSON.stringify(json, null, 2));
}

/**
 * Takeout's new-form sidecar name for `name`: everything before ".json"
 * cut to 46 characters, with a duplicate's "(n)" kept after the cut.
 */
export function supplementalName(name: string, counter?: number): string {
  const body = `${name}.supplemental-metadata`.slice(0, 46);
  return `${body}${counter === undefined ? "" : `(${counter})`}.json`;
}

/** Takeout's old-form sidecar name, cut the same way. */
export function jsonName(name: string): string {
  return `${name.slice(0, 46)}.json`;
}

/** One file of an export: its archive path, bytes, and the part it is in. */
export interface ExportFile {
  path: string;
  data: Uint8Array;
  part: number;
  mtime?: Date;
  /** Store the entry uncompressed in a zip part (fast for large data). */
  stored?: boolean;
}

export type PartFormat = "zip" | "tgz";

/**
 * Writes the parts of one export into `dir` as
 * takeout-<stamp>-001.zip, -002.tgz...; returns their paths in order.
 * Extra raw zip or tar entries (links, hostile names) can be added per part.
 */
export async function writeExport(
  dir: string,
  files: readonly ExportFile[],
  formats: readonly PartFormat[],
  options: {
    stamp?: string;
    zipExtras?: Record<number, ZipEntrySpec[]>;
    tarExtras?: Record<number, TarEntrySpec[]>;
  } = {},
): Promise<string[]> {
  const paths: string[] = [];
  for (const [i, format] of formats.entries()) {
    const name = `takeout-${options.stamp ?? "20240101T000000Z"}-${
      String(i + 1).padStart(3, "0")
    }.${format}`;
    const path = join(dir, name);
    const mine = files.filter((f) => f.part === i);
    if (format === "zip") {
      await writeZip(path, [
        ...mine.map((f) => ({
          name: f.path,
          data: f.data,
          ...(f.mtime ? { mtime: f.mtime } : {}),
          ...(f.stored ? { method: 0 } : {}),
        })),
        ...(options.zipExtras?.[i] ?? []),
      ]);
    } else {
      await writeTar(path, [
        ...mine.map((f) => ({
          name: f.path,
          data: f.data,
          ...(f.mtime ? { mtime: f.mtime } : {}),
        })),
        ...(options.tarExtras?.[i] ?? []),
      ]);
    }
    paths.push(path);
  }
  return paths;
}

/** Bytes standing in for a file of a format the program does not parse. */
export function placeholder(kind: string, n: number, size = 300): Uint8Array {
  const bytes = new Uint8Array(size);
  const label = utf8.encode(`${kind} placeholder #${n} `);
  for (let i = 0; i < size; i++) bytes[i] = label[i % label.length];
  return bytes;
}

/** `size` random bytes: incompressible, like real media. */
export function randomBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let at = 0; at < size; at += 65536) {
    crypto.getRandomValues(bytes.subarray(at, Math.min(size, at + 65536)));
  }
  return bytes;
}

/** A HEIC-like file: an ISO-BMFF ftyp box with the heic brand, then filler. */
export function heic(n: number): Uint8Array {
  const bytes = placeholder("heic", n, 400);
  bytes.set([0, 0, 0, 24, ...utf8.encode("ftypheic"), 0, 0, 0, 0], 0);
  bytes.set(utf8.encode("mif1heic"), 16);
  return bytes;
}

/**
 * `gphotos-sync takeout ROOT PARTS... ARGS`. Every run that writes a report
 * is checked: every entry of the parts ends in exactly one place of it.
 */
export async function takeout(
  root: string,
  parts: string[],
  args: string[] = [],
  options: RunOptions = {},
): Promise<RunResult> {
  const started = Date.now();
  const result = await runProgram(
    ["takeout", root, ...parts, ...args],
    { NO_COLOR: "1" },
    options,
  );
  let written: Date | null | undefined;
  try {
    written = (await Deno.stat(join(root, REPORT))).mtime;
  } catch {
    written = undefined;
  }
  if (written && written.getTime() >= started && !args.includes("--dry-run")) {
    assertEntriesAddUp(
      await readReport(root),
      await listedEntries(parts),
      `takeout ${parts.join(" ")}`,
    );
  }
  return result;
}

const REPORT = "gphotos.takeout-report.json";

/**
 * Where the report puts an entry: each file entry of the parts is counted
 * in exactly one of these.
 */
export const ENTRY_BUCKETS = [
  "imported",
  "replacedApiCopies",
  "identical",
  "copies",
  "alreadyPresent",
  "skippedTrash",
  "skippedArchived",
  "skippedVideos",
  "failed",
  "notRead",
  "sidecars",
  "albumMemberships",
  "unclaimedSidecars",
  "unreadableJson",
  "albumMetadata",
  "otherFiles",
  "repeated",
  "refused",
] as const;

/**
 * The report's entries add up to the listing (`listed` file entries,
 * directories aside), and its lists hold as many as its counts say.
 */
export function assertEntriesAddUp(
  // deno-lint-ignore no-explicit-any
  report: any,
  listed: number,
  what = "",
): void {
  const e = report.entries;
  assertEquals(
    Object.keys(e).filter((k) => k !== "listed").sort(),
    [...ENTRY_BUCKETS].sort(),
    `${what}: the report's entry buckets`,
  );
  const sum = ENTRY_BUCKETS.reduce((n, k) => n + e[k], 0);
  assertEquals(
    { listed: e.listed, sum },
    { listed, sum: listed },
    `${what}: every entry ends in exactly one place of the report ${
      JSON.stringify(e)
    }`,
  );
  assertEquals(e.unclaimedSidecars, report.unclaimedSidecars.length, what);
  assertEquals(e.unreadableJson, report.unreadableJson.length, what);
  assertEquals(
    e.otherFiles,
    report.otherFiles.reduce(
      (n: number, o: { entries?: number }) => n + (o.entries ?? 1),
      0,
    ),
    what,
  );
  assertEquals(e.refused, report.refused.length, what);
}

/** File entries of the parts (directories aside), read by the test itself. */
export async function listedEntries(parts: string[]): Promise<number> {
  let set: ArchiveSet;
  try {
    set = await ArchiveSet.open(parts);
  } catch {
    return 0;
  }
  try {
    const listing = await set.list();
    return listing.entries.filter((e) => e.kind !== "dir").length;
  } finally {
    await set.close();
  }
}

/** What one imported item looks like, from the index and the disk. */
export interface StoredItem {
  item: IndexedItem;
  /** ROOT-relative path. */
  rel: string;
  bytes: Uint8Array;
  mtime: Date;
  xmp: string | undefined;
}

/** Reads the index of `root` and every item's file. */
export async function storedItems(root: string): Promise<StoredItem[]> {
  const db = LocalData.open(root);
  try {
    const out: StoredItem[] = [];
    for (const item of db.items()) {
      const rel = `${item.path}/${item.fileName}`;
      const abs = join(root, rel);
      let xmp: string | undefined;
      try {
        xmp = await Deno.readTextFile(`${abs}.xmp`);
      } catch {
        xmp = undefined;
      }
      out.push({
        item,
        rel,
        bytes: await Deno.readFile(abs),
        mtime: (await Deno.stat(abs)).mtime!,
        xmp,
      });
    }
    return out;
  } finally {
    db.close();
  }
}

/** The import report of `root`. */
export async function readReport(root: string) {
  return JSON.parse(
    await Deno.readTextFile(join(root, "gphotos.takeout-report.json")),
  );
}

/** Runs `fn` with the index of `root` open. */
export function withIndex<T>(root: string, fn: (db: LocalData) => T): T {
  const db = LocalData.open(root);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** A temporary folder for one test, removed afterwards. */
export async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "gphotos-takeout-e2e-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Every file under `root` with its size and mtime, for before/after comparisons. */
export async function snapshot(
  root: string,
  ignore: (rel: string) => boolean = () => false,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string, prefix: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(dir));
    } catch {
      return;
    }
    for (const e of entries) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (ignore(rel)) continue;
      const info = await Deno.lstat(join(dir, e.name));
      if (info.isDirectory) await walk(join(dir, e.name), rel);
      else out[rel] = `${info.size}@${info.mtime?.getTime()}`;
    }
  };
  await walk(root, "");
  return out;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
