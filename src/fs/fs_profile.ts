// What the backup folder's filesystem can do, probed once at start and then
// passed around as a value (gphotos-sync kept this in a global, Checks.py).
// The probe makes a few small files in ROOT named `.gphotos-probe-*.part`
// and always removes them; --ntfs, --case-insensitive-fs and --max-filename
// override what it finds, as they did in gphotos-sync. The filesystem type
// comes from /proc/self/mountinfo (Deno: --allow-all only) or statfs
// (--allow-sys=statfs); without either, a name with Windows-reserved
// characters that the filesystem refuses still selects Windows rules.

import { join } from "node:path";
import { statfs } from "node:fs/promises";
import { makeSymlink } from "./symlink.ts";
import { DiskError } from "../errors.ts";
import { type Logger, silentLogger } from "../log.ts";

export interface FsProfile {
  /** Absolute path of the probed folder. */
  root: string;
  /** Filesystem type from the mount table ("ext4", "vfat"...), "" if unknown. */
  fsType: string;
  /** Windows naming rules: no `\ : * ? " < > | ,`, no trailing dot/space. */
  ntfs: boolean;
  /** Symbolic links can be made (album folders need them). */
  symlinks: boolean;
  /** `A` and `a` name the same file; media names are then lower-cased. */
  caseInsensitive: boolean;
  /** Names outside ASCII can be stored; otherwise they become `_`. */
  unicode: boolean;
  /** Longest file name, in UTF-8 bytes. */
  maxFilenameBytes: number;
  /** Longest full path, in UTF-8 bytes. */
  maxPathBytes: number;
  /** Earliest modification time the filesystem keeps. */
  minTime: Date;
}

/** The flags that override the probe (gphotos-sync's, same meaning). */
export interface FsOverrides {
  ntfs?: boolean;
  caseInsensitiveFs?: boolean;
  /** 0 or absent: use what the probe finds. */
  maxFilename?: number;
}

export interface ProbeDeps {
  logger?: Logger;
  /** `Deno.build.os` unless a test says otherwise. */
  os?: typeof Deno.build.os;
  /** Text of /proc/self/mountinfo (Deno lets only --allow-all read it). */
  readMountInfo?: () => Promise<string>;
  /** statfs(2) f_type of a path: the fallback (needs --allow-sys=statfs). */
  statfsType?: (path: string) => Promise<number>;
}

/** gphotos-sync's fallback when nothing better is known (Checks.py). */
const SAFE_WINDOWS_MAX = 248;
/** No common filesystem takes longer names; ext4, btrfs, xfs stop here. */
const NAME_MAX = 255;
/** Filesystem types that get Windows naming rules, as gphotos-sync chose. */
const WINDOWS_FS_TYPES = ["fat", "ntfs", "9p"];
/** Candidate minimum times, earliest first (Utils.minimum_date). */
const MIN_TIME_CANDIDATES = [
  "1800-01-01T00:00:00Z",
  "1970-01-01T00:00:00Z",
  "1980-01-01T00:00:00Z",
];
const LATE_FALLBACK_MIN_TIME = "1980-01-02T00:00:00Z";

/**
 * A profile that was not probed: Linux rules with the given fields changed.
 * For tests and for commands that never write media.
 */
export function makeFsProfile(fields: Partial<FsProfile> = {}): FsProfile {
  return {
    root: "/",
    fsType: "",
    ntfs: false,
    symlinks: true,
    caseInsensitive: false,
    unicode: true,
    maxFilenameBytes: NAME_MAX,
    maxPathBytes: 4096,
    minTime: new Date(MIN_TIME_CANDIDATES[0]),
    ...fields,
  };
}

/** Probe `root` (an existing, writable folder) and apply the overrides. */
export async function probeFsProfile(
  root: string,
  overrides: FsOverrides = {},
  deps: ProbeDeps = {},
): Promise<FsProfile> {
  const log = deps.logger ?? silentLogger;
  const os = deps.os ?? Deno.build.os;
  const readMountInfo = deps.readMountInfo ??
    (() => Deno.readTextFile("/proc/self/mountinfo"));
  const statfsType = deps.statfsType ??
    (async (path: string) => (await statfs(path)).type);

  const realRoot = await realFolder(root);
  const probe = await startProbe(root, realRoot);
  try {
    const fsType = await mountedFsType(realRoot, readMountInfo) ||
      await fsTypeFromMagic(realRoot, statfsType);
    const typeSaysWindows = WINDOWS_FS_TYPES.some((t) => fsType.includes(t));
    const rejectsWindowsChars = !(await probe.touch('w:*?"<>|'));
    const ntfs = overrides.ntfs === true || os === "windows" ||
      typeSaysWindows || rejectsWindowsChars;
    if (!overrides.ntfs && rejectsWindowsChars && !typeSaysWindows) {
      log.info(
        `${root} refuses names with Windows-reserved characters: ` +
          "using Windows naming rules.",
      );
    }

    const symlinks = await probe.symlink();
    const unicode = await probe.touch("\u{1F604}");
    const caseInsensitive = overrides.caseInsensitiveFs === true ||
      await probe.caseInsensitive();
    const probedMax = await probe.maxNameBytes();
    const maxFilenameBytes = overrides.maxFilename && overrides.maxFilename > 0
      ? overrides.maxFilename
      : probedMax;
    const minTime = await probe.minTime();
    const maxPathBytes = os === "windows"
      ? SAFE_WINDOWS_MAX
      : os === "linux"
      ? 4096
      : 1024;

    const profile: FsProfile = {
      root: realRoot,
      fsType,
      ntfs,
      symlinks,
      caseInsensitive,
      unicode,
      maxFilenameBytes,
      maxPathBytes,
      minTime,
    };
    logProfile(log, root, profile, probe.symlinkDenied);
    return profile;
  } finally {
    await probe.cleanUp();
  }
}

