// Which platform a Deno runtime binary (denort) is built for, read from its
// executable header: ELF (Linux), Mach-O (macOS, also universal binaries)
// or PE (Windows), and the CPU. `deno compile` bakes whatever DENORT_BIN
// names into the output without looking, so a Linux x86-64 runtime given
// for an aarch64 target makes a binary labelled aarch64 that cannot run
// there; scripts/compile.ts refuses such a build with this.

export type Os = "linux" | "darwin" | "windows";
export type Arch = "x86_64" | "aarch64";

export interface Platform {
  os: Os;
  arch: Arch;
}

/** The platform of a target triple, e.g. aarch64-unknown-linux-gnu. */
export function targetPlatform(target: string): Platform | undefined {
  const arch = target.startsWith("x86_64-")
    ? "x86_64"
    : target.startsWith("aarch64-")
    ? "aarch64"
    : undefined;
  const os = target.includes("-linux-")
    ? "linux"
    : target.includes("-apple-darwin")
    ? "darwin"
    : target.includes("-windows-")
    ? "windows"
    : undefined;
  return arch && os ? { os, arch } : undefined;
}

/** This machine's platform, as `deno compile` without --target builds for. */
export function hostPlatform(): Platform {
  return {
    os: Deno.build.os === "darwin"
      ? "darwin"
      : Deno.build.os === "windows"
      ? "windows"
      : "linux",
    arch: Deno.build.arch,
  };
}

/**
 * The platforms an executable's header says it runs on (a macOS universal
 * binary has several); empty when it is no executable we know.
 */
export function executablePlatforms(head: Uint8Array): Platform[] {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const u32be = (at: number) =>
    at + 4 <= head.length ? view.getUint32(at, false) : -1;
  // ELF: e_machine at 18, in the byte order EI_DATA (byte 5) names.
  if (u32be(0) === 0x7f454c46 && head.length >= 20) {
    const machine = view.getUint16(18, head[5] === 1);
    const arch = machine === 0x3e
      ? "x86_64"
      : machine === 0xb7
      ? "aarch64"
      : undefined;
    return arch ? [{ os: "linux", arch }] : [];
  }
  // Mach-O 64-bit, little-endian: cputype right after the magic.
  if (u32be(0) === 0xcffaedfe && head.length >= 8) {
    const arch = machOArch(view.getUint32(4, true));
    return arch ? [{ os: "darwin", arch }] : [];
  }
  // Universal ("fat") Mach-O: big-endian, a 20-byte record per slice.
  if (u32be(0) === 0xcafebabe) {
    const count = u32be(4);
    const out: Platform[] = [];
    for (let i = 0; i < count && i < 16; i++) {
      const arch = machOArch(u32be(8 + 20 * i));
      if (arch) out.push({ os: "darwin", arch });
    }
    return out;
  }
  // PE: "MZ", then at e_lfanew "PE\0\0" and the COFF Machine field.
  if (head[0] === 0x4d && head[1] === 0x5a && head.length >= 0x40) {
    const pe = view.getUint32(0x3c, true);
    if (u32be(pe) !== 0x50450000 || pe + 6 > head.length) return [];
    const machine = view.getUint16(pe + 4, true);
    const arch = machine === 0x8664
      ? "x86_64"
      : machine === 0xaa64
      ? "aarch64"
      : undefined;
    return arch ? [{ os: "windows", arch }] : [];
  }
  return [];
}

function machOArch(cputype: number): Arch | undefined {
  return cputype === 0x01000007
    ? "x86_64"
    : cputype === 0x0100000c
    ? "aarch64"
    : undefined;
}

export function describe(p: Platform): string {
  const os = { linux: "Linux", darwin: "macOS", windows: "Windows" }[p.os];
  return `${os} ${p.arch}`;
}

/** Enough of the file for every header above (PE's e_lfanew is small). */
const HEAD_BYTES = 4096;

/**
 * Throws, saying what the file is, unless the runtime at `path` can serve
 * `target` (this machine when undefined).
 */
export async function checkRuntime(
  path: string,
  target: string | undefined,
): Promise<void> {
  const want = target === undefined ? hostPlatform() : targetPlatform(target);
  if (!want) throw new Error(`Unknown target "${target}".`);
  const file = await Deno.open(path);
  const head = new Uint8Array(HEAD_BYTES);
  let used = 0;
  try {
    while (used < head.length) {
      const n = await file.read(head.subarray(used));
      if (n === null) break;
      used += n;
    }
  } finally {
    file.close();
  }
  const has = executablePlatforms(head.subarray(0, used));
  if (has.some((p) => p.os === want.os && p.arch === want.arch)) return;
  const is = has.length === 0
    ? "not an executable for Linux, macOS or Windows on x86_64 or aarch64"
    : `a ${has.map(describe).join(" and ")} executable`;
  throw new Error(
    `DENORT_BIN=${path} is ${is}; it cannot build for ${
      target ?? "this machine"
    } (${describe(want)}). Point DENORT_BIN at the denort of that target ` +
      `(denort-${
        target ?? "<target>"
      }.zip on Deno's release page) and build one target at a time.`,
  );
}
