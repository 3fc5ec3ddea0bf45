import { strict as assert } from "node:assert";
import { join } from "node:path";
import {
  acquireLock,
  type HeldLock,
  LOCK_FILE,
  type LockInfo,
  type LockResult,
} from "../../src/fs/lock.ts";
import { memoryLogger } from "../../src/log.ts";

const onLinux = Deno.build.os === "linux";
const hasPython = await new Deno.Command("python3", {
  args: ["-c", "import fcntl"],
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

function held(result: LockResult): HeldLock {
  assert.ok(result.acquired, "expected to get the lock");
  return result.lock;
}

/** The pid of a process that has certainly exited. */
async function deadPid(): Promise<number> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["--version"],
    stdout: "null",
  }).spawn();
  await child.status;
  return child.pid;
}

async function writeLock(dir: string, info: Partial<LockInfo>) {
  await Deno.writeTextFile(join(dir, LOCK_FILE), JSON.stringify(info));
}

/** Read a child's stdout until a line appears. */
async function waitForLine(
  stream: ReadableStream<Uint8Array>,
  wanted: string,
): Promise<void> {
  let seen = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    seen += text;
    if (seen.includes(wanted)) return;
  }
  throw new Error(`child ended without printing ${wanted}; got ${seen}`);
}

Deno.test("the lock file names this run and disappears on release", () =>
  withTempDir(async (dir) => {
    const lock = held(await acquireLock(dir, { heartbeatMs: 0 }));
    const info = JSON.parse(await Deno.readTextFile(join(dir, LOCK_FILE)));
    assert.equal(info.pid, Deno.pid);
    assert.equal(info.hostname, Deno.hostname());
    assert.ok(!Number.isNaN(Date.parse(info.startedAt)));
    assert.deepEqual(info, lock.info);
    lock.release();
    lock.release();
    await assert.rejects(Deno.stat(join(dir, LOCK_FILE)), Deno.errors.NotFound);
    held(await acquireLock(dir, { heartbeatMs: 0 })).release();
  }));

Deno.test("a second run is told the lock is held, and by whom", () =>
  withTempDir(async (dir) => {
    const lock = held(await acquireLock(dir, { heartbeatMs: 0 }));
    try {
      const second = await acquireLock(dir, { heartbeatMs: 0 });
      assert.equal(second.acquired, false);
      if (!second.acquired) {
        assert.equal(second.holder.pid, Deno.pid);
        assert.equal(second.holder.program, "gphotos-sync-deno");
        assert.match(second.holder.description, new RegExp(`pid ${Deno.pid}`));
      }
      // The refused attempt did not disturb the holder's file.
      assert.ok(await Deno.stat(join(dir, LOCK_FILE)));
    } finally {
      lock.release();
    }
  }));

Deno.test("'using' releases the lock at the end of the block", () =>
  withTempDir(async (dir) => {
    {
      using _lock = held(await acquireLock(dir, { heartbeatMs: 0 }));
      assert.equal(
        (await acquireLock(dir, { heartbeatMs: 0 })).acquired,
        false,
      );
    }
    held(await acquireLock(dir, { heartbeatMs: 0 })).release();
  }));

Deno.test("a lock left by a process that is gone is taken over with a warning", () =>
  withTempDir(async (dir) => {
    const pid = await deadPid();
    await writeLock(dir, {
      pid,
      hostname: Deno.hostname(),
      startedAt: "2024-01-01T00:00:00.000Z",
      updatedAt: "2024-01-01T00:00:00.000Z",
    });
    const logger = memoryLogger();
    const result = await acquireLock(dir, { logger, heartbeatMs: 0 });
    assert.ok(result.acquired);
    assert.equal(result.tookOver?.pid, pid);
    assert.ok(
      logger.lines.some((l) =>
        l.startsWith("warning:") && l.includes(`pid ${pid}`)
      ),
      logger.lines.join("\n"),
    );
    const info = JSON.parse(await Deno.readTextFile(join(dir, LOCK_FILE)));
    assert.equal(info.pid, Deno.pid);
    result.lock.release();
  }));