/** The backup folder's real path; a DiskError when it is no folder. */
async function realFolder(root: string): Promise<string> {
  try {
    const realRoot = await Deno.realPath(root);
    if (!(await Deno.stat(realRoot)).isDirectory) {
      throw new DiskError(
        `The backup folder ${root} is not a folder. Give a folder as ROOT.`,
      );
    }
    return realRoot;
  } catch (err) {
    if (err instanceof DiskError) throw err;
    throw new DiskError(
      `Cannot open the backup folder ${root}: ${message(err)}. ` +
        "Create it or fix its permissions, then run again.",
      { cause: err },
    );
  }
}

/** The probe, once a first file could be written in the folder. */
async function startProbe(root: string, realRoot: string): Promise<Probe> {
  const probe = new Probe(realRoot);
  try {
    await probe.create(probe.name("w"));
  } catch (err) {
    throw new DiskError(
      `Cannot write in the backup folder ${root}: ${message(err)}. ` +
        "Fix its permissions or free some space, then run again.",
      { cause: err },
    );
  }
  return probe;
}

/** Says what the probe found, and warns when album folders cannot work. */
function logProfile(
  log: Logger,
  root: string,
  profile: FsProfile,
  symlinkDenied: boolean,
): void {
  const { fsType, ntfs, symlinks, caseInsensitive, unicode } = profile;
  const { maxFilenameBytes, minTime } = profile;
  log.info(
    `Filesystem of ${root}: type ${fsType || "unknown"}, ` +
      `${ntfs ? "Windows" : "Linux"} naming, ` +
      `symlinks ${symlinks ? "yes" : "no"}, ` +
      `case ${caseInsensitive ? "insensitive" : "sensitive"}, ` +
      `unicode ${unicode ? "yes" : "no"}, ` +
      `max filename ${maxFilenameBytes} bytes, ` +
      `earliest mtime ${minTime.toISOString()}`,
  );
  if (!symlinks && !symlinkDenied) {
    log.warn(
      `${root} cannot hold symbolic links: album folders need them ` +
        "(use --use-hardlinks, or a filesystem with links).",
    );
  }
}

/** Makes and tracks the probe files so that all of them are removed. */
class Probe {
  readonly #folder: string;
  readonly #tag = crypto.randomUUID().replaceAll("-", "").slice(0, 8);
  readonly #made = new Set<string>();

  constructor(folder: string) {
    this.#folder = folder;
  }

  /** A probe file name: `.gphotos-probe-<tag>-<middle>.part`. */
  name(middle: string): string {
    return `.gphotos-probe-${this.#tag}-${middle}.part`;
  }

  /** Create an empty probe file; false when the filesystem refuses. */
  async touch(middle: string): Promise<boolean> {
    return await this.touchName(this.name(middle));
  }

  async touchName(name: string): Promise<boolean> {
    try {
      await this.create(name);
      return true;
    } catch {
      return false;
    }
  }

  /** Create an empty probe file, or throw why not. */
  async create(name: string): Promise<void> {
    const file = await Deno.open(join(this.#folder, name), {
      write: true,
      createNew: true,
    });
    file.close();
    this.#made.add(name);
  }

