// argv + config file -> one validated Options value. Every way a command
// line can be wrong ends here as a UsageError (exit 2) naming the flag. The
// words are split in command_line.ts; the flag values become each command's
// typed options in command_options.ts.

import { resolve } from "../fs/path.ts";
import { UsageError } from "../errors.ts";
import { flagByName } from "./flags.ts";
import { parseIni, printable } from "./ini.ts";
import type { Command, Options } from "../options.ts";
import {
  helpTopic,
  isPath,
  parseBool,
  type RawArgs,
  splitArgs,
  unknownCommand,
} from "./command_line.ts";
import { type ArgsEnv, commandOptions, Reader } from "./command_options.ts";

export type { ArgsEnv } from "./command_options.ts";

/** What a command line asks for: a run, help (the overview or a command's), or the version. */
export type Parsed =
  | Options
  | { help: true; topic: Command | undefined }
  | { version: true };

/** Parses and validates the whole command line. */
export function parseArgs(argv: readonly string[], io: ArgsEnv): Parsed {
  const raw = splitArgs(argv);
  if (raw.info === "version" || (raw.version && raw.info === undefined)) {
    if (raw.positionals.length > 0) {
      throw new UsageError(
        `Unexpected argument "${
          printable(raw.positionals[0])
        }": version takes none.`,
      );
    }
    return { version: true };
  }
  if (raw.info === "help") return { help: true, topic: helpTopic(raw) };
  if (raw.help) {
    return { help: true, topic: raw.named ? raw.command : undefined };
  }
  if (!raw.named && raw.positionals.length > 1 && !isPath(raw.positionals[0])) {
    // `gphotos-sync tekeout a.zip`: a mistyped command, not a ROOT.
    throw unknownCommand(raw.positionals[0]);
  }
  for (const name of raw.values.keys()) {
    const spec = flagByName(name)!;
    if (!spec.commands.includes(raw.command)) {
      throw new UsageError(
        `--${name} does not apply to the ${raw.command} command. See "gphotos-sync ${raw.command} --help".`,
      );
    }
  }
  const configNotes = mergeConfig(raw, io);
  const r = new Reader(raw);
  checkWords(raw, r);
  const root = resolve(io.cwd, raw.positionals[0]);
  return commandOptions(raw, r, io, root, configNotes);
}

/** The positionals a command takes (ROOT, and ARCHIVE... for takeout). */
function checkWords(raw: RawArgs, r: Reader): void {
  const inbox = raw.command === "takeout" && r.has("from");
  const wantArchives = raw.command === "takeout" && !inbox;
  if (raw.command === "takeout" && !inbox) {
    for (const name of ["settle", "delete-imported"]) {
      if (r.has(name)) {
        throw new UsageError(
          `--${name} goes with --from DIR (parts picked up from a folder), not with parts named on the command line.`,
        );
      }
    }
  }
  if (inbox && raw.positionals.length > 1) {
    throw new UsageError(
      `Unexpected argument "${
        printable(raw.positionals[1])
      }": with --from DIR, takeout takes ROOT alone (the parts are found in DIR).`,
    );
  }
  if (raw.positionals.length === 0) {
    throw new UsageError(
      `Missing ROOT: the folder of the backup. Usage: gphotos-sync ${
        raw.command === "sync" ? "[sync]" : raw.command
      } [FLAGS] ROOT${wantArchives ? " ARCHIVE..." : ""}`,
    );
  }
  if (wantArchives && raw.positionals.length < 2) {
    throw new UsageError(
      "Missing ARCHIVE: name at least one Takeout .zip, .tgz or unpacked folder after ROOT, or give --from DIR.",
    );
  }
  if (!wantArchives && !inbox && raw.positionals.length > 1) {
    throw new UsageError(
      `Unexpected argument "${
        printable(raw.positionals[1])
      }": ${raw.command} takes one ROOT folder.`,
    );
  }
}

/**
 * Reads the config file named by -c/--conf into flag values. Command-line
 * values already in `values` win. One file serves every command: a setting
 * of another command is left out, and said so in the returned notes (for
 * the debug log); a key no command knows is a typo, and an error.
 */
function mergeConfig(raw: RawArgs, io: ArgsEnv): string[] {
  const notes: string[] = [];
  const conf = raw.values.get("conf");
  if (typeof conf !== "string") return notes;
  const path = resolve(io.cwd, conf);
  let text: string;
  try {
    text = io.readTextFile(path);
  } catch (e) {
    throw new UsageError(
      `Cannot read the config file ${path}: ${(e as Error).message}`,
      { cause: e },
    );
  }
  for (const entry of parseIni(text, path)) {
    const spec = flagByName(entry.key);
    const where = `${path}:${entry.line}`;
    if (!spec || spec.name === "conf") {
      throw new UsageError(
        `${where}: unknown setting "${printable(entry.key)}".`,
      );
    }
    if (!spec.commands.includes(raw.command)) {
      notes.push(
        `${where}: "${
          printable(entry.key)
        }" does not apply to the ${raw.command} command; ignored.`,
      );
      continue;
    }
    if (raw.values.has(spec.name)) continue;
    if (spec.kind === "switch") {
      raw.values.set(
        spec.name,
        parseBool(entry.value, `${where}: ${entry.key}`),
      );
    } else if (spec.kind === "list") {
      raw.values.set(
        spec.name,
        entry.value.split(/[\s,]+/).filter((s) => s !== ""),
      );
    } else raw.values.set(spec.name, entry.value);
  }
  return notes;
}
