// The harness of the peer corpus (takeout_corpus_test.ts): each case is a
// small export described by its files (media, sidecars, album metadata,
// other files) and what must come of it. It is written as an unpacked
// folder, a zip and a tgz, each in two entry orders (one part as listed;
// two parts, entries reversed, given in reverse), and imported by the
// program itself (main(), in this process: hundreds of imports would take
// minutes as subprocesses). Each import is checked: every media file stored
// once, each with its own sidecar's date and description (every sidecar
// has a unique one), albums exact, the report's entries adding up to the
// listing; and the six results must be the same.

import { join } from "node:path";
import { main, type MainDeps } from "../../src/program.ts";
import { assert, assertEquals } from "../assert.ts";
import { jpeg } from "../media/media_fixtures.ts";
import { writeTar, writeZip } from "../archive/archive_builder.ts";
import {
  assertEntriesAddUp,
  readReport,
  sameBytes,
  sidecarJson,
  storedItems,
  utf8,
  withIndex,
} from "./takeout_export.ts";

/** A file of a case, its path under the export's root folder. */
export type CorpusFile =
  & { path: string; part?: number }
  & (
    | { media: string; exif?: string }
    | {
      sidecar: string;
      title?: string;
      taken?: string;
      /** Without a photos.google.com URL (as GPTH Neo's fixtures). */
      noUrl?: boolean;
      /** Bytes instead of a sidecar (a damaged JSON file). */
      raw?: string;
    }
    | { album: string }
    | { text: string }
  );

export interface CorpusCase {
  /** Where the case comes from: repository, file, test. */
  from: string;
  /** What it states. */
  name: string;
  /** The export's root folder; default "Takeout/Google Photos". */
  root?: string;
  files: CorpusFile[];
  /**
   * Each media label and the sidecar label whose date and description it
   * must carry (null: none; it is imported dated by its file).
   */
  carries: Record<string, string | null>;
  /** Album titles and their members' media labels (no other album). */
  albums?: Record<string, string[]>;
  /** Media labels and the file name they must be stored under. */
  names?: Record<string, string>;
  /** Sidecar labels no file claimed. */
  unclaimed?: string[];
  /** Media labels left out (the trash): not stored. */
  skipped?: string[];
  /** Entries that are not part of the library (other files). */
  otherFiles?: number;
}

export const m = (path: string, media: string, exif?: string): CorpusFile =>
  exif === undefined ? { path, media } : { path, media, exif };

export const s = (
  path: string,
  sidecar: string,
  title?: string,
  more: { taken?: string; noUrl?: boolean; raw?: string; part?: number } = {},
): CorpusFile => ({ path, sidecar, title, ...more });

export const album = (path: string, title: string): CorpusFile => ({
  path,
  album: title,
});

/** What a run left, in a form compared between the six runs. */
interface Outcome {
  /** Media label -> ROOT-relative path. */
  stored: Record<string, string>;
  albums: Record<string, string[]>;
  unclaimed: string[];
}

export type Variant = { format: "folder" | "zip" | "tgz"; reversed: boolean };

const VARIANTS: Variant[] = ["folder", "zip", "tgz"].flatMap((format) =>
  [false, true].map((reversed) => ({
    format: format as Variant["format"],
    reversed,
  }))
);

/**
 * The bytes of a media label: unique to the case and the label, and of a
 * size of its own (as photos are: copies of one upload are told apart from
 * other items by their bytes, which the size stands for until read).
 */
function mediaBytes(c: CorpusCase, label: string, exif?: string): Uint8Array {
  const id = `${c.name} ${label}`;
  if (exif !== undefined) {
    return jpeg({ dateTimeOriginal: exif, imageUniqueId: id.slice(0, 32) });
  }
  const labels = [
    ...new Set(c.files.flatMap((f) => "media" in f ? [f.media] : [])),
  ];
  const size = 300 + 17 * labels.indexOf(label);
  return utf8.encode(`corpus media: ${id}`.padEnd(size, "."));
}

/** Each sidecar label's capture time: distinct within a case. */
function takenOf(c: CorpusCase, label: string): string {
  const f = c.files.find((f) => "sidecar" in f && f.sidecar === label);
  if (f && "sidecar" in f && f.taken) return f.taken;
  const labels = [
    ...new Set(
      c.files.flatMap((f) => "sidecar" in f ? [f.sidecar] : []),
    ),
  ];
  const i = labels.indexOf(label);
  return new Date(Date.UTC(2015, 2, 1 + i, 10, 7 * i, 13)).toISOString()
    .replace(".000", "");
}

