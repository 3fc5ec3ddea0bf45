import { join } from "node:path";
import { assert, assertEquals, assertMatch, assertRejects } from "../assert.ts";
import { artifactName, release } from "../../scripts/release.ts";
import { compileArgs, compileTarget } from "../../scripts/compile.ts";
import {
  binaryPermissionFlags,
  RUNTIME_FLAGS,
} from "../../src/cli/permissions.ts";

Deno.test("release names each binary by version and target and writes SHA256SUMS", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const built: string[] = [];
    const list = await release(
      ["x86_64-unknown-linux-gnu", "x86_64-pc-windows-msvc"],
      dir,
      async (target, output) => {
        built.push(target);
        await Deno.writeTextFile(output, `binary for ${target}`);
      },
      "1.2.3",
    );
    assertEquals(list.map((a) => a.name), [
      "gphotos-sync-1.2.3-x86_64-unknown-linux-gnu",
      "gphotos-sync-1.2.3-x86_64-pc-windows-msvc.exe",
    ]);
    const sums = await Deno.readTextFile(join(dir, "SHA256SUMS"));
    assertMatch(
      sums,
      /^[0-9a-f]{64} {2}gphotos-sync-1\.2\.3-x86_64-unknown-linux-gnu\n/,
    );
    // sha256sum -c accepts the file when it is installed.
    const check = await new Deno.Command("sha256sum", {
      args: ["-c", "SHA256SUMS"],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    })
      .output().catch(() => undefined);
    if (check) {
      assertEquals(check.code, 0, new TextDecoder().decode(check.stderr));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a missing compile runtime is a clear error, not a stack trace", async () => {
  const err = await assertRejects(
    () =>
      compileTarget(
        undefined,
        "dist/never",
        (n) => n === "DENORT_BIN" ? "/nonexistent/denort" : undefined,
      ),
    Error,
  );
  assertMatch(err.message, /DENORT_BIN=\/nonexistent\/denort is not a file/);
});

Deno.test("the compile command bakes in exactly the binary permission set", () => {
  const args = compileArgs("aarch64-unknown-linux-gnu", "dist/x");
  for (const flag of binaryPermissionFlags()) assert(args.includes(flag), flag);
  for (const flag of RUNTIME_FLAGS) assert(args.includes(flag), flag);
  assert(!args.includes("--allow-all") && !args.includes("-A"));
  assertEquals(
    args.slice(args.indexOf("--target"), args.indexOf("--target") + 2),
    ["--target", "aarch64-unknown-linux-gnu"],
  );
  assertEquals(
    artifactName("0.1.0", "aarch64-apple-darwin"),
    "gphotos-sync-0.1.0-aarch64-apple-darwin",
  );
});
