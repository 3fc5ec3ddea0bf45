// What an error of node:sqlite means: its SQLite result code, and whether it
// is the disk's trouble (full, read-only, I/O, cannot open) rather than the
// program's, which a person fixes and is told how.

import { DiskError } from "../errors.ts";

/** SQLite result codes (the low byte of node:sqlite's `errcode`). */
export const SQLITE_CONSTRAINT = 19;
const DISK_CODES = new Set([
  8, /* READONLY */
  10, /* IOERR */
  13, /* FULL */
  14, /* CANTOPEN */
]);

/**
 * SQLite's primary messages for the disk codes: node:sqlite leaves
 * `errcode` off the errors of exec() (a COMMIT on a full disk, say).
 */
const DISK_MESSAGES: [string, number][] = [
  ["attempt to write a readonly database", 8],
  ["disk I/O error", 10],
  ["database or disk is full", 13],
  ["unable to open database file", 14],
];

export function sqliteCode(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { errcode?: unknown }).errcode;
  if (typeof code === "number") return code & 0xff;
  const message = (error as { message?: unknown }).message;
  if (typeof message !== "string") return undefined;
  return DISK_MESSAGES.find(([text]) => message.startsWith(text))?.[1];
}

/**
 * A DiskError saying what could not be done ("write the index FILE") when
 * `error` is the disk's trouble; `error` itself otherwise.
 */
export function diskErrorOr(error: unknown, doing: string): unknown {
  const code = sqliteCode(error);
  if (code === undefined || !DISK_CODES.has(code)) return error;
  return new DiskError(
    `Cannot ${doing}: ${
      error instanceof Error ? error.message : String(error)
    }. Check the free space and permissions of its folder.`,
    { cause: error },
  );
}