const descriptionOf = (c: CorpusCase, label: string) =>
  `${c.name}: sidecar ${label}`;

const urlIdOf = (c: CorpusCase, label: string) =>
  `${c.name}-${label}`.replace(/[^A-Za-z0-9_-]/g, "_");

/** The bytes of each file of a case. */
function fileBytes(c: CorpusCase, f: CorpusFile): Uint8Array {
  if ("media" in f) return mediaBytes(c, f.media, f.exif);
  if ("sidecar" in f) {
    if (f.raw !== undefined) return utf8.encode(f.raw);
    return sidecarJson({
      title: f.title ?? "",
      taken: takenOf(c, f.sidecar),
      description: descriptionOf(c, f.sidecar),
      ...(f.noUrl ? {} : { id: urlIdOf(c, f.sidecar) }),
    });
  }
  if ("album" in f) {
    return utf8.encode(JSON.stringify({
      title: f.album,
      description: "",
      access: "",
      date: { timestamp: "1600000000", formatted: "" },
    }));
  }
  return utf8.encode(f.text);
}

/** Writes one variant of a case's export; returns the part paths to give. */
export async function writeVariant(
  c: CorpusCase,
  dir: string,
  v: Variant,
): Promise<string[]> {
  const root = c.root ?? "Takeout/Google Photos";
  const explicit = c.files.some((f) => f.part !== undefined);
  const entries = c.files.map((f, i) => ({
    name: `${root}/${f.path}`,
    data: fileBytes(c, f),
    part: explicit ? f.part ?? 0 : v.reversed ? i % 2 : 0,
    mtime: new Date("2024-05-06T07:08:09Z"),
  }));
  if (v.reversed) entries.reverse();
  const partCount = Math.max(...entries.map((e) => e.part), 0) + 1;
  const paths: string[] = [];
  await Deno.mkdir(dir, { recursive: true });
  for (let p = 0; p < partCount; p++) {
    const base = join(
      dir,
      `takeout-20240506T070809Z-${String(p + 1).padStart(3, "0")}`,
    );
    const mine = entries.filter((e) => e.part === p);
    if (v.format === "folder") {
      await Deno.mkdir(base, { recursive: true });
      for (const e of mine) {
        const path = join(base, e.name);
        await Deno.mkdir(join(path, ".."), { recursive: true });
        await Deno.writeFile(path, e.data);
        await Deno.utime(path, e.mtime, e.mtime);
      }
      paths.push(base);
    } else if (v.format === "zip") {
      await writeZip(`${base}.zip`, mine);
      paths.push(`${base}.zip`);
    } else {
      await writeTar(`${base}.tgz`, mine);
      paths.push(`${base}.tgz`);
    }
  }
  return v.reversed ? paths.reverse() : paths;
}

/** Runs the program in this process; its exit code and what it printed. */
export async function runInProcess(
  argv: string[],
  now: () => Date = () => new Date(),
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const deps: MainDeps = {
    cwd: Deno.cwd(),
    env: (name) => name === "HOME" ? Deno.env.get("HOME") : undefined,
    fetch: () => Promise.reject(new Error("no network in the corpus")),
    now,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    random: Math.random,
    signal: new AbortController().signal,
    stdout: (t) => stdout += t,
    stderr: (t) => stderr += t,
    isTty: false,
  };
  const code = await main(argv, deps);
  return { code, stdout, stderr };
}

