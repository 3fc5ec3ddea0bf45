// Entry point: argv -> exit code, the only Deno.exit. Run as a program, this
// is the supervisor: it starts itself again as the sandboxed worker
// (src/cli/sandbox.ts), where main() (src/program.ts) does the work under
// the least permissions the command line needs.
//
// The supervisor imports only what it needs to compute those permissions:
// the program is loaded where it runs, in the worker. Each isolate keeps
// the code it loaded for the whole run, and the supervisor outlives the
// worker (about 10 MB of a sync's peak memory when it loaded it all too).

import { parseArgs } from "./cli/args.ts";
import {
  linkScope,
  logFilePath,
  needsSymlinks,
  realInputs,
  sandboxGrants,
} from "./cli/permissions.ts";
import { inWorker, runSandboxed, serveWorker } from "./cli/sandbox.ts";
import { InterruptedError } from "./errors.ts";

/**
 * The supervisor: a command line that names a run goes to the sandboxed
 * worker; help, version and usage errors are answered here (they touch
 * nothing).
 */
async function supervise(argv: string[]): Promise<number> {
  const cwd = Deno.cwd();
  const isTty = Deno.stderr.isTerminal();
  const inputs = realInputs((name) => {
    try {
      return Deno.env.get(name);
    } catch {
      return undefined;
    }
  });
  let options;
  try {
    options = parseArgs(argv, { cwd, ...inputs });
  } catch {
    options = undefined;
  }
  if (!options || !("root" in options)) {
    const { main, realDeps } = await import("./program.ts");
    return await main(argv, realDeps(cwd, isTty, new AbortController().signal));
  }
  const logfile = logFilePath(options.logfile, new Date(), isDir);
  const links = needsSymlinks(options);
  return await runSandboxed({
    module: new URL(import.meta.url),
    grants: sandboxGrants(options, inputs, logfile),
    scope: links ? linkScope(options, inputs) : undefined,
    start: { argv, cwd, isTty, logfile },
    stderr: (t) => writeAll(Deno.stderr, new TextEncoder().encode(t)),
  });
}

function isDir(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

function writeAll(w: { writeSync(p: Uint8Array): number }, bytes: Uint8Array) {
  let off = 0;
  while (off < bytes.length) off += w.writeSync(bytes.subarray(off));
}

if (import.meta.main) {
  if (inWorker()) {
    // Loaded before the worker says it is ready: until then the supervisor
    // keeps its read access, which Deno also loads the worker's modules with.
    const { main, realDeps } = await import("./program.ts");
    serveWorker(
      (start, signal) =>
        main(
          start.argv,
          realDeps(start.cwd, start.isTty, signal, start.logfile),
        ),
      () => new InterruptedError(),
    );
  } else {
    Deno.exit(await supervise(Deno.args));
  }
}
