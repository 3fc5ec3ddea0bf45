// Least privilege, as users start the program: the compiled binary's baked
// set (under `deno run` with exactly those flags, since `deno compile`
// needs Deno's runtime download), whose worker still holds only the run's
// grants, health-check host included; and `deno task sync` started from
// another folder with a bare PATH. Command-by-command grants are in
// tests/reliability/least_privilege_test.ts.

import { join } from "node:path";
import { assert, assertEquals } from "../assert.ts";
import { parseArgs } from "../../src/cli/args.ts";
import {
  binaryPermissionFlags,
  permissionFlags,
  RUNTIME_FLAGS,
  sandboxGrants,
} from "../../src/cli/permissions.ts";
import { backup, listFiles, MAIN } from "./harness.ts";

const PROBE = new URL(
  "../reliability/fixtures/sandbox_probe.ts",
  import.meta.url,
).pathname;
const REPO = new URL("../../", import.meta.url).pathname;

async function runWith(
  flags: string[],
  script: string,
  args: string[],
  env: Record<string, string>,
) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", ...RUNTIME_FLAGS, ...flags, script, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
  };
}

const PING_SERVER =
  new URL("./fixtures/ping_server.ts", import.meta.url).pathname;

/**
 * A health-check endpoint on 127.0.0.2, a host of its own (neither
 * Google's nor the test server's), recording the pings it gets.
 */
async function pingServer() {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net=127.0.0.2", PING_SERVER],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).pipeThrough(
    new TransformStream<string, string>(
      {
        buffered: "",
        transform(chunk, controller) {
          const parts = (this.buffered + chunk).split("\n");
          this.buffered = parts.pop()!;
          for (const p of parts) controller.enqueue(p);
        },
      } as Transformer<string, string> & { buffered: string },
    ),
  ).getReader();
  const port = Number((await lines.read()).value);
  const pings: string[] = [];
  const reading = (async () => {
    for (let r = await lines.read(); !r.done; r = await lines.read()) {
      pings.push(r.value);
    }
  })();
  return {
    pings,
    url: `http://127.0.0.2:${port}/ping/abc`,
    /** Waits until `n` pings came (they are read as they are printed). */
    async settle(n: number) {
      for (let i = 0; i < 100 && pings.length < n; i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async [Symbol.asyncDispose]() {
      await child.stdin.close();
      await reading;
      await child.status;
    },
  };
}

Deno.test("the binary's baked set pings --healthcheck-url, and its worker reaches no other host", async () => {
  await using b = await backup((lib) => lib.generate(5));
  await using hc = await pingServer();
  await b.signIn();
  const flags = binaryPermissionFlags();
  // Hosts and folders are known only at run time: the baked set is broad.
  assert(flags.includes("--allow-net"));
  const args = [b.root, "--secret", b.secret, "--healthcheck-url", hc.url];
  const r = await runWith(flags, MAIN, args, b.env());
  assertEquals(r.code, 0, r.stderr);
  assertEquals((await listFiles(b.path("photos"))).length, 5);
  await hc.settle(2);
  assertEquals(hc.pings, ["/ping/abc/start", "/ping/abc"]);

  // The worker holds the run's grants: the ping host, not another one.
  const probe = await runWith(flags, PROBE, [
    join(b.dir, "outside.txt"),
    "127.0.0.3:4321",
    "GPHOTOS_TEST_SECRET",
    "--",
    ...args,
  ], { ...b.env(), GPHOTOS_TEST_SECRET: "x" });
  assertEquals(probe.code, 0, probe.stderr);
  const [worker, supervisor] = probe.stdout.trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  assertEquals(worker.worker, {
    write: "NotCapable",
    read: "NotCapable",
    net: "NotCapable",
    listen: "NotCapable",
    env: "NotCapable",
    run: "NotCapable",
    sys: "NotCapable",
    linkOut: "NotCapable",
    linkIn: "allowed",
  });
  // The supervisor gave up the network, the environment and sys; it keeps
  // files, for the album links it makes after its check.
  assertEquals(supervisor.supervisor, {
    write: "allowed",
    read: "allowed",
    net: "NotCapable",
    listen: "NotCapable",
    env: "NotCapable",
    run: "NotCapable",
    sys: "NotCapable",
    writeBesideRoot: "allowed",
  });
});

Deno.test("the task's process keeps unscoped files only for symbolic links; the worker is always scoped", () => {
  const io = {
    cwd: "/w",
    env: (_: string) => undefined,
    readTextFile: (_: string): string => {
      throw new Error("none");
    },
  };
  const of = (argv: string[]) => {
    const o = parseArgs(argv, io);
    assert("root" in o);
    return { flags: permissionFlags(o, io), grants: sandboxGrants(o, io) };
  };
  const scoped = (flags: string[]) =>
    flags.filter((f) => /^--allow-(read|write)=/.test(f)).length === 2;
  assert(!scoped(of(["r"]).flags), "album symlinks are made by the process");
  assert(!scoped(of(["r", "--compare-folder", "c", "--skip-albums"]).flags));
  assert(scoped(of(["r", "--skip-albums"]).flags));
  assert(scoped(of(["r", "--use-hardlinks"]).flags));
  assert(scoped(of(["status", "r"]).flags));
  assert(scoped(of(["login", "r"]).flags));
  for (
    const argv of [["r"], ["r", "--compare-folder", "c"], ["takeout", "r", "p"]]
  ) {
    const g = of(argv).grants;
    assert(g.write.every((p) => p.startsWith("/w/r")), g.write.join(","));
    assert(g.read.length > 0 && !g.read.includes("/"), g.read.join(","));
  }
  // Network stays scoped whatever the file grants.
  for (const f of of(["r"]).flags) {
    if (f.startsWith("--allow-net")) assert(f.includes("="));
  }
});

Deno.test("deno task sync from another folder, with a bare PATH: relative paths are the user's, the running Deno is used", async () => {
  await using b = await backup((lib) => lib.generate(3));
  await b.signIn();
  // The user's folder: the backup's parent; ROOT, --secret and --logfile
  // given relative to it.
  const home = Deno.env.get("HOME") ?? "/root";
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "task",
      "--quiet",
      "--config",
      join(REPO, "deno.json"),
      "sync",
      "backup",
      "--secret",
      "client_secret.json",
      "--logfile",
      "logs/run.log",
      "--use-hardlinks",
    ],
    cwd: b.dir,
    clearEnv: true,
    // No deno on PATH at all, as under cron with Deno in ~/.deno/bin.
    env: { ...b.env(), PATH: "/nonexistent", HOME: home },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, stderr);
  assertEquals((await listFiles(b.path("photos"))).length, 3);
  assert((await Deno.stat(join(b.dir, "logs", "run.log"))).isFile);
  // Nothing landed in the checkout.
  for (const name of ["backup", "logs"]) {
    await Deno.stat(join(REPO, name)).then(
      () => assert(false, `${name} was made in the checkout`),
      () => {},
    );
  }
});
