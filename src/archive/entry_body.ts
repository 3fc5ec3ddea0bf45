// The body stream of one entry, shared by all readers. It reads nothing
// until asked (an unread body holds no file open), checks the bytes at the
// end when the format allows, turns low-level failures into ArchiveErrors,
// and can be released by a data pass that moves on: its resources are freed
// and a late read fails loudly instead of returning another entry's bytes.

import type { ChunkSource } from "./byte_cursor.ts";

export interface BodySource {
  /** The next chunk of the entry, null after the last. */
  next: ChunkSource;
  /** Called at the natural end; throws when the bytes were wrong. */
  finish?: () => void;
  /** Frees what the body holds; called exactly once, whatever happens. */
  close?: () => Promise<void> | void;
  /** The error the stream fails with, from what `next` or `finish` threw. */
  mapError: (err: unknown) => unknown;
}

export interface EntryBody {
  readonly stream: ReadableStream<Uint8Array>;
  /** Whether the stream has ended, failed, been cancelled or released. */
  readonly settled: boolean;
  /**
   * Ends the body for good (waiting for a read in progress): later reads
   * fail with a message naming `what`.
   */
  release(): Promise<void>;
}

export function entryBody(source: BodySource, what: string): EntryBody {
  let settled = false;
  let released = false;
  let closed = false;
  let inflight: Promise<void> = Promise.resolve();
  const close = async () => {
    if (closed) return;
    closed = true;
    await source.close?.();
  };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      inflight = (async () => {
        if (released) {
          controller.error(
            new Error(
              `${what} was read after the data pass moved past it: read ` +
                "or cancel each body before asking for the next entry.",
            ),
          );
          return;
        }
        try {
          const chunk = await source.next();
          if (chunk === null) {
            settled = true;
            source.finish?.();
            await close();
            controller.close();
          } else {
            controller.enqueue(chunk);
          }
        } catch (err) {
          settled = true;
          await close().catch(() => {});
          controller.error(source.mapError(err));
        }
      })();
      return inflight;
    },
    async cancel() {
      settled = true;
      await inflight;
      await close();
    },
  }, { highWaterMark: 0 });
  return {
    stream,
    get settled() {
      return settled;
    },
    async release() {
      if (released) return;
      released = true;
      await inflight;
      settled = true;
      await close();
    },
  };
}

/** Reads a body to its end into one array (for small, collected entries). */
export async function readWhole(
  stream: ReadableStream<Uint8Array>,
  size: number,
): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let filled = 0;
  for await (const chunk of stream) {
    if (filled + chunk.length > size) {
      throw new RangeError(`entry is larger than its listed ${size} bytes`);
    }
    out.set(chunk, filled);
    filled += chunk.length;
  }
  return filled === size ? out : out.subarray(0, filled);
}
