import { strict as assert } from "node:assert";
import { join } from "node:path";
import {
  classifyFsError,
  cleanStaleTemps,
  isTempName,
  writeStreamAtomic,
} from "../../src/fs/atomic_write.ts";
import { FileNameError, SizeMismatchError } from "../../src/fs/fs_errors.ts";
import { DiskError } from "../../src/errors.ts";
import {
  canMakeUnwritableFolder,
  makeUnwritableFolder,
} from "./unwritable_folder.ts";

const unwritable = await canMakeUnwritableFolder();
// Writing /dev/full fails with ENOSPC; Deno allows it only with --allow-all.
const devFullError: unknown = await Deno.writeFile(
  "/dev/full",
  new Uint8Array(1),
).then(() => undefined, (err) => err);
// Needs root (CAP_SYS_ADMIN) for a private mount namespace.
const canMountTmpfs = Deno.build.os === "linux" &&
  await new Deno.Command("unshare", {
    args: ["-m", "true"],
    stdout: "null",
    stderr: "null",
  }).output().then((r) => r.success, () => false);

async function withTempDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function streamOf(...chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return ReadableStream.from(chunks);
}

const bytes = (n: number, fill = 7) => new Uint8Array(n).fill(fill);

async function listAll(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    out.push(path);
    if (entry.isDirectory) out.push(...await listAll(path));
  }
  return out.sort();
}

Deno.test("a stream is written whole, with its mtime, and no temp is left", () =>
  withTempDir(async (dir) => {
    const target = join(dir, "photos/2017/09/a.jpg");
    const mtime = new Date("2017-09-30T12:34:56Z");
    const result = await writeStreamAtomic(
      target,
      streamOf(bytes(1000, 1), bytes(24, 2)),
      { expectedSize: 1024, mtime },
    );
    assert.deepEqual(result, { path: target, bytes: 1024 });
    // Times first: reading the file may move its atime.
    const info = await Deno.stat(target);
    assert.equal(info.mtime?.getTime(), mtime.getTime());
    assert.equal(info.atime?.getTime(), mtime.getTime());
    const data = await Deno.readFile(target);
    assert.equal(data.length, 1024);
    assert.equal(data[999], 1);
    assert.equal(data[1000], 2);
    assert.deepEqual(await listAll(join(dir, "photos/2017/09")), [target]);
  }));

Deno.test("without expectedSize any length is accepted, and old dates work", () =>
  withTempDir(async (dir) => {
    const target = join(dir, "a.jpg");
    const mtime = new Date("1960-06-01T00:00:00Z");
    const atime = new Date("2001-01-01T00:00:00Z");
    const result = await writeStreamAtomic(target, streamOf(bytes(5)), {
      mtime,
      atime,
      sync: false,
    });
    assert.equal(result.bytes, 5);
    const info = await Deno.stat(target);
    assert.equal(info.mtime?.getTime(), mtime.getTime());
    assert.equal(info.atime?.getTime(), atime.getTime());
  }));

Deno.test("an existing file is replaced in one step", () =>
  withTempDir(async (dir) => {
    const target = join(dir, "a.jpg");
    await Deno.writeTextFile(target, "old");
    await writeStreamAtomic(target, streamOf(new TextEncoder().encode("new")));
    assert.equal(await Deno.readTextFile(target), "new");
  }));

Deno.test("a stream shorter than expectedSize leaves no file and no temp", () =>
  withTempDir(async (dir) => {
    const target = join(dir, "a.jpg");
    await assert.rejects(
      writeStreamAtomic(target, streamOf(bytes(100)), { expectedSize: 101 }),
      (err: Error) =>
        err instanceof SizeMismatchError && err.expected === 101 &&
        err.received === 100 && !(err instanceof DiskError),
    );
    assert.deepEqual(await listAll(dir), []);
  }));

Deno.test("a stream longer than expectedSize stops early and is not kept", () =>
  withTempDir(async (dir) => {
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(bytes(10));
      },
    });
    await assert.rejects(
      writeStreamAtomic(join(dir, "a.jpg"), endless, { expectedSize: 25 }),
      SizeMismatchError,
    );
    assert.ok(pulled < 10, `read ${pulled} chunks of an endless stream`);
    assert.deepEqual(await listAll(dir), []);
  }));

