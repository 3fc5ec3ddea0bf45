// The machinery of the scheduled-Takeout tests (takeout_inbox_test.ts):
// two exports of one library, written as parts; a sync client that brings
// them into an inbox folder one by one, in a seeded order, leaving a part
// half-copied at each step (under a temporary name, a zip without its end,
// a .tgz cut short, a part changed a moment ago); and what a backup is,
// row by row and file by file, to compare two backups.

import { createHash } from "node:crypto";
import { DatabaseSync } from "node:sqlite";
import { basename, join } from "node:path";
import { jpeg } from "../media/media_fixtures.ts";
import { Rng } from "../reliability/kit.ts";
import { buildExport, LIBRARY } from "../reliability/takeout_subject.ts";
import {
  type ExportFile,
  type PartFormat,
  sidecarJson,
  supplementalName,
  utf8,
  writeExport,
} from "./takeout_export.ts";

/** One part of an export, written: its name and bytes. */
export interface BuiltPart {
  set: string;
  name: string;
  bytes: Uint8Array;
}

/**
 * The library's first export, with the shapes the import must complete
 * across parts: sidecars in other parts than their photos (every item of
 * the world), edited copies, copies in album folders with and without
 * their sidecar, an album of sidecars only, a motion photo's two halves in
 * two parts, photos without any sidecar sharing a name and a month.
 */
export function firstExport(seed: number): ExportFile[] {
  const rng = new Rng(seed);
  const world = buildExport(rng, { count: 36, parts: 4, albumShare: 0.3 });
  const files = [...world.files];
  const f = (path: string, data: Uint8Array, part: number) =>
    files.push({ path: `${LIBRARY}/${path}`, data, part });
  const side = (title: string, id: string, taken: string, text = "") =>
    sidecarJson({ title, id, taken, description: text, geo: [45.5, 6.25] });
  // An album copy of a year folder's photo, without its sidecar.
  const plain = world.items.find((i) => !i.editOf && i.albums.length === 0)!;
  f(`Gamma/${plain.entry}`, plain.bytes, 3);
  // An album folder holding sidecars only (GPTH Neo #133).
  const listed = world.items.filter((i) => !i.editOf).slice(2, 4);
  for (const item of listed) {
    const id = item.key.slice("takeout:AF1Qip".length).replace(/x+$/, "");
    f(
      `Sidecars only/${supplementalName(item.title)}`,
      side(item.title, id, item.taken),
      1,
    );
  }
  f(
    "Sidecars only/metadata.json",
    utf8.encode(JSON.stringify({ title: "Sidecars only" })),
    2,
  );
  // A motion photo: the still and its sidecar in one part, the video in
  // another.
  const still = "PXL_20200505_050505050.MP.jpg";
  f(`Photos from 2020/${still}`, jpeg({ imageUniqueId: "motion still" }), 0);
  f(
    `Photos from 2020/${supplementalName(still)}`,
    side(still, "motionstill", "2020-05-05T05:05:05Z", "motion"),
    2,
  );
  f(
    "Photos from 2020/PXL_20200505_050505050.MP",
    utf8.encode("motion video half".padEnd(700, ".")),
    3,
  );
  // Photos without sidecars, dated by their EXIF, of one name and month.
  f(
    "Photos from 2021/DSC_0001.JPG",
    jpeg({
      dateTimeOriginal: "2021:07:20 10:00:00",
      imageUniqueId: "lone dsc a".padEnd(32, "."),
    }),
    1,
  );
  f(
    "Delta/DSC_0001.JPG",
    jpeg({
      dateTimeOriginal: "2021:07:02 10:00:00",
      imageUniqueId: "lone dsc b".padEnd(32, "."),
    }),
    0,
  );
  return files;
}

/**
 * The same library exported two months later: the same files, cut into
 * other parts, listed in another order, and a few new photos (one with its
 * sidecar in another part, one in an album).
 */
export function laterExport(first: readonly ExportFile[]): ExportFile[] {
  const files: ExportFile[] = first.map((f, i) => ({
    ...f,
    part: (i * 7 + 3) % 5,
  })).reverse();
  for (let n = 0; n < 4; n++) {
    const title = `IMG_2024${String(n).padStart(4, "0")}.jpg`;
    const taken = `2024-0${1 + (n % 3)}-1${n}T12:00:00Z`;
    const data = jpeg({ imageUniqueId: `later photo ${n}`.padEnd(32, ".") });
    files.push({
      path: `${LIBRARY}/Photos from 2024/${title}`,
      data,
      part: n % 5,
    });
    files.push({
      path: `${LIBRARY}/Photos from 2024/${supplementalName(title)}`,
      data: sidecarJson({ title, id: `later${n}`, taken }),
      part: (n + 2) % 5,
    });
    if (n === 1) {
      files.push({ path: `${LIBRARY}/Alpha/${title}`, data, part: 4 });
      files.push({
        path: `${LIBRARY}/Alpha/${supplementalName(title)}`,
        data: sidecarJson({ title, id: `later${n}`, taken }),
        part: 0,
      });
    }
  }
  return files;
}

