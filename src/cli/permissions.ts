// The least Deno permissions a run needs, computed from its command line:
// network to Google's hosts (or the endpoints the environment names) and
// files only where the command line points. Two layers use it:
//
// - the sandbox (src/cli/sandbox.ts): every run does its work (network,
//   archives, the index) in a worker holding exactly `sandboxGrants`;
// - the process around it: `deno task sync` (scripts/scoped_run.ts) starts
//   it with `permissionFlags`, the binary has `binaryPermissionFlags` baked
//   in. The process adds only what the supervisor itself needs: unscoped
//   file access when the run makes symbolic links (Deno allows symlink()
//   only so), which the supervisor uses for nothing but the links the
//   worker asks for and src/cli/link_guard.ts accepts.

import { dirname, isAbsolute, join, resolve } from "../fs/path.ts";
import type { Options } from "../options.ts";
import { LOG_GENERATIONS } from "./log_rotation.ts";
import { acceptableTokenUri, ENDPOINT_VARIABLES } from "../google/endpoints.ts";

/** Hosts the program talks to by default. */
export const GOOGLE_HOSTS: readonly string[] = [
  "photoslibrary.googleapis.com",
  "photospicker.googleapis.com",
  "oauth2.googleapis.com",
  // baseUrls (lh3...) and the video redirects they lead to.
  "*.googleusercontent.com",
];

/**
 * V8 settings the program runs under (the sync task, the binary). A backup
 * streams many files and allocates briefly for each; V8's default heap
 * sizing lets the resident set grow to ~230 MB for 20,000 items, while
 * --optimize-for-size keeps it under 100 MB at no measurable cost in speed
 * (see `deno task bench`). Worker permissions (the sandbox) are still
 * behind Deno's unstable flag.
 */
export const RUNTIME_FLAGS: readonly string[] = [
  "--v8-flags=--optimize-for-size,--no-opt,--no-maglev",
  "--unstable-worker-options",
];

/** The environment variables the program reads, and nothing else. */
export const ENV_VARS: readonly string[] = [
  "GPHOTOS_LIBRARY_API",
  "GPHOTOS_PICKER_API",
  "GPHOTOS_BACKOFF_MS",
  "GPHOTOS_API_TIMEOUT_MS",
  "HOME",
  "USERPROFILE",
  "XDG_CONFIG_HOME",
  "NO_COLOR",
  // npm:yaml looks at these (debug output) whenever it parses
  // gphotos.bad_ids.yaml; refused, the parse fails.
  "LOG_TOKENS",
  "LOG_STREAM",
];

/**
 * System information the program reads: the host name (written into the
 * lock, so that a run on another host can tell whose it is) and statfs
 * (the filesystem's type, and its free space before a Takeout import).
 */
export const SYS_NAMES: readonly string[] = ["hostname", "statfs"];

export interface PermissionInputs {
  env: (name: string) => string | undefined;
  /** Reads the client secret to learn its token_uri host; may throw. */
  readTextFile: (path: string) => string;
  /** The real path of an existing path; may throw (then it is not added). */
  realPath?: (path: string) => string;
  /** True only when `path` certainly does not exist (not when unreadable). */
  isMissing?: (path: string) => boolean;
}

/** PermissionInputs on the real filesystem and environment. */
export function realInputs(
  env: (name: string) => string | undefined,
): PermissionInputs {
  return {
    env,
    readTextFile: (p) => Deno.readTextFileSync(p),
    realPath: (p) => Deno.realPathSync(p),
    isMissing: (p) => {
      try {
        Deno.lstatSync(p);
        return false;
      } catch (e) {
        return e instanceof Deno.errors.NotFound;
      }
    },
  };
}

/** What the sandboxed worker may touch: exactly these, nothing else. */
export interface Grants {
  net: string[];
  read: string[];
  write: string[];
  env: string[];
  sys: string[];
}

