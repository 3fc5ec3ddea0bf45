import { strict as assert } from "node:assert";
import { join } from "node:path";
import {
  fsTypeFromMagic,
  makeFsProfile,
  mountedFsType,
  probeFsProfile,
} from "../../src/fs/fs_profile.ts";
import { DiskError } from "../../src/errors.ts";
import { memoryLogger } from "../../src/log.ts";
import {
  canMakeUnwritableFolder,
  makeUnwritableFolder,
} from "./unwritable_folder.ts";

const unwritable = await canMakeUnwritableFolder();
// The fs type comes from /proc (only with --allow-all) or statfs (with
// --allow-sys=statfs); with neither it is unknown.
const fsTypeReadable = await Deno.readTextFile("/proc/self/mountinfo").then(
  () => true,
  () => false,
) ||
  (await Deno.permissions.query({ name: "sys", kind: "statfs" })).state ===
    "granted";

async function withTempDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "probing the real temp folder finds a Linux filesystem's abilities",
  ignore: Deno.build.os !== "linux",
  fn: () =>
    withTempDir(async (dir) => {
      const profile = await probeFsProfile(dir);
      assert.equal(profile.root, await Deno.realPath(dir));
      assert.equal(profile.symlinks, true);
      assert.equal(profile.unicode, true);
      assert.equal(profile.ntfs, false);
      if (fsTypeReadable) assert.ok(profile.fsType !== "", "fs type found");
      assert.equal(profile.maxPathBytes, 4096);
      // Check the probe's answers against the folder directly.
      const upper = join(dir, "CASE");
      await Deno.writeFile(join(dir, "case"), new Uint8Array());
      const folds = await Deno.lstat(upper).then(() => true, () => false);
      assert.equal(profile.caseInsensitive, folds);
      await Deno.remove(join(dir, "case"));
      const limit = profile.maxFilenameBytes;
      await Deno.writeFile(join(dir, "n".repeat(limit)), new Uint8Array());
      await Deno.remove(join(dir, "n".repeat(limit)));
      if (limit < 255) {
        await assert.rejects(
          Deno.writeFile(join(dir, "n".repeat(limit + 1)), new Uint8Array()),
        );
      }
      const early = join(dir, "early");
      await Deno.writeFile(early, new Uint8Array());
      await Deno.utime(early, profile.minTime, profile.minTime);
      assert.equal(
        (await Deno.stat(early)).mtime?.getTime(),
        profile.minTime.getTime(),
      );
      await Deno.remove(early);
    }),
});

Deno.test("the probe leaves nothing behind in the folder", () =>
  withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "keep.jpg"), "x");
    await probeFsProfile(dir);
    const names = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name);
    assert.deepEqual(names, ["keep.jpg"]);
  }));

Deno.test("--ntfs, --case-insensitive-fs and --max-filename override the probe", () =>
  withTempDir(async (dir) => {
    const profile = await probeFsProfile(dir, {
      ntfs: true,
      caseInsensitiveFs: true,
      maxFilename: 143,
    });
    assert.equal(profile.ntfs, true);
    assert.equal(profile.caseInsensitive, true);
    assert.equal(profile.maxFilenameBytes, 143);
    const plain = await probeFsProfile(dir, { maxFilename: 0 });
    assert.equal(plain.maxFilenameBytes > 0, true);
    assert.notEqual(plain.maxFilenameBytes, 143);
  }));

Deno.test("a FAT, NTFS or 9p mount gets Windows naming rules, fuseblk does not", () =>
  withTempDir(async (dir) => {
    const real = await Deno.realPath(dir);
    const mountinfo = (type: string) => () =>
      Promise.resolve(
        "26 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n" +
          `40 26 8:1 / ${real} rw,relatime - ${type} /dev/sdb1 rw\n`,
      );
    for (const type of ["vfat", "exfat", "ntfs3", "ntfs", "9p"]) {
      const profile = await probeFsProfile(dir, {}, {
        readMountInfo: mountinfo(type),
      });
      assert.equal(profile.ntfs, true, type);
      assert.equal(profile.fsType, type);
    }
    const fuse = await probeFsProfile(dir, {}, {
      readMountInfo: mountinfo("fuseblk"),
    });
    assert.equal(fuse.ntfs, false);
    const windows = await probeFsProfile(dir, {}, { os: "windows" });
    assert.equal(windows.ntfs, true);
    assert.equal(windows.maxPathBytes, 248);
  }));

Deno.test("without the mount table the type comes from statfs", () =>
  withTempDir(async (dir) => {
    const noMounts = () => Promise.reject(new Error("no /proc"));
    const vfat = await probeFsProfile(dir, {}, {
      readMountInfo: noMounts,
      statfsType: () => Promise.resolve(0x4d44),
    });
    assert.equal(vfat.fsType, "vfat");
    assert.equal(vfat.ntfs, true);
    const unknown = await probeFsProfile(dir, {}, {
      readMountInfo: noMounts,
      statfsType: () => Promise.reject(new Error("not allowed")),
    });
    assert.equal(unknown.fsType, "");
    assert.equal(unknown.ntfs, false);
    // Magic numbers above 2^31 may arrive as negative numbers.
    const signed = () => Promise.resolve(0xff534d42 | 0);
    assert.equal(await fsTypeFromMagic(dir, signed), "cifs");
    assert.equal(await fsTypeFromMagic(dir, () => Promise.resolve(1)), "");
  }));

Deno.test("the mount point is the longest whole-folder prefix, spaces decoded", async () => {
  const table = [
    "26 1 254:0 / / rw - ext4 /dev/vda rw",
    "30 26 8:1 / /media/usb\\040disk rw - vfat /dev/sdb1 rw",
    "31 26 8:2 / /media/usb rw - xfs /dev/sdc1 rw",
  ].join("\n");
  const read = () => Promise.resolve(table);
  assert.equal(await mountedFsType("/media/usb disk/photos", read), "vfat");
  assert.equal(await mountedFsType("/media/usb/photos", read), "xfs");
  assert.equal(await mountedFsType("/media/usbx/photos", read), "ext4");
  assert.equal(
    await mountedFsType("/x", () => Promise.reject(new Error("none"))),
    "",
  );
});

Deno.test("probing a missing folder or a file is a DiskError", () =>
  withTempDir(async (dir) => {
    await assert.rejects(probeFsProfile(join(dir, "missing")), DiskError);
    await Deno.writeTextFile(join(dir, "file"), "x");
    await assert.rejects(
      probeFsProfile(join(dir, "file")),
      (err: Error) =>
        err instanceof DiskError && /not a folder/.test(err.message),
    );
  }));

Deno.test({
  name: "probing a folder that refuses writes is a DiskError naming it",
  ignore: !unwritable,
  fn: () =>
    withTempDir(async (dir) => {
      const folder = await makeUnwritableFolder(dir);
      assert.ok(folder);
      try {
        await assert.rejects(
          probeFsProfile(folder.path),
          (err: Error) =>
            err instanceof DiskError && err.message.includes(folder.path),
        );
      } finally {
        await folder.undo();
      }
    }),
});

Deno.test("the probe reports what it found in the log", () =>
  withTempDir(async (dir) => {
    const logger = memoryLogger();
    await probeFsProfile(dir, {}, { logger });
    assert.ok(logger.lines.some((l) => l.includes("max filename")));
  }));

Deno.test("an unprobed profile has Linux defaults and takes overrides", () => {
  const profile = makeFsProfile({ ntfs: true });
  assert.equal(profile.ntfs, true);
  assert.equal(profile.maxFilenameBytes, 255);
  assert.equal(profile.unicode, true);
});
