// Recovery for a zip part whose central directory is lost, which is what a
// cut download looks like: the directory sits at the end. The local headers
// are walked from the start; entries written with a data descriptor (sizes
// unknown in the header, as streaming writers do) are measured by finding
// their descriptor. Everything complete before the cut is listed. When the
// walk reaches the start of a central directory that was cut short, the
// records that survive supply what local headers lack (Unix modes, so that
// symlinks are still recognised).

import { readAt } from "./file_io.ts";
import {
  CENTRAL_SIZE,
  centralTail,
  type DataDescriptor,
  descriptorAt,
  FLAG_DESCRIPTOR,
  LOCAL_SIZE,
  localTail,
  parseCentral,
  parseLocal,
  SIG_CENTRAL,
  SIG_EOCD,
  SIG_LOCAL,
  SIG_ZIP64_EOCD,
  view,
  type ZipRecord,
} from "./zip_format.ts";
import { EntryBudget } from "./entry_budget.ts";

/** Why the walk stopped. */
export type ScanStop =
  /** The file ends, at a header boundary or inside entry `entry`. */
  | { readonly kind: "cut"; readonly at: number; readonly entry?: string }
  /** Bytes at `at` are no zip header. */
  | { readonly kind: "garbage"; readonly at: number }
  /** A central directory or end record starts at `at`. */
  | { readonly kind: "directory"; readonly at: number }
  /** The import's entry budget is spent; the rest is not scanned. */
  | { readonly kind: "limit"; readonly at: number };

export interface ScanResult {
  readonly records: ZipRecord[];
  readonly stop: ScanStop;
  /** Whether the part starts with a local header at all. */
  readonly looksLikeZip: boolean;
  /** What the records took of the budget. */
  readonly taken: number;
}

const WINDOW = 1 << 20;

export async function scanLocalHeaders(
  file: Deno.FsFile,
  fileSize: number,
  budget: EntryBudget = new EntryBudget(),
): Promise<ScanResult> {
  const records: ZipRecord[] = [];
  let taken = 0;
  let at = 0;
  let stop: ScanStop;
  let looksLikeZip = false;
  for (;;) {
    const fixed = await readAt(file, at, LOCAL_SIZE);
    if (fixed.length < 4) {
      stop = { kind: "cut", at };
      break;
    }
    const sig = view(fixed).getUint32(0, true);
    if (at === 0) {
      looksLikeZip = sig === SIG_LOCAL || sig === SIG_CENTRAL ||
        sig === SIG_EOCD || sig === SIG_ZIP64_EOCD;
    }
    if (sig === SIG_CENTRAL || sig === SIG_EOCD || sig === SIG_ZIP64_EOCD) {
      stop = { kind: "directory", at };
      if (sig === SIG_CENTRAL) {
        await adoptCentralRecords(file, at, fileSize, records);
      }
      break;
    }
    if (sig !== SIG_LOCAL) {
      stop = { kind: "garbage", at };
      break;
    }
    if (fixed.length < LOCAL_SIZE) {
      stop = { kind: "cut", at };
      break;
    }
    const restLength = localTail(fixed);
    const rest = await readAt(file, at + LOCAL_SIZE, restLength);
    if (rest.length < restLength) {
      stop = { kind: "cut", at };
      break;
    }
    const record = parseLocal(fixed, rest, at);
    const dataStart = record.dataOffset ?? at;
    let next: number;
    if (record.flags & FLAG_DESCRIPTOR) {
      const found = await findDescriptor(file, dataStart, fileSize);
      if (!found) {
        stop = { kind: "cut", at, entry: record.name };
        break;
      }
      record.crc = found.crc;
      record.compressedSize = found.compressedSize;
      record.size = found.size;
      next = found.end;
    } else {
      next = dataStart + record.compressedSize;
      if (next > fileSize) {
        stop = { kind: "cut", at, entry: record.name };
        break;
      }
    }
    if (!budget.take(record.name)) {
      stop = { kind: "limit", at };
      break;
    }
    taken += EntryBudget.cost(record.name);
    records.push(record);
    at = next;
  }
  return { records, stop, looksLikeZip, taken };
}

/**
 * The data descriptor closing data that starts at `dataStart`, found by
 * reading forward in bounded windows; undefined when the file ends first.
 */
async function findDescriptor(
  file: Deno.FsFile,
  dataStart: number,
  fileSize: number,
): Promise<DataDescriptor | undefined> {
  // Each window also holds the 20 bytes before it (an unsigned descriptor
  // precedes the signature that reveals it) and the 24 after (a signed one
  // follows its signature).
  for (let w = dataStart; w < fileSize; w += WINDOW) {
    const from = Math.max(dataStart, w - 20);
    const to = Math.min(fileSize, w + WINDOW + 24);
    const bytes = await readAt(file, from, to - from);
    const limit = Math.min(w + WINDOW, fileSize) - from;
    for (let i = bytes.indexOf(0x50, w - from); i >= 0 && i < limit;) {
      if (bytes[i + 1] === 0x4b) {
        const found = descriptorAt(bytes, from, from + i, dataStart);
        if (found) return found;
      }
      i = bytes.indexOf(0x50, i + 1);
    }
  }
  return undefined;
}

/** Takes kinds and modes from the central records that survived the cut. */
async function adoptCentralRecords(
  file: Deno.FsFile,
  at: number,
  fileSize: number,
  records: ZipRecord[],
): Promise<void> {
  const byOffset = new Map(records.map((r) => [r.localOffset, r]));
  while (at + CENTRAL_SIZE <= fileSize) {
    const fixed = await readAt(file, at, CENTRAL_SIZE);
    if (view(fixed).getUint32(0, true) !== SIG_CENTRAL) return;
    const restLength = centralTail(fixed);
    const rest = await readAt(file, at + CENTRAL_SIZE, restLength);
    if (rest.length < restLength) return;
    const central = parseCentral(fixed, rest);
    const local = byOffset.get(central.localOffset);
    if (local) {
      local.kind = central.kind;
      local.mode = central.mode;
      local.name = central.name;
    }
    at += CENTRAL_SIZE + restLength;
  }
}
