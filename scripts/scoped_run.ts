// `deno task sync ARGS`: works out the least permissions for ARGS (network
// to Google's hosts, files under the folders named) and runs the program
// under exactly those, passing on signals and the exit code.
//
// `deno task` runs in the folder of deno.json; the user's own folder is in
// INIT_CWD, so relative paths are resolved there and the program runs there.
// The program is started with the Deno running this script, not whatever
// `deno` PATH holds (cron's PATH often holds none).

import { parseArgs } from "../src/cli/args.ts";
import {
  logFilePath,
  permissionFlags,
  realInputs,
  RUNTIME_FLAGS,
} from "../src/cli/permissions.ts";

/** The command line the program is started with, from the task's ARGS. */
export function launchArgs(
  args: string[],
  cwd: string,
  env: (name: string) => string | undefined,
  now: Date = new Date(),
): string[] {
  const inputs = realInputs(env);
  let flags: string[] = [];
  let programArgs = args;
  try {
    const options = parseArgs(args, { cwd, ...inputs });
    if ("root" in options) {
      // A --logfile folder gets a file named by the time: name it once, here,
      // so that the grant and the file the program opens are the same.
      const logfile = logFilePath(options.logfile, now, isDirectory);
      if (logfile !== options.logfile) {
        programArgs = [...args, "--logfile", logfile];
      }
      flags = permissionFlags(options, inputs, logfile);
    }
  } catch {
    // A bad command line: run with no permissions, the program explains it.
  }
  return [
    "run",
    "--no-prompt",
    "--config",
    CONFIG,
    ...RUNTIME_FLAGS,
    ...flags,
    MAIN,
    ...programArgs,
  ];
}

const MAIN = new URL("../src/main.ts", import.meta.url).pathname;
const CONFIG = new URL("../deno.json", import.meta.url).pathname;

function isDirectory(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

function signalNumber(sig: Deno.Signal): number {
  return sig === "SIGINT" ? 2 : sig === "SIGTERM" ? 15 : 1;
}

if (import.meta.main) {
  const cwd = Deno.env.get("INIT_CWD") || Deno.cwd();
  const child = new Deno.Command(Deno.execPath(), {
    args: launchArgs(Deno.args, cwd, (n) => Deno.env.get(n)),
    cwd,
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
}