/** One variant of a case: written, imported, checked; what it left. */
async function runVariant(
  c: CorpusCase,
  dir: string,
  v: Variant,
): Promise<Outcome> {
  const what = `${c.from} / ${c.name} (${v.format}${
    v.reversed ? ", reversed" : ""
  })`;
  const parts = await writeVariant(c, join(dir, "export"), v);
  const root = join(dir, "backup");
  const r = await runInProcess(["takeout", root, ...parts, "--no-xmp"]);
  assertEquals(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}`);
  const report = await readReport(root);
  assertEntriesAddUp(report, c.files.length, what);

  const stored = await storedItems(root);
  const skipped = new Set(c.skipped ?? []);
  const labels = [
    ...new Set(c.files.flatMap((f) => "media" in f ? [f.media] : [])),
  ].filter((l) => !skipped.has(l));
  for (const label of skipped) {
    const f = c.files.find((f) => "media" in f && f.media === label)!;
    assert(
      !stored.some((x) => sameBytes(x.bytes, fileBytes(c, f))),
      `${what}: ${label} is left out`,
    );
  }
  assertEquals(
    stored.length,
    labels.length,
    `${what}: one index row per item, got ${
      stored.map((x) => x.rel).join(", ")
    }`,
  );
  const outcome: Outcome = { stored: {}, albums: {}, unclaimed: [] };
  const labelOf = new Map<string, string>();
  const extras = withIndex(root, (db) =>
    new Map(stored.map((x) => [
      x.item.remoteId,
      db.getItemExtras(x.item.remoteId),
    ])));
  for (const label of labels) {
    const f = c.files.find((f) => "media" in f && f.media === label)!;
    const bytes = fileBytes(c, f);
    const found = stored.filter((x) => sameBytes(x.bytes, bytes));
    assertEquals(found.length, 1, `${what}: ${label} stored once`);
    const item = found[0].item;
    outcome.stored[label] = found[0].rel;
    labelOf.set(item.remoteId, label);
    assert(label in c.carries, `${what}: the case says nothing of ${label}`);
    const from = c.carries[label];
    if (from === null) {
      assertEquals(item.description, "", `${what}: ${label} has no sidecar`);
      assert(
        extras.get(item.remoteId)?.dateSource !== "sidecar",
        `${what}: ${label} is dated by no sidecar`,
      );
    } else {
      assertEquals(
        item.description,
        descriptionOf(c, from),
        `${what}: ${label} carries sidecar ${from}`,
      );
      assertEquals(
        item.createDate.toISOString().replace(".000", ""),
        takenOf(c, from),
        `${what}: ${label} is dated by sidecar ${from}`,
      );
    }
    const name = c.names?.[label];
    if (name !== undefined) {
      assertEquals(item.fileName, name, `${what}: ${label}'s name`);
    }
  }
  withIndex(root, (db) => {
    for (const a of db.albums()) {
      outcome.albums[a.albumName] = db.albumFiles(a.remoteId)
        .map((f) => labelOf.get(f.item.remoteId) ?? f.item.remoteId).sort();
    }
  });
  const wanted = Object.fromEntries(
    Object.entries(c.albums ?? {}).map(([t, l]) => [t, [...l].sort()]),
  );
  assertEquals(outcome.albums, wanted, `${what}: albums`);
  const sidecarLabel = new Map(
    c.files.flatMap((f) =>
      "sidecar" in f
        ? [[`${c.root ?? "Takeout/Google Photos"}/${f.path}`, f.sidecar]]
        : []
    ),
  );
  outcome.unclaimed = (report.unclaimedSidecars as string[]).map((p) =>
    sidecarLabel.get(p.slice(p.indexOf(c.root ?? "Takeout/Google Photos"))) ??
      p
  ).sort();
  assertEquals(
    outcome.unclaimed,
    [...(c.unclaimed ?? [])].sort(),
    `${what}: unclaimed sidecars`,
  );
  if (c.otherFiles !== undefined) {
    assertEquals(report.entries.otherFiles, c.otherFiles, `${what}: others`);
  }
  return outcome;
}

/** Every variant of a case; the outcome must not depend on the variant. */
export async function runCase(c: CorpusCase): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "gphotos-corpus-" });
  try {
    // Side by side: the runs wait on the disk (each file is flushed).
    const outcomes = await Promise.all(
      VARIANTS.map((v, i) => runVariant(c, join(dir, String(i)), v)),
    );
    outcomes.forEach((outcome, i) =>
      assertEquals(
        outcome,
        outcomes[0],
        `${c.from} / ${c.name}: ${VARIANTS[i].format}${
          VARIANTS[i].reversed ? " reversed" : ""
        } differs from the first run`,
      )
    );
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/**
 * Several cases, a few side by side (each import waits on the disk most of
 * the time); every failure is reported, each with its case.
 */
export async function runCases(
  cases: readonly CorpusCase[],
  concurrency = 4,
): Promise<void> {
  const failures: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const c = cases[next++];
      try {
        await runCase(c);
      } catch (err) {
        failures.push(
          `${c.from} / ${c.name}:\n${
            err instanceof Error ? err.message : String(err)
          }`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (failures.length > 0) {
    throw new Error(
      `${failures.length} of ${cases.length} cases failed:\n\n${
        failures.join("\n\n")
      }`,
    );
  }
}
