// Paths shown inside commands a person may copy and run.

/** A path as one shell word, quoted when it needs to be. */
export function shellWord(path: string): string {
  return /^[\w./~+-]+$/.test(path)
    ? path
    : `'${path.replaceAll("'", "'\\''")}'`;
}
