// Size-bounded logs for hosts nobody looks at: before a run opens
// gphotos.log, a file over the limit becomes gphotos.log.1, the older ones
// move up, and the oldest is dropped.

export const LOG_MAX_BYTES = 10 * 1024 * 1024;
export const LOG_GENERATIONS = 3;

export function rotateLog(
  path: string,
  maxBytes = LOG_MAX_BYTES,
  generations = LOG_GENERATIONS,
): boolean {
  let size: number;
  try {
    size = Deno.statSync(path).size;
  } catch {
    return false;
  }
  if (size <= maxBytes) return false;
  try {
    Deno.removeSync(`${path}.${generations}`);
  } catch {
    // Not there.
  }
  for (let n = generations - 1; n >= 1; n--) {
    try {
      Deno.renameSync(`${path}.${n}`, `${path}.${n + 1}`);
    } catch {
      // Not there.
    }
  }
  Deno.renameSync(path, `${path}.1`);
  return true;
}
