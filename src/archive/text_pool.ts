// Texts kept as UTF-8 in chunks of bytes, out of V8's heap: the names,
// keys and URLs of an export's hundreds of thousands of entries. As
// JavaScript strings they would be the largest part of the heap V8 traces,
// and V8 lets its heap grow to a few times what it holds before collecting;
// here they cost their bytes (plus 8 per text), growing makes no garbage,
// and a string is made only when one is asked for.

import { I32Column, release } from "./columns.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Bytes per chunk; a longer text gets a chunk of its own. */
const CHUNK = 1 << 16;

export class TextPool {
  readonly #chunks: Uint8Array[] = [];
  /** Bytes used in the last chunk. */
  #used = CHUNK;
  /** chunk << 16 | offset of each text. */
  readonly #at = new I32Column();
  readonly #length = new I32Column();

  /** How many texts it holds. */
  get size(): number {
    return this.#at.length;
  }

  /** Adds a text; returns its id. */
  add(text: string): number {
    const most = text.length * 3;
    if (most > CHUNK) return this.#addBytes(encoder.encode(text));
    if (this.#chunks.length === 0 || this.#used + most > CHUNK) {
      this.#newChunk(CHUNK);
    }
    const chunk = this.#chunks.length - 1;
    const { written } = encoder.encodeInto(
      text,
      this.#chunks[chunk].subarray(this.#used),
    );
    return this.#record(chunk, written);
  }

  /** Adds text `id` of `pool` (copied as bytes); returns its id here. */
  copy(pool: TextPool, id: number): number {
    return this.#addBytes(pool.bytes(id));
  }

  get(id: number): string {
    return decoder.decode(this.bytes(id));
  }

  /** The UTF-8 bytes of text `id` (a view into the pool). */
  bytes(id: number): Uint8Array {
    const at = this.#at.get(id);
    const offset = at & 0xffff;
    return this.#chunks[at >>> 16].subarray(
      offset,
      offset + this.#length.get(id),
    );
  }

  /** Byte order of texts `a` and `b` (-1, 0, 1), without making views. */
  compare(a: number, b: number): number {
    const atA = this.#at.get(a);
    const atB = this.#at.get(b);
    return compareIn(
      this.#chunks[atA >>> 16],
      atA & 0xffff,
      this.#length.get(a),
      this.#chunks[atB >>> 16],
      atB & 0xffff,
      this.#length.get(b),
    );
  }

  /** Byte order of text `id` and the UTF-8 `text` (-1, 0, 1). */
  compareWith(id: number, text: Uint8Array): number {
    const at = this.#at.get(id);
    return compareIn(
      this.#chunks[at >>> 16],
      at & 0xffff,
      this.#length.get(id),
      text,
      0,
      text.length,
    );
  }

  /** Gives the memory back now (see Column.free()); the pool is empty. */
  free(): void {
    for (const chunk of this.#chunks) release(chunk);
    this.#chunks.length = 0;
    this.#used = CHUNK;
    this.#at.free();
    this.#length.free();
  }

  #addBytes(bytes: Uint8Array): number {
    if (bytes.length > CHUNK) {
      this.#newChunk(bytes.length);
      this.#chunks[this.#chunks.length - 1].set(bytes);
      const id = this.#record(this.#chunks.length - 1, bytes.length);
      // Nothing else fits in a chunk made to measure.
      this.#used = CHUNK;
      return id;
    }
    if (this.#chunks.length === 0 || this.#used + bytes.length > CHUNK) {
      this.#newChunk(CHUNK);
    }
    const chunk = this.#chunks.length - 1;
    this.#chunks[chunk].set(bytes, this.#used);
    return this.#record(chunk, bytes.length);
  }

  #newChunk(size: number): void {
    this.#chunks.push(new Uint8Array(size));
    this.#used = 0;
  }

  #record(chunk: number, length: number): number {
    this.#at.push((chunk << 16) | this.#used);
    this.#length.push(length);
    this.#used += length;
    return this.#at.length - 1;
  }
}

function compareIn(
  a: Uint8Array,
  i: number,
  aLength: number,
  b: Uint8Array,
  j: number,
  bLength: number,
): number {
  const n = Math.min(aLength, bLength);
  for (let k = 0; k < n; k++) {
    const x = a[i + k];
    const y = b[j + k];
    if (x !== y) return x < y ? -1 : 1;
  }
  return aLength === bLength ? 0 : aLength < bLength ? -1 : 1;
}

/** A text's UTF-8 bytes, to compare with pooled texts. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}
