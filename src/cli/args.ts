// argv + config file -> one validated Options value. Every way a command
// line can be wrong ends here as a UsageError (exit 2) naming the flag.

import { isAbsolute, join, resolve } from "../fs/path.ts";
import { UsageError } from "../errors.ts";
import { flagByName, flagByShort, type FlagSpec } from "./flags.ts";
import { parseIni, printable } from "./ini.ts";
import { LOG_LEVELS, type LogLevel } from "../log.ts";
import type {
  Command,
  CommonOptions,
  GoogleOptions,
  LayoutOptions,
  Options,
  SyncOptions,
} from "../options.ts";
import { DEFAULT_SCOPES, normalizeScope } from "../google/scopes.ts";
import { checkAlbumPathOptions } from "../backup/album_paths.ts";

export const COMMANDS: readonly Command[] = [
  "sync",
  "login",
  "pick",
  "takeout",
  "status",
];

/**
 * How long a part must stay unchanged before a scheduled run reads it: a
 * sync client that writes in place (no temporary name) and stalls for a
 * few minutes is not taken for one that finished.
 */
export const DEFAULT_SETTLE_MINUTES = 15;

/** Words answered without a backup: `help [COMMAND]` and `version`. */
const INFO_WORDS = ["help", "version"] as const;
type InfoWord = typeof INFO_WORDS[number];

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