  async symlink(): Promise<boolean> {
    const target = this.name("target");
    const link = this.name("link");
    if (!(await this.touchName(target))) return false;
    try {
      await makeSymlink(target, join(this.#folder, link));
      this.#made.add(link);
      return (await Deno.lstat(join(this.#folder, link))).isSymlink;
    } catch (e) {
      // Deno allows symlinks only with unscoped file permissions: that says
      // nothing about the filesystem, and is reported where links are made.
      if (e instanceof Deno.errors.NotCapable) this.symlinkDenied = true;
      return false;
    }
  }

  /** The symlink probe was refused by Deno's permissions, not the filesystem. */
  symlinkDenied = false;

  async caseInsensitive(): Promise<boolean> {
    const lower = this.name("case");
    if (!(await this.touchName(lower))) return false;
    try {
      await Deno.lstat(join(this.#folder, lower.toUpperCase()));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Longest ASCII name that can be created, capped at NAME_MAX. ASCII is
   * one byte per character, so this is the byte limit the filesystem
   * applies (ecryptfs: 143); filesystems that count UTF-16 units instead
   * take at least as many bytes.
   */
  async maxNameBytes(): Promise<number> {
    const base = this.name("").length;
    const fits = async (length: number) =>
      await this.touchName(this.name("x".repeat(length - base)));
    if (await fits(NAME_MAX)) return NAME_MAX;
    let good = base;
    let bad = NAME_MAX;
    if (!(await fits(good))) return SAFE_WINDOWS_MAX;
    while (bad - good > 1) {
      const mid = Math.floor((good + bad) / 2);
      if (await fits(mid)) good = mid;
      else bad = mid;
    }
    return good;
  }

  /**
   * Earliest time that reads back unchanged. Filesystems clamp what they
   * cannot store (ext4 to 1901-12-13, FAT to 1980), so a clamped answer
   * that itself reads back unchanged is the limit.
   */
  async minTime(): Promise<Date> {
    const name = this.name("time");
    if (await this.touchName(name)) {
      const path = join(this.#folder, name);
      const roundTrips = async (when: Date): Promise<Date | undefined> => {
        await Deno.utime(path, when, when);
        return (await Deno.stat(path)).mtime ?? undefined;
      };
      for (const iso of MIN_TIME_CANDIDATES) {
        const when = new Date(iso);
        try {
          const back = await roundTrips(when);
          if (back?.getTime() === when.getTime()) return when;
          if (back && back > when) {
            const again = await roundTrips(back);
            if (again?.getTime() === back.getTime()) return back;
          }
        } catch {
          // Refused: try a later candidate.
        }
      }
    }
    return new Date(LATE_FALLBACK_MIN_TIME);
  }

  async cleanUp(): Promise<void> {
    for (const name of this.#made) {
      try {
        await Deno.remove(join(this.#folder, name));
      } catch {
        // Already gone; cleanStaleTemps removes any `.part` left behind.
      }
    }
    this.#made.clear();
  }
}

/**
 * The type of the filesystem holding `path`: the mount point that is the
 * longest whole-component prefix of it in /proc/self/mountinfo.
 */
export async function mountedFsType(
  path: string,
  readMountInfo: () => Promise<string>,
): Promise<string> {
  let text: string;
  try {
    text = await readMountInfo();
  } catch {
    return "";
  }
  let best = "";
  let bestType = "";
  for (const line of text.split("\n")) {
    const [left, right] = line.split(" - ");
    if (!left || !right) continue;
    const mountPoint = unescapeMount(left.split(" ")[4] ?? "");
    const fsType = right.split(" ")[0] ?? "";
    if (!mountPoint || !isWithin(path, mountPoint)) continue;
    if (mountPoint.length >= best.length) {
      best = mountPoint;
      bestType = fsType;
    }
  }
  return bestType.toLowerCase();
}

/** Filesystem magic numbers (linux/magic.h) of the types worth naming. */
const FS_MAGIC: Record<number, string> = {
  0xef53: "ext4",
  0x9123683e: "btrfs",
  0x58465342: "xfs",
  0x2fc12fc1: "zfs",
  0xf2f52010: "f2fs",
  0x01021994: "tmpfs",
  0x794c7630: "overlay",
  0x4d44: "vfat",
  0x2011bab0: "exfat",
  0x5346544e: "ntfs",
  0x7366746e: "ntfs3",
  0x01021997: "9p",
  0x65735546: "fuse",
  0x6969: "nfs",
  0xff534d42: "cifs",
  0xfe534d42: "smb2",
  0x482b: "hfsplus",
};

/**
 * The filesystem type from statfs(2), for when the mount table cannot be
 * read; "" when that fails too or the type is not one we name.
 */
export async function fsTypeFromMagic(
  path: string,
  statfsType: (path: string) => Promise<number>,
): Promise<string> {
  try {
    const magic = await statfsType(path);
    // Some platforms report the magic as a signed 32-bit number.
    return FS_MAGIC[magic >>> 0] ?? "";
  } catch {
    return "";
  }
}

function isWithin(path: string, mountPoint: string): boolean {
  if (mountPoint === "/") return path.startsWith("/");
  return path === mountPoint || path.startsWith(mountPoint + "/");
}

/** mountinfo writes space, tab, newline and backslash as octal escapes. */
function unescapeMount(field: string): string {
  return field.replace(
    /\\([0-7]{3})/g,
    (_, octal: string) => String.fromCharCode(parseInt(octal, 8)),
  );
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
