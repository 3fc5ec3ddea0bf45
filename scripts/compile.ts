// deno-lint-ignore-file no-console -- a build script talks to its user on stderr
// `deno task compile [TARGET...]`: builds the single binary into dist/ with
// the permission set of src/cli/permissions.ts baked in. TARGET is one of
// Deno's target triples; none means this machine's. `deno compile` needs
// Deno's runtime for the target (denort): set DENORT_BIN to a local copy
// where the download is not possible.

import { binaryPermissionFlags } from "../src/cli/permissions.ts";

const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
];

const targets = Deno.args.length > 0 ? Deno.args : [undefined];
for (const t of targets) {
  if (t !== undefined && !TARGETS.includes(t)) {
    console.error(`Unknown target "${t}". Known: ${TARGETS.join(", ")}`);
    Deno.exit(2);
  }
}
const main = new URL("../src/main.ts", import.meta.url).pathname;
let failed = false;
for (const target of targets) {
  const name = target ? `gphotos-sync-${target}` : "gphotos-sync";
  const args = [
    "compile",
    "--no-prompt",
    ...binaryPermissionFlags(),
    ...(target ? ["--target", target] : []),
    "--output",
    `dist/${name}`,
    main,
  ];
  console.error(`deno ${args.join(" ")}`);
  const out = await new Deno.Command("deno", { args, stderr: "piped" })
    .output();
  const err = new TextDecoder().decode(out.stderr);
  if (out.code !== 0) {
    failed = true;
    console.error(err.trim());
    if (/denort|download|dl\.deno\.land|error sending request/i.test(err)) {
      console.error(
        `Cannot get Deno's compile runtime for ${
          target ?? "this machine"
        }. Download denort for that target on a machine with internet and run again with DENORT_BIN=/path/to/denort.`,
      );
    }
  } else console.error(`built dist/${name}`);
}
Deno.exit(failed ? 1 : 0);
