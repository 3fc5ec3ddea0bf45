// `gphotos-sync takeout ROOT ARCHIVE...` (or `--from DIR`): the parts of one
// export, ranked by their number, planned and imported into the backup
// (src/takeout/), or only planned with --dry-run; the report written beside
// the index.

import type { TakeoutOptions } from "../options.ts";
import type { CommandResult, RunContext } from "../backup/context.ts";
import { withBackup } from "../backup/session.ts";
import { ArchiveSet } from "../archive/archive_set.ts";
import { dryRun } from "../takeout/dry_run.ts";
import { importParts, partNumber } from "../takeout/import.ts";
import { writeReport } from "../takeout/import_report.ts";
import { runTakeoutInbox } from "../takeout/inbox_import.ts";
import { setOfParts } from "../takeout/set.ts";

export async function runTakeout(
  options: TakeoutOptions,
  ctx: RunContext,
): Promise<CommandResult> {
  if (options.from !== undefined) return await runTakeoutInbox(options, ctx);
  const setName = setOfParts(options.archives);
  // The parts of one export are ranked by their number, as given or not.
  const paths = setName === undefined
    ? options.archives
    : [...options.archives].sort((a, b) => partNumber(a) - partNumber(b));
  const set = await ArchiveSet.open(paths);
  try {
    if (options.dryRun) return await dryRun(options, set, ctx);
    // The lock, the temp sweep, the filesystem probe and the index, as
    // sync and pick have them.
    return await withBackup<CommandResult>(
      options,
      ctx,
      { busy: { failed: 0 } },
      async ({ db, profile }) => {
        const imported = await importParts({
          options,
          set,
          setName,
          db,
          profile,
          ctx,
        });
        const reportPath = await writeReport(options.root, imported.report);
        return {
          failed: imported.failed,
          summary: `${imported.summary} Report: ${reportPath}`,
          notes: imported.problems,
          report: () => imported.report,
        };
      },
    );
  } finally {
    await set.close();
  }
}