Deno.test("a stream error is passed through unchanged and the temp removed", () =>
  withTempDir(async (dir) => {
    const cut = new TypeError(
      "error reading a large response: connection reset",
    );
    let sent = false;
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (!sent) {
          sent = true;
          controller.enqueue(bytes(64));
        } else {
          controller.error(cut);
        }
      },
    });
    await assert.rejects(
      writeStreamAtomic(join(dir, "a.jpg"), failing),
      (err: unknown) => err === cut,
    );
    assert.deepEqual(await listAll(dir), []);
  }));

Deno.test("aborting mid-stream rejects with the reason and cancels the body", () =>
  withTempDir(async (dir) => {
    const controller = new AbortController();
    let cancelledWith: unknown;
    let first = true;
    const hanging = new ReadableStream<Uint8Array>({
      pull(c) {
        if (first) {
          first = false;
          c.enqueue(bytes(64));
          setTimeout(() => controller.abort(new Error("stop now")), 10);
          return;
        }
        // Never answers again, like a stalled connection.
        return new Promise(() => {});
      },
      cancel(reason) {
        cancelledWith = reason;
      },
    });
    await assert.rejects(
      writeStreamAtomic(join(dir, "a.jpg"), hanging, {
        signal: controller.signal,
      }),
      (err: Error) => err.message === "stop now",
    );
    assert.equal((cancelledWith as Error).message, "stop now");
    assert.deepEqual(await listAll(dir), []);
  }));

Deno.test("an already aborted signal writes nothing at all", () =>
  withTempDir(async (dir) => {
    const signal = AbortSignal.abort();
    await assert.rejects(
      writeStreamAtomic(join(dir, "sub/a.jpg"), streamOf(bytes(1)), { signal }),
      (err: Error) => err.name === "AbortError",
    );
    assert.deepEqual(await listAll(dir), []);
  }));

Deno.test({
  name: "writing into a folder that refuses writes is a DiskError naming it",
  ignore: !unwritable,
  fn: () =>
    withTempDir(async (dir) => {
      const folder = await makeUnwritableFolder(dir);
      assert.ok(folder);
      try {
        await assert.rejects(
          writeStreamAtomic(join(folder.path, "a.jpg"), streamOf(bytes(8))),
          (err: Error) =>
            err instanceof DiskError && err.message.includes(folder.path) &&
            /permission/i.test(err.message),
        );
        assert.deepEqual(await listAll(folder.path), []);
      } finally {
        await folder.undo();
      }
    }),
});

Deno.test("a file where a folder should be is a DiskError, even for root", () =>
  withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "photos"), "not a folder");
    await assert.rejects(
      writeStreamAtomic(join(dir, "photos/2017/a.jpg"), streamOf(bytes(8))),
      (err: Error) =>
        err instanceof DiskError && err.message.includes(join(dir, "photos")),
    );
  }));

Deno.test("a name too long for the filesystem is a FileNameError, not a DiskError", () =>
  withTempDir(async (dir) => {
    const target = join(dir, "x".repeat(300) + ".jpg");
    await assert.rejects(
      writeStreamAtomic(target, streamOf(bytes(8))),
      (err: Error) =>
        err instanceof FileNameError && !(err instanceof DiskError),
    );
    assert.deepEqual(await listAll(dir), []);
  }));

Deno.test({
  name: "a real 'no space left' error becomes a DiskError saying disk full",
  ignore: (devFullError as { code?: string } | undefined)?.code !== "ENOSPC",
  fn: () => {
    const enospc = devFullError;
    const mapped = classifyFsError(enospc, "write", "/backup/photos/a.jpg");
    assert.ok(mapped instanceof DiskError);
    assert.match(mapped.message, /Disk full/);
    assert.match(mapped.message, /\/backup\/photos\/a\.jpg/);
    assert.equal(mapped.cause, enospc);
  },
});

