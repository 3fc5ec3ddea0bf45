// Disk full and read-only: the program runs with ROOT on a small tmpfs in
// a private mount namespace (unshare -m; root only), or with folders made
// immutable (chattr +i, which even root cannot write through). When writes
// fail it must stop cleanly, say so, exit 1, and mark nothing downloaded
// that is not whole on disk; with the disk fixed, the next run completes.

import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { type Backup, backup } from "../e2e/harness.ts";
import { writeZip } from "../archive/archive_builder.ts";
import {
  checkBackup,
  hasStackTrace,
  readIndexState,
  spawnProgram,
  tempFiles,
  type TimedResult,
} from "./kit.ts";

async function succeeds(cmd: string, args: string[]): Promise<boolean> {
  try {
    return (await new Deno.Command(cmd, {
      args,
      stdout: "null",
      stderr: "null",
    }).output()).success;
  } catch {
    return false;
  }
}

const canMount = Deno.build.os === "linux" &&
  await succeeds("unshare", ["-m", "sh", "-c", "mount -t tmpfs tmpfs /mnt"]);
const canChattr = await (async () => {
  const dir = await Deno.makeTempDir();
  try {
    if (!await succeeds("chattr", ["+i", dir])) return false;
    const refused = await Deno.writeTextFile(join(dir, "x"), "x").then(
      () => false,
      () => true,
    );
    await succeeds("chattr", ["-i", dir]);
    return refused;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
})();
const NO_MOUNT =
  "needs root for a private mount namespace (unshare -m) to mount a small tmpfs";
const NO_CHATTR =
  "needs chattr +i (root on ext4/tmpfs) to make a folder unwritable";

/**
 * Runs sync with ROOT on a fresh tmpfs of `size`, seeded with `seed`'s
 * content; afterwards the tmpfs is copied to `out` for inspection.
 */
function syncOnTmpfs(
  b: Backup,
  size: string,
  out: string,
  args: string[] = [],
): Promise<TimedResult> {
  const mnt = join(b.dir, "mnt");
  const script = [
    'mount -t tmpfs -o size="$1" tmpfs "$2" || exit 90',
    'cp -a "$3/." "$2/" || exit 91',
    'shift 4; "$@"; code=$?',
    'cp -a "$MNT/." "$OUT/"',
    "exit $code",
  ].join("\n");
  return (async () => {
    await Deno.mkdir(mnt, { recursive: true });
    await Deno.mkdir(out, { recursive: true });
    await Deno.mkdir(b.root, { recursive: true });
    return await spawnProgram(
      [mnt, "--secret", b.secret, ...args],
      { ...b.env(), MNT: mnt, OUT: out },
      {
        wrap: (argv) => [
          "unshare",
          "-m",
          "sh",
          "-c",
          script,
          "sh",
          size,
          mnt,
          b.root,
          "--",
          ...argv,
        ],
      },
    ).done;
  })();
}

/** Nothing marked downloaded is missing or partial; no temp file is left. */
async function assertHonest(b: Backup, root: string) {
  const found = await checkBackup({
    root,
    expectedSha: (id) => b.library.sha256(id),
    finished: false,
  });
  assertEquals(found.problems, []);
  assertEquals(await tempFiles(root), []);
}

Deno.test({
  name:
    "a disk that fills up during downloads stops the run: exit 1, 'Disk full', nothing marked that is not on disk",
  ignore: !canMount,
  fn: async () => {
    await using b = await backup((lib) => {
      lib.generate(40, { item: { size: 60_000 } });
    }, { era: "2024" });
    await b.signIn();
    const out = join(b.dir, "after");
    const r = await syncOnTmpfs(b, "1200k", out, ["--max-threads", "4"]);
    assertEquals(r.code, 1, r.stderr);
    assertMatch(
      r.stderr,
      /Disk full: cannot .*Free some space on that disk and run again\./,
    );
    assert(!hasStackTrace(r.stderr), r.stderr);
    await assertHonest(b, out);
    const state = await readIndexState(join(out, "gphotos.sqlite"));
    const done = state.rows.filter((row) => row.downloaded).length;
    assert(done > 0 && done < 40, `${done} marked downloaded`);
    // Room again: the next run finishes the job.
    const again = await b.run([out, "--secret", b.secret]);
    assertEquals(again.code, 0, again.stderr);
    const all = await checkBackup({
      root: out,
      expectedSha: (id) => b.library.sha256(id),
      finished: true,
      mustHave: b.library.items.map((i) => i.id),
    });
    assertEquals(all.problems, []);
  },
});

Deno.test({
  name:
    "a disk too full for the index stops the run with exit 1 and a sound index",
  ignore: !canMount,
  fn: async () => {
    await using b = await backup((lib) => lib.generate(3000), { era: "2024" });
    await b.signIn();
    const out = join(b.dir, "after");
    const r = await syncOnTmpfs(b, "400k", out);
    assertEquals(r.code, 1, r.stderr);
    assertMatch(
      r.stderr,
      /Cannot write the index .*gphotos\.sqlite: database or disk is full\. Check the free space/,
    );
    assert(!hasStackTrace(r.stderr), r.stderr);
    assert(!/Unexpected error/.test(r.stderr), r.stderr);
    await assertHonest(b, out);
  },
});

Deno.test({
  name: "a read-only ROOT is exit 1 saying so, and nothing in it changes",
  ignore: !canMount,
  fn: async () => {
    await using b = await backup((lib) => lib.generate(3), { era: "2024" });
    await b.signIn();
    const first = await b.sync();
    assertEquals(first.code, 0, first.stderr);
    b.library.photo("new.jpg", "2022-01-01T00:00:00Z");
    const script = [
      'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" || exit 90',
      'shift 2; exec "$@"',
    ].join("\n");
    const r = await spawnProgram([b.root, "--secret", b.secret], b.env(), {
      wrap: (
        argv,
      ) => ["unshare", "-m", "sh", "-c", script, "sh", b.root, "--", ...argv],
    }).done;
    assertEquals(r.code, 1, r.stderr);
    assertMatch(r.stderr, /[Rr]ead-only file ?system/);
    assert(!hasStackTrace(r.stderr), r.stderr);
    await assertHonest(b, b.root);
  },
});

Deno.test({
  name:
    "a media folder that refuses writes stops the run: exit 1, no permission, the rest stays honest",
  ignore: !canChattr,
  fn: async () => {
    await using b = await backup((lib) => {
      lib.generate(4, { start: "2020-01-01T00:00:00Z", stepSec: 86_400 });
      lib.generate(4, {
        start: "2020-02-01T00:00:00Z",
        stepSec: 86_400,
        prefix: "FEB_",
      });
    }, { era: "2024" });
    await b.signIn();
    assertEquals((await b.sync(["--index-only"])).code, 0);
    const locked = b.path("photos/2020/02");
    await Deno.mkdir(locked, { recursive: true });
    assert(await succeeds("chattr", ["+i", locked]));
    try {
      const r = await b.sync(["--max-threads", "1"]);
      assertEquals(r.code, 1, r.stderr);
      assertMatch(
        r.stderr,
        /No permission to create a file in .*photos\/2020\/02/,
      );
      assert(!hasStackTrace(r.stderr), r.stderr);
      await assertHonest(b, b.root);
      const state = await readIndexState(b.path("gphotos.sqlite"));
      for (const row of state.rows) {
        if (row.path === "photos/2020/02") {
          assert(!row.downloaded, row.fileName);
        }
      }
    } finally {
      await succeeds("chattr", ["-i", locked]);
    }
    const again = await b.sync();
    assertEquals(again.code, 0, again.stderr);
    const all = await checkBackup({
      root: b.root,
      expectedSha: (id) => b.library.sha256(id),
      finished: true,
      mustHave: b.library.items.map((i) => i.id),
    });
    assertEquals(all.problems, []);
  },
});

Deno.test({
  name:
    "an index file that refuses writes is exit 1 with a message, and no file is marked",
  ignore: !canChattr,
  fn: async () => {
    await using b = await backup((lib) => lib.generate(3), { era: "2024" });
    await b.signIn();
    assertEquals((await b.sync(["--index-only"])).code, 0);
    const index = b.path("gphotos.sqlite");
    assert(await succeeds("chattr", ["+i", index]));
    try {
      const r = await b.sync();
      assertEquals(r.code, 1, r.stderr);
      assert(!hasStackTrace(r.stderr), r.stderr);
      assert(!/Unexpected error/.test(r.stderr), r.stderr);
      assertMatch(r.stderr, /gphotos\.sqlite/);
    } finally {
      await succeeds("chattr", ["-i", index]);
    }
    await assertHonest(b, b.root);
  },
});

if (!canMount) {
  // deno-lint-ignore no-console -- say why tests were skipped
  console.log(`disk_full_test: tmpfs tests skipped: ${NO_MOUNT}`);
}
if (!canChattr) {
  // deno-lint-ignore no-console -- say why tests were skipped
  console.log(`disk_full_test: unwritable-folder tests skipped: ${NO_CHATTR}`);
}

Deno.test({
  name:
    "an archive entry declaring more than the disk has stops the import before a byte of it is written",
  ignore: !canMount,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "gphotos-space-" });
    try {
      const photos = "Takeout/Google Photos/Photos from 2020/";
      const part = join(dir, "takeout-20240101T000000Z-001.zip");
      // Honest sizes: 64 MiB of zeros (a hole on the test's disk), for a
      // ROOT on a tmpfs of 8 MB.
      await writeZip(part, [
        { name: `${photos}IMG_1.jpg`, data: new Uint8Array([0xff, 0xd8, 1]) },
        { name: `${photos}IMG_2.jpg`, data: { zeros: 64 << 20 }, method: 0 },
      ]);
      const mnt = join(dir, "mnt");
      const out = join(dir, "after");
      await Deno.mkdir(mnt);
      await Deno.mkdir(out);
      const script = [
        'mount -t tmpfs -o size=8m tmpfs "$MNT" || exit 90',
        '"$@"; code=$?',
        'du -sb "$MNT" | cut -f1 > "$OUT.used"',
        'cp -a "$MNT/." "$OUT/"',
        "exit $code",
      ].join("\n");
      const r = await spawnProgram(
        ["takeout", mnt, part],
        { MNT: mnt, OUT: out, NO_COLOR: "1" },
        {
          wrap: (argv) => ["unshare", "-m", "sh", "-c", script, "sh", ...argv],
        },
      ).done;
      assertEquals(r.code, 1, r.stderr);
      assertMatch(
        r.stderr,
        /Not enough free space for .*IMG_2\.jpg: the archive declares 67108864 bytes/,
      );
      assert(!hasStackTrace(r.stderr), r.stderr);
      assertEquals(await tempFiles(out), []);
      const used = Number(await Deno.readTextFile(`${out}.used`));
      assert(used < 1 << 20, `${used} bytes written to the 8 MB disk`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
