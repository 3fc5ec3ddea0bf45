// The typed options of each command (src/options.ts), read from the flag
// values of a command line with its config file merged in: defaults, ranges,
// paths resolved against the working folder, and the combinations a command
// refuses, each refusal a UsageError naming the flag.

import { isAbsolute, join, resolve } from "../fs/path.ts";
import { UsageError } from "../errors.ts";
import { printable } from "./ini.ts";
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
import type { RawArgs } from "./command_line.ts";

/**
 * How long a part must stay unchanged before a scheduled run reads it: a
 * sync client that writes in place (no temporary name) and stalls for a
 * few minutes is not taken for one that finished.
 */
export const DEFAULT_SETTLE_MINUTES = 15;

/** What parsing needs from the outside world. */
export interface ArgsEnv {
  cwd: string;
  env: (name: string) => string | undefined;
  readTextFile: (path: string) => string;
}

/** Reads typed values out of the raw map, naming the flag in every error. */
export class Reader {
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

/**
 * The options of the command line's command, from its flag values (the
 * config file's merged in) and its ROOT.
 */
export function commandOptions(
  raw: RawArgs,
  r: Reader,
  io: ArgsEnv,
  root: string,
  configNotes: string[],
): Options {
  const common = commonOptions(raw.command, root, r, io, configNotes);
  const inbox = raw.command === "takeout" && r.has("from");

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

/** What every command takes: ROOT, the index, logging, output, the lock. */
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

/** What the commands that talk to Google take: sign-in, retries, threads. */
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

/** Where the client secret is looked for without --secret. */
export function defaultSecretPath(io: Pick<ArgsEnv, "env">): string {
  const xdg = io.env("XDG_CONFIG_HOME");
  const home = io.env("HOME") ?? io.env("USERPROFILE") ?? ".";
  const base = xdg && isAbsolute(xdg) ? xdg : join(home, ".config");
  return join(base, "gphotos-sync", "client_secret.json");
}

/** What the commands that write files take: where and how they are named. */
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

/** What sync takes, on top of the rest. */
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
