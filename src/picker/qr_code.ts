// A QR code of a short text (the Picker link) for a terminal, written here
// because the common npm encoder brings PNG and command-line code (about
// 1.3 MB) into the binary for the one thing `pick` needs: byte mode,
// error correction L or M, versions 1 to 10 (up to 271 bytes at L; a
// Picker link is under 100). The steps are ISO/IEC 18004's: data bits,
// Reed-Solomon blocks, interleaving, function patterns, the zigzag
// placement, the mask with the lowest penalty, format and version bits.
// tests/picker/qr_code_test.ts compares every module with another encoder's
// and decodes the drawn symbols.

export type EcLevel = "L" | "M";

/** A square of modules, row by row; 1 is dark. */
export interface QrMatrix {
  version: number;
  size: number;
  mask: number;
  modules: Uint8Array;
}

/**
 * Per version 1..10 and level: EC codewords per block, then (blocks, data
 * codewords each) of the first group and of the second.
 */
const BLOCKS: Record<EcLevel, readonly (readonly number[])[]> = {
  L: [
    [7, 1, 19, 0, 0],
    [10, 1, 34, 0, 0],
    [15, 1, 55, 0, 0],
    [20, 1, 80, 0, 0],
    [26, 1, 108, 0, 0],
    [18, 2, 68, 0, 0],
    [20, 2, 78, 0, 0],
    [24, 2, 97, 0, 0],
    [30, 2, 116, 0, 0],
    [18, 2, 68, 2, 69],
  ],
  M: [
    [10, 1, 16, 0, 0],
    [16, 1, 28, 0, 0],
    [26, 1, 44, 0, 0],
    [18, 2, 32, 0, 0],
    [24, 2, 43, 0, 0],
    [16, 4, 27, 0, 0],
    [18, 4, 31, 0, 0],
    [22, 2, 38, 2, 39],
    [22, 3, 36, 2, 37],
    [26, 4, 43, 1, 44],
  ],
};

/** Centre rows/columns of the alignment patterns, versions 1..10. */
const ALIGNMENT: readonly (readonly number[])[] = [
  [],
  [6, 18],
  [6, 22],
  [6, 26],
  [6, 30],
  [6, 34],
  [6, 22, 38],
  [6, 24, 42],
  [6, 26, 46],
  [6, 28, 50],
];

export const MAX_VERSION = BLOCKS.L.length;

/** The level's two bits in the format information. */
const LEVEL_BITS: Record<EcLevel, number> = { L: 1, M: 0 };

function dataCodewords(version: number, level: EcLevel): number {
  const [, b1, d1, b2, d2] = BLOCKS[level][version - 1];
  return b1 * d1 + b2 * d2;
}

/** The most bytes a version holds in byte mode. */
export function byteCapacity(version: number, level: EcLevel): number {
  const countBits = version < 10 ? 8 : 16;
  return Math.floor((dataCodewords(version, level) * 8 - 4 - countBits) / 8);
}

/**
 * The QR code of `text` (UTF-8, byte mode): the smallest version that holds
 * it unless one is asked for, and the mask with the lowest penalty unless
 * one is asked for. Undefined when the text is too long for version 10.
 */
export function encodeQr(
  text: string,
  level: EcLevel,
  force: { version?: number; mask?: number } = {},
): QrMatrix | undefined {
  const bytes = new TextEncoder().encode(text);
  let version = force.version;
  if (version === undefined) {
    version = 1;
    while (
      version <= MAX_VERSION && byteCapacity(version, level) < bytes.length
    ) {
      version++;
    }
  }
  if (version > MAX_VERSION || byteCapacity(version, level) < bytes.length) {
    return undefined;
  }
  const codewords = withErrorCorrection(
    dataBytes(bytes, version, level),
    version,
    level,
  );
  const grid = new Grid(version);
  grid.drawFunctionPatterns();
  grid.placeData(codewords);
  let mask = force.mask;
  if (mask === undefined) {
    let best = Infinity;
    for (let m = 0; m < 8; m++) {
      grid.applyMask(m);
      grid.drawFormat(level, m);
      const penalty = grid.penalty();
      if (penalty < best) [best, mask] = [penalty, m];
      grid.applyMask(m); // undo: the mask is its own inverse
    }
  }
  grid.applyMask(mask!);
  grid.drawFormat(level, mask!);
  return { version, size: grid.size, mask: mask!, modules: grid.modules };
}

/** Mode, count, the bytes, terminator and padding: the data codewords. */
function dataBytes(
  bytes: Uint8Array,
  version: number,
  level: EcLevel,
): Uint8Array {
  const capacity = dataCodewords(version, level);
  const bits: number[] = [];
  const push = (value: number, n: number) => {
    for (let i = n - 1; i >= 0; i--) bits.push((value >>> i) & 1);
  };
  push(0b0100, 4);
  push(bytes.length, version < 10 ? 8 : 16);
  for (const b of bytes) push(b, 8);
  push(0, Math.min(4, capacity * 8 - bits.length));
  while (bits.length % 8 !== 0) bits.push(0);
  const out = new Uint8Array(capacity);
  for (let i = 0; i < bits.length; i += 8) {
    let byte = 0;
    for (let j = 0; j < 8; j++) byte = (byte << 1) | bits[i + j];
    out[i / 8] = byte;
  }
  for (let i = bits.length / 8, pad = 0xec; i < capacity; i++) {
    out[i] = pad;
    pad ^= 0xec ^ 0x11;
  }
  return out;
}

