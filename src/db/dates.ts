// Dates in the index, stored as text the way gphotos-sync stored them so a
// gphotos-sync reader (and ours) can parse rows written by either program.
//
// gphotos-sync handed Python datetimes to sqlite3, whose default adapter
// writes `datetime.isoformat(" ")`: "2017-09-26 15:29:44", with
// ".ffffff" microseconds only when they are not zero, and "+HH:MM" only for
// zone-aware values (it never made those for media dates). Dates it formatted
// itself (Globals.LastIndex, SyncDate) used "%Y-%m-%d %H:%M:%S". Google's
// creationTime is UTC and gphotos-sync dropped the "Z" when parsing it, so the
// zone-less text means UTC. Its reader (Utils.string_to_date) takes the first
// "YYYY?MM?DD?HH?MM?SS" of the text with any separator and ignores the rest,
// falling back to "YYYY?MM?DD" at midnight.

const DATE_TEXT =
  /^\s*(\d{4})\D(\d{2})\D(\d{2})(?:\D(\d{2})\D(\d{2})\D(\d{2})(?:[.,](\d+))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?/i;

/**
 * Formats a date for the index: UTC, "YYYY-MM-DD HH:MM:SS", plus
 * ".ffffff" when there are milliseconds (Python's isoformat(" ") shape).
 */
export function formatIndexDate(date: Date): string {
  const time = date.getTime();
  if (Number.isNaN(time)) {
    throw new RangeError("Cannot store an invalid date in the index.");
  }
  const year = date.getUTCFullYear();
  // Python's datetime, which gphotos-sync reads these into, stops at 1..9999.
  if (year < 1 || year > 9999) {
    throw new RangeError(
      `Cannot store the date ${date.toISOString()} in the index: years must be 1 to 9999.`,
    );
  }
  const two = (n: number) => String(n).padStart(2, "0");
  const text = `${String(year).padStart(4, "0")}-${
    two(date.getUTCMonth() + 1)
  }-${two(date.getUTCDate())} ${two(date.getUTCHours())}:${
    two(date.getUTCMinutes())
  }:${two(date.getUTCSeconds())}`;
  const ms = date.getUTCMilliseconds();
  return ms === 0 ? text : `${text}.${String(ms * 1000).padStart(6, "0")}`;
}

/**
 * Parses any date text gphotos-sync or this program wrote. Zone-less text is
 * UTC; an explicit offset or "Z" is honoured; fractions are kept to the
 * millisecond. Returns undefined for NULL, empty or unreadable values (where
 * gphotos-sync returned None).
 */
export function parseIndexDate(value: unknown): Date | undefined {
  if (typeof value !== "string") return undefined;
  const m = DATE_TEXT.exec(value);
  if (!m) return undefined;
  const [year, month, day] = [m[1], m[2], m[3]].map(Number);
  const [hour, minute, second] = m[4] === undefined
    ? [0, 0, 0]
    : [m[4], m[5], m[6]].map(Number);
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, "0"));
  if (
    month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 ||
    second > 59
  ) {
    return undefined;
  }
  const local = new Date(0);
  local.setUTCFullYear(year, month - 1, day);
  local.setUTCHours(hour, minute, second, ms);
  // Date.UTC rolls 31 April over to 1 May; Python refuses such a date.
  if (local.getUTCDate() !== day) return undefined;
  return new Date(local.getTime() - offsetMinutes(m[8]) * 60_000);
}

function offsetMinutes(zone: string | undefined): number {
  if (zone === undefined || zone.toUpperCase() === "Z") return 0;
  const digits = zone.slice(1).replace(":", "");
  const minutes = Number(digits.slice(0, 2)) * 60 +
    Number(digits.slice(2) || "0");
  return zone[0] === "-" ? -minutes : minutes;
}
