// Growable columns of numbers in typed arrays, for the per-entry tables of
// a listing and a plan (hundreds of thousands of rows). Plain arrays of
// numbers sit in V8's heap, which V8 lets grow to a few times what it
// holds; and a typed array grown by copying leaves its old copy as garbage
// that V8 frees late. These grow by chunks of a fixed size instead, so
// growing makes no garbage at all.

const SHIFT = 13;
/** Values per chunk: 64 KB of doubles, 32 KB of integers. */
const CHUNK = 1 << SHIFT;
const MASK = CHUNK - 1;

abstract class Column<T extends Float64Array | Int32Array> {
  readonly #chunks: T[] = [];
  #length = 0;

  protected abstract chunk(): T;

  get length(): number {
    return this.#length;
  }

  push(value: number): void {
    const at = this.#length & MASK;
    if (at === 0) this.#chunks.push(this.chunk());
    this.#chunks[this.#chunks.length - 1][at] = value;
    this.#length++;
  }

  get(i: number): number {
    return this.#chunks[i >>> SHIFT][i & MASK];
  }

  set(i: number, value: number): void {
    this.#chunks[i >>> SHIFT][i & MASK] = value;
  }

  /**
   * Gives the memory back now, rather than when V8 next collects its
   * heap (which may be long): the column is empty afterwards.
   */
  free(): void {
    for (const chunk of this.#chunks) release(chunk);
    this.#chunks.length = 0;
    this.#length = 0;
  }
}

/** Frees a typed array's memory at once (it is empty afterwards). */
export function release(array: { buffer: ArrayBufferLike }): void {
  const buffer = array.buffer;
  if (buffer instanceof ArrayBuffer && !buffer.detached) buffer.transfer(0);
}

/** Any numbers (NaN included). */
export class F64Column extends Column<Float64Array> {
  protected chunk(): Float64Array {
    return new Float64Array(CHUNK);
  }
}

/** 32-bit integers. */
export class I32Column extends Column<Int32Array> {
  protected chunk(): Int32Array {
    return new Int32Array(CHUNK);
  }

  /** The values as one array (a copy). */
  toArray(): Int32Array {
    const out = new Int32Array(this.length);
    for (let i = 0; i < out.length; i++) out[i] = this.get(i);
    return out;
  }
}

/**
 * Binary search: the position in 0..length-1 whose key (`keyAt`, ascending)
 * is `key`, or -1. The tables here are sorted once and looked up often.
 */
export function findSorted<K extends number | string>(
  length: number,
  keyAt: (position: number) => K,
  key: K,
): number {
  let lo = 0;
  let hi = length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const at = keyAt(mid);
    if (at === key) return mid;
    if (at < key) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
