import { assert, assertEquals } from "../assert.ts";
import { launchArgs } from "../../scripts/scoped_run.ts";
import {
  RUNTIME_FLAGS,
  TAKEOUT_RUNTIME_FLAGS,
} from "../../src/cli/permissions.ts";

/** The runtime flags in a launch line: what stands before --allow-*. */
function v8Flags(args: string[]): string[] {
  return args.filter((a) => a.startsWith("--v8-flags="));
}

Deno.test("the launcher runs a Takeout import with V8's optimizing compilers, every other command with the small host's flags", async () => {
  const dir = await Deno.makeTempDir({ prefix: "scoped-run-" });
  try {
    const env = (_: string) => undefined;
    const takeout = launchArgs(
      ["takeout", `${dir}/GP`, `${dir}/takeout-001.zip`],
      dir,
      env,
    );
    assertEquals(v8Flags(takeout), v8Flags([...TAKEOUT_RUNTIME_FLAGS]));
    assert(!takeout.some((a) => a.includes("--no-opt")));
    for (const args of [[`${dir}/GP`], ["status", `${dir}/GP`]]) {
      const line = launchArgs(args, dir, env);
      assertEquals(v8Flags(line), v8Flags([...RUNTIME_FLAGS]), args[0]);
      assert(line.includes("--unstable-worker-options"));
    }
    // A command line that does not parse: the program explains it, under
    // the small host's flags and no permissions.
    const bad = launchArgs(["takeout"], dir, env);
    assertEquals(v8Flags(bad), v8Flags([...RUNTIME_FLAGS]));
    assert(!bad.some((a) => a.startsWith("--allow-")));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
