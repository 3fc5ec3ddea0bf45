// `gphotos-sync login ROOT`: sign in to Google and store the token, nothing
// else (on a machine with a browser, before the first scheduled run).

import type { LoginOptions } from "../options.ts";
import type { CommandResult } from "../backup/context.ts";
import type { RunContext } from "../backup/context.ts";
import { tokenFilePath } from "../google/token_store.ts";
import { openGoogleSession } from "./google_session.ts";

export async function runLogin(
  options: LoginOptions,
  ctx: RunContext,
): Promise<CommandResult> {
  await Deno.mkdir(options.dbPath, { recursive: true });
  // login is the one command that always waits for the browser.
  const session = await openGoogleSession(
    { ...options, quiet: false },
    ctx,
    "any",
  );
  await session.auth.login(ctx.signal);
  return {
    failed: 0,
    summary: `Signed in. The token is saved in ${
      tokenFilePath(options.dbPath)
    }.`,
  };
}
