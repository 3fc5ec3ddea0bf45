// The one place that turns what a command's run came to (CommandResult,
// src/backup/context.ts) into output and an exit code: result lines on
// stdout (without --json), the person's summary and notes on stderr, and
// with --json the fields of the run's last object. A run that ends has failed items or
// not (exit 3 or 0); every other exit is an error thrown on the way
// (src/errors.ts names their codes, src/program.ts reports them).

import { endedCode, type ExitCode } from "../errors.ts";
import type { CommandResult, RunContext } from "../backup/context.ts";

/** The exit code of a run that ended. */
export function exitCodeOf(result: CommandResult): ExitCode {
  return endedCode(result.failed);
}

/** Says what the run came to; returns its exit code. */
export function finish(
  result: CommandResult,
  json: boolean,
  ctx: RunContext,
): ExitCode {
  const code = exitCodeOf(result);
  if (!json) { for (const line of result.lines ?? []) ctx.print(line); }
  if (result.summary !== undefined) ctx.tell(result.summary);
  for (const note of result.notes ?? []) ctx.tell(note);
  if (json && result.report) {
    ctx.result(result.report(code), result.message ?? result.summary);
  }
  return code;
}