Deno.test({
  name: "a run killed with SIGKILL leaves a lock the next run takes over",
  ignore: !onLinux,
  fn: () =>
    withTempDir(async (dir) => {
      const child = holderProcess(dir);
      await waitForLine(child.stdout, "held");
      const refused = await acquireLock(dir, { heartbeatMs: 0 });
      assert.equal(refused.acquired, false);
      if (!refused.acquired) assert.equal(refused.holder.pid, child.pid);
      child.kill("SIGKILL");
      await child.status;
      const logger = memoryLogger();
      const result = await acquireLock(dir, { logger, heartbeatMs: 0 });
      assert.ok(result.acquired);
      assert.equal(result.tookOver?.pid, child.pid);
      result.lock.release();
    }),
});

Deno.test({
  name: "a lock released by another process is free without a warning",
  ignore: !onLinux,
  fn: () =>
    withTempDir(async (dir) => {
      const child = holderProcess(dir);
      const [out, wait] = child.stdout.tee();
      await waitForLine(out, "held");
      const writer = child.stdin.getWriter();
      await writer.close();
      await waitForLine(wait, "released");
      await child.status;
      const logger = memoryLogger();
      const result = await acquireLock(dir, { logger, heartbeatMs: 0 });
      assert.ok(result.acquired);
      assert.equal(result.tookOver, undefined);
      assert.deepEqual(logger.lines.filter((l) => l.startsWith("warning")), []);
      result.lock.release();
    }),
});

/** A child process that takes the lock and keeps it until stdin closes. */
function holderProcess(dir: string) {
  const module = new URL("../../src/fs/lock.ts", import.meta.url).href;
  const code = `
    import { acquireLock } from ${JSON.stringify(module)};
    const result = await acquireLock(${
    JSON.stringify(dir)
  }, { heartbeatMs: 0 });
    if (!result.acquired) throw new Error("child could not lock");
    console.log("held");
    for await (const _ of Deno.stdin.readable) { /* wait for EOF */ }
    result.lock.release();
    console.log("released");
  `;
  return new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
}

Deno.test("where flock does nothing, a lock of this host holds until its heartbeat is too old", () =>
  withTempDir(async (dir) => {
    const base = {
      pid: 999_999,
      hostname: Deno.hostname(),
      startedAt: "2024-05-01T10:00:00.000Z",
    };
    const now = () => new Date("2024-05-01T10:05:00.000Z");
    const noFlock = { flockWorks: () => Promise.resolve(false), now };
    await writeLock(dir, { ...base, updatedAt: "2024-05-01T10:04:00.000Z" });
    const refused = await acquireLock(dir, { ...noFlock, heartbeatMs: 0 });
    assert.equal(refused.acquired, false);
    await writeLock(dir, { ...base, updatedAt: "2024-05-01T09:00:00.000Z" });
    const stale = await acquireLock(dir, { ...noFlock, heartbeatMs: 0 });
    assert.ok(stale.acquired);
    stale.lock.release();
    // Where flock works (here), holding it means the holder is gone.
    await writeLock(dir, { ...base, updatedAt: "2024-05-01T10:04:00.000Z" });
    const taken = await acquireLock(dir, { now, heartbeatMs: 0 });
    assert.ok(taken.acquired);
    taken.lock.release();
  }));

Deno.test("another host's lock holds until its heartbeat is too old", () =>
  withTempDir(async (dir) => {
    const now = new Date("2025-06-01T12:00:00Z");
    const deps = { now: () => now, heartbeatMs: 0, staleAfterMs: 10 * 60_000 };
    const other = {
      pid: 4242,
      hostname: "nas-elsewhere",
      startedAt: "2025-06-01T08:00:00.000Z",
    };
    await writeLock(dir, { ...other, updatedAt: "2025-06-01T11:55:00.000Z" });
    const fresh = await acquireLock(dir, deps);
    assert.equal(fresh.acquired, false);
    if (!fresh.acquired) {
      assert.equal(fresh.holder.hostname, "nas-elsewhere");
      assert.equal(fresh.holder.pid, 4242);
    }

    await writeLock(dir, { ...other, updatedAt: "2025-06-01T11:40:00.000Z" });
    const logger = memoryLogger();
    const stale = await acquireLock(dir, { ...deps, logger });
    assert.ok(stale.acquired);
    assert.equal(stale.tookOver?.hostname, "nas-elsewhere");
    assert.ok(logger.lines.some((l) => l.includes("nas-elsewhere")));
    stale.lock.release();
  }));