/** Splits the data into blocks, adds each block's EC codewords, interleaves. */
function withErrorCorrection(
  data: Uint8Array,
  version: number,
  level: EcLevel,
): Uint8Array {
  const [ec, b1, d1, b2, d2] = BLOCKS[level][version - 1];
  const divisor = rsDivisor(ec);
  const blocks: Uint8Array[] = [];
  const checks: Uint8Array[] = [];
  let at = 0;
  for (const [count, size] of [[b1, d1], [b2, d2]]) {
    for (let i = 0; i < count; i++) {
      const block = data.subarray(at, at + size);
      at += size;
      blocks.push(block);
      checks.push(rsRemainder(block, divisor));
    }
  }
  const out: number[] = [];
  for (let i = 0; i < Math.max(d1, d2); i++) {
    for (const b of blocks) if (i < b.length) out.push(b[i]);
  }
  for (let i = 0; i < ec; i++) for (const c of checks) out.push(c[i]);
  return Uint8Array.from(out);
}

/** Multiplication in GF(256) with QR's polynomial x^8+x^4+x^3+x^2+1. */
function gfMul(a: number, b: number): number {
  let r = 0;
  for (let i = 7; i >= 0; i--) {
    r = (r << 1) ^ ((r >>> 7) * 0x11d);
    r ^= ((b >>> i) & 1) * a;
  }
  return r & 0xff;
}

/** The generator polynomial of degree n, without its leading 1. */
function rsDivisor(n: number): Uint8Array {
  const result = new Uint8Array(n);
  result[n - 1] = 1;
  let root = 1;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      result[j] = gfMul(result[j], root);
      if (j + 1 < n) result[j] ^= result[j + 1];
    }
    root = gfMul(root, 2);
  }
  return result;
}

function rsRemainder(data: Uint8Array, divisor: Uint8Array): Uint8Array {
  const result = new Uint8Array(divisor.length);
  for (const b of data) {
    const factor = b ^ result[0];
    result.copyWithin(0, 1);
    result[result.length - 1] = 0;
    for (let i = 0; i < divisor.length; i++) {
      result[i] ^= gfMul(divisor[i], factor);
    }
  }
  return result;
}

/** The module grid, with which modules belong to function patterns. */
class Grid {
  readonly size: number;
  readonly modules: Uint8Array;
  readonly #function: Uint8Array;

  constructor(readonly version: number) {
    this.size = 17 + 4 * version;
    this.modules = new Uint8Array(this.size * this.size);
    this.#function = new Uint8Array(this.size * this.size);
  }

