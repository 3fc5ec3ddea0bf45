// The flag table: every flag the program knows, the commands that take it,
// its kind and its help line. Parsing, the config file and help text are all
// driven from here, so a flag is declared once.

import type { Command } from "./options.ts";

export type FlagKind = "switch" | "string" | "int" | "list";

export interface FlagSpec {
  /** Long name without dashes, e.g. "max-retries". */
  name: string;
  short?: string;
  kind: FlagKind;
  commands: readonly Command[];
  /** Placeholder shown in help for valued flags. */
  arg?: string;
  help: string;
}

const GOOGLE: readonly Command[] = ["sync", "login", "pick"];
const LAYOUT: readonly Command[] = ["sync", "pick", "takeout"];
const DOWNLOAD: readonly Command[] = ["sync", "pick"];
const ALL: readonly Command[] = ["sync", "login", "pick", "takeout", "status"];
const SYNC: readonly Command[] = ["sync"];

export const FLAGS: readonly FlagSpec[] = [
  // Every command.
  {
    name: "conf",
    short: "c",
    kind: "string",
    commands: ALL,
    arg: "FILE",
    help: "INI config file; settings in section [GENERAL], command line wins",
  },
  {
    name: "log-level",
    kind: "string",
    commands: ALL,
    arg: "LEVEL",
    help:
      "critical|error|warning|info|debug|trace (default warning; trace logs every API call to <ROOT>/gphotos.trace)",
  },
  {
    name: "logfile",
    kind: "string",
    commands: ALL,
    arg: "PATH",
    help:
      "log file (default <ROOT>/gphotos.log; a directory gets a unique name)",
  },
  {
    name: "db-path",
    kind: "string",
    commands: ALL,
    arg: "DIR",
    help: "folder of the index gphotos.sqlite and the token (default ROOT)",
  },
  {
    name: "json",
    kind: "switch",
    commands: ALL,
    help: "print a machine-readable result on stdout",
  },
  {
    name: "quiet",
    short: "q",
    kind: "switch",
    commands: ALL,
    help:
      "print nothing on success and one paragraph on failure (for cron); never wait for a sign-in",
  },
  {
    name: "healthcheck-url",
    kind: "string",
    commands: ["sync", "pick", "takeout"],
    arg: "URL",
    help:
      "ping URL/start, URL and URL/fail (healthchecks.io, Uptime Kuma) at start, success and failure",
  },
  {
    name: "progress",
    kind: "switch",
    commands: ALL,
    help: "show live counts on stderr",
  },
  // Commands that talk to Google.
  {
    name: "secret",
    kind: "string",
    commands: GOOGLE,
    arg: "FILE",
    help:
      "client secret JSON (default $XDG_CONFIG_HOME/gphotos-sync/client_secret.json)",
  },
  {
    name: "port",
    kind: "int",
    commands: GOOGLE,
    arg: "N",
    help: "local port for the sign-in redirect (default 8080)",
  },
  {
    name: "new-token",
    kind: "switch",
    commands: GOOGLE,
    help: "ignore the stored token and sign in again",
  },
  {
    name: "scope",
    kind: "list",
    commands: GOOGLE,
    arg: "SCOPE",
    help:
      "ask for this OAuth scope at sign-in (repeatable; e.g. photoslibrary.readonly for gphotos-sync's full-library scope)",
  },
  {
    name: "max-retries",
    kind: "int",
    commands: GOOGLE,
    arg: "N",
    help: "retries of a failing request (default 20)",
  },
  {
    name: "max-threads",
    kind: "int",
    commands: GOOGLE,
    arg: "N",
    help: "concurrent downloads (default 20)",
  },
  {
    name: "image-timeout",
    kind: "int",
    commands: DOWNLOAD,
    arg: "S",
    help:
      "seconds an image download may wait for data before it is retried (default 60)",
  },
  {
    name: "video-timeout",
    kind: "int",
    commands: DOWNLOAD,
    arg: "S",
    help:
      "seconds a video download may wait for data before it is retried (default 2000)",
  },
  // Layout.
  {
    name: "photos-path",
    kind: "string",
    commands: LAYOUT,
    arg: "DIR",
    help: "media folder under ROOT (default photos)",
  },
  {
    name: "albums-path",
    kind: "string",
    commands: LAYOUT,
    arg: "DIR",
    help: "album folder under ROOT, or absolute (default albums)",
  },
  {
    name: "shared-albums-path",
    kind: "string",
    commands: LAYOUT,
    arg: "DIR",
    help: "shared album folder under ROOT, or absolute (default sharedAlbums)",
  },
  {
    name: "use-flat-path",
    kind: "switch",
    commands: LAYOUT,
    help: "media in photos/YYYY-MM instead of photos/YYYY/MM",
  },
  {
    name: "skip-video",
    kind: "switch",
    commands: LAYOUT,
    help: "leave videos out",
  },
  {
    name: "max-filename",
    kind: "int",
    commands: LAYOUT,
    arg: "N",
    help: "longest file name in bytes (default: what the filesystem allows)",
  },
  {
    name: "ntfs",
    kind: "switch",
    commands: LAYOUT,
    help: "use Windows file-name rules (for NTFS or SMB targets)",
  },
  {
    name: "case-insensitive-fs",
    kind: "switch",
    commands: LAYOUT,
    help: "treat names that differ only in case as the same",
  },
  {
    name: "use-hardlinks",
    kind: "switch",
    commands: LAYOUT,
    help: "album folders of hard links instead of relative symlinks",
  },
  {
    name: "omit-album-date",
    kind: "switch",
    commands: LAYOUT,
    help: "album folders without the date prefix",
  },
  {
    name: "album-invert",
    kind: "switch",
    commands: LAYOUT,
    help: "number album items newest first",
  },
  {
    name: "album-date-by-first-photo",
    kind: "switch",
    commands: LAYOUT,
    help: "date album folders by their first item, not their last",
  },
  {
    name: "no-album-sorting",
    kind: "switch",
    commands: LAYOUT,
    help: "name album links without the NNNN_ order prefix",
  },
  {
    name: "month-format",
    kind: "string",
    commands: LAYOUT,
    arg: "FMT",
    help: "strftime format of the album folder's date (default %m%d)",
  },
  {
    name: "path-format",
    kind: "string",
    commands: LAYOUT,
    arg: "FMT",
    help:
      'album folder name: {0} date (--month-format), {1} title, {2} year; with --use-flat-path {0} year, {1} date, {2} title (default "{0} {1}" under YYYY/)',
  },
  // sync.
  {
    name: "album",
    kind: "string",
    commands: ["sync", "pick"],
    arg: "NAME",
    help: "only this album (pick: file the picked items under this album)",
  },
  {
    name: "album-regex",
    kind: "string",
    commands: SYNC,
    arg: "REGEX",
    help: "only albums matching this case-insensitive regular expression",
  },
  {
    name: "compare-folder",
    kind: "string",
    commands: SYNC,
    arg: "DIR",
    help: "compare a local folder with the backup into ROOT/comparison",
  },
  {
    name: "favourites-only",
    kind: "switch",
    commands: SYNC,
    help: "only items marked favourite",
  },
  {
    name: "flush-index",
    kind: "switch",
    commands: SYNC,
    help: "start a new index (the old one is kept as gphotos.sqlite.previous)",
  },
  {
    name: "rescan",
    kind: "switch",
    commands: SYNC,
    help: "index the whole library, not only what is new",
  },
  {
    name: "retry-download",
    kind: "switch",
    commands: SYNC,
    help: "download again items marked downloaded but missing on disk",
  },
  {
    name: "skip-shared-albums",
    kind: "switch",
    commands: SYNC,
    help: "leave shared albums out",
  },
  {
    name: "start-date",
    kind: "string",
    commands: SYNC,
    arg: "YYYY-MM-DD",
    help: "only items taken on or after this day",
  },
  {
    name: "end-date",
    kind: "string",
    commands: SYNC,
    arg: "YYYY-MM-DD",
    help: "only items taken on or before this day",
  },
  {
    name: "index-only",
    kind: "switch",
    commands: SYNC,
    help: "index, download nothing",
  },
  {
    name: "skip-index",
    kind: "switch",
    commands: SYNC,
    help: "download what is indexed, index nothing new",
  },
  {
    name: "do-delete",
    kind: "switch",
    commands: SYNC,
    help:
      "remove local media deleted on Google, within what the run lists (the library, or the dates and types given)",
  },
  {
    name: "skip-files",
    kind: "switch",
    commands: SYNC,
    help: "do not index or download media",
  },
  {
    name: "skip-albums",
    kind: "switch",
    commands: SYNC,
    help: "do not index albums or build album folders",
  },
  {
    name: "no-album-index",
    kind: "switch",
    commands: SYNC,
    help: "do not add items found only in albums",
  },
  {
    name: "archived",
    kind: "switch",
    commands: SYNC,
    help: "include archived items",
  },
  // pick.
  {
    name: "max-items",
    kind: "int",
    commands: ["pick"],
    arg: "N",
    help: "most items the user may pick (default and maximum 2000)",
  },
  {
    name: "timeout",
    kind: "int",
    commands: ["pick"],
    arg: "S",
    help: "stop waiting for the pick after S seconds",
  },
  {
    name: "resume",
    kind: "switch",
    commands: ["pick"],
    help: "finish the downloads of the last interrupted session",
  },
  // takeout.
  {
    name: "include-trashed",
    kind: "switch",
    commands: ["takeout"],
    help: "import items from the trash too",
  },
  {
    name: "skip-archived",
    kind: "switch",
    commands: ["takeout"],
    help: "leave archived items out",
  },
  {
    name: "no-xmp",
    kind: "switch",
    commands: ["takeout"],
    help: "write no XMP sidecars",
  },
  {
    name: "dry-run",
    kind: "switch",
    commands: ["sync", "takeout"],
    help:
      "takeout: print the plan and write nothing; sync, with --do-delete: index, then list what would be deleted; download or delete nothing",
  },
];

const BY_NAME = new Map(FLAGS.map((f) => [f.name, f]));
const BY_SHORT = new Map(
  FLAGS.filter((f) => f.short).map((f) => [f.short!, f]),
);

/** Looks a flag up by its long name, accepting `_` for `-` as config files do. */
export function flagByName(name: string): FlagSpec | undefined {
  return BY_NAME.get(name.toLowerCase().replaceAll("_", "-"));
}

export function flagByShort(short: string): FlagSpec | undefined {
  return BY_SHORT.get(short);
}
