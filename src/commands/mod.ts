// Dispatch from the parsed options to each command's core. Each command's
// modules are loaded when it runs: a sync does not hold the code of the
// Takeout reader or the Picker in memory, nor an import that of the sync.

import type { Options } from "../options.ts";
import type { RunContext } from "../backup/context.ts";
import { finish } from "./result.ts";

/**
 * What a command checks before anything is made (a mistyped Takeout part
 * is told before ROOT or its log exists), and whether its run writes a
 * log: a dry run writes nothing at all, and status only reads, so it must
 * not make a folder out of a mistyped ROOT.
 */
export async function beforeRun(
  options: Options,
): Promise<{ writesLog: boolean }> {
  switch (options.command) {
    case "takeout": {
      const { statPart } = await import("../archive/archive_set.ts");
      for (const part of options.archives) await statPart(part);
      return { writesLog: !options.dryRun };
    }
    case "status":
      return { writesLog: isDir(options.root) };
    default:
      return { writesLog: true };
  }
}

function isDir(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

/** Runs the command; says what it came to; its exit code. */
export async function runCommand(
  options: Options,
  ctx: RunContext,
): Promise<number> {
  switch (options.command) {
    case "sync": {
      const { runSync } = await import("./sync.ts");
      return finish(await runSync(options, ctx), options.json, ctx);
    }
    case "status": {
      const { runStatus } = await import("./status.ts");
      return finish(await runStatus(options, ctx), options.json, ctx);
    }
    case "login": {
      const { runLogin } = await import("./login.ts");
      return finish(await runLogin(options, ctx), options.json, ctx);
    }
    case "takeout": {
      const { runTakeout } = await import("./takeout.ts");
      return finish(await runTakeout(options, ctx), options.json, ctx);
    }
    case "pick": {
      const { runPick } = await import("./pick.ts");
      return finish(await runPick(options, ctx), options.json, ctx);
    }
  }
}
