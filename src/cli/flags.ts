// The flag table: every flag the program knows, the commands that take it,
// its kind and its help line. Parsing, the config file and help text are all
// driven from here, so a flag is declared once.

import type { Command } from "../options.ts";

export type FlagKind = "switch" | "string" | "int" | "list";

/** The sections of a command's help and of the README's flag table, in order. */
export const FLAG_GROUPS = {
  backup: "What to back up",
  steps: "What the run does",
  layout: "Folder layout and file names",
  albums: "Album folders",
  network: "Sign-in and network",
  logging: "Output and logging",
  scheduling: "Scheduled runs",
} as const;
export type FlagGroup = keyof typeof FLAG_GROUPS;

export interface FlagSpec {
  /** Long name without dashes, e.g. "max-retries". */
  name: string;
  short?: string;
  kind: FlagKind;
  commands: readonly Command[];
  group: FlagGroup;
  /** Placeholder shown in help for valued flags. */
  arg?: string;
  help: string;
  /** A use of the flag for the README's table. */
  example?: string;
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
    group: "scheduling",
    example: "gphotos-sync -c ~/gphotos.ini ~/Photos",
    short: "c",
    kind: "string",
    commands: ALL,
    arg: "FILE",
    help:
      "INI config file: section [GENERAL], keys are flag names; the command line wins; settings of other commands are ignored",
  },
  {
    name: "log-level",
    group: "logging",
    example: "--log-level debug",
    kind: "string",
    commands: ALL,
    arg: "LEVEL",
    help:
      "critical|error|warning|info|debug|trace (default warning; trace logs every API call to <ROOT>/gphotos.trace)",
  },
  {
    name: "logfile",
    group: "logging",
    example: "--logfile /var/log/gphotos/",
    kind: "string",
    commands: ALL,
    arg: "PATH",
    help:
      "log file (default <ROOT>/gphotos.log; a directory gets a unique name)",
  },
  {
    name: "db-path",
    group: "layout",
    example: "--db-path ~/.local/share/gphotos",
    kind: "string",
    commands: ALL,
    arg: "DIR",
    help: "folder of the index gphotos.sqlite and the token (default ROOT)",
  },
  {
    name: "json",
    group: "logging",
    example: "gphotos-sync status ~/Photos --json",
    kind: "switch",
    commands: ALL,
    help:
      "end with one JSON object on stdout: the result, exitCode and message, also on failure",
  },
  {
    name: "quiet",
    group: "scheduling",
    short: "q",
    kind: "switch",
    commands: ALL,
    help:
      "print nothing on success and one paragraph on failure (for cron); never wait for a sign-in",
  },
  {
    name: "healthcheck-url",
    group: "scheduling",
    example: "--healthcheck-url https://hc-ping.com/UUID",
    kind: "string",
    commands: ["sync", "pick", "takeout"],
    arg: "URL",
    help:
      "ping URL/start, URL and URL/fail (healthchecks.io, Uptime Kuma) at start, success and failure",
  },
  {
    name: "lock-limit",
    kind: "int",
    commands: ["sync", "pick", "takeout"],
    group: "scheduling",
    arg: "HOURS",
    help:
      "another run holding the index longer than this is hung: fail (exit 1) instead of leaving it be (default 24; 0 = no limit)",
    example: "--lock-limit 48",
  },
  {
    name: "progress",
    group: "logging",
    kind: "switch",
    commands: ALL,
    help:
      "show live counts on stderr, with the download rate and the time left",
  },
  // Commands that talk to Google.
  {
    name: "secret",
    group: "network",
    example: "--secret ~/secrets/client_secret.json",
    kind: "string",
    commands: GOOGLE,
    arg: "FILE",
    help:
      "client secret JSON (default gphotos-sync/client_secret.json in $XDG_CONFIG_HOME or ~/.config)",
  },
  {
    name: "port",
    group: "network",
    example: "gphotos-sync login ~/Photos --port 8765",
    kind: "int",
    commands: GOOGLE,
    arg: "N",
    help: "local port for the sign-in redirect (default 8080)",
  },
  {
    name: "new-token",
    group: "network",
    kind: "switch",
    commands: GOOGLE,
    help: "ignore the stored token and sign in again",
  },
  {
    name: "scope",
    group: "network",
    example: "--scope photoslibrary.readonly",
    kind: "list",
    commands: GOOGLE,
    arg: "SCOPE",
    help:
      "ask for this OAuth scope at sign-in (repeatable; e.g. photoslibrary.readonly for gphotos-sync's full-library scope)",
  },
  {
    name: "max-retries",
    group: "network",
    example: "--max-retries 5",
    kind: "int",
    commands: GOOGLE,
    arg: "N",
    help: "retries of a failing request (default 20)",
  },
  {
    name: "max-threads",
    group: "network",
    example: "--max-threads 4",
    kind: "int",
    commands: GOOGLE,
    arg: "N",
    help: "concurrent downloads (default 20)",
  },
  {
    name: "image-timeout",
    group: "network",
    example: "--image-timeout 120",
    kind: "int",
    commands: DOWNLOAD,
    arg: "S",
    help:
      "seconds an image download may wait for data before it is retried (default 60)",
  },
  {
    name: "video-timeout",
    group: "network",
    example: "--video-timeout 3600",
    kind: "int",
    commands: DOWNLOAD,
    arg: "S",
    help:
      "seconds a video download may wait for data before it is retried (default 2000)",
  },
  // Layout.
  {
    name: "photos-path",
    group: "layout",
    example: "--photos-path media",
    kind: "string",
    commands: LAYOUT,
    arg: "DIR",
    help: "media folder under ROOT (default photos)",
  },
  {
    name: "albums-path",
    group: "albums",
    example: "--albums-path /srv/albums",
    kind: "string",
    commands: LAYOUT,
    arg: "DIR",
    help: "album folder under ROOT, or absolute (default albums)",
  },
  {
    name: "shared-albums-path",
    group: "albums",
    example: "--shared-albums-path shared",
    kind: "string",
    commands: LAYOUT,
    arg: "DIR",
    help: "shared album folder under ROOT, or absolute (default sharedAlbums)",
  },
  {
    name: "use-flat-path",
    group: "layout",
    kind: "switch",
    commands: LAYOUT,
    help: "media in photos/YYYY-MM instead of photos/YYYY/MM",
  },
  {
    name: "skip-video",
    group: "backup",
    kind: "switch",
    commands: LAYOUT,
    help: "leave videos out",
  },
  {
    name: "max-filename",
    group: "layout",
    example: "--max-filename 143",
    kind: "int",
    commands: LAYOUT,
    arg: "N",
    help: "longest file name in bytes (default: what the filesystem allows)",
  },
  {
    name: "ntfs",
    group: "layout",
    kind: "switch",
    commands: LAYOUT,
    help: "use Windows file-name rules (for NTFS or SMB targets)",
  },
  {
    name: "case-insensitive-fs",
    group: "layout",
    kind: "switch",
    commands: LAYOUT,
    help: "treat names that differ only in case as the same",
  },
  {
    name: "use-hardlinks",
    group: "albums",
    kind: "switch",
    commands: LAYOUT,
    help: "album folders of hard links instead of relative symlinks",
  },
  {
    name: "omit-album-date",
    group: "albums",
    kind: "switch",
    commands: LAYOUT,
    help: "album folders without the date prefix",
  },
  {
    name: "album-invert",
    group: "albums",
    kind: "switch",
    commands: LAYOUT,
    help: "number album items newest first",
  },
  {
    name: "album-date-by-first-photo",
    group: "albums",
    kind: "switch",
    commands: LAYOUT,
    help: "date album folders by their first item, not their last",
  },
  {
    name: "no-album-sorting",
    group: "albums",
    kind: "switch",
    commands: LAYOUT,
    help: "name album links without the NNNN_ order prefix",
  },
  {
    name: "month-format",
    group: "albums",
    example: '--month-format "%m-%d"',
    kind: "string",
    commands: LAYOUT,
    arg: "FMT",
    help: "strftime format of the album folder's date (default %m%d)",
  },
  {
    name: "path-format",
    group: "albums",
    example: '--path-format "{2}-{0} {1}"',
    kind: "string",
    commands: LAYOUT,
    arg: "FMT",
    help:
      'album folder name: {0} date (--month-format), {1} title, {2} year; with --use-flat-path {0} year, {1} date, {2} title (default "{0} {1}" under YYYY/)',
  },
  // sync.
  {
    name: "album",
    group: "backup",
    example: '--album "Clones😀"',
    kind: "string",
    commands: ["sync", "pick"],
    arg: "NAME",
    help: "only this album (pick: file the picked items under this album)",
  },
  {
    name: "album-regex",
    group: "backup",
    example: '--album-regex "^holiday"',
    kind: "string",
    commands: SYNC,
    arg: "REGEX",
    help: "only albums matching this case-insensitive regular expression",
  },
  {
    name: "compare-folder",
    group: "steps",
    example: "--compare-folder ~/OldPhotos",
    kind: "string",
    commands: SYNC,
    arg: "DIR",
    help: "compare a local folder with the backup into ROOT/comparison",
  },
  {
    name: "favourites-only",
    group: "backup",
    kind: "switch",
    commands: SYNC,
    help: "only items marked favourite",
  },
  {
    name: "flush-index",
    group: "steps",
    kind: "switch",
    commands: SYNC,
    help: "start a new index (the old one is kept as gphotos.sqlite.previous)",
  },
  {
    name: "rescan",
    group: "steps",
    kind: "switch",
    commands: SYNC,
    help: "index the whole library, not only what is new",
  },
  {
    name: "retry-download",
    group: "steps",
    kind: "switch",
    commands: SYNC,
    help: "download again items marked downloaded but missing on disk",
  },
  {
    name: "skip-shared-albums",
    group: "backup",
    kind: "switch",
    commands: SYNC,
    help: "leave shared albums out",
  },
  {
    name: "start-date",
    group: "backup",
    example: "--start-date 2020-01-01",
    kind: "string",
    commands: SYNC,
    arg: "YYYY-MM-DD",
    help: "only items taken on or after this day",
  },
  {
    name: "end-date",
    group: "backup",
    example: "--end-date 2020-12-31",
    kind: "string",
    commands: SYNC,
    arg: "YYYY-MM-DD",
    help: "only items taken on or before this day",
  },
  {
    name: "index-only",
    group: "steps",
    kind: "switch",
    commands: SYNC,
    help: "index, download nothing",
  },
  {
    name: "skip-index",
    group: "steps",
    kind: "switch",
    commands: SYNC,
    help: "download what is indexed, index nothing new",
  },
  {
    name: "do-delete",
    group: "steps",
    kind: "switch",
    commands: SYNC,
    help:
      "remove local media deleted on Google, within what the run lists (the library, or the dates and types given)",
  },
  {
    name: "skip-files",
    group: "steps",
    kind: "switch",
    commands: SYNC,
    help: "do not index or download media",
  },
  {
    name: "skip-albums",
    group: "steps",
    kind: "switch",
    commands: SYNC,
    help: "do not index albums or build album folders",
  },
  {
    name: "no-album-index",
    group: "backup",
    kind: "switch",
    commands: SYNC,
    help: "do not add items found only in albums",
  },
  {
    name: "archived",
    group: "backup",
    kind: "switch",
    commands: SYNC,
    help: "include archived items",
  },
  // pick.
  {
    name: "max-items",
    group: "backup",
    example: "gphotos-sync pick ~/Photos --max-items 500",
    kind: "int",
    commands: ["pick"],
    arg: "N",
    help: "most items the user may pick (default and maximum 2000)",
  },
  {
    name: "timeout",
    group: "network",
    example: "--timeout 600",
    kind: "int",
    commands: ["pick"],
    arg: "S",
    help: "stop waiting for the pick after S seconds",
  },
  {
    name: "resume",
    group: "steps",
    example: "gphotos-sync pick ~/Photos --resume",
    kind: "switch",
    commands: ["pick"],
    help: "finish the downloads of the last interrupted session",
  },
  // takeout.
  {
    name: "include-trashed",
    group: "backup",
    kind: "switch",
    commands: ["takeout"],
    help: "import items from the trash too",
  },
  {
    name: "skip-archived",
    group: "backup",
    kind: "switch",
    commands: ["takeout"],
    help: "leave archived items out",
  },
  {
    name: "no-xmp",
    group: "layout",
    kind: "switch",
    commands: ["takeout"],
    help: "write no XMP sidecars",
  },
  {
    name: "from",
    group: "steps",
    example: "gphotos-sync takeout ~/Photos --from ~/TakeoutInbox",
    kind: "string",
    commands: ["takeout"],
    arg: "DIR",
    help:
      "import the Takeout parts that arrive in DIR (and its folders), each once, set by set, oldest first; parts still arriving wait for a later run",
  },
  {
    name: "settle",
    group: "steps",
    example: "--settle 60",
    kind: "int",
    commands: ["takeout"],
    arg: "MINUTES",
    help:
      "with --from: minutes a part must stay unchanged before it is read (default 15)",
  },
  {
    name: "delete-imported",
    group: "steps",
    kind: "switch",
    commands: ["takeout"],
    help:
      "with --from: delete an export's parts once every one of them is imported and recorded and a day has passed without a new one",
  },
  {
    name: "dry-run",
    group: "steps",
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