Deno.test({
  name: "filling a small disk stops with a DiskError and leaves no temp",
  ignore: !canMountTmpfs,
  fn: () =>
    withTempDir(async (dir) => {
      const mountPoint = join(dir, "small");
      await Deno.mkdir(mountPoint);
      const script = join(dir, "fill.ts");
      const module = new URL("../../src/fs/atomic_write.ts", import.meta.url);
      await Deno.writeTextFile(
        script,
        `import { writeStreamAtomic } from ${JSON.stringify(module.href)};
const chunk = new Uint8Array(64 * 1024);
const body = ReadableStream.from((function* () { for (let i = 0; i < 64; i++) yield chunk; })());
const folder = ${JSON.stringify(mountPoint)};
try {
  await writeStreamAtomic(folder + "/photos/big.mp4", body);
  console.log(JSON.stringify({ ok: true }));
} catch (err) {
  const left = [...Deno.readDirSync(folder + "/photos")].map((e) => e.name);
  console.log(JSON.stringify({ name: err.constructor.name, message: err.message, left }));
}
`,
      );
      const mountAndRun = `mount -t tmpfs -o size=256k tmpfs "$1" && ` +
        `exec "$2" run --allow-all "$3"`;
      const out = await new Deno.Command("unshare", {
        args: [
          "-m",
          "sh",
          "-c",
          mountAndRun,
          "sh",
          mountPoint,
          Deno.execPath(),
          script,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout).trim();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      const report = JSON.parse(text);
      assert.equal(report.name, "DiskError");
      assert.match(report.message, /Disk full/);
      assert.match(report.message, new RegExp(mountPoint));
      assert.deepEqual(report.left, []);
    }),
});

Deno.test("a large stream goes to disk as it arrives, not held in memory", () =>
  withTempDir(async (dir) => {
    const chunkSize = 64 * 1024;
    const chunks = 256; // 16 MiB
    let made = 0;
    let worstLag = 0;
    const onDisk = () => {
      const temp = [...Deno.readDirSync(dir)].find((e) => isTempName(e.name));
      return temp ? Deno.statSync(join(dir, temp.name)).size : 0;
    };
    const big = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (made === chunks) return controller.close();
        // Bytes handed over so far minus bytes already in the temp file.
        worstLag = Math.max(worstLag, made * chunkSize - onDisk());
        made++;
        controller.enqueue(new Uint8Array(chunkSize).fill(made & 0xff));
      },
    });
    const result = await writeStreamAtomic(join(dir, "big.mp4"), big, {
      expectedSize: chunkSize * chunks,
      sync: false,
    });
    assert.equal(result.bytes, chunkSize * chunks);
    assert.ok(
      worstLag <= 2 * chunkSize,
      `up to ${worstLag / chunkSize} chunks were held before being written`,
    );
    const data = await Deno.readFile(join(dir, "big.mp4"));
    assert.equal(data.length, chunkSize * chunks);
    assert.equal(data[chunkSize * 10], 11);
  }));

Deno.test("temp names are recognisable", () => {
  assert.ok(isTempName(".gphotos-0a1b2c.part"));
  assert.ok(isTempName(".gphotos-probe-1234-case.part"));
  assert.ok(!isTempName(".gphotos-.part"));
  assert.ok(!isTempName(".gphotos.token"));
  assert.ok(!isTempName("gphotos-1.part"));
  assert.ok(!isTempName(".gphotos-1.partial"));
});

Deno.test("stale temps from a killed run are removed, nothing else", () =>
  withTempDir(async (dir) => {
    const root = join(dir, "root");
    const outside = join(dir, "outside");
    await Deno.mkdir(join(root, "photos/2017/09"), { recursive: true });
    await Deno.mkdir(outside);
    const stale = [
      join(root, ".gphotos-aaaa.part"),
      join(root, "photos/2017/09/.gphotos-bbbb.part"),
    ];
    const kept = [
      join(root, "photos/2017/09/a.jpg"),
      join(root, "photos/2017/09/.gphotos-cccc.partial"),
      join(root, ".gphotos.token"),
      join(root, "gphotos.lock"),
      join(outside, ".gphotos-dddd.part"),
    ];
    for (const path of [...stale, ...kept]) await Deno.writeTextFile(path, "x");
    await Deno.mkdir(join(root, "photos/.gphotos-folder.part"));
    // A link to a folder outside is not followed.
    await Deno.symlink(outside, join(root, "photos/link"));

    const removed = await cleanStaleTemps(root);
    assert.deepEqual(removed.sort(), stale.sort());
    for (const path of kept) assert.ok(await Deno.stat(path), path);
    assert.ok(
      (await Deno.stat(join(root, "photos/.gphotos-folder.part"))).isDirectory,
    );

    const shallow = join(root, "photos/2017/09/.gphotos-eeee.part");
    await Deno.writeTextFile(shallow, "x");
    assert.deepEqual(await cleanStaleTemps(root, { recursive: false }), []);
    assert.deepEqual(await cleanStaleTemps(join(root, "missing")), []);
  }));
