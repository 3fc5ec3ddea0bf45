// Help and version text: the overview (commands, exit codes) and each
// command's flags in sections, generated from the flag table so help, the
// parser and the README's table cannot disagree.

import { FLAG_GROUPS, type FlagGroup, FLAGS, type FlagSpec } from "./flags.ts";
import type { Command } from "../options.ts";

/** Kept equal to deno.json's "version" (tests/cli/help_test.ts checks). */
export const VERSION = "0.1.0";

/** Help lines are wrapped to fit an 80-column terminal. */
const WIDTH = 80;

const USAGE: Record<Command, string[]> = {
  sync: ["gphotos-sync [sync] [FLAGS] ROOT"],
  login: ["gphotos-sync login [FLAGS] ROOT"],
  pick: ["gphotos-sync pick [FLAGS] ROOT"],
  takeout: [
    "gphotos-sync takeout [FLAGS] ROOT ARCHIVE...",
    "gphotos-sync takeout [FLAGS] ROOT --from DIR",
  ],
  status: ["gphotos-sync status [FLAGS] ROOT"],
};

const SUMMARY: Record<Command, string> = {
  sync:
    "Index the library through the Library API, download new items into ROOT/photos/YYYY/MM and build album folders. The word sync may be left out, as with gphotos-sync.",
  login: "Sign in to Google and store the token, without syncing.",
  pick:
    "Open a Picker session, wait while you pick items on any device, and download them into the backup.",
  takeout:
    "Import Google Takeout archives (.zip, .tgz or unpacked folders) into the backup. With --from DIR, pick up the parts of scheduled exports as they arrive in DIR (each part once, an export's parts as one; parts still being copied wait for a later run).",
  status:
    "Show what the index holds: items by source and state, albums, last scan, failures, disk use.",
};

/** One line per command for the overview. */
const BRIEF: Record<Command, string> = {
  sync: "back up through the Library API (the word sync may be left out)",
  login: "sign in to Google and store the token, nothing else",
  pick: "choose items on a phone (Picker API) and download them",
  takeout: "import Google Takeout archives: the whole library",
  status: "what the index holds; --json for monitoring",
};

/** What each exit code means, for the overview and the --quiet paragraph. */
export const EXIT_CODES: readonly [number, string][] = [
  [
    0,
    "done, nothing failed (also: another run holds the lock, for less than --lock-limit; it says so)",
  ],
  [1, "failed: the message says what and what to do"],
  [2, "bad command line or config file"],
  [3, "done, but some items failed (gphotos.bad_ids.yaml and the log)"],
  [4, "a person must sign in again: run gphotos-sync login ROOT"],
  [130, "interrupted (Ctrl-C, SIGTERM): the next run carries on"],
];

/** The overview (no topic) or one command's usage and flags. */
export function helpText(topic: Command | undefined): string {
  return topic === undefined ? overview() : commandHelp(topic);
}

function overview(): string {
  const commands: [string, string][] = [
    ...Object.entries(BRIEF),
    ["help", "this overview; help COMMAND: the flags of COMMAND"],
    ["version", "the version (also --version)"],
  ];
  return [
    `gphotos-sync ${VERSION}: keep a complete local copy of a Google Photos library.`,
    "",
    "Usage:",
    ...Object.values(USAGE).flat().map((u) => `  ${u}`),
    "  gphotos-sync help [COMMAND]",
    "  gphotos-sync version",
    "",
    "Commands:",
    ...columns(commands, 2),
    "",
    ...wrap(
      'A ROOT folder named like a command is written as a path ("./help") or after the word sync ("gphotos-sync sync help").',
      0,
    ),
    "",
    "Exit codes:",
    ...columns(EXIT_CODES.map(([c, m]) => [String(c), m]), 2),
    "",
    ...wrap(
      'With --json every run ends with one JSON object on stdout holding "exitCode" and "message". ' +
        'Run "gphotos-sync help COMMAND" or "gphotos-sync COMMAND --help" for the flags of a command.',
      0,
    ),
  ].join("\n");
}

function commandHelp(command: Command): string {
  const [first, ...more] = USAGE[command];
  const lines = [
    `Usage: ${first}`,
    ...more.map((u) => `       ${u}`),
    "",
    ...wrap(SUMMARY[command], 0),
  ];
  const flags = FLAGS.filter((f) => f.commands.includes(command));
  for (const group of Object.keys(FLAG_GROUPS) as FlagGroup[]) {
    const rows = flags.filter((f) => f.group === group).map((
      f,
    ): [string, string] => [flagLabel(f), f.help]);
    if (rows.length === 0) continue;
    lines.push("", `${FLAG_GROUPS[group]}:`, ...columns(rows, 2, 31));
  }
  lines.push("", ...columns([["-h, --help", "show this help"]], 2, 31));
  return lines.join("\n");
}

/** "-c, --conf FILE" or "    --json": short names line up. */
export function flagLabel(f: FlagSpec): string {
  return (f.short ? `-${f.short}, ` : "    ") + `--${f.name}` +
    (f.arg ? ` ${f.arg}` : "");
}

/** Two columns; the second wrapped under itself. */
function columns(
  rows: readonly [string, string][],
  indent: number,
  minWidth = 0,
): string[] {
  const left = Math.max(minWidth, ...rows.map(([l]) => l.length)) + 2;
  const out: string[] = [];
  for (const [l, r] of rows) {
    const text = wrap(r, indent + left);
    // A label too long for its column gets the text on the next line.
    text[0] = " ".repeat(indent) + l.padEnd(left) + text[0].trimStart();
    out.push(...text);
  }
  return out;
}

/** Words of `text` in lines of at most WIDTH columns, each indented by `indent`. */
function wrap(text: string, indent: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && indent + line.length + 1 + word.length > WIDTH) {
      out.push(" ".repeat(indent) + line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  out.push(" ".repeat(indent) + line);
  return out;
}
