// The one typed, validated description of a run, built from argv and the
// config file by src/cli/args.ts. The core takes these options and its
// dependencies; nothing reads flags from anywhere else.

import type { LogLevel } from "./log.ts";

export type Command = "sync" | "login" | "pick" | "takeout" | "status";

/** Flags shared by every command. */
export interface CommonOptions {
  command: Command;
  /** Absolute path of the backup root. */
  root: string;
  /** Absolute folder of the index and token (default: root). */
  dbPath: string;
  logLevel: LogLevel;
  /** Absolute path of the log file (default: <root>/gphotos.log). */
  logfile: string;
  json: boolean;
  progress: boolean;
  /** Nothing on stderr unless the run fails (scheduled runs). */
  quiet: boolean;
  /** healthchecks.io-style URL pinged at start, success and failure. */
  healthcheckUrl: string | undefined;
  /** Another run holding the lock longer than this is hung (0: no limit). */
  lockLimitHours: number;
  /** What reading the config file left out, for the debug log. */
  configNotes: string[];
  /** Absolute path of the config file (-c), when one was named. */
  conf?: string;
}

/** Flags of every command that talks to Google. */
export interface GoogleOptions {
  /** Absolute path of the client secret file. */
  secret: string;
  port: number;
  newToken: boolean;
  maxRetries: number;
  maxThreads: number;
  /** OAuth scopes to ask for at consent. */
  scopes: string[];
  imageTimeout: number;
  videoTimeout: number;
}

/** Where files land and how they are named. */
export interface LayoutOptions {
  photosPath: string;
  albumsPath: string;
  sharedAlbumsPath: string;
  useFlatPath: boolean;
  skipVideo: boolean;
  /** 0 = use what the filesystem allows. */
  maxFilename: number;
  ntfs: boolean;
  caseInsensitiveFs: boolean;
  useHardlinks: boolean;
  omitAlbumDate: boolean;
  albumInvert: boolean;
  albumDateByFirstPhoto: boolean;
  noAlbumSorting: boolean;
  monthFormat: string;
  pathFormat: string | undefined;
}

export interface SyncOptions
  extends CommonOptions, GoogleOptions, LayoutOptions {
  album: string | undefined;
  albumRegex: RegExp | undefined;
  compareFolder: string | undefined;
  favouritesOnly: boolean;
  flushIndex: boolean;
  rescan: boolean;
  retryDownload: boolean;
  skipSharedAlbums: boolean;
  /** Inclusive UTC day bounds, as YYYY-MM-DD. */
  startDate: string | undefined;
  endDate: string | undefined;
  indexOnly: boolean;
  skipIndex: boolean;
  doDelete: boolean;
  /** With doDelete: list what would be deleted, download or delete nothing. */
  dryRun: boolean;
  skipFiles: boolean;
  skipAlbums: boolean;
  noAlbumIndex: boolean;
  archived: boolean;
}

export type LoginOptions = CommonOptions & GoogleOptions & { command: "login" };
export type StatusOptions = CommonOptions & { command: "status" };
export interface PickOptions
  extends CommonOptions, GoogleOptions, LayoutOptions {
  command: "pick";
  album: string | undefined;
  maxItems: number;
  timeout: number | undefined;
  resume: boolean;
}
export interface TakeoutOptions extends CommonOptions, LayoutOptions {
  command: "takeout";
  /** The parts named on the command line (none with --from). */
  archives: string[];
  /** --from DIR: the folder the parts of scheduled exports arrive in. */
  from: string | undefined;
  /** --settle: minutes a part must stay unchanged before it is read. */
  settleMinutes: number;
  /** --delete-imported: remove an export's parts once all are imported. */
  deleteImported: boolean;
  includeTrashed: boolean;
  skipArchived: boolean;
  noXmp: boolean;
  dryRun: boolean;
}

export type Options =
  | (SyncOptions & { command: "sync" })
  | LoginOptions
  | StatusOptions
  | PickOptions
  | TakeoutOptions;
