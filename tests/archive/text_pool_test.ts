import { assertEquals } from "../assert.ts";
import { F64Column, I32Column } from "../../src/archive/columns.ts";
import { TextPool, utf8 } from "../../src/archive/text_pool.ts";

function texts(): string[] {
  const out = ["", "a", "Takeout/Google Photos/Photos from 2019/IMG_1.jpg"];
  for (let i = 0; i < 5000; i++) {
    out.push(`Fotos von ${2000 + (i % 20)}/Bild_${i}-bearbeitet.jpg`);
    if (i % 97 === 0) out.push(`Été ${i} 🎉 写真.heic`);
  }
  // Longer than a chunk: kept in one of its own.
  out.push("x".repeat(70_000) + "end");
  out.push("after the long one");
  return out;
}

Deno.test("pooled texts come back as given, across chunks, long ones included", () => {
  const pool = new TextPool();
  const all = texts();
  const ids = all.map((t) => pool.add(t));
  assertEquals(ids.map((id) => pool.get(id)), all);
  const copy = new TextPool();
  const copied = ids.map((id) => copy.copy(pool, id));
  assertEquals(copied.map((id) => copy.get(id)), all);
  assertEquals(pool.size, all.length);
});

Deno.test("pooled texts sort by their UTF-8 bytes, and a text is found by its bytes", () => {
  const pool = new TextPool();
  const all = texts();
  const ids = all.map((t) => pool.add(t));
  const sorted = [...ids].sort((a, b) => pool.compare(a, b));
  const byBytes = [...all].sort((a, b) => {
    const x = utf8(a);
    const y = utf8(b);
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      if (x[i] !== y[i]) return x[i] - y[i];
    }
    return x.length - y.length;
  });
  assertEquals(sorted.map((id) => pool.get(id)), byBytes);
  for (const id of [0, 1, 7, ids.length - 2]) {
    assertEquals(pool.compareWith(id, utf8(all[id])), 0);
  }
  assertEquals(pool.compareWith(1, utf8("b")), -1);
  assertEquals(pool.compareWith(1, utf8("")), 1);
});

Deno.test("columns keep numbers across chunks, and free() gives the memory back", () => {
  const doubles = new F64Column();
  const ints = new I32Column();
  for (let i = 0; i < 20_000; i++) {
    doubles.push(i === 5 ? NaN : i * 1.5 + 2 ** 40);
    ints.push(-i);
  }
  assertEquals(doubles.length, 20_000);
  assertEquals(doubles.get(19_999), 19_999 * 1.5 + 2 ** 40);
  assertEquals(Number.isNaN(doubles.get(5)), true);
  ints.set(8192, 7);
  assertEquals([ints.get(8191), ints.get(8192), ints.get(8193)], [
    -8191,
    7,
    -8193,
  ]);
  assertEquals(ints.toArray().length, 20_000);
  const pool = new TextPool();
  pool.add("gone");
  doubles.free();
  ints.free();
  pool.free();
  assertEquals([doubles.length, ints.length, pool.size], [0, 0, 0]);
  // Usable again after.
  ints.push(3);
  assertEquals(ints.get(0), 3);
});