/** What parsing needs from the outside world. */
export interface ArgsEnv {
  cwd: string;
  env: (name: string) => string | undefined;
  readTextFile: (path: string) => string;
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
  const take = (spec: FlagSpec, inline: string | undefined, shown: string) => {
    if (spec.kind === "switch") {
      if (inline !== undefined) {
        values.set(spec.name, parseBool(inline, shown));
      } else values.set(spec.name, true);
      return;
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
  };
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
      take(spec, eq === -1 ? undefined : arg.slice(eq + 1), `--${spec.name}`);
      continue;
    }
    const short = arg.slice(1, 2);
    const spec = flagByShort(short);
    if (!spec) {
      throw new UsageError(
        `Unknown flag ${printable(arg)}. See "gphotos-sync --help".`,
      );
    }
    take(spec, arg.length > 2 ? arg.slice(2) : undefined, `-${short}`);
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

function parseBool(text: string, shown: string): boolean {
  const t = text.trim().toLowerCase();
  if (["true", "yes", "on", "1"].includes(t)) return true;
  if (["false", "no", "off", "0"].includes(t)) return false;
  throw new UsageError(
    `${shown} takes true or false, not "${printable(text)}".`,
  );
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

/** Reads typed values out of the raw map, naming the flag in every error. */
class Reader {
  constructor(private raw: RawArgs) {}
  has(name: string): boolean {
    return this.raw.values.has(name);
  }
  bool(name: string): boolean {
    return this.raw.values.get(name) === true;
  }
  str(name: string): string | undefined {
    const v = this.raw.values.get(name);
    return typeof v === "string" ? v : undefined;
  }
  list(name: string): string[] {
    const v = this.raw.values.get(name);
    return Array.isArray(v) ? v : [];
  }
  int(name: string, fallback: number, min: number, max: number): number {
    const v = this.raw.values.get(name);
    if (v === undefined) return fallback;
    const text = String(v).trim();
    if (!/^-?\d+$/.test(text)) {
      throw new UsageError(
        `--${name} takes a whole number, not "${printable(text)}".`,
      );
    }
    const n = Number(text);
    if (n < min || n > max) {
      throw new UsageError(`--${name} must be between ${min} and ${max}.`);
    }
    return n;
  }
}

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
  const root = resolve(io.cwd, raw.positionals[0]);
  const common = commonOptions(raw.command, root, r, io, configNotes);

  switch (raw.command) {
    case "status":
      return { ...common, command: "status" };
    case "login":
      return { ...common, ...googleOptions(r, io), command: "login" };
    case "pick":
      return {
        ...common,
        ...googleOptions(r, io),
        ...layoutOptions(r),
        command: "pick",
        album: nonEmpty(r.str("album"), "album"),
        maxItems: r.int("max-items", 2000, 1, 2000),
        timeout: r.has("timeout")
          ? r.int("timeout", 0, 1, 7 * 24 * 3600)
          : undefined,
        resume: r.bool("resume"),
      };
    case "takeout":
      return {
        ...common,
        ...layoutOptions(r),
        command: "takeout",
        archives: raw.positionals.slice(1).map((p) => resolve(io.cwd, p)),
        from: inbox
          ? resolve(io.cwd, nonEmpty(r.str("from"), "from")!)
          : undefined,
        settleMinutes: r.int("settle", DEFAULT_SETTLE_MINUTES, 0, 7 * 24 * 60),
        deleteImported: r.bool("delete-imported"),
        includeTrashed: r.bool("include-trashed"),
        skipArchived: r.bool("skip-archived"),
        noXmp: r.bool("no-xmp"),
        dryRun: r.bool("dry-run"),
      };
    case "sync":
      return syncOptions(common, r, io);
  }
}

/** `help [COMMAND]`: the command asked about, or undefined for the overview. */
function helpTopic(raw: RawArgs): Command | undefined {
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
function isPath(word: string): boolean {
  return /[\\/]/.test(word) || word.startsWith(".");
}

function unknownCommand(word: string): UsageError {
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

function commonOptions(
  command: Command,
  root: string,
  r: Reader,
  io: ArgsEnv,
  configNotes: string[],
): CommonOptions {
  const level = (r.str("log-level") ?? "warning").toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new UsageError(
      `--log-level must be one of ${LOG_LEVELS.join(", ")}, not "${
        printable(level)
      }".`,
    );
  }
  const dbPath = r.has("db-path") ? resolve(io.cwd, r.str("db-path")!) : root;
  const logfile = r.has("logfile")
    ? resolve(io.cwd, r.str("logfile")!)
    : join(root, "gphotos.log");
  return {
    command,
    root,
    dbPath,
    logLevel: level as LogLevel,
    logfile,
    json: r.bool("json"),
    progress: r.bool("progress"),
    quiet: r.bool("quiet"),
    healthcheckUrl: healthcheckUrl(r.str("healthcheck-url")),
    lockLimitHours: r.int("lock-limit", 24, 0, 24 * 366),
    configNotes,
    ...(r.has("conf") ? { conf: resolve(io.cwd, r.str("conf")!) } : {}),
  };
}

function healthcheckUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(
      `--healthcheck-url "${printable(value)}" is not a URL.`,
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new UsageError("--healthcheck-url must be an http or https URL.");
  }
  return url.href.replace(/\/+$/, "");
}

function googleOptions(r: Reader, io: ArgsEnv): GoogleOptions {
  const secret = r.has("secret")
    ? resolve(io.cwd, r.str("secret")!)
    : defaultSecretPath(io);
  const extra = r.list("scope").map((s) => {
    const scope = normalizeScope(s);
    if (!scope) {
      throw new UsageError(`--scope "${printable(s)}" is not an OAuth scope.`);
    }
    return scope;
  });
  return {
    secret,
    port: r.int("port", 8080, 1, 65535),
    newToken: r.bool("new-token"),
    maxRetries: r.int("max-retries", 20, 0, 1000),
    maxThreads: r.int("max-threads", 20, 1, 200),
    scopes: [...new Set([...DEFAULT_SCOPES, ...extra])],
    imageTimeout: r.int("image-timeout", 60, 1, 86_400),
    videoTimeout: r.int("video-timeout", 2000, 1, 7 * 86_400),
  };
}

export function defaultSecretPath(io: Pick<ArgsEnv, "env">): string {
  const xdg = io.env("XDG_CONFIG_HOME");
  const home = io.env("HOME") ?? io.env("USERPROFILE") ?? ".";
  const base = xdg && isAbsolute(xdg) ? xdg : join(home, ".config");
  return join(base, "gphotos-sync", "client_secret.json");
}

function layoutOptions(r: Reader): LayoutOptions {
  const month = r.str("month-format") ?? "%m%d";
  const pathFormat = r.str("path-format");
  const layout: LayoutOptions = {
    photosPath: relativeFolder(r.str("photos-path") ?? "photos", "photos-path"),
    albumsPath: folder(r.str("albums-path") ?? "albums", "albums-path"),
    sharedAlbumsPath: folder(
      r.str("shared-albums-path") ?? "sharedAlbums",
      "shared-albums-path",
    ),
    useFlatPath: r.bool("use-flat-path"),
    skipVideo: r.bool("skip-video"),
    maxFilename: r.int("max-filename", 0, 0, 4096),
    ntfs: r.bool("ntfs"),
    caseInsensitiveFs: r.bool("case-insensitive-fs"),
    useHardlinks: r.bool("use-hardlinks"),
    omitAlbumDate: r.bool("omit-album-date"),
    albumInvert: r.bool("album-invert"),
    albumDateByFirstPhoto: r.bool("album-date-by-first-photo"),
    noAlbumSorting: r.bool("no-album-sorting"),
    monthFormat: month,
    pathFormat,
  };
  checkAlbumPathOptions(layout);
  return layout;
}

/** A folder under ROOT: no `..`, not absolute. */
function relativeFolder(value: string, flag: string): string {
  if (isAbsolute(value)) {
    throw new UsageError(
      `--${flag} must be a folder inside ROOT, not "${value}".`,
    );
  }
  return folder(value, flag);
}

function folder(value: string, flag: string): string {
  const parts = value.split(/[\\/]+/).filter((p) => p !== "" && p !== ".");
  if (parts.includes("..") || (parts.length === 0 && !isAbsolute(value))) {
    throw new UsageError(
      `--${flag} "${printable(value)}" is not a usable folder.`,
    );
  }
  return isAbsolute(value) ? value : parts.join("/");
}

function nonEmpty(value: string | undefined, flag: string): string | undefined {
  if (value !== undefined && value.trim() === "") {
    throw new UsageError(`--${flag} needs a non-empty value.`);
  }
  return value;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Validates YYYY-MM-DD as a real calendar day. */
export function parseDay(value: string, flag: string): string {
  const m = DAY.exec(value.trim());
  const d = m && new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  if (
    !m || !d || d.getUTCFullYear() !== +m[1] || d.getUTCMonth() !== +m[2] - 1 ||
    d.getUTCDate() !== +m[3]
  ) {
    throw new UsageError(
      `--${flag} must be a date as YYYY-MM-DD, not "${printable(value)}".`,
    );
  }
  return value.trim();
}

/**
 * --do-delete compares the index with what the run lists: the whole
 * library, or the days and media types a filtered run searches. It needs a
 * listing whose scope the index can tell; --dry-run previews it.
 */
function checkDoDelete(r: Reader, album: boolean, albumRegex: boolean): void {
  const doDelete = r.bool("do-delete");
  if (r.bool("dry-run") && !doDelete) {
    throw new UsageError(
      "--dry-run goes with --do-delete for sync: it lists what --do-delete would delete.",
    );
  }
  if (!doDelete) return;
  const unlisted: [boolean, string][] = [
    [r.bool("skip-index"), "--skip-index (nothing is listed)"],
    [r.bool("skip-files"), "--skip-files (nothing is listed)"],
    [album, "--album (only albums are listed)"],
    [albumRegex, "--album-regex (only albums are listed)"],
    [
      r.bool("favourites-only"),
      "--favourites-only (Google does not say which indexed items are favourites)",
    ],
  ];
  const used = unlisted.filter(([on]) => on).map(([, f]) => f);
  if (used.length > 0) {
    throw new UsageError(
      `--do-delete deletes only what the run listed and Google confirms gone; it cannot be combined with ${
        used.join(", ")
      }.`,
    );
  }
}

function syncOptions(
  common: CommonOptions,
  r: Reader,
  io: ArgsEnv,
): SyncOptions & { command: "sync" } {
  const album = nonEmpty(r.str("album"), "album");
  const regexText = r.str("album-regex");
  if (album !== undefined && regexText !== undefined) {
    throw new UsageError("--album and --album-regex cannot be used together.");
  }
  let albumRegex: RegExp | undefined;
  if (regexText !== undefined) {
    try {
      albumRegex = new RegExp(regexText, "iu");
    } catch (e) {
      throw new UsageError(
        `--album-regex "${
          printable(regexText)
        }" is not a valid regular expression: ${(e as Error).message}`,
      );
    }
  }
  const startDate = r.has("start-date")
    ? parseDay(r.str("start-date")!, "start-date")
    : undefined;
  const endDate = r.has("end-date")
    ? parseDay(r.str("end-date")!, "end-date")
    : undefined;
  if (startDate && endDate && startDate > endDate) {
    throw new UsageError(
      `--start-date ${startDate} is after --end-date ${endDate}.`,
    );
  }
  if (r.bool("index-only") && r.bool("skip-index")) {
    throw new UsageError(
      "--index-only and --skip-index cannot be used together.",
    );
  }
  checkDoDelete(r, album !== undefined, regexText !== undefined);
  return {
    ...common,
    ...googleOptions(r, io),
    ...layoutOptions(r),
    command: "sync",
    album,
    albumRegex,
    compareFolder: r.has("compare-folder")
      ? resolve(io.cwd, r.str("compare-folder")!)
      : undefined,
    favouritesOnly: r.bool("favourites-only"),
    flushIndex: r.bool("flush-index"),
    rescan: r.bool("rescan"),
    retryDownload: r.bool("retry-download"),
    skipSharedAlbums: r.bool("skip-shared-albums"),
    startDate,
    endDate,
    indexOnly: r.bool("index-only"),
    skipIndex: r.bool("skip-index"),
    doDelete: r.bool("do-delete"),
    dryRun: r.bool("dry-run"),
    skipFiles: r.bool("skip-files"),
    skipAlbums: r.bool("skip-albums"),
    noAlbumIndex: r.bool("no-album-index"),
    archived: r.bool("archived"),
  };
}
