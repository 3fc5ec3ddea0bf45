// Random-access reads of a few bytes at a time, for the metadata readers
// (exif.ts, video_time.ts): they look at headers only, so a 4 GB video costs
// a handful of small reads, never the whole file. A read past the end
// returns what is there (possibly nothing); callers treat short reads as
// "the file is truncated here".

/** Bytes at an offset: at most `length`, fewer where the data ends. */
export interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** A ByteSource over bytes already in memory. */
export function memoryBytes(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read(offset, length) {
      if (offset < 0 || offset >= bytes.length || length <= 0) {
        return Promise.resolve(new Uint8Array(0));
      }
      return Promise.resolve(
        bytes.subarray(offset, Math.min(bytes.length, offset + length)),
      );
    },
  };
}

/**
 * Opens `path` for reading and hands a ByteSource over it to `fn`; the file
 * is closed when fn settles. Open and read errors (permissions, I/O) are
 * thrown to the caller.
 */
export async function withFileBytes<T>(
  path: string,
  fn: (source: ByteSource) => Promise<T>,
): Promise<T> {
  using file = await Deno.open(path, { read: true });
  const { size } = await file.stat();
  const source: ByteSource = {
    size,
    async read(offset, length) {
      if (offset < 0 || offset >= size || length <= 0) {
        return new Uint8Array(0);
      }
      const wanted = Math.min(length, size - offset);
      const buffer = new Uint8Array(wanted);
      await file.seek(offset, Deno.SeekMode.Start);
      let filled = 0;
      while (filled < wanted) {
        const n = await file.read(buffer.subarray(filled));
        if (n === null) break;
        filled += n;
      }
      return buffer.subarray(0, filled);
    },
  };
  return await fn(source);
}