/** The parts of an export, written, read back as bytes. */
export async function buildParts(
  dir: string,
  files: readonly ExportFile[],
  formats: PartFormat[],
  stamp: string,
): Promise<BuiltPart[]> {
  await Deno.mkdir(dir, { recursive: true });
  const paths = await writeExport(dir, files, formats, { stamp });
  const out: BuiltPart[] = [];
  for (const path of paths) {
    out.push({
      set: `takeout-${stamp}`,
      name: basename(path),
      bytes: await Deno.readFile(path),
    });
  }
  return out;
}

/** How a sync client leaves a part it has not finished copying. */
export type MidCopy =
  | "temporary name"
  | "zip end missing"
  | "tgz cut"
  | "fresh";

/** Long ago enough to be settled. */
const SETTLED = new Date(Date.now() - 3 * 3600_000);

/**
 * The inbox a sync client fills: `deliver` copies a part whole (under a
 * temporary name, then renamed, as rclone does), `halfCopy` leaves one
 * unfinished.
 */
export class Inbox {
  constructor(readonly dir: string) {}

  path(part: BuiltPart): string {
    return join(this.dir, "Takeout", part.name);
  }

  async deliver(part: BuiltPart): Promise<void> {
    await Deno.mkdir(join(this.dir, "Takeout"), { recursive: true });
    const final = this.path(part);
    const temp = `${final}.partial`;
    await Deno.remove(temp).catch(() => {});
    await Deno.writeFile(temp, part.bytes);
    await Deno.utime(temp, SETTLED, SETTLED);
    await Deno.rename(temp, final);
  }

  /** Leaves `part` half-copied; returns how it was left. */
  async halfCopy(part: BuiltPart, how: MidCopy): Promise<void> {
    await Deno.mkdir(join(this.dir, "Takeout"), { recursive: true });
    const final = this.path(part);
    const cut = part.bytes.subarray(0, Math.floor(part.bytes.length * 0.6));
    if (how === "temporary name") {
      await Deno.writeFile(`${final}.partial`, cut);
    } else if (how === "fresh") {
      // All there, but written a moment ago: it may still change.
      await Deno.writeFile(final, part.bytes);
    } else {
      // Written in place, the rest not there yet, and quiet for a while
      // (a stalled client): only the part's own bytes tell.
      await Deno.writeFile(final, cut);
      await Deno.utime(final, SETTLED, SETTLED);
    }
  }

  /** The parts' files now in the inbox, by name. */
  async files(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string) => {
      for await (const e of Deno.readDir(dir)) {
        if (e.isDirectory) await walk(join(dir, e.name));
        else out.push(e.name);
      }
    };
    await walk(this.dir).catch(() => {});
    return out.sort();
  }
}

/**
 * What a backup is, to compare two: every index row of the items, their
 * extras, hashes and albums (times of writing and row ids aside), and
 * every file and link under ROOT but the index, log, lock and report.
 */
export async function backupImage(
  root: string,
): Promise<Record<string, unknown>> {
  const db = new DatabaseSync(join(root, "gphotos.sqlite"), {
    readOnly: true,
  });
  const rows = (sql: string) =>
    db.prepare(sql).all().map((r) => JSON.stringify(r));
  const image: Record<string, unknown> = {};
  try {
    image.SyncFiles = rows(
      `SELECT RemoteId, Url, Path, FileName, OrigFileName, DuplicateNo,
         MimeType, Description, FileSize, CreateDate, Downloaded, Location,
         Source, IsVideo, SourceRef FROM SyncFiles ORDER BY RemoteId`,
    );
    image.ItemExtras = rows("SELECT * FROM ItemExtras ORDER BY RemoteId");
    image.ContentHashes = rows(
      "SELECT * FROM ContentHashes ORDER BY RemoteId",
    );
    image.Albums = rows(
      `SELECT RemoteId, AlbumName, Size, Description, StartDate, EndDate,
         IsSharedAlbum FROM Albums ORDER BY RemoteId`,
    );
    image.AlbumFiles = rows(
      "SELECT AlbumRec, DriveRec, Position FROM AlbumFiles ORDER BY AlbumRec, Position",
    );
  } finally {
    db.close();
  }
  const files: Record<string, string> = {};
  const walk = async (dir: string, prefix: string) => {
    for await (const e of Deno.readDir(dir)) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (!prefix && (e.name.startsWith("gphotos") || e.name.startsWith("."))) {
        continue;
      }
      const abs = join(dir, e.name);
      const info = await Deno.lstat(abs);
      if (info.isSymlink) files[rel] = `-> ${await Deno.readLink(abs)}`;
      else if (info.isDirectory) await walk(abs, rel);
      else {
        const bytes = await Deno.readFile(abs);
        files[rel] = `${
          createHash("sha256").update(bytes).digest("hex").slice(0, 16)
        } ${info.mtime?.toISOString()}`;
      }
    }
  };
  await walk(root, "");
  image.files = files;
  return image;
}