  #set(x: number, y: number, dark: boolean) {
    this.modules[y * this.size + x] = dark ? 1 : 0;
    this.#function[y * this.size + x] = 1;
  }

  drawFunctionPatterns() {
    const s = this.size;
    for (let i = 0; i < s; i++) {
      this.#set(6, i, i % 2 === 0);
      this.#set(i, 6, i % 2 === 0);
    }
    for (const [cx, cy] of [[3, 3], [s - 4, 3], [3, s - 4]]) {
      // The finder and its light separator.
      for (let dy = -4; dy <= 4; dy++) {
        for (let dx = -4; dx <= 4; dx++) {
          const x = cx + dx;
          const y = cy + dy;
          if (x < 0 || y < 0 || x >= s || y >= s) continue;
          const d = Math.max(Math.abs(dx), Math.abs(dy));
          this.#set(x, y, d !== 2 && d !== 4);
        }
      }
    }
    const centres = ALIGNMENT[this.version - 1];
    const last = centres.length - 1;
    for (const [i, cx] of centres.entries()) {
      for (const [j, cy] of centres.entries()) {
        // Not over the three finders.
        if (
          (i === 0 && j === 0) || (i === 0 && j === last) ||
          (i === last && j === 0)
        ) continue;
        for (let dy = -2; dy <= 2; dy++) {
          for (let dx = -2; dx <= 2; dx++) {
            this.#set(
              cx + dx,
              cy + dy,
              Math.max(Math.abs(dx), Math.abs(dy)) !== 1,
            );
          }
        }
      }
    }
    // Reserve the format areas (written per mask) and draw the version.
    this.drawFormat("L", 0);
    if (this.version >= 7) {
      let rem = this.version;
      for (let i = 0; i < 12; i++) rem = (rem << 1) ^ ((rem >>> 11) * 0x1f25);
      const bits = (this.version << 12) | rem;
      for (let i = 0; i < 18; i++) {
        const dark = ((bits >>> i) & 1) === 1;
        const a = s - 11 + (i % 3);
        const b = Math.floor(i / 3);
        this.#set(a, b, dark);
        this.#set(b, a, dark);
      }
    }
  }

  /** The 15 format bits (level, mask, BCH code), twice, and the dark module. */
  drawFormat(level: EcLevel, mask: number) {
    const s = this.size;
    const data = (LEVEL_BITS[level] << 3) | mask;
    let rem = data;
    for (let i = 0; i < 10; i++) rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
    const bits = ((data << 10) | rem) ^ 0x5412;
    const bit = (i: number) => ((bits >>> i) & 1) === 1;
    for (let i = 0; i <= 5; i++) this.#set(8, i, bit(i));
    this.#set(8, 7, bit(6));
    this.#set(8, 8, bit(7));
    this.#set(7, 8, bit(8));
    for (let i = 9; i < 15; i++) this.#set(14 - i, 8, bit(i));
    for (let i = 0; i < 8; i++) this.#set(s - 1 - i, 8, bit(i));
    for (let i = 8; i < 15; i++) this.#set(8, s - 15 + i, bit(i));
    this.#set(8, s - 8, true);
  }

  /** The codewords' bits up and down two-module columns, right to left. */
  placeData(codewords: Uint8Array) {
    const s = this.size;
    let i = 0;
    for (let right = s - 1; right >= 1; right -= 2) {
      if (right === 6) right = 5; // the vertical timing pattern
      const upward = ((right + 1) & 2) === 0;
      for (let v = 0; v < s; v++) {
        const y = upward ? s - 1 - v : v;
        for (let j = 0; j < 2; j++) {
          const at = y * s + right - j;
          if (this.#function[at]) continue;
          // Remainder bits past the last codeword stay light.
          if (i < codewords.length * 8) {
            this.modules[at] = (codewords[i >>> 3] >>> (7 - (i & 7))) & 1;
            i++;
          }
        }
      }
    }
  }

  applyMask(mask: number) {
    const s = this.size;
    for (let y = 0; y < s; y++) {
      for (let x = 0; x < s; x++) {
        if (this.#function[y * s + x]) continue;
        if (maskBit(mask, x, y)) this.modules[y * s + x] ^= 1;
      }
    }
  }

  /** The four penalty rules of the standard; the lowest total wins. */
  penalty(): number {
    const s = this.size;
    const m = this.modules;
    let total = 0;
    for (let line = 0; line < s; line++) {
      for (
        const at of [(i: number) => line * s + i, (i: number) => i * s + line]
      ) {
        // Runs of five or more of one colour.
        let run = 1;
        for (let i = 1; i <= s; i++) {
          if (i < s && m[at(i)] === m[at(i - 1)]) run++;
          else {
            if (run >= 5) total += 3 + run - 5;
            run = 1;
          }
        }
        // 1:1:3:1:1 finder look-alikes with four light modules beside.
        let window = 0;
        for (let i = 0; i < s; i++) {
          window = ((window << 1) | m[at(i)]) & 0x7ff;
          if (i >= 10 && (window === 0x5d0 || window === 0x05d)) total += 40;
        }
      }
    }
    for (let y = 0; y < s - 1; y++) {
      for (let x = 0; x < s - 1; x++) {
        const c = m[y * s + x];
        if (
          c === m[y * s + x + 1] && c === m[(y + 1) * s + x] &&
          c === m[(y + 1) * s + x + 1]
        ) total += 3;
      }
    }
    let dark = 0;
    for (const v of m) dark += v;
    total += Math.floor(Math.abs((dark * 100) / (s * s) - 50) / 5) * 10;
    return total;
  }
}

function maskBit(mask: number, x: number, y: number): boolean {
  switch (mask) {
    case 0:
      return (x + y) % 2 === 0;
    case 1:
      return y % 2 === 0;
    case 2:
      return x % 3 === 0;
    case 3:
      return (x + y) % 3 === 0;
    case 4:
      return (Math.floor(x / 3) + Math.floor(y / 2)) % 2 === 0;
    case 5:
      return ((x * y) % 2) + ((x * y) % 3) === 0;
    case 6:
      return (((x * y) % 2) + ((x * y) % 3)) % 2 === 0;
    default:
      return (((x + y) % 2) + ((x * y) % 3)) % 2 === 0;
  }
}

/** Light modules around the code, so a scanner finds its edge. */
const QUIET = 2;

/**
 * The code as text, two module rows per line in half blocks. With colour
 * the code sets black on white itself, so it scans on dark and light
 * terminals alike; without (NO_COLOR), dark modules are drawn as blocks.
 */
export function qrTerminalText(qr: QrMatrix, options: { color: boolean }) {
  const s = qr.size;
  const dark = (x: number, y: number) =>
    x >= 0 && y >= 0 && x < s && y < s && qr.modules[y * s + x] === 1;
  const lines: string[] = [];
  for (let y = -QUIET; y < s + QUIET; y += 2) {
    let line = "";
    for (let x = -QUIET; x < s + QUIET; x++) {
      const top = dark(x, y);
      const bottom = y + 1 < s + QUIET && dark(x, y + 1);
      line += top ? (bottom ? "█" : "▀") : (bottom ? "▄" : " ");
    }
    lines.push(options.color ? `\x1b[47m\x1b[30m${line}\x1b[0m` : line);
  }
  return lines.join("\n") + "\n";
}
