// Raw deflate (RFC 1951) decoded in plain code, for the small entries a
// listing collects: an export holds one JSON sidecar per item, 100,000 and
// more. A DecompressionStream per sidecar is slow, and node:zlib's
// inflateRawSync() makes a native decompressor per call whose memory the
// process keeps (about 1 KB of resident memory per call, 100 MB per
// 100,000 sidecars). Here nothing is allocated but the output. Large
// entries still stream through inflate.ts.
//
// A stream this decoder cannot read whole throws; the caller then reads
// the entry through its stream, which says precisely what is wrong. The
// output is checked against the entry's size and CRC-32 by the caller.

/** Bits of the code lengths, in the order a dynamic block lists them. */
const CODE_LENGTH_ORDER = [
  16,
  17,
  18,
  0,
  8,
  7,
  9,
  6,
  10,
  5,
  11,
  4,
  12,
  3,
  13,
  2,
  14,
  1,
  15,
];

const LENGTH_BASE = new Uint16Array([
  3,
  4,
  5,
  6,
  7,
  8,
  9,
  10,
  11,
  13,
  15,
  17,
  19,
  23,
  27,
  31,
  35,
  43,
  51,
  59,
  67,
  83,
  99,
  115,
  131,
  163,
  195,
  227,
  258,
]);
const LENGTH_EXTRA = new Uint8Array([
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  1,
  1,
  1,
  1,
  2,
  2,
  2,
  2,
  3,
  3,
  3,
  3,
  4,
  4,
  4,
  4,
  5,
  5,
  5,
  5,
  0,
]);
const DIST_BASE = new Uint16Array([
  1,
  2,
  3,
  4,
  5,
  7,
  9,
  13,
  17,
  25,
  33,
  49,
  65,
  97,
  129,
  193,
  257,
  385,
  513,
  769,
  1025,
  1537,
  2049,
  3073,
  4097,
  6145,
  8193,
  12289,
  16385,
  24577,
]);
const DIST_EXTRA = new Uint8Array([
  0,
  0,
  0,
  0,
  1,
  1,
  2,
  2,
  3,
  3,
  4,
  4,
  5,
  5,
  6,
  6,
  7,
  7,
  8,
  8,
  9,
  9,
  10,
  10,
  11,
  11,
  12,
  12,
  13,
  13,
]);

/** Bits a lookup table resolves at once; longer codes are read bit by bit. */
const TABLE_BITS = 9;

/**
 * A canonical Huffman code: how many codes have each length, the symbols
 * in code order, and a table giving symbol and length for every code of
 * up to TABLE_BITS bits, indexed by the next TABLE_BITS bits of input
 * (codes are stored most significant bit first, hence reversed).
 */
interface Huffman {
  counts: Uint16Array;
  symbols: Uint16Array;
  /** symbol << 4 | length; 0 for longer codes. */
  table: Int32Array;
}

function reverse(code: number, length: number): number {
  let out = 0;
  for (let i = 0; i < length; i++) {
    out = (out << 1) | (code & 1);
    code >>= 1;
  }
  return out;
}

function newHuffman(symbols: number): Huffman {
  return {
    counts: new Uint16Array(16),
    symbols: new Uint16Array(symbols),
    table: new Int32Array(1 << TABLE_BITS),
  };
}

/** Scratch for huffman(). */
const OFFSETS = new Uint16Array(16);
const NEXT = new Uint16Array(16);

/**
 * Builds the code of `n` symbols whose lengths start at `from` into `code`
 * (made by newHuffman() for at least `n` symbols), and returns it.
 */
function huffman(
  lengths: Uint8Array,
  from: number,
  n: number,
  code: Huffman,
): Huffman {
  const { counts, symbols, table } = code;
  counts.fill(0);
  table.fill(0);
  for (let i = 0; i < n; i++) counts[lengths[from + i]]++;
  counts[0] = 0;
  // Over-subscribed codes cannot be decoded; incomplete ones are allowed
  // (a single distance code is common).
  let left = 1;
  for (let len = 1; len < 16; len++) {
    left = left * 2 - counts[len];
    if (left < 0) throw new RangeError("over-subscribed Huffman code");
  }
  OFFSETS[1] = 0;
  let next = 0;
  for (let len = 1; len < 16; len++) {
    if (len < 15) OFFSETS[len + 1] = OFFSETS[len] + counts[len];
    next = (next + counts[len - 1]) << 1;
    NEXT[len] = next;
  }
  for (let i = 0; i < n; i++) {
    const len = lengths[from + i];
    if (len === 0) continue;
    symbols[OFFSETS[len]++] = i;
    const assigned = NEXT[len]++;
    if (len > TABLE_BITS) continue;
    const entry = (i << 4) | len;
    for (
      let j = reverse(assigned, len);
      j < 1 << TABLE_BITS;
      j += 1 << len
    ) {
      table[j] = entry;
    }
  }
  return code;
}

const FIXED = (() => {
  const lengths = new Uint8Array(288 + 30);
  lengths.fill(8, 0, 144);
  lengths.fill(9, 144, 256);
  lengths.fill(7, 256, 280);
  lengths.fill(8, 280, 288);
  lengths.fill(5, 288, 318);
  return {
    literals: huffman(lengths, 0, 288, newHuffman(288)),
    distances: huffman(lengths, 288, 30, newHuffman(30)),
  };
})();

/**
 * The codes of the dynamic block being read, and the lengths they are
 * read from: reused from block to block (small typed arrays cost more to
 * make than a small block costs to decode).
 */
const DYNAMIC = {
  lengthCode: newHuffman(19),
  literals: newHuffman(288),
  distances: newHuffman(30),
  codeLengths: new Uint8Array(19),
  lengths: new Uint8Array(288 + 32),
};

