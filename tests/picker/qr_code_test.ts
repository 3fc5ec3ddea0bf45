// The QR encoder of the Picker link, checked two ways: module for module
// against the npm package qrcode (a test-only dependency) at every version,
// level and mask it supports, and by decoding the symbols it draws with
// jsQR, an independent decoder, as a phone would.

// Test-only packages are imported here by full specifier, not through
// deno.json's imports: deno compile embeds every package listed there.
// deno-lint-ignore no-import-prefix
import jsqr from "npm:jsqr@1.4.0";
// deno-lint-ignore no-import-prefix
import QRCode from "npm:qrcode@1.5.4";
import { assert, assertEquals } from "../assert.ts";
import {
  byteCapacity,
  type EcLevel,
  encodeQr,
  MAX_VERSION,
  type QrMatrix,
  qrTerminalText,
} from "../../src/picker/qr_code.ts";

// jsqr is CommonJS: its default export is the function, whatever its types say.
type Decode = (
  rgba: Uint8ClampedArray,
  width: number,
  height: number,
) => { data: string } | null;
const jsQR = jsqr as unknown as Decode;

const LINK =
  "https://photos.google.com/picker/2204d975-5c89-47e7-fb3d-0d25c7066ccd";

/** A text of exactly `n` bytes, some of them multi-byte UTF-8. */
function textOf(n: number, seed: number): string {
  const pieces = ["a", "Z", "0", "/", "ä", "€", " ", "?", "=", "😀"];
  let out = "";
  let bytes = 0;
  for (let i = seed; bytes < n; i++) {
    const p = pieces[(i * 7) % pieces.length];
    const len = new TextEncoder().encode(p).length;
    const piece = bytes + len <= n ? p : "x";
    out += piece;
    bytes += piece === p ? len : 1;
  }
  return out;
}

function theirs(
  text: string,
  level: EcLevel,
  version: number,
  mask: number,
): { size: number; data: Uint8Array } {
  const bytes = new TextEncoder().encode(text);
  const code = QRCode.create([{ data: bytes, mode: "byte" }], {
    version,
    errorCorrectionLevel: level,
    maskPattern: mask,
  });
  return code.modules;
}

Deno.test("every module matches qrcode's symbol at each version 1-10, level L and M, and mask", () => {
  let compared = 0;
  for (const level of ["L", "M"] as const) {
    for (let version = 1; version <= MAX_VERSION; version++) {
      const cap = byteCapacity(version, level);
      for (const [i, n] of [1, Math.floor(cap / 2), cap].entries()) {
        const text = textOf(n, version * 3 + i);
        for (let mask = 0; mask < 8; mask++) {
          const mine = encodeQr(text, level, { version, mask })!;
          const other = theirs(text, level, version, mask);
          assertEquals(mine.size, other.size);
          const differ = other.data.findIndex((b, at) =>
            (b ? 1 : 0) !== mine.modules[at]
          );
          assertEquals(
            differ,
            -1,
            `${level} v${version} mask ${mask}, ${n} bytes: module ${differ}`,
          );
          compared++;
        }
      }
    }
  }
  assertEquals(compared, 2 * MAX_VERSION * 3 * 8);
});

Deno.test("the byte capacities are the standard's", () => {
  // ISO/IEC 18004 table 7, byte mode.
  assertEquals(
    Array.from({ length: MAX_VERSION }, (_, v) => byteCapacity(v + 1, "L")),
    [17, 32, 53, 78, 106, 134, 154, 192, 230, 271],
  );
  assertEquals(
    Array.from({ length: MAX_VERSION }, (_, v) => byteCapacity(v + 1, "M")),
    [14, 26, 42, 62, 84, 106, 122, 152, 180, 213],
  );
});

/** Draws the symbol as an image (4 px a module, a 4-module margin) and decodes it. */
function decode(qr: QrMatrix): string | undefined {
  const scale = 4;
  const margin = 4;
  const width = (qr.size + 2 * margin) * scale;
  const rgba = new Uint8ClampedArray(width * width * 4).fill(255);
  for (let y = 0; y < qr.size; y++) {
    for (let x = 0; x < qr.size; x++) {
      if (!qr.modules[y * qr.size + x]) continue;
      for (let dy = 0; dy < scale; dy++) {
        for (let dx = 0; dx < scale; dx++) {
          const px = ((y + margin) * scale + dy) * width +
            (x + margin) * scale + dx;
          rgba.fill(0, px * 4, px * 4 + 3);
        }
      }
    }
  }
  return jsQR(rgba, width, width)?.data;
}

Deno.test("a decoder reads back what was encoded, with the mask the encoder chose", () => {
  const texts = [
    LINK,
    "a",
    textOf(100, 1),
    `${LINK}?authuser=0&continue=${"x".repeat(150)}`,
    "x".repeat(271),
  ];
  for (const level of ["L", "M"] as const) {
    for (const text of texts) {
      const qr = encodeQr(text, level);
      const bytes = new TextEncoder().encode(text).length;
      if (bytes > byteCapacity(MAX_VERSION, level)) {
        assertEquals(qr, undefined, `${bytes} bytes at ${level}`);
        continue;
      }
      assert(qr, `${bytes} bytes at ${level}`);
      // The smallest version that holds the text.
      assert(byteCapacity(qr.version, level) >= bytes);
      assert(qr.version === 1 || byteCapacity(qr.version - 1, level) < bytes);
      assertEquals(decode(qr), text, `${level} v${qr.version}: ${text}`);
    }
  }
  // A Picker link fits a small code: 33 modules, 37 columns on a terminal.
  assertEquals(encodeQr(LINK, "L")!.version, 4);
});

Deno.test("the terminal drawing has two module rows a line and keeps every module", () => {
  const qr = encodeQr(LINK, "L")!;
  const plain = qrTerminalText(qr, { color: false });
  assert(plain.endsWith("\n"));
  const lines = plain.slice(0, -1).split("\n");
  assertEquals(lines.length, Math.ceil((qr.size + 4) / 2));
  for (const line of lines) assertEquals([...line].length, qr.size + 4);
  // Read the modules back from the half blocks.
  for (let y = 0; y < qr.size; y++) {
    for (let x = 0; x < qr.size; x++) {
      const row = y + 2;
      const ch = [...lines[row >> 1]][x + 2];
      const dark = row % 2 === 0 ? "█▀".includes(ch) : "█▄".includes(ch);
      assertEquals(dark, qr.modules[y * qr.size + x] === 1, `${x},${y}`);
    }
  }
  const color = qrTerminalText(qr, { color: true });
  for (const line of color.slice(0, -1).split("\n")) {
    assert(line.startsWith("\x1b[47m\x1b[30m") && line.endsWith("\x1b[0m"));
  }
});
