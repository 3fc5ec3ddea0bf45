// Whether an archive entry is a copy of a file the backup already holds,
// found by reading both side by side, without writing anything. Takeout
// puts copies of an item in album folders, often without their sidecar:
// such a copy names no item of its own, and only its bytes say whose it
// is. Read this way, a copy of an item already stored costs a read, not a
// write and a delete; when the bytes differ after all, the entry is given
// back whole (what was read is the stored file's prefix, read again from
// the disk), to be imported as the item it is.

/** What an entry is read from: a stream's reader, or anything alike. */
export interface EntryReader {
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
  cancel(reason?: unknown): Promise<void>;
}

export type StoredComparison =
  | { same: true }
  | { same: false; reader: EntryReader };

const CHUNK = 1024 * 1024;

/**
 * Reads `reader` (after the chunks in `head`) against the file at
 * `storedPath`. Same bytes: the entry is read to its end. Other bytes:
 * a reader of the whole entry, from its first byte.
 */
export async function compareWithStored(
  reader: EntryReader,
  head: readonly Uint8Array[],
  storedPath: string,
): Promise<StoredComparison> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(storedPath, { read: true });
  } catch {
    return { same: false, reader: prepend(head, reader) };
  }
  let offset = 0;
  const pending = [...head];
  try {
    while (true) {
      let chunk: Uint8Array;
      if (pending.length > 0) chunk = pending.shift()!;
      else {
        const next = await reader.read();
        if (next.done) {
          const more = await readFull(file, 1);
          if (more.length === 0) {
            file.close();
            return { same: true };
          }
          file.close();
          return {
            same: false,
            reader: replay(storedPath, offset, [], reader),
          };
        }
        chunk = next.value;
      }
      const stored = await readFull(file, chunk.length);
      if (!equal(stored, chunk)) {
        file.close();
        return {
          same: false,
          reader: replay(storedPath, offset, [chunk, ...pending], reader),
        };
      }
      offset += chunk.length;
    }
  } catch (err) {
    try {
      file.close();
    } catch {
      // Already closed.
    }
    throw err;
  }
}

/** `head`'s chunks, then the rest of `reader`. */
function prepend(
  head: readonly Uint8Array[],
  reader: EntryReader,
): EntryReader {
  const queue = [...head];
  return {
    read: () =>
      queue.length > 0
        ? Promise.resolve({ done: false, value: queue.shift()! })
        : reader.read(),
    cancel: (reason) => reader.cancel(reason),
  };
}

/**
 * The entry from its start: its first `length` bytes read again from the
 * stored file (they were found equal), then `rest`, then `reader`.
 */
function replay(
  storedPath: string,
  length: number,
  rest: readonly Uint8Array[],
  reader: EntryReader,
): EntryReader {
  let file: Deno.FsFile | undefined;
  let left = length;
  const tail = prepend(rest, reader);
  return {
    async read() {
      if (left > 0) {
        file ??= await Deno.open(storedPath, { read: true });
        const bytes = await readFull(file, Math.min(CHUNK, left));
        if (bytes.length === 0) throw new Error(`${storedPath} got shorter`);
        left -= bytes.length;
        if (left === 0) file.close();
        return { done: false, value: bytes };
      }
      return await tail.read();
    },
    async cancel(reason) {
      if (left > 0 && file !== undefined) file.close();
      left = 0;
      await tail.cancel(reason);
    },
  };
}

/** Up to `n` bytes from the file's position (fewer only at its end). */
async function readFull(file: Deno.FsFile, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let at = 0;
  while (at < n) {
    const got = await file.read(out.subarray(at));
    if (got === null) break;
    at += got;
  }
  return at === n ? out : out.subarray(0, at);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
