// The folder the parts of scheduled Takeout exports arrive in (a sync
// client's copy of the Drive, Dropbox or OneDrive folder Takeout delivers
// to), looked at without reading any part: which parts are there, of which
// export, and whether each looks whole or still arriving. A part is left
// for a later run while a sync client still writes it: under a temporary
// name (`NAME.partial`, `.syncthing.NAME.tmp`...), changed less than the
// settle time ago, a zip whose end record is not there yet, a gzip stream
// that does not start or whose trailer is still zeros (space allocated
// ahead of the data). Reading such a part would report as damaged what is
// only unfinished.

import { join } from "node:path";
import { readAt } from "../archive/file_io.ts";
import {
  isArchivePartName,
  parsePartName,
  type PartName,
  temporaryPartName,
} from "../archive/part_names.ts";

/** A part found in the folder. */
export interface ArrivedPart {
  /** Its path. */
  path: string;
  /** The part's own name (for a temporary name, the name it will have). */
  name: string;
  set: string;
  number: number;
  size: number;
  mtime: Date | undefined;
  /** Why it is not read yet; undefined when it looks whole. */
  waiting?: string;
}

export interface InboxScan {
  /** Every part found (whole-looking or still arriving), by path. */
  parts: ArrivedPart[];
  /** Folders that could not be read, with why. */
  unreadable: { path: string; reason: string }[];
}

export interface ScanOptions {
  now: Date;
  /** How long a part must stay unchanged before it is read. */
  settleMs: number;
}

/** Folders below the inbox looked into at most (sync clients nest a few). */
const MAX_DEPTH = 12;

/** The zip end record's signature, and where it can be (its comment is up to 64 KiB). */
const EOCD = [0x50, 0x4b, 0x05, 0x06];
const EOCD_SEARCH = 22 + 0xffff;

export async function scanInbox(
  dir: string,
  options: ScanOptions,
): Promise<InboxScan> {
  const scan: InboxScan = { parts: [], unreadable: [] };
  const walk = async (folder: string, depth: number) => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(folder));
    } catch (err) {
      scan.unreadable.push({
        path: folder,
        reason: err instanceof Error ? err.message : String(err),
      });
      return;
    }
    entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    for (const e of entries) {
      const path = join(folder, e.name);
      // Links are not followed: the inbox is what the sync client wrote.
      if (e.isSymlink) continue;
      if (e.isDirectory) {
        if (depth < MAX_DEPTH) await walk(path, depth + 1);
        continue;
      }
      if (!e.isFile) continue;
      const temporary = temporaryPartName(e.name);
      const parsed = temporary?.parsed ?? parsePartName(e.name);
      if (parsed === undefined) continue;
      if (temporary === undefined && !isArchivePartName(e.name)) continue;
      let info: Deno.FileInfo;
      try {
        info = await Deno.stat(path);
      } catch {
        continue;
      }
      const part: ArrivedPart = {
        path,
        name: temporary?.part ?? e.name,
        set: parsed.set,
        number: parsed.number,
        size: info.size,
        mtime: info.mtime ?? undefined,
      };
      const waiting = temporary !== undefined
        ? `being copied (under the temporary name ${e.name})`
        : await stillArriving(path, parsed, info, options);
      if (waiting !== undefined) part.waiting = waiting;
      scan.parts.push(part);
    }
  };
  await walk(dir, 0);
  return scan;
}

/** Why a part with its own name still looks unfinished, if it does. */
async function stillArriving(
  path: string,
  parsed: PartName,
  info: Deno.FileInfo,
  options: ScanOptions,
): Promise<string | undefined> {
  const changed = info.mtime === null
    ? undefined
    : options.now.getTime() - info.mtime.getTime();
  if (changed !== undefined && changed < options.settleMs) {
    return `changed ${
      Math.max(0, Math.floor(changed / 60_000))
    } min ago: read once unchanged for ${
      Math.round(options.settleMs / 60_000)
    } min (--settle)`;
  }
  if (info.size === 0) return "empty so far";
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (err) {
    return `not readable yet (${err instanceof Error ? err.message : err})`;
  }
  try {
    if (parsed.ext.toLowerCase() === ".zip") {
      const span = Math.min(info.size, EOCD_SEARCH);
      const tail = await readAt(file, info.size - span, span);
      return hasEndRecord(tail)
        ? undefined
        : "the end of the zip (its directory) is not there yet";
    }
    if (parsed.ext.toLowerCase() === ".tar") return undefined;
    const head = await readAt(file, 0, Math.min(2, info.size));
    if (head[0] !== 0x1f || head[1] !== 0x8b) {
      return "the start of the gzip stream is not there yet";
    }
    const trailer = await readAt(file, Math.max(0, info.size - 8), 8);
    if (info.size > 8 && trailer.every((b) => b === 0)) {
      return "the end of the gzip stream is not there yet";
    }
    return undefined;
  } finally {
    file.close();
  }
}

function hasEndRecord(tail: Uint8Array): boolean {
  for (let i = tail.length - 22; i >= 0; i--) {
    if (
      tail[i] === EOCD[0] && tail[i + 1] === EOCD[1] &&
      tail[i + 2] === EOCD[2] && tail[i + 3] === EOCD[3]
    ) return true;
  }
  return false;
}
