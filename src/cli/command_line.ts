// The words of a command line: the command (or `help`, `version`), the
// flags with their values by long name, and the positionals, before any
// value is checked; and what is said about a word that is no command.

import { UsageError } from "../errors.ts";
import type { Command } from "../options.ts";
import { flagByName, flagByShort, type FlagSpec } from "./flags.ts";
import { printable } from "./ini.ts";

export const COMMANDS: readonly Command[] = [
  "sync",
  "login",
  "pick",
  "takeout",
  "status",
];

/** Words answered without a backup: `help [COMMAND]` and `version`. */
export const INFO_WORDS = ["help", "version"] as const;
export type InfoWord = typeof INFO_WORDS[number];

export type FlagValue = string | boolean | number | string[];

export interface RawArgs {
  command: Command;
  /** The command word was on the command line (not implied, as sync is). */
  named: boolean;
  /** `help` or `version` came where a command word goes. */
  info: InfoWord | undefined;
  /** Values by long flag name. */
  values: Map<string, FlagValue>;
  positionals: string[];
  help: boolean;
  version: boolean;
}

/** Splits argv into the command, flag values and positionals. */
export function splitArgs(argv: readonly string[]): RawArgs {
  const values = new Map<string, FlagValue>();
  const positionals: string[] = [];
  let help = false;
  let version = false;
  let command: Command | undefined;
  let info: InfoWord | undefined;
  let i = 0;
  let onlyPositionals = false;
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (onlyPositionals || arg === "-" || !arg.startsWith("-")) {
      // Only the first word can be a command; "--" or "./" before a name
      // makes it a ROOT whatever it is called.
      const first = command === undefined && info === undefined &&
        positionals.length === 0 && !onlyPositionals;
      if (first && (COMMANDS as readonly string[]).includes(arg)) {
        command = arg as Command;
      } else if (first && (INFO_WORDS as readonly string[]).includes(arg)) {
        info = arg as InfoWord;
      } else positionals.push(arg);
      continue;
    }
    if (arg === "--") {
      onlyPositionals = true;
      continue;
    }
    if (arg === "--help" || arg === "-h") {
      help = true;
      continue;
    }
    if (arg === "--version" || arg === "-V") {
      version = true;
      continue;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      const spec = flagByName(name);
      if (!spec || name.includes("_")) {
        throw new UsageError(
          `Unknown flag --${printable(name)}. See "gphotos-sync --help".`,
        );
      }
      i = takeFlag(values, spec, eq === -1 ? undefined : arg.slice(eq + 1), {
        shown: `--${spec.name}`,
        argv,
        i,
      });
      continue;
    }
    const short = arg.slice(1, 2);
    const spec = flagByShort(short);
    if (!spec) {
      throw new UsageError(
        `Unknown flag ${printable(arg)}. See "gphotos-sync --help".`,
      );
    }
    i = takeFlag(values, spec, arg.length > 2 ? arg.slice(2) : undefined, {
      shown: `-${short}`,
      argv,
      i,
    });
  }
  return {
    command: command ?? "sync",
    named: command !== undefined,
    info,
    values,
    positionals,
    help,
    version,
  };
}

/**
 * Stores the value of the flag at argv[i]: `inline` (after `=`, or glued
 * to a short flag), else the next word. Returns the index of the last word
 * it used.
 */
function takeFlag(
  values: Map<string, FlagValue>,
  spec: FlagSpec,
  inline: string | undefined,
  at: { shown: string; argv: readonly string[]; i: number },
): number {
  const { shown, argv } = at;
  let i = at.i;
  if (spec.kind === "switch") {
    if (inline !== undefined) {
      values.set(spec.name, parseBool(inline, shown));
    } else values.set(spec.name, true);
    return i;
  }
  let value = inline;
  if (value === undefined) {
    if (i + 1 >= argv.length) {
      throw new UsageError(
        `${shown} needs a value (${spec.arg ?? "VALUE"}).`,
      );
    }
    value = argv[++i];
  }
  if (spec.kind === "list") {
    const list = (values.get(spec.name) as string[] | undefined) ?? [];
    list.push(value);
    values.set(spec.name, list);
  } else values.set(spec.name, value);
  return i;
}

/** A switch's value: true/yes/on/1 or false/no/off/0. */
export function parseBool(text: string, shown: string): boolean {
  const t = text.trim().toLowerCase();
  if (["true", "yes", "on", "1"].includes(t)) return true;
  if (["false", "no", "off", "0"].includes(t)) return false;
  throw new UsageError(
    `${shown} takes true or false, not "${printable(text)}".`,
  );
}

/** `help [COMMAND]`: the command asked about, or undefined for the overview. */
export function helpTopic(raw: RawArgs): Command | undefined {
  const [word, extra] = raw.positionals;
  if (extra !== undefined) {
    throw new UsageError(
      `Unexpected argument "${printable(extra)}": help takes one COMMAND.`,
    );
  }
  if (word === undefined || (INFO_WORDS as readonly string[]).includes(word)) {
    return undefined;
  }
  if (!(COMMANDS as readonly string[]).includes(word)) {
    throw unknownCommand(word);
  }
  return word as Command;
}

/** A word with a path separator or a leading dot names a folder, never a command. */
export function isPath(word: string): boolean {
  return /[\\/]/.test(word) || word.startsWith(".");
}

/** A first word that is no command, with the nearest one when there is one. */
export function unknownCommand(word: string): UsageError {
  const near = closestWord(word, [...COMMANDS, ...INFO_WORDS]);
  return new UsageError(
    `Unknown command '${printable(word)}'${
      near ? ` (did you mean ${near}?)` : ""
    }. Commands: ${
      [...COMMANDS, ...INFO_WORDS].join(", ")
    }. A ROOT folder of that name is written ./${printable(word)}.`,
  );
}

/** The word of `words` within two edits of `word` (the closest), if any. */
export function closestWord(
  word: string,
  words: readonly string[],
): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const w of words) {
    const d = editDistance(word.toLowerCase(), w);
    if (d < bestDistance) [best, bestDistance] = [w, d];
  }
  return best;
}

/** Levenshtein distance, with a swap of two neighbours counted as one edit. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from(
    { length: a.length + 1 },
    (_, i) => Array.from({ length: b.length + 1 }, (_, j) => i === 0 ? j : i),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(
        d[i - 1][j] + 1,
        d[i][j - 1] + 1,
        d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/**
 * Whether --json is on the command line, for a command line that cannot
 * be parsed: its error is then a JSON object too.
 */
export function wantsJson(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === "--") return false;
    if (arg === "--json") return true;
    if (arg.startsWith("--json=")) {
      return ["true", "yes", "on", "1"].includes(
        arg.slice(7).trim().toLowerCase(),
      );
    }
  }
  return false;
}