/** Where the supervisor makes links for the worker (src/cli/link_guard.ts). */
export interface LinkScope {
  /** Folders a link may be made in (ROOT, absolute album folders). */
  places: string[];
  /** Folders a link may point into: the places, and --compare-folder. */
  targets: string[];
}

/** The folder of the program's own modules, which the worker loads. */
export const PROGRAM_DIR = dirname(
  dirname(dirname(new URL(import.meta.url).pathname)),
);

/**
 * Whether the run makes symbolic links: album folders (unless
 * --use-hardlinks or --skip-albums) and --compare-folder. Only then does
 * the process keep unscoped file access, for the supervisor's links.
 */
export function needsSymlinks(options: Options): boolean {
  if (options.command === "sync") {
    if (options.compareFolder !== undefined) return true;
    return !options.skipAlbums && !options.useHardlinks;
  }
  if (options.command === "pick") {
    // --resume may take the album name from the index.
    return (options.album !== undefined || options.resume) &&
      !options.useHardlinks;
  }
  if (options.command === "takeout") return !options.useHardlinks;
  return false;
}

/** The log's own name: a folder given as --logfile gets a stamped file. */
export function logFilePath(
  logfile: string,
  now: Date,
  isDirectory: (path: string) => boolean,
): string {
  if (!isDirectory(logfile)) return logfile;
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\..*/, "");
  return join(logfile, `gphotos${stamp}.log`);
}

/**
 * The worker's grants for `options` (`logfile` is the log's own name, see
 * logFilePath). Relative grants never occur: every path in Options is
 * absolute.
 */
export function sandboxGrants(
  options: Options,
  inputs: PermissionInputs,
  logfile: string = options.logfile,
): Grants {
  const net = new Set<string>();
  const read = new Set<string>();
  const write = new Set<string>();
  const both = (path: string) => {
    read.add(path);
    write.add(path);
  };

  both(options.root);
  both(options.dbPath);
  // The log file and the generations rotation renames it to; not its
  // folder (the supervisor makes the folder before the worker starts).
  both(logfile);
  for (let n = 1; n <= LOG_GENERATIONS; n++) both(`${logfile}.${n}`);
  // A log folder that does not exist yet is made by the run, and is then
  // the log's alone: the topmost missing folder is granted.
  const made = missingFolder(dirname(logfile), inputs);
  if (made) both(made);
  if (options.conf) read.add(options.conf);
  read.add(PROGRAM_DIR);

  if ("secret" in options) {
    for (const h of GOOGLE_HOSTS) net.add(h);
    for (const name of ENDPOINT_VARIABLES) {
      const host = hostOf(inputs.env(name));
      if (host) net.add(host);
    }
    read.add(options.secret);
    const tokenHost = tokenUriHost(options.secret, inputs);
    if (tokenHost) net.add(tokenHost);
    // The sign-in redirect listener, on loopback only.
    net.add(`127.0.0.1:${options.port}`);
  }
  const ping = hostOf(options.healthcheckUrl);
  if (ping) net.add(ping);
  if ("albumsPath" in options) {
    for (const folder of [options.albumsPath, options.sharedAlbumsPath]) {
      if (isAbsolute(folder)) both(folder);
    }
  }
  if (options.command === "sync" && options.compareFolder) {
    read.add(options.compareFolder);
  }
  if (options.command === "takeout") {
    for (const a of options.archives) read.add(a);
    // The folder parts arrive in: read, and written only to delete the
    // parts of an export once it is imported.
    if (options.from !== undefined) {
      read.add(options.from);
      if (options.deleteImported) write.add(options.from);
    }
  }
  return {
    net: [...net],
    read: withRealPaths(read, inputs),
    write: withRealPaths(write, inputs),
    env: [...ENV_VARS],
    sys: [...SYS_NAMES],
  };
}