Deno.test("gphotos-sync's empty lock file is taken over silently", () =>
  withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, LOCK_FILE), "");
    const logger = memoryLogger();
    const result = await acquireLock(dir, { logger, heartbeatMs: 0 });
    assert.ok(result.acquired);
    assert.equal(result.tookOver, undefined);
    assert.deepEqual(logger.lines.filter((l) => l.startsWith("warning")), []);
    result.lock.release();
  }));

Deno.test("an unreadable lock file is taken over with a warning", () =>
  withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, LOCK_FILE), "{half a record");
    const logger = memoryLogger();
    const result = await acquireLock(dir, { logger, heartbeatMs: 0 });
    assert.ok(result.acquired);
    assert.equal(result.tookOver?.program, "unknown");
    assert.ok(logger.lines.some((l) => l.startsWith("warning:")));
    result.lock.release();
  }));

Deno.test({
  name: "a running gphotos-sync (Python, lockf) holds the lock",
  // Under the test's scoped permissions, as under the program's.
  ignore: !onLinux || !hasPython,
  fn: () =>
    withTempDir(async (dir) => {
      const path = join(dir, LOCK_FILE);
      const python = new Deno.Command("python3", {
        args: [
          "-c",
          "import fcntl, sys\n" +
          `f = open(${JSON.stringify(path)}, 'w')\n` +
          "fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\n" +
          "print('held', flush=True)\n" +
          "sys.stdin.read()\n",
        ],
        stdin: "piped",
        stdout: "piped",
      }).spawn();
      try {
        await waitForLine(python.stdout, "held");
        // In a process of its own, as a run is (see lock_child.ts).
        const child = await new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            `--allow-read=${dir}`,
            `--allow-write=${dir}`,
            "--allow-sys=hostname",
            new URL("./lock_child.ts", import.meta.url).pathname,
            dir,
          ],
          stdout: "piped",
          stderr: "piped",
        }).output();
        const dec = new TextDecoder();
        assert.ok(child.success, dec.decode(child.stderr));
        assert.deepEqual(JSON.parse(dec.decode(child.stdout)), {
          acquired: false,
          program: "gphotos-sync",
        });
      } finally {
        await python.stdin.close();
        await python.status;
      }
      held(await acquireLock(dir, { heartbeatMs: 0 })).release();
    }),
});

Deno.test("the holder's heartbeat keeps updatedAt current", () =>
  withTempDir(async (dir) => {
    let clock = new Date("2025-06-01T12:00:00Z");
    const lock = held(
      await acquireLock(dir, { heartbeatMs: 10, now: () => clock }),
    );
    try {
      clock = new Date("2025-06-01T12:05:00Z");
      const deadline = Date.now() + 2000;
      let info: LockInfo | undefined;
      while (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 15));
        info = JSON.parse(await Deno.readTextFile(join(dir, LOCK_FILE)));
        if (info?.updatedAt === clock.toISOString()) break;
      }
      assert.equal(info?.updatedAt, "2025-06-01T12:05:00.000Z");
      assert.equal(info?.startedAt, "2025-06-01T12:00:00.000Z");
    } finally {
      lock.release();
    }
  }));

Deno.test("release leaves alone a lock file that is no longer its own", () =>
  withTempDir(async (dir) => {
    const lock = held(await acquireLock(dir, { heartbeatMs: 0 }));
    const path = join(dir, LOCK_FILE);
    await Deno.remove(path);
    await Deno.writeTextFile(path, "someone else's");
    lock.release();
    assert.equal(await Deno.readTextFile(path), "someone else's");
  }));
