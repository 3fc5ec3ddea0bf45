// deno-lint-ignore-file no-console -- a build script talks to its user on stderr
// `deno task release [TARGET...]`: builds the binary for every target (or
// those named), names each `gphotos-sync-<version>-<target>[.exe]`, writes
// dist/SHA256SUMS and prints the list. Needs the compile runtime for each
// target: see scripts/compile.ts and DENORT_BIN.

import { basename, join } from "node:path";
import { VERSION } from "../src/cli/help.ts";
import { compileTarget, TARGETS } from "./compile.ts";

export interface Artifact {
  name: string;
  bytes: number;
  sha256: string;
}

export function artifactName(version: string, target: string): string {
  const exe = target.includes("windows") ? ".exe" : "";
  return `gphotos-sync-${version}-${target}${exe}`;
}

/**
 * Builds every target into `dir` and writes SHA256SUMS (the format
 * `sha256sum -c` reads). Stops at the first target that cannot be built.
 */
export async function release(
  targets: readonly string[],
  dir: string,
  build: (target: string, output: string) => Promise<void> = compileTarget,
  version = VERSION,
): Promise<Artifact[]> {
  await Deno.mkdir(dir, { recursive: true });
  const artifacts: Artifact[] = [];
  for (const target of targets) {
    const name = artifactName(version, target);
    const path = join(dir, name);
    await build(target, path);
    const bytes = await Deno.readFile(path);
    const digest = await crypto.subtle.digest("SHA-256", bytes);
    artifacts.push({
      name: basename(path),
      bytes: bytes.length,
      sha256: Array.from(
        new Uint8Array(digest),
        (b) => b.toString(16).padStart(2, "0"),
      ).join(""),
    });
  }
  await Deno.writeTextFile(
    join(dir, "SHA256SUMS"),
    artifacts.map((a) => `${a.sha256}  ${a.name}\n`).join(""),
  );
  return artifacts;
}

if (import.meta.main) {
  const targets = Deno.args.length > 0 ? Deno.args : [...TARGETS];
  try {
    const list = await release(targets, "dist/release");
    for (const a of list) {
      console.log(`${a.name}\t${a.bytes}\t${a.sha256}`);
    }
    console.error("wrote dist/release/SHA256SUMS");
  } catch (e) {
    console.error((e as Error).message);
    Deno.exit(1);
  }
}