/** Where the supervisor may make links for `options`. */
export function linkScope(
  options: Options,
  inputs: Pick<PermissionInputs, "realPath">,
): LinkScope {
  const places = new Set([options.root]);
  if ("albumsPath" in options) {
    for (const folder of [options.albumsPath, options.sharedAlbumsPath]) {
      if (isAbsolute(folder)) places.add(folder);
    }
  }
  const targets = new Set(places);
  if (options.command === "sync" && options.compareFolder) {
    targets.add(options.compareFolder);
  }
  return {
    places: withRealPaths(places, inputs),
    targets: withRealPaths(targets, inputs),
  };
}

/**
 * The `--allow-*` flags of the process for `options` (what `deno task sync`
 * grants): the sandbox's grants, plus unscoped file access when the run
 * makes symbolic links (the supervisor makes them; the worker stays scoped).
 */
export function permissionFlags(
  options: Options,
  inputs: PermissionInputs,
  logfile: string = options.logfile,
): string[] {
  const g = sandboxGrants(options, inputs, logfile);
  const links = needsSymlinks(options);
  const flags = [
    links ? "--allow-read" : `--allow-read=${g.read.join(",")}`,
    links ? "--allow-write" : `--allow-write=${g.write.join(",")}`,
    `--allow-env=${g.env.join(",")}`,
    `--allow-sys=${g.sys.join(",")}`,
  ];
  if (g.net.length > 0) flags.unshift(`--allow-net=${g.net.join(",")}`);
  return flags;
}

/**
 * The permission set baked into the `deno compile` binary. Folders and the
 * --healthcheck-url host are only known at run time, so the process may
 * reach any file and host; at start it computes sandboxGrants for its
 * command line, runs the program in a worker holding exactly those, and
 * gives up its own network, environment and system access
 * (src/cli/sandbox.ts). Nothing but the supervisor's own start-up code ever
 * runs with the wider set.
 */
export function binaryPermissionFlags(): string[] {
  return [
    "--allow-net",
    "--allow-read",
    "--allow-write",
    `--allow-env=${ENV_VARS.join(",")}`,
    `--allow-sys=${SYS_NAMES.join(",")}`,
  ];
}

/** "http://127.0.0.1:4000/x" -> "127.0.0.1:4000"; undefined when not a URL. */
export function hostOf(url: unknown): string | undefined {
  if (typeof url !== "string" || url === "") return undefined;
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

/** The client secret's token_uri host, when the file names an acceptable one. */
function tokenUriHost(
  secret: string,
  inputs: PermissionInputs,
): string | undefined {
  let uri: unknown;
  try {
    const parsed = JSON.parse(inputs.readTextFile(secret));
    uri = (parsed.installed ?? {}).token_uri;
  } catch {
    // The program itself reports a missing or broken secret file.
    return undefined;
  }
  if (typeof uri !== "string") return undefined;
  // The same rule the program applies (src/google/endpoints.ts): Google's
  // token host over https, or loopback when the API endpoints are.
  return acceptableTokenUri(uri, inputs.env) ? hostOf(uri) : undefined;
}

/** The topmost folder of `folder`'s chain that does not exist, if any. */
function missingFolder(
  folder: string,
  inputs: Pick<PermissionInputs, "isMissing">,
): string | undefined {
  if (!inputs.isMissing) return undefined;
  let top: string | undefined;
  for (let f = folder; inputs.isMissing(f); f = dirname(f)) {
    top = f;
    if (dirname(f) === f) break;
  }
  return top;
}

/** Each path, and its real path when that differs (a symlinked folder). */
function withRealPaths(
  paths: Iterable<string>,
  inputs: Pick<PermissionInputs, "realPath">,
): string[] {
  const out = new Set<string>();
  for (const p of paths) {
    const abs = resolve(p);
    out.add(abs);
    if (!inputs.realPath) continue;
    try {
      out.add(inputs.realPath(abs));
    } catch {
      // Not there yet, or not readable here: the path as given.
    }
  }
  return [...out];
}
