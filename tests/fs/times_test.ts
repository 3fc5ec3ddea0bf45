import { strict as assert } from "node:assert";
import { join } from "node:path";
import {
  clampFileTime,
  setFileTimes,
  setLinkTimes,
} from "../../src/fs/times.ts";

async function withTempDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const minTime = new Date("1980-01-01T00:00:00Z");

Deno.test("times the filesystem cannot keep are raised to its minimum", () => {
  const early = new Date("1955-03-01T00:00:00Z");
  assert.equal(clampFileTime(early, minTime).getTime(), minTime.getTime());
  const fine = new Date("2001-01-01T00:00:00Z");
  assert.equal(clampFileTime(fine, minTime), fine);
  assert.equal(
    clampFileTime(new Date(Number.NaN), minTime).getTime(),
    minTime.getTime(),
  );
});

Deno.test("setFileTimes sets mtime and atime, clamped when asked", () =>
  withTempDir(async (dir) => {
    const path = join(dir, "a.jpg");
    await Deno.writeTextFile(path, "x");
    const when = new Date("2017-09-30T12:34:56Z");
    await setFileTimes(path, when);
    let info = await Deno.stat(path);
    assert.equal(info.mtime?.getTime(), when.getTime());
    assert.equal(info.atime?.getTime(), when.getTime());

    await setFileTimes(path, new Date("1955-03-01T00:00:00Z"), { minTime });
    info = await Deno.stat(path);
    assert.equal(info.mtime?.getTime(), minTime.getTime());

    const atime = new Date("2020-02-02T00:00:00Z");
    await setFileTimes(path, when, { atime });
    info = await Deno.stat(path);
    assert.equal(info.atime?.getTime(), atime.getTime());
  }));

Deno.test({
  name: "setLinkTimes changes the link, not the file it points to",
  ignore: Deno.build.os === "windows",
  fn: () =>
    withTempDir(async (dir) => {
      const file = join(dir, "a.jpg");
      const link = join(dir, "link.jpg");
      await Deno.writeTextFile(file, "x");
      const fileTime = new Date("2010-01-01T00:00:00Z");
      await setFileTimes(file, fileTime);
      await Deno.symlink("a.jpg", link);
      const linkTime = new Date("2015-05-05T05:05:05Z");
      await setLinkTimes(link, linkTime);
      assert.equal(
        (await Deno.lstat(link)).mtime?.getTime(),
        linkTime.getTime(),
      );
      assert.equal(
        (await Deno.stat(file)).mtime?.getTime(),
        fileTime.getTime(),
      );
    }),
});
