// `deno task sync ARGS`: works out the least permissions for ARGS (network
// to Google's hosts, files under the folders named) and runs the program
// under exactly those, passing on signals and the exit code.

import { parseArgs } from "../src/cli/args.ts";
import { permissionFlags, RUNTIME_FLAGS } from "../src/cli/permissions.ts";

const args = Deno.args;
const io = {
  cwd: Deno.cwd(),
  env: (name: string) => Deno.env.get(name),
  readTextFile: (path: string) => Deno.readTextFileSync(path),
};
let flags: string[] = [];
try {
  const options = parseArgs(args, io);
  if ("root" in options) flags = permissionFlags(options, io);
} catch {
  // A bad command line: run with no permissions, the program explains it.
}
const main = new URL("../src/main.ts", import.meta.url).pathname;
const child = new Deno.Command("deno", {
  args: ["run", "--no-prompt", ...RUNTIME_FLAGS, ...flags, main, ...args],
  stdin: "inherit",
  stdout: "inherit",
  stderr: "inherit",
}).spawn();
// Ctrl-C reaches the whole process group, the program included: the
// launcher only has to outlive it. SIGTERM (kill, systemd) is passed on.
Deno.addSignalListener("SIGINT", () => {});
Deno.addSignalListener("SIGTERM", () => {
  try {
    child.kill("SIGTERM");
  } catch {
    // Already gone.
  }
});
const status = await child.status;
Deno.exit(status.signal ? 128 + signalNumber(status.signal) : status.code);

function signalNumber(sig: Deno.Signal): number {
  return sig === "SIGINT" ? 2 : sig === "SIGTERM" ? 15 : 1;
}
