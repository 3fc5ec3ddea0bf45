// Reading ranges of a part with Deno.FsFile seek + read: the readers never
// load a whole part, only the ranges they need, in bounded chunks. The
// calls are blocking ones: a part is read from the page cache or ahead of
// the disk's queue, where a call takes microseconds, and an asynchronous
// call costs a hop to a thread and back (a seek and a read per small entry
// were a tenth of an import of 20,000 small files). Nothing else waits on
// the event loop meanwhile: the flushes run on their own threads.

/** Chunk size for sequential reads: large enough to keep syscalls rare. */
export const READ_CHUNK = 1 << 20;

/**
 * Up to `length` bytes at `offset` (fewer only at the end of the file).
 * Seeks first, so several readers may share one handle if they take turns.
 */
export function readAt(
  file: Deno.FsFile,
  offset: number,
  length: number,
): Promise<Uint8Array> {
  return settle(() => {
    const buf = new Uint8Array(length);
    const filled = readIntoSync(file, offset, buf);
    return filled === length ? buf : buf.subarray(0, filled);
  });
}

/**
 * Fills `buf` from `offset` (less only at the end of the file); returns how
 * many bytes were read. For callers that reuse one buffer.
 */
export function readInto(
  file: Deno.FsFile,
  offset: number,
  buf: Uint8Array,
): Promise<number> {
  return settle(() => readIntoSync(file, offset, buf));
}

/** A blocking call's result as a promise; its error as a rejection. */
function settle<T>(call: () => T): Promise<T> {
  try {
    return Promise.resolve(call());
  } catch (err) {
    return Promise.reject(err);
  }
}

function readIntoSync(
  file: Deno.FsFile,
  offset: number,
  buf: Uint8Array,
): number {
  file.seekSync(offset, Deno.SeekMode.Start);
  let filled = 0;
  while (filled < buf.length) {
    const n = file.readSync(buf.subarray(filled));
    if (n === null || n === 0) break;
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
