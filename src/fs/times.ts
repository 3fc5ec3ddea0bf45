// File times. A media file's modification time is the item's creation time,
// as gphotos-sync set it; times the filesystem cannot store (before 1980 on
// FAT, for example) are raised to the earliest one it can, which the
// filesystem probe measured (FsProfile.minTime), as Utils.safe_timestamp
// did.

import { lutimes } from "node:fs/promises";

/** `time`, or `minTime` when `time` is earlier or not a valid date. */
export function clampFileTime(time: Date, minTime: Date): Date {
  const ms = time.getTime();
  if (Number.isNaN(ms) || ms < minTime.getTime()) return new Date(minTime);
  return time;
}

export interface FileTimesOptions {
  /** Access time; the modification time when absent. */
  atime?: Date;
  /** Earliest time the filesystem keeps (FsProfile.minTime). */
  minTime?: Date;
}

/** Set a file's modification (and access) time, following links. */
export async function setFileTimes(
  path: string,
  mtime: Date,
  options: FileTimesOptions = {},
): Promise<void> {
  const [m, a] = clampBoth(mtime, options);
  await Deno.utime(path, a, m);
}

/**
 * Set the times of a symbolic link itself, not of what it points to
 * (album links carry the item's date, as in gphotos-sync).
 */
export async function setLinkTimes(
  path: string,
  mtime: Date,
  options: FileTimesOptions = {},
): Promise<void> {
  const [m, a] = clampBoth(mtime, options);
  await lutimes(path, a, m);
}

function clampBoth(mtime: Date, options: FileTimesOptions): [Date, Date] {
  const atime = options.atime ?? mtime;
  if (!options.minTime) return [mtime, atime];
  return [
    clampFileTime(mtime, options.minTime),
    clampFileTime(atime, options.minTime),
  ];
}
