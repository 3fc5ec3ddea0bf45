import { strict as assert } from "node:assert";
import { join } from "node:path";
import { resolveInside } from "../../src/fs/confine.ts";
import { UnsafePathError } from "../../src/fs/fs_errors.ts";
import { DiskError } from "../../src/errors.ts";
import { withRoot } from "./root_fixture.ts";

const refused = (err: Error) => err instanceof UnsafePathError;

Deno.test("a plain relative path resolves under ROOT, existing or not", () =>
  withRoot(async (root) => {
    assert.equal(
      await resolveInside(root, "photos/2017/09/a.jpg"),
      join(root, "photos/2017/09/a.jpg"),
    );
    await Deno.mkdir(join(root, "photos/2017"), { recursive: true });
    assert.equal(
      await resolveInside(root, "photos//2017/./09/a.jpg"),
      join(root, "photos/2017/09/a.jpg"),
    );
    assert.equal(await resolveInside(root, ""), root);
  }));

Deno.test("'..' anywhere in the path is refused", () =>
  withRoot(async (root) => {
    for (const bad of ["..", "../x", "a/../../x", "a/..", "photos/../b"]) {
      await assert.rejects(resolveInside(root, bad), refused, bad);
    }
  }));

Deno.test("absolute paths and NUL bytes are refused", () =>
  withRoot(async (root) => {
    await assert.rejects(resolveInside(root, "/etc/passwd"), refused);
    await assert.rejects(resolveInside(root, "C:\\Windows\\x"), refused);
    await assert.rejects(resolveInside(root, "a\0b"), refused);
  }));

Deno.test({
  name: "a backslash is an ordinary character of a name outside Windows",
  ignore: Deno.build.os === "windows",
  fn: () =>
    withRoot(async (root) => {
      assert.equal(
        await resolveInside(root, "a\\..\\..\\b"),
        join(root, "a\\..\\..\\b"),
      );
    }),
});

Deno.test("a folder inside ROOT linking outside is refused", () =>
  withRoot(async (root, outside) => {
    await Deno.symlink(outside, join(root, "photos"));
    await assert.rejects(
      resolveInside(root, "photos/2017/09/a.jpg"),
      (err: Error) => refused(err) && err.message.includes(outside),
    );
    await Deno.mkdir(join(outside, "2017"));
    await assert.rejects(resolveInside(root, "photos/2017/a.jpg"), refused);
  }));

Deno.test("a relative link that climbs out of ROOT is refused", () =>
  withRoot(async (root) => {
    await Deno.mkdir(join(root, "albums"));
    await Deno.symlink("../../outside", join(root, "albums", "escape"));
    await assert.rejects(resolveInside(root, "albums/escape/x.jpg"), refused);
  }));

Deno.test("links that stay inside ROOT are fine", () =>
  withRoot(async (root) => {
    await Deno.mkdir(join(root, "photos/2017/09"), { recursive: true });
    await Deno.writeTextFile(join(root, "photos/2017/09/a.jpg"), "x");
    await Deno.mkdir(join(root, "albums"));
    await Deno.symlink("../photos/2017/09/a.jpg", join(root, "albums/a.jpg"));
    await Deno.symlink("../photos", join(root, "albums/p"));
    assert.equal(
      await resolveInside(root, "albums/a.jpg"),
      join(root, "albums/a.jpg"),
    );
    assert.equal(
      await resolveInside(root, "albums/p/2018/b.jpg"),
      join(root, "albums/p/2018/b.jpg"),
    );
  }));

Deno.test("a dangling link is judged by where it points", () =>
  withRoot(async (root, outside) => {
    await Deno.symlink(join(outside, "new.jpg"), join(root, "out.jpg"));
    await assert.rejects(resolveInside(root, "out.jpg"), refused);
    await Deno.symlink("missing/deeper.jpg", join(root, "in.jpg"));
    assert.equal(await resolveInside(root, "in.jpg"), join(root, "in.jpg"));
    // A dangling link to a folder that does not exist yet, outside.
    await Deno.symlink(join(outside, "later"), join(root, "later"));
    await assert.rejects(resolveInside(root, "later/x.jpg"), refused);
  }));

Deno.test("a symbolic link loop is refused", () =>
  withRoot(async (root) => {
    await Deno.symlink("b", join(root, "a"));
    await Deno.symlink("a", join(root, "b"));
    await assert.rejects(resolveInside(root, "a/x.jpg"), refused);
  }));

Deno.test("ROOT may itself be a link to the real backup folder", () =>
  withRoot(async (root, outside) => {
    const link = join(outside, "root-link");
    await Deno.symlink(root, link);
    assert.equal(
      await resolveInside(link, "photos/a.jpg"),
      join(link, "photos/a.jpg"),
    );
  }));

Deno.test("a missing ROOT is a DiskError", () =>
  withRoot(async (root) => {
    await assert.rejects(resolveInside(join(root, "nope"), "a"), DiskError);
  }));
