// Reading an answer's body: as text, never more than a limit (a broken or
// hostile server could otherwise have a whole body held in memory), and
// media bytes as a guarded byte stream that ends with a typed error on a
// stall, a short body or an abort rather than hang or pass a truncated file
// on as complete. The guarded stream is on every download's path: it
// allocates nothing per chunk.

import { ApiError, GphotosError } from "../errors.ts";
import { describeError, interruption, NetworkError } from "./http_errors.ts";
import { readerOf } from "../fs/atomic_write.ts";

/**
 * Reads a body as UTF-8 text, at most `maxBytes`. With a `label`, a longer
 * body is an ApiError naming the call; without, it is cut at the limit
 * (error bodies, read for their message only).
 */
export async function readBodyText(
  response: Response,
  maxBytes: number,
  label?: string,
): Promise<string> {
  const tooLarge = (what: string) =>
    new ApiError(
      `Google sent ${what} to ${label}, more than the ${
        maxBytes / 1024 / 1024
      } MiB any answer of its API takes. Nothing was changed; run again ` +
        "later, and if it keeps happening, check that GPHOTOS_LIBRARY_API " +
        "and GPHOTOS_PICKER_API are not set to another server.",
      200,
      "ANSWER_TOO_LARGE",
    );
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (label !== undefined && Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge(`an answer of ${declared} bytes`);
  }
  if (!response.body) return "";
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  let text = "";
  let read = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const room = maxBytes - read;
      if (value.length > room) {
        if (label !== undefined) throw tooLarge("an answer of more bytes");
        text += decoder.decode(value.subarray(0, room), { stream: true });
        break;
      }
      read += value.length;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  return text + decoder.decode();
}

/**
 * Wraps a response body so that a silence longer than `idleMs`, a body
 * shorter than announced, or the caller's abort ends it with a typed error
 * instead of hanging or passing a truncated file on as complete.
 *
 * The result is a byte stream: a reader in "byob" mode has the bytes read
 * straight into its own buffer (fetch's body is a byte stream too), so a
 * download allocates nothing per chunk; a default reader gets chunks of
 * CHUNK_SIZE. A memory the garbage collector frees late is memory held:
 * one fresh 64 KiB chunk per socket read added up to tens of MB.
 */
export function guardBody(
  source: ReadableStream<Uint8Array>,
  options: {
    idleMs: number;
    signal?: AbortSignal;
    label: string;
    expectedLength?: number;
  },
): ReadableStream<Uint8Array> {
  const { idleMs, signal, label, expectedLength } = options;
  const reader = readerOf(source);
  const byob = reader instanceof ReadableStreamBYOBReader ? reader : undefined;
  const plain = byob ? undefined : reader as ReadableStreamDefaultReader<
    Uint8Array
  >;
  let received = 0;
  return new ReadableStream({
    type: "bytes",
    autoAllocateChunkSize: CHUNK_SIZE,
    async pull(controller: ReadableByteStreamController) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let onAbort: (() => void) | undefined;
      const stop = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new NetworkError(
                `The download for ${label} stalled: no data for ${idleMs} ms.`,
              ),
            ),
          idleMs,
        );
        if (signal) {
          onAbort = () => reject(interruption(signal, label));
          if (signal.aborted) onAbort();
          else signal.addEventListener("abort", onAbort, { once: true });
        }
      });
      stop.catch(() => {});
      try {
        // With autoAllocateChunkSize there is always a request to fill.
        const request = controller.byobRequest!;
        const view = request.view as Uint8Array;
        const chunk = byob
          ? await Promise.race([byob.read(view), stop])
          : await Promise.race([plain!.read(), stop]);
        if (chunk.done) {
          if (expectedLength !== undefined && received < expectedLength) {
            throw new NetworkError(
              `The download for ${label} ended after ${received} of ` +
                `${expectedLength} bytes.`,
            );
          }
          controller.close();
          // A closed stream still owes the request its (empty) answer.
          if (byob && chunk.value) request.respondWithNewView(chunk.value);
          else request.respond(0);
          return;
        }
        received += chunk.value.byteLength;
        // The source read into the request's own buffer (taking it over):
        // hand that buffer back. A chunk of the plain source is copied in.
        if (byob) request.respondWithNewView(chunk.value);
        else controller.enqueue(chunk.value);
      } catch (error) {
        reader.cancel().catch(() => {});
        controller.error(brokenOff(error, signal, label));
      } finally {
        clearTimeout(timer);
        if (onAbort) signal?.removeEventListener("abort", onAbort);
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/** What a default reader of a guarded body gets per read, at most. */
const CHUNK_SIZE = 64 * 1024;

/** The typed error a guarded body ends with when its read failed. */
function brokenOff(
  error: unknown,
  signal: AbortSignal | undefined,
  label: string,
): GphotosError {
  if (signal?.aborted) return interruption(signal, label);
  if (error instanceof GphotosError) return error;
  return new NetworkError(
    `The download for ${label} broke off: ${describeError(error)}`,
    { cause: error },
  );
}
