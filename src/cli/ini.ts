// The config file of `-c/--conf`: the INI dialect gphotos-sync read with
// Python's configparser, reduced to what the program needs. Only the
// [GENERAL] section is meaningful; keys are long flag names.

import { UsageError } from "../errors.ts";

export interface IniEntry {
  key: string;
  value: string;
  line: number;
}

/**
 * Parses INI text into the entries of its [GENERAL] section. Comments start
 * with `#` or `;`; `key = value` and `key: value` are both accepted, as
 * configparser does. Anything else is a usage error naming the line.
 */
export function parseIni(text: string, fileName: string): IniEntry[] {
  const entries: IniEntry[] = [];
  let section: string | undefined;
  let sawGeneral = false;
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const line = raw.trim();
    const lineNo = i + 1;
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      section = header[1].trim();
      if (section.toUpperCase() === "GENERAL") sawGeneral = true;
      continue;
    }
    const sep = line.search(/[=:]/);
    if (sep <= 0) {
      throw new UsageError(
        `${fileName}:${lineNo}: expected "key = value", found "${
          printable(raw)
        }".`,
      );
    }
    if (section === undefined) {
      throw new UsageError(
        `${fileName}:${lineNo}: settings must follow a [GENERAL] section header.`,
      );
    }
    if (section.toUpperCase() !== "GENERAL") continue;
    entries.push({
      key: line.slice(0, sep).trim(),
      value: unquote(line.slice(sep + 1).trim()),
      line: lineNo,
    });
  }
  if (!sawGeneral) {
    throw new UsageError(
      `${fileName}: no [GENERAL] section; put the settings under a line "[GENERAL]".`,
    );
  }
  return entries;
}

function unquote(value: string): string {
  if (
    value.length >= 2 &&
    ((value.startsWith('"') && value.endsWith('"')) ||
      (value.startsWith("'") && value.endsWith("'")))
  ) {
    return value.slice(1, -1);
  }
  return value;
}

// deno-lint-ignore no-control-regex -- control characters are what is escaped
const CONTROL = /[\u0000-\u001f\u007f]/g;

/** Control characters shown escaped, so a garbage file gives a readable message. */
export function printable(text: string, max = 60): string {
  const shown = text.replace(
    CONTROL,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
  return shown.length > max ? `${shown.slice(0, max)}…` : shown;
}
