import zlib from "node:zlib";
import { assert, assertEquals, assertThrows } from "../assert.ts";
import { inflateSmall } from "../../src/archive/small_inflate.ts";

/** Data of a few kinds: incompressible, text, runs, and the edge sizes. */
function samples(): { name: string; data: Uint8Array }[] {
  const random = new Uint8Array(70_000);
  crypto.getRandomValues(random.subarray(0, 65536));
  crypto.getRandomValues(random.subarray(65536));
  const text = new TextEncoder().encode(
    JSON.stringify(
      Array.from({ length: 400 }, (_, i) => ({
        title: `IMG_${i}.jpg`,
        photoTakenTime: { timestamp: String(1325462400 + i * 86400) },
        url: `https://photos.google.com/photo/AF1Qip${i}`,
      })),
    ),
  );
  const runs = new Uint8Array(50_000).map((_, i) => (i >> 9) % 3);
  return [
    { name: "empty", data: new Uint8Array(0) },
    { name: "one byte", data: new Uint8Array([42]) },
    { name: "random", data: random },
    { name: "text", data: text },
    { name: "runs", data: runs },
  ];
}

Deno.test("raw deflate inflates exactly as zlib wrote it: stored, fixed and dynamic blocks", () => {
  for (const { name, data } of samples()) {
    const variants: [string, Uint8Array][] = [
      ["level 0 (stored)", zlib.deflateRawSync(data, { level: 0 })],
      ["level 1", zlib.deflateRawSync(data, { level: 1 })],
      ["level 6", zlib.deflateRawSync(data)],
      ["level 9", zlib.deflateRawSync(data, { level: 9 })],
      [
        "fixed codes",
        zlib.deflateRawSync(data, { strategy: zlib.constants.Z_FIXED }),
      ],
      [
        "Huffman only",
        zlib.deflateRawSync(data, {
          strategy: zlib.constants.Z_HUFFMAN_ONLY,
        }),
      ],
      ["runs", zlib.deflateRawSync(data, { strategy: zlib.constants.Z_RLE })],
    ];
    for (const [how, packed] of variants) {
      assertEquals(
        inflateSmall(packed, data.length),
        data,
        `${name}, ${how}`,
      );
    }
  }
});

Deno.test("damaged, cut or overlong deflate data throws rather than returning bytes", () => {
  const data = samples()[3].data;
  const packed = zlib.deflateRawSync(data);
  assertThrows(
    () => inflateSmall(packed.subarray(0, packed.length >> 1), data.length),
    RangeError,
  );
  // More bytes than the entry says.
  assertThrows(() => inflateSmall(packed, data.length - 1), RangeError);
  // Block type 3 does not exist.
  assertThrows(
    () => inflateSmall(new Uint8Array([0x07, 0, 0]), 10),
    RangeError,
  );
  // A stored block whose length check is wrong.
  assertThrows(
    () => inflateSmall(new Uint8Array([0x01, 5, 0, 5, 0]), 5),
    RangeError,
  );
  // A back-reference before the first byte: fixed codes, length 3 (code
  // 257, 7 bits 0000001) then distance 1, with nothing written yet.
  assertThrows(
    () => inflateSmall(new Uint8Array([0x03, 0x02, 0x00]), 10),
    RangeError,
  );
  // Fewer bytes than the entry says come back short (the caller compares).
  assert(inflateSmall(packed, data.length + 5).length === data.length);
});
