// Dispatch from the parsed options to each command's core. Each command's
// modules are loaded when it runs: a sync does not hold the code of the
// Takeout reader or the Picker in memory, nor an import that of the sync.

import type { Options } from "../cli/args.ts";
import { ExitCode } from "../errors.ts";
import type { RunContext } from "./context.ts";

export async function runCommand(
  options: Options,
  ctx: RunContext,
): Promise<number> {
  switch (options.command) {
    case "sync": {
      const { runSync } = await import("./sync_run.ts");
      return await runSync(options, ctx);
    }
    case "status": {
      const { runStatus } = await import("./status.ts");
      return await runStatus(options, ctx);
    }
    case "login": {
      const { openGoogleSession } = await import("./google_session.ts");
      const { tokenFilePath } = await import("../google/token_store.ts");
      await Deno.mkdir(options.dbPath, { recursive: true });
      // login is the one command that always waits for the browser.
      const session = await openGoogleSession(
        { ...options, quiet: false },
        ctx,
        "any",
      );
      await session.auth.login(ctx.signal);
      ctx.tell(
        `Signed in. The token is saved in ${tokenFilePath(options.dbPath)}.`,
      );
      return ExitCode.ok;
    }
    case "takeout": {
      const { runTakeout } = await import("./takeout_run.ts");
      return await runTakeout(options, ctx);
    }
    case "pick": {
      const { runPick } = await import("./pick_run.ts");
      return await runPick(options, ctx);
    }
  }
}
