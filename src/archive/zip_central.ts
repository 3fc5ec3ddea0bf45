// The central directory of a zip part, read from the end of the file: the
// end record (ZIP64's when the classic one overflows, found even when a
// prefix shifts its pointer), then the records, read in blocks and parsed in
// place into the packed ZipDirectory, each name taken from the entry budget.
// A directory that does not add up is a CorruptArchiveError; the reader then
// lists the part by scanning its local headers (zip_scan.ts).

import {
  CorruptArchiveError,
  UnsupportedArchiveError,
} from "./archive_errors.ts";
import { EntryBudget } from "./entry_budget.ts";
import { readAt, readInto } from "./file_io.ts";
import {
  CENTRAL_SIZE,
  emptyCentralRecord,
  type EndOfCentralDirectory,
  parseZip64Eocd,
  parseZip64Locator,
  readCentralRecord,
  SIG_CENTRAL,
  view,
  ZIP64_EOCD_SIZE,
  ZIP64_LOCATOR_SIZE,
} from "./zip_format.ts";
import { type ZipDirectory, ZipDirectoryBuilder } from "./zip_directory.ts";

/** Bytes of the central directory read at once. */
const CENTRAL_BLOCK = 1 << 20;

/** The central directory records, and the offset correction. */
export async function readCentral(
  file: Deno.FsFile,
  part: string,
  eocd: EndOfCentralDirectory,
  budget: EntryBudget,
): Promise<{ directory: ZipDirectory; bias: number }> {
  let taken = 0;
  try {
    return await readCentralRecords(file, part, eocd, budget, (cost) => {
      taken += cost;
    });
  } catch (err) {
    // A directory not kept gives back what it took.
    budget.give(taken);
    throw err;
  }
}

/** readCentral's work; `took` is told what each record takes of the budget. */
async function readCentralRecords(
  file: Deno.FsFile,
  part: string,
  eocd: EndOfCentralDirectory,
  budget: EntryBudget,
  took: (cost: number) => void,
): Promise<{ directory: ZipDirectory; bias: number }> {
  const damaged = (why: string) =>
    new CorruptArchiveError(
      `${part} has a damaged central directory: ${why}.`,
      part,
    );
  const { end, cdStart, bias } = await directoryEnd(file, part, eocd, damaged);
  const records = new ZipDirectoryBuilder();
  const record = emptyCentralRecord();
  // Read in blocks and parsed in place: one buffer for the whole directory,
  // however many records it holds (a record is at most 46 + 3 x 65535
  // bytes, well within a block).
  const block = new Uint8Array(CENTRAL_BLOCK);
  const blockView = view(block);
  let blockAt = cdStart;
  let filled = 0;
  let at = 0;
  /** Whether `n` bytes from `at` are in the block, reading more if needed. */
  const have = async (n: number): Promise<boolean> => {
    if (at + n <= filled) return true;
    block.copyWithin(0, at, filled);
    blockAt += at;
    filled -= at;
    at = 0;
    const want = Math.min(block.length, end.at - blockAt) - filled;
    if (want > 0) {
      filled += await readInto(
        file,
        blockAt + filled,
        block.subarray(filled, filled + want),
      );
    }
    return at + n <= filled;
  };
  // The count in the end record wraps at 65536 in some writers: the
  // directory's byte range is what decides.
  while (blockAt + at < end.at) {
    const position = blockAt + at;
    if (
      !await have(CENTRAL_SIZE) ||
      blockView.getUint32(at, true) !== SIG_CENTRAL
    ) {
      throw damaged(`no directory record at offset ${position}`);
    }
    const length = CENTRAL_SIZE + blockView.getUint16(at + 28, true) +
      blockView.getUint16(at + 30, true) + blockView.getUint16(at + 32, true);
    if (!await have(length)) {
      throw damaged(`the record at offset ${position} runs past its end`);
    }
    readCentralRecord(block, blockView, at, record);
    if (!budget.take(record.name)) {
      // A crafted directory of millions of entries would fill memory.
      throw new UnsupportedArchiveError(budget.exceeded(part, false), part);
    }
    took(EntryBudget.cost(record.name));
    records.pushCentral(record);
    at += length;
  }
  if (records.length % 0x10000 !== end.entries % 0x10000) {
    throw damaged(
      `it holds ${records.length} records where its end record lists ` +
        `${end.entries}`,
    );
  }
  return { directory: records.seal(part), bias };
}

/**
 * The end record that places the directory (the ZIP64 one when there is
 * one), where the directory starts, and the offset correction.
 */
async function directoryEnd(
  file: Deno.FsFile,
  part: string,
  eocd: EndOfCentralDirectory,
  damaged: (why: string) => CorruptArchiveError,
): Promise<{ end: EndOfCentralDirectory; cdStart: number; bias: number }> {
  let end = eocd;
  if (eocd.at >= ZIP64_LOCATOR_SIZE) {
    const locatorAt = eocd.at - ZIP64_LOCATOR_SIZE;
    const pointer = parseZip64Locator(
      await readAt(file, locatorAt, ZIP64_LOCATOR_SIZE),
    );
    if (pointer !== undefined) {
      // The pointer is wrong by the length of any prefix; the record
      // normally sits right before the locator.
      const candidates = [pointer, locatorAt - ZIP64_EOCD_SIZE];
      let found: EndOfCentralDirectory | undefined;
      for (const at of candidates) {
        if (at < 0) continue;
        found = parseZip64Eocd(await readAt(file, at, ZIP64_EOCD_SIZE), at);
        if (found) break;
      }
      if (!found) throw damaged("its ZIP64 end record is missing");
      end = found;
    }
  }
  if (end.disk !== 0 || end.cdDisk !== 0) {
    throw new UnsupportedArchiveError(
      `${part} is one piece of a zip split across several files (disk ` +
        `${end.disk}); join the pieces first (zip -s 0 in.zip --out joined.zip).`,
      part,
    );
  }
  const cdStart = end.at - end.cdSize;
  const bias = cdStart - end.cdOffset;
  if (cdStart < 0 || bias < 0) {
    throw damaged(
      `it claims ${end.cdSize} bytes at offset ${end.cdOffset}, which do ` +
        `not fit before its end record at ${end.at}`,
    );
  }
  return { end, cdStart, bias };
}
