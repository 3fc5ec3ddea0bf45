// Least privilege: the permission sets of `deno task sync` and of the
// compiled binary are enough for a whole sync, and refuse what is outside.

import { join } from "node:path";
import { assert, assertEquals } from "../assert.ts";
import { parseArgs } from "../../src/cli/args.ts";
import {
  binaryPermissionFlags,
  permissionFlags,
} from "../../src/cli/permissions.ts";
import { backup, listFiles, MAIN } from "./harness.ts";

const ESCAPE =
  new URL("./fixtures/escape_attempt.ts", import.meta.url).pathname;
const ROOT_DIR = new URL("../../", import.meta.url).pathname;

async function runWith(
  flags: string[],
  script: string,
  args: string[],
  env: Record<string, string>,
) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", ...flags, script, ...args],
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

Deno.test("the sync task's permission set runs a whole sync and refuses anything outside", async () => {
  await using b = await backup((lib) => lib.generate(12, { videoEvery: 4 }));
  await b.signIn();
  const env = b.env();
  // Hard links for albums: Deno allows symbolic links only with unscoped
  // file permissions (see the next test).
  const args = [b.root, "--secret", b.secret, "--use-hardlinks"];
  const options = parseArgs(args, {
    cwd: Deno.cwd(),
    env: (n) => env[n],
    readTextFile: (p) => Deno.readTextFileSync(p),
  });
  assert("root" in options);
  const flags = permissionFlags(options, {
    env: (n) => env[n],
    readTextFile: (p) => Deno.readTextFileSync(p),
  });
  // No blanket grants: every --allow-* names what it allows.
  for (const f of flags) assert(f.includes("="), `unscoped permission ${f}`);
  const r = await runWith(flags, MAIN, args, env);
  assertEquals(r.code, 0, r.stderr);
  assertEquals((await listFiles(b.path("photos"))).length, 12);

  const outside = join(b.dir, "outside.txt");
  const attempt = await runWith(
    flags,
    ESCAPE,
    [outside, "127.0.0.2:4321"],
    env,
  );
  assertEquals(JSON.parse(attempt.stdout), {
    write: "NotCapable",
    net: "NotCapable",
    read: "NotCapable",
  });
});

Deno.test("runs that make symbolic links get unscoped file access; others stay scoped", () => {
  const io = {
    cwd: "/w",
    env: (_: string) => undefined,
    readTextFile: (_: string): string => {
      throw new Error("none");
    },
  };
  const flagsOf = (argv: string[]) => {
    const o = parseArgs(argv, io);
    assert("root" in o);
    return permissionFlags(o, io);
  };
  const scoped = (flags: string[]) =>
    flags.filter((f) => /^--allow-(read|write)=/.test(f)).length === 2;
  assert(!scoped(flagsOf(["r"])), "album symlinks need unscoped grants");
  assert(!scoped(flagsOf(["r", "--compare-folder", "c", "--skip-albums"])));
  assert(scoped(flagsOf(["r", "--skip-albums"])));
  assert(scoped(flagsOf(["r", "--use-hardlinks"])));
  assert(scoped(flagsOf(["status", "r"])));
  assert(scoped(flagsOf(["login", "r"])));
  // Network stays scoped whatever the file grants.
  for (const f of flagsOf(["r"])) {
    if (f.startsWith("--allow-net")) assert(f.includes("="));
  }
});

Deno.test("deno task sync runs the program under the scoped set, end to end", async () => {
  await using b = await backup((lib) => lib.generate(5));
  await b.signIn();
  const config = JSON.parse(
    await Deno.readTextFile(join(ROOT_DIR, "deno.json")),
  );
  const command: string = config.tasks.sync.command;
  const words = command.split(/\s+/);
  assertEquals(words.slice(0, 2), ["deno", "run"]);
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...words.slice(1), b.root, "--secret", b.secret],
    cwd: ROOT_DIR,
    env: b.env(),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, stderr);
  assertEquals((await listFiles(b.path("photos"))).length, 5);
});

Deno.test("the compiled binary's permission set, under deno run, syncs and refuses other hosts", async () => {
  await using b = await backup((lib) => lib.generate(5));
  await b.signIn();
  const flags = binaryPermissionFlags();
  const r = await runWith(flags, MAIN, [b.root, "--secret", b.secret], b.env());
  assertEquals(r.code, 0, r.stderr);
  assertEquals((await listFiles(b.path("photos"))).length, 5);
  const attempt = await runWith(flags, ESCAPE, [
    join(b.dir, "x"),
    "example.org:4321",
  ], b.env());
  assertEquals(JSON.parse(attempt.stdout).net, "NotCapable");
});
