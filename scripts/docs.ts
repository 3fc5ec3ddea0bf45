// deno-lint-ignore-file no-console -- a build script talks to its user on stderr
// `deno task docs`: writes the parts of README.md that are generated from
// the program — the flag tables (from src/cli/flags.ts) and the output of
// `gphotos-sync --help` — between their markers, then formats the file.
// tests/docs/readme_test.ts fails when README.md and the program disagree.

import { COMMANDS } from "../src/cli/command_line.ts";
import {
  FLAG_GROUPS,
  type FlagGroup,
  FLAGS,
  type FlagSpec,
} from "../src/cli/flags.ts";
import { helpText } from "../src/cli/help.ts";

export const README = new URL("../README.md", import.meta.url);

/** A generated region: `<!-- NAME:start -->` ... `<!-- NAME:end -->`. */
export interface Region {
  name: string;
  text: string;
}

/** The README text between a region's markers, or undefined without them. */
export function regionOf(readme: string, name: string): string | undefined {
  const start = `<!-- ${name}:start -->\n`;
  const end = `<!-- ${name}:end -->`;
  const a = readme.indexOf(start);
  const b = readme.indexOf(end);
  if (a === -1 || b === -1 || b < a) return undefined;
  return readme.slice(a + start.length, b);
}

/** `readme` with each region's text put between its markers. */
export function withRegions(readme: string, regions: Region[]): string {
  let out = readme;
  for (const { name, text } of regions) {
    const old = regionOf(out, name);
    if (old === undefined) {
      throw new Error(
        `README.md has no <!-- ${name}:start --> ... <!-- ${name}:end --> markers.`,
      );
    }
    const start = `<!-- ${name}:start -->\n`;
    out = out.replace(start + old, start + text);
  }
  return out;
}

/** The cells of one flag's row: flag, commands, what it does, example. */
export function flagCells(f: FlagSpec): string[] {
  const name = (f.short ? `-${f.short}, ` : "") + `--${f.name}` +
    (f.arg ? ` ${f.arg}` : "");
  // In COMMANDS order, whatever order the definition lists them in.
  const commands = COMMANDS.filter((c) => f.commands.includes(c)).join(", ");
  return [
    code(name),
    commands,
    escapeCell(f.help),
    f.example ? code(f.example) : "",
  ];
}

/** The flag tables, one per section of the help, as Markdown. */
export function flagTables(): string {
  const parts: string[] = [];
  for (const group of Object.keys(FLAG_GROUPS) as FlagGroup[]) {
    const flags = FLAGS.filter((f) => f.group === group);
    if (flags.length === 0) continue;
    parts.push(
      `**${FLAG_GROUPS[group]}**\n`,
      table(
        ["flag", "commands", "what it does", "example"],
        flags.map(flagCells),
      ),
    );
  }
  return parts.join("\n");
}

/** `gphotos-sync --help`, as a README code block. */
export function helpBlock(): string {
  return "```text\n$ gphotos-sync --help\n" + helpText(undefined) +
    "\n```\n";
}

export function regions(): Region[] {
  return [
    { name: "flags", text: flagTables() },
    { name: "help", text: helpBlock() },
  ];
}

function code(text: string): string {
  // A backtick inside would end the code span; none of ours has one.
  return "`" + text.replaceAll("|", "\\|") + "`";
}

/** Text for a table cell: pipes escaped, <ROOT> not taken for HTML. */
function escapeCell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("<", "&lt;").replaceAll(
    ">",
    "&gt;",
  );
}

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join(
    "\n",
  ) + "\n";
}

if (import.meta.main) {
  const before = await Deno.readTextFile(README);
  await Deno.writeTextFile(README, withRegions(before, regions()));
  // deno fmt aligns the tables; the test compares cells, not padding.
  const fmt = await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--quiet", README.pathname],
  }).output();
  if (fmt.code !== 0) {
    console.error("deno fmt README.md failed");
    Deno.exit(1);
  }
  const after = await Deno.readTextFile(README);
  console.error(
    after === before ? "README.md was up to date" : "updated README.md",
  );
}
