// deno-lint-ignore-file no-console -- a build script talks to its user on stderr
// `deno task compile [TARGET...]`: builds the single binary into dist/ with
// the permission set of src/cli/permissions.ts baked in. TARGET is one of
// Deno's target triples; none means this machine's. `deno compile` needs
// Deno's runtime for the target (denort), which it downloads; where that is
// impossible, set DENORT_BIN to a local copy of denort for the target.

import {
  binaryPermissionFlags,
  RUNTIME_FLAGS,
} from "../src/cli/permissions.ts";
import { checkRuntime } from "./denort.ts";

export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
] as const;

const MAIN = new URL("../src/main.ts", import.meta.url).pathname;

/** The deno arguments that build `output` for `target` (this machine's when undefined). */
export function compileArgs(target: string | undefined, output: string) {
  return [
    "compile",
    "--no-prompt",
    ...RUNTIME_FLAGS,
    ...binaryPermissionFlags(),
    ...(target ? ["--target", target] : []),
    "--output",
    output,
    MAIN,
  ];
}

/** Builds one binary; throws an Error whose message says what to do. */
export async function compileTarget(
  target: string | undefined,
  output: string,
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
): Promise<void> {
  const denort = env("DENORT_BIN");
  if (denort) {
    try {
      if (!Deno.statSync(denort).isFile) throw new Error("not a file");
    } catch {
      throw new Error(
        `DENORT_BIN=${denort} is not a file. Point it at the denort binary of ${
          target ?? "this machine"
        } (denort-<target>.zip on Deno's release page).`,
      );
    }
    // deno compile would bake in whatever runtime it is given.
    await checkRuntime(denort, target);
  }
  const out = await new Deno.Command("deno", {
    args: compileArgs(target, output),
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (out.code === 0) return;
  const err = new TextDecoder().decode(out.stderr).trim();
  const noRuntime = /denort|download|error sending request|lookup address|dns/i
    .test(err);
  throw new Error(
    noRuntime
      ? `Cannot get Deno's compile runtime (denort) for ${
        target ?? "this machine"
      }: this machine cannot download it. On a machine with internet, download denort for that target and run again with DENORT_BIN=/path/to/denort.\n${
        err.split("\n").slice(-3).join("\n")
      }`
      : `deno compile failed for ${target ?? "this machine"}:\n${err}`,
  );
}

if (import.meta.main) {
  const targets = Deno.args.length > 0 ? Deno.args : [undefined];
  for (const t of targets) {
    if (t !== undefined && !(TARGETS as readonly string[]).includes(t)) {
      console.error(`Unknown target "${t}". Known: ${TARGETS.join(", ")}`);
      Deno.exit(2);
    }
  }
  let failed = false;
  for (const target of targets) {
    const output = `dist/${target ? `gphotos-sync-${target}` : "gphotos-sync"}`;
    try {
      await compileTarget(target, output);
      console.error(`built ${output}`);
    } catch (e) {
      failed = true;
      console.error((e as Error).message);
    }
  }
  Deno.exit(failed ? 1 : 0);
}
