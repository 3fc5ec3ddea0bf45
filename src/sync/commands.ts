// Dispatch from the parsed options to each command's core.

import type { Options } from "../cli/args.ts";
import { ExitCode } from "../errors.ts";
import type { RunContext } from "./context.ts";
import { openGoogleSession } from "./google_session.ts";
import { runPick } from "./pick_run.ts";
import { runStatus } from "./status.ts";
import { runSync } from "./sync_run.ts";
import { runTakeout } from "./takeout_run.ts";
import { runTakeoutInbox } from "./takeout_inbox.ts";
import { tokenFilePath } from "../google/token_store.ts";

export async function runCommand(
  options: Options,
  ctx: RunContext,
): Promise<number> {
  switch (options.command) {
    case "sync":
      return await runSync(options, ctx);
    case "status":
      return runStatus(options, ctx);
    case "login": {
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
    case "takeout":
      return options.from !== undefined
        ? await runTakeoutInbox(options, ctx)
        : await runTakeout(options, ctx);
    case "pick":
      return await runPick(options, ctx);
  }
}
