// Numbers for people: the sizes in summaries, status and progress lines,
// in the decimal units file managers use.

/** "487.2 MB": bytes in B, KB, MB, GB or TB (powers of 1000). */
export function formatBytes(n: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** "1 part", "2 parts": a count and its noun (plural with "s"). */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
