// Reads a byte stream in the sizes a parser needs (a 512-byte tar header, a
// 46-byte zip record) while handing entry data on in the chunks it arrived
// in, without copying. Both the zip and the tar readers walk their parts
// through one of these.

/** The next chunk of a source, or null at its end. */
export type ChunkSource = () => Promise<Uint8Array | null>;

const EMPTY = new Uint8Array(0);

export class ByteCursor {
  readonly #source: ChunkSource;
  #chunk: Uint8Array = EMPTY;
  #at = 0;
  #position: number;
  #ended = false;

  /** `start` is the position of the source's first byte, for messages. */
  constructor(source: ChunkSource, start = 0) {
    this.#source = source;
    this.#position = start;
  }

  /** Position of the next byte to be consumed. */
  get position(): number {
    return this.#position;
  }

  /** Whether the source has ended and everything was consumed. */
  async atEnd(): Promise<boolean> {
    return !(await this.#fill());
  }

  /**
   * Exactly `n` bytes, or fewer if the source ends first (the caller decides
   * whether that is a truncation). The result may share memory with the
   * source's chunks.
   */
  async read(n: number): Promise<Uint8Array> {
    if (!(await this.#fill())) return EMPTY;
    if (this.#chunk.length - this.#at >= n) return this.#consume(n);
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n && await this.#fill()) {
      const part = this.#consume(Math.min(n - filled, this.#available()));
      out.set(part, filled);
      filled += part.length;
    }
    return filled === n ? out : out.subarray(0, filled);
  }

  /** Up to `max` bytes (at least 1), as they come; null at the end. */
  async take(max: number): Promise<Uint8Array | null> {
    if (max <= 0) return EMPTY;
    if (!(await this.#fill())) return null;
    return this.#consume(Math.min(max, this.#available()));
  }

  /** Skips up to `n` bytes; returns how many were skipped. */
  async skip(n: number): Promise<number> {
    let skipped = 0;
    while (skipped < n && await this.#fill()) {
      skipped += this.#consume(Math.min(n - skipped, this.#available()))
        .length;
    }
    return skipped;
  }

  #available(): number {
    return this.#chunk.length - this.#at;
  }

  #consume(n: number): Uint8Array {
    const out = this.#chunk.subarray(this.#at, this.#at + n);
    this.#at += n;
    this.#position += n;
    return out;
  }

  async #fill(): Promise<boolean> {
    while (this.#available() === 0) {
      if (this.#ended) return false;
      const next = await this.#source();
      if (next === null) {
        this.#ended = true;
        this.#chunk = EMPTY;
        this.#at = 0;
        return false;
      }
      this.#chunk = next;
      this.#at = 0;
    }
    return true;
  }
}
