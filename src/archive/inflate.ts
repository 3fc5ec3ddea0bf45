// Decompression with the web-standard DecompressionStream, kept to constant
// memory. Deno's DecompressionStream turns each input chunk into one output
// chunk, however large: 1 MB of zeros deflated to 1 KB comes back as one
// 1 MB chunk, and a 1 MB input chunk of such data as one 1 GB chunk. So the
// input is fed in slices sized from the ratio seen so far, aiming at ~1 MiB
// of output per slice (the first slice is 1 KiB, ~1 MiB at worst); a slice
// is never more than 64 KiB, which bounds a chunk to ~64 MiB even when the
// data turns highly compressible at once (deflate expands at most ~1032:1).

import type { ByteCursor, ChunkSource } from "./byte_cursor.ts";

const TARGET_OUT = 1 << 20;
const MIN_IN = 1 << 10;
const MAX_IN = 64 << 10;
/** The ratio follows the recent data: counts are halved past this. */
const RATIO_WINDOW = 16 << 20;

export interface Inflater {
  /** The next decompressed chunk, null at the end; rejects on bad data. */
  readonly next: ChunkSource;
  /** Whether all compressed input was handed to the decompressor. */
  inputEnded(): boolean;
  /** Stops decompressing and releases the input. */
  cancel(reason?: unknown): Promise<void>;
}

export function inflate(
  format: "deflate-raw" | "gzip",
  input: ByteCursor,
): Inflater {
  let inSeen = 0;
  let outSeen = 0;
  let ended = false;
  // The input read in progress, so that cancel() returns only once nothing
  // touches the input any more (the caller then closes the file under it).
  let reading: Promise<unknown> = Promise.resolve();
  const compressed = new ReadableStream<Uint8Array<ArrayBuffer>>({
    pull(controller) {
      const size = outSeen === 0 ? MIN_IN : Math.max(
        MIN_IN,
        Math.min(MAX_IN, Math.floor(TARGET_OUT * inSeen / outSeen)),
      );
      const step = input.take(size).then((chunk) => {
        if (chunk === null) {
          ended = true;
          controller.close();
          return;
        }
        inSeen += chunk.length;
        // Chunks come from file reads, never from shared memory.
        controller.enqueue(chunk as Uint8Array<ArrayBuffer>);
      });
      reading = step.catch(() => {});
      return step;
    },
  }, { highWaterMark: 0 });
  const reader = compressed.pipeThrough(new DecompressionStream(format))
    .getReader();
  return {
    inputEnded: () => ended,
    cancel: async (reason) => {
      await reader.cancel(reason).catch(() => {});
      await reading;
    },
    next: async () => {
      const { value, done } = await reader.read();
      if (done) return null;
      outSeen += value.length;
      if (outSeen > RATIO_WINDOW) {
        outSeen /= 2;
        inSeen /= 2;
      }
      return value;
    },
  };
}
