// The least Deno permissions a run needs: network to Google's hosts (or the
// endpoints the environment names) and files only under the folders the
// command line names. Used by `deno task sync` (scripts/scoped_run.ts) and by
// the test that proves the set; `deno task compile` bakes in the folder-free
// part (see scripts/compile.ts).

import { dirname } from "node:path";
import type { Options } from "./args.ts";

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
 * (see `deno task bench`).
 */
export const RUNTIME_FLAGS: readonly string[] = [
  "--v8-flags=--optimize-for-size",
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
];

export interface PermissionInputs {
  env: (name: string) => string | undefined;
  /** Reads the client secret to learn its token_uri host; may throw. */
  readTextFile: (path: string) => string;
}

/**
 * Deno lets a program make symbolic links only with unscoped read and write
 * permission (a link's target is resolved when it is followed). Album
 * folders and the comparison folder are relative symlinks, as gphotos-sync
 * made them; a run that builds them gets unscoped file access, and the
 * program confines its writes itself (src/fs/confine.ts). With
 * --use-hardlinks or --skip-albums the grants stay scoped to the folders.
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

/** The `--allow-*` flags for running `options` with least privilege. */
export function permissionFlags(
  options: Options,
  inputs: PermissionInputs,
): string[] {
  const net = new Set<string>();
  const read = new Set<string>();
  const write = new Set<string>();

  read.add(options.root);
  write.add(options.root);
  read.add(options.dbPath);
  write.add(options.dbPath);
  // The log file may be a directory (a unique name is made inside it) or a file.
  read.add(options.logfile);
  write.add(options.logfile);
  read.add(dirname(options.logfile));
  write.add(dirname(options.logfile));

  if ("secret" in options) {
    for (const h of GOOGLE_HOSTS) net.add(h);
    for (const name of ["GPHOTOS_LIBRARY_API", "GPHOTOS_PICKER_API"]) {
      const host = hostOf(inputs.env(name));
      if (host) net.add(host);
    }
    read.add(options.secret);
    try {
      const secret = JSON.parse(inputs.readTextFile(options.secret));
      const app = secret.installed ?? secret.web ?? {};
      const host = hostOf(app.token_uri);
      if (host) net.add(host);
    } catch {
      // The program itself reports a missing or broken secret file.
    }
    // The sign-in redirect listener, on loopback only.
    net.add(`127.0.0.1:${options.port}`);
    net.add(`localhost:${options.port}`);
  }
  const ping = hostOf(options.healthcheckUrl);
  if (ping) net.add(ping);
  if (options.command === "sync" && options.compareFolder) {
    read.add(options.compareFolder);
  }
  if (options.command === "takeout") {
    for (const a of options.archives) read.add(a);
  }
  const links = needsSymlinks(options);
  const flags = [
    links ? "--allow-read" : `--allow-read=${[...read].join(",")}`,
    links ? "--allow-write" : `--allow-write=${[...write].join(",")}`,
    `--allow-env=${ENV_VARS.join(",")}`,
    "--allow-sys=hostname",
  ];
  if (net.size > 0) flags.unshift(`--allow-net=${[...net].join(",")}`);
  return flags;
}

/** "http://127.0.0.1:4000/x" -> "127.0.0.1:4000"; undefined when not a URL. */
function hostOf(url: unknown): string | undefined {
  if (typeof url !== "string" || url === "") return undefined;
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

/**
 * The permission set baked into the `deno compile` binary. Folders are only
 * known at run time, so files are not scoped here; the program confines every
 * write to the folders named on the command line itself (src/fs/confine.ts).
 */
export function binaryPermissionFlags(): string[] {
  return [
    `--allow-net=${[...GOOGLE_HOSTS, "127.0.0.1", "localhost"].join(",")}`,
    "--allow-read",
    "--allow-write",
    `--allow-env=${ENV_VARS.join(",")}`,
    "--allow-sys=hostname",
  ];
}
