import nodePath from "node:path/posix";
import { assertEquals } from "../assert.ts";
import {
  basename,
  dirname,
  isAbsolute,
  join,
  normalize,
  resolve,
} from "../../src/fs/path.ts";

const posix = Deno.build.os !== "windows";

/** Paths made of the parts that trip path code: "", ".", "..", runs of "/". */
function* paths(seed: number, count: number): Generator<string> {
  const parts = ["", ".", "..", "a", "b.jpg", "..a", ".x", "2024", "é"];
  let x = seed;
  const next = (n: number) => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x % n;
  };
  for (let i = 0; i < count; i++) {
    let p = next(3) === 0 ? "/" : "";
    const n = next(5);
    for (let j = 0; j < n; j++) {
      p += parts[next(parts.length)] + "/".repeat(next(3));
    }
    yield p;
  }
  yield* ["", "/", "//", "///", ".", "..", "./", "../", "//a", "/a//b", "a/"];
}

Deno.test({
  name: "the supervisor's path functions mean what node:path's mean",
  ignore: !posix,
  fn: () => {
    for (const p of paths(7, 3000)) {
      assertEquals(normalize(p), nodePath.normalize(p), `normalize ${p}`);
      assertEquals(dirname(p), nodePath.dirname(p), `dirname ${p}`);
      assertEquals(basename(p), nodePath.basename(p), `basename ${p}`);
      assertEquals(isAbsolute(p), nodePath.isAbsolute(p), `isAbsolute ${p}`);
      assertEquals(resolve(p), nodePath.resolve(p), `resolve ${p}`);
    }
    const list = [...paths(11, 600)];
    for (let i = 0; i + 2 < list.length; i += 3) {
      const [a, b, c] = list.slice(i, i + 3);
      assertEquals(
        join(a, b, c),
        nodePath.join(a, b, c),
        `join ${a} ${b} ${c}`,
      );
      assertEquals(join(a, b), nodePath.join(a, b), `join ${a} ${b}`);
      assertEquals(
        resolve(a, b, c),
        nodePath.resolve(a, b, c),
        `resolve ${a} ${b} ${c}`,
      );
    }
    assertEquals(join(), nodePath.join());
    assertEquals(resolve(), nodePath.resolve());
  },
});
