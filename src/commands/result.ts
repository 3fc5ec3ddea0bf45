// What a command's run comes to, in one shape for every command, and the one
// place that turns it into output and an exit code: the person's summary
// line on stderr, result lines on stdout (without --json), and with --json
// the fields of the run's last object. A run that ends has failed items or
// not (exit 3 or 0); every other exit is an error thrown on the way
// (src/errors.ts names their codes, src/program.ts reports them).

import { ExitCode } from "../errors.ts";
import type { RunContext } from "../backup/context.ts";

export interface CommandResult {
  /** Items the run could not back up (exit 3 when there are any). */
  failed: number;
  /** Lines on stdout without --json (a table, a dry run's list). */
  lines?: readonly string[];
  /** The run's last line for the person, on stderr. */
  summary?: string;
  /** --json: the fields of the last object, given the run's exit code. */
  report?: (code: ExitCode) => object;
}

/** The exit code of a run that ended. */
export function exitCodeOf(result: CommandResult): ExitCode {
  return result.failed > 0 ? ExitCode.partial : ExitCode.ok;
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
  if (json && result.report) ctx.result(result.report(code), result.summary);
  return code;
}
