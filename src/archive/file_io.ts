// Reading ranges of a part with Deno.FsFile seek + read: the readers never
// load a whole part, only the ranges they need, in bounded chunks.

/** Chunk size for sequential reads: large enough to keep syscalls rare. */
export const READ_CHUNK = 1 << 20;

/**
 * Up to `length` bytes at `offset` (fewer only at the end of the file).
 * Seeks first, so several readers may share one handle if they take turns.
 */
export async function readAt(
  file: Deno.FsFile,
  offset: number,
  length: number,
): Promise<Uint8Array> {
  await file.seek(offset, Deno.SeekMode.Start);
  const buf = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const n = await file.read(buf.subarray(filled));
    if (n === null) break;
    filled += n;
  }
  return filled === length ? buf : buf.subarray(0, filled);
}

/**
 * Fills `buf` from `offset` (less only at the end of the file); returns how
 * many bytes were read. For callers that reuse one buffer.
 */
export async function readInto(
  file: Deno.FsFile,
  offset: number,
  buf: Uint8Array,
): Promise<number> {
  await file.seek(offset, Deno.SeekMode.Start);
  let filled = 0;
  while (filled < buf.length) {
    const n = await file.read(buf.subarray(filled));
    if (n === null) break;
    filled += n;
  }
  return filled;
}

/**
 * Sequential chunks of the range [start, end) of a file (to its end when
 * `end` is undefined): each call returns the next chunk, null after the last.
 * A chunk is shorter than asked only where the file ends; short() says
 * whether the file ended before `end`.
 */
export function fileRange(
  file: Deno.FsFile,
  start: number,
  end: number | undefined,
  chunkSize = READ_CHUNK,
): { next: () => Promise<Uint8Array | null>; short: () => boolean } {
  let at = start;
  let done = false;
  return {
    short: () => done && end !== undefined && at < end,
    next: async () => {
      if (done) return null;
      const want = end === undefined
        ? chunkSize
        : Math.min(chunkSize, end - at);
      if (want <= 0) {
        done = true;
        return null;
      }
      const chunk = await readAt(file, at, want);
      at += chunk.length;
      if (chunk.length < want) done = true;
      return chunk.length ? chunk : null;
    },
  };
}