/** The input and the bits read ahead of it. */
interface Bits {
  input: Uint8Array;
  at: number;
  buffer: number;
  count: number;
}

/** `n` (0-16) bits, least significant first. */
function take(b: Bits, n: number): number {
  while (b.count < n) {
    if (b.at >= b.input.length) {
      throw new RangeError("the deflate data ends early");
    }
    b.buffer |= b.input[b.at++] << b.count;
    b.count += 8;
  }
  const value = b.buffer & ((1 << n) - 1);
  b.buffer >>>= n;
  b.count -= n;
  return value;
}

/** One symbol of a Huffman code. */
function decode(b: Bits, code: Huffman): number {
  // Up to TABLE_BITS bits ahead (fewer at the very end of the input).
  while (b.count < TABLE_BITS && b.at < b.input.length) {
    b.buffer |= b.input[b.at++] << b.count;
    b.count += 8;
  }
  const entry = code.table[b.buffer & ((1 << TABLE_BITS) - 1)];
  const length = entry & 15;
  if (entry !== 0 && length <= b.count) {
    b.buffer >>>= length;
    b.count -= length;
    return entry >> 4;
  }
  // A code longer than the table: canonical decoding, bit by bit.
  let value = 0;
  let first = 0;
  let index = 0;
  for (let len = 1; len < 16; len++) {
    value |= take(b, 1);
    const count = code.counts[len];
    if (value - first < count) return code.symbols[index + value - first];
    index += count;
    first = (first + count) << 1;
    value <<= 1;
  }
  throw new RangeError("invalid Huffman code");
}

function dynamicCodes(b: Bits): { literals: Huffman; distances: Huffman } {
  const literalCount = take(b, 5) + 257;
  const distanceCount = take(b, 5) + 1;
  const codeCount = take(b, 4) + 4;
  if (literalCount > 286 || distanceCount > 30) {
    throw new RangeError("too many Huffman codes");
  }
  const { codeLengths, lengths } = DYNAMIC;
  codeLengths.fill(0);
  for (let i = 0; i < codeCount; i++) {
    codeLengths[CODE_LENGTH_ORDER[i]] = take(b, 3);
  }
  const lengthCode = huffman(codeLengths, 0, 19, DYNAMIC.lengthCode);
  const total = literalCount + distanceCount;
  for (let i = 0; i < total;) {
    const symbol = decode(b, lengthCode);
    if (symbol < 16) {
      lengths[i++] = symbol;
      continue;
    }
    let repeat: number;
    let value = 0;
    if (symbol === 16) {
      if (i === 0) throw new RangeError("a repeat with nothing to repeat");
      value = lengths[i - 1];
      repeat = 3 + take(b, 2);
    } else if (symbol === 17) repeat = 3 + take(b, 3);
    else repeat = 11 + take(b, 7);
    if (i + repeat > total) {
      throw new RangeError("code lengths run past their count");
    }
    lengths.fill(value, i, i + repeat);
    i += repeat;
  }
  if (lengths[256] === 0) throw new RangeError("no end-of-block code");
  return {
    literals: huffman(lengths, 0, literalCount, DYNAMIC.literals),
    distances: huffman(lengths, literalCount, distanceCount, DYNAMIC.distances),
  };
}

/**
 * The bytes of a raw deflate stream that holds exactly `size` bytes.
 * Throws a RangeError when the stream is damaged, ends early or holds more
 * than `size` bytes; fewer are returned as they are (the caller compares).
 */
export function inflateSmall(input: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  const b: Bits = { input, at: 0, buffer: 0, count: 0 };
  let at = 0;
  let last = 0;
  while (!last) {
    last = take(b, 1);
    const type = take(b, 2);
    if (type === 0) {
      // Stored: the bits left in the current byte are dropped (take()
      // never reads a byte ahead of the bits it needs).
      b.buffer = 0;
      b.count = 0;
      if (b.at + 4 > input.length) {
        throw new RangeError("the deflate data ends early");
      }
      const length = input[b.at] | (input[b.at + 1] << 8);
      if ((length ^ 0xffff) !== (input[b.at + 2] | (input[b.at + 3] << 8))) {
        throw new RangeError("a stored block's length is damaged");
      }
      b.at += 4;
      if (b.at + length > input.length) {
        throw new RangeError("the deflate data ends early");
      }
      if (at + length > size) throw new RangeError("more data than expected");
      out.set(input.subarray(b.at, b.at + length), at);
      b.at += length;
      at += length;
      continue;
    }
    if (type === 3) throw new RangeError("an invalid block type");
    const { literals, distances } = type === 1 ? FIXED : dynamicCodes(b);
    for (;;) {
      const symbol = decode(b, literals);
      if (symbol < 256) {
        if (at >= size) throw new RangeError("more data than expected");
        out[at++] = symbol;
        continue;
      }
      if (symbol === 256) break;
      const lengthCode = symbol - 257;
      if (lengthCode >= 29) throw new RangeError("an invalid length code");
      const length = LENGTH_BASE[lengthCode] +
        take(b, LENGTH_EXTRA[lengthCode]);
      const distanceCode = decode(b, distances);
      if (distanceCode >= 30) throw new RangeError("an invalid distance code");
      const distance = DIST_BASE[distanceCode] +
        take(b, DIST_EXTRA[distanceCode]);
      if (distance > at) throw new RangeError("a distance past the start");
      if (at + length > size) throw new RangeError("more data than expected");
      for (let i = 0; i < length; i++, at++) out[at] = out[at - distance];
    }
  }
  return at === size ? out : out.subarray(0, at);
}
