// Help and version text, generated from the flag table.

import { FLAGS } from "./flags.ts";
import type { Command } from "./options.ts";

export const VERSION = "0.1.0";

const USAGE: Record<Command, string> = {
  sync: "gphotos-sync [sync] [FLAGS] ROOT",
  login: "gphotos-sync login [FLAGS] ROOT",
  pick: "gphotos-sync pick [FLAGS] ROOT",
  takeout: "gphotos-sync takeout [FLAGS] ROOT ARCHIVE...",
  status: "gphotos-sync status [FLAGS] ROOT",
};

const SUMMARY: Record<Command, string> = {
  sync:
    "Index the library through the Library API, download new items into ROOT/photos/YYYY/MM and build album folders.",
  login: "Sign in to Google and store the token, without syncing.",
  pick:
    "Open a Picker session, wait while you pick items on any device, and download them into the backup.",
  takeout:
    "Import Google Takeout archives (.zip, .tgz or unpacked folders) into the backup.",
  status:
    "Show what the index holds: items by source and state, albums, last scan, failures, disk use.",
};

export function helpText(command: Command | undefined): string {
  if (command === undefined) {
    return [
      `gphotos-sync ${VERSION}: keep a complete local copy of a Google Photos library.`,
      "",
      "Usage:",
      ...Object.values(USAGE).map((u) => `  ${u}`),
      "",
      "Commands:",
      ...(Object.keys(SUMMARY) as Command[]).map((c) =>
        `  ${c.padEnd(8)} ${SUMMARY[c]}`
      ),
      "",
      'Run "gphotos-sync COMMAND --help" for the flags of a command.',
      "",
      "Exit codes: 0 done, 1 failed, 2 bad command line or config,",
      "3 done but some items failed (see gphotos.bad_ids.yaml), 130 interrupted.",
    ].join("\n");
  }
  const lines = [
    `Usage: ${USAGE[command]}`,
    "",
    SUMMARY[command],
    "",
    "Flags:",
  ];
  for (const f of FLAGS) {
    if (!f.commands.includes(command)) continue;
    const name = (f.short ? `-${f.short}, ` : "    ") + `--${f.name}` +
      (f.arg ? ` ${f.arg}` : "");
    lines.push(`  ${name.padEnd(34)} ${f.help}`);
  }
  lines.push(`  ${"    --help".padEnd(34)} show this help`);
  return lines.join("\n");
}
