import { join } from "node:path";
import { assertEquals, assertMatch, assertRejects } from "../assert.ts";
import {
  checkRuntime,
  executablePlatforms,
  hostPlatform,
  targetPlatform,
} from "../../scripts/denort.ts";
import { compileTarget, TARGETS } from "../../scripts/compile.ts";

/** A header laid out as each format's specification puts it. */
function elf(machine: number, littleEndian = true): Uint8Array {
  const b = new Uint8Array(64);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, littleEndian ? 1 : 2, 1]);
  new DataView(b.buffer).setUint16(18, machine, littleEndian);
  return b;
}
function machO(cputype: number): Uint8Array {
  const b = new Uint8Array(32);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0xfeedfacf, true);
  v.setUint32(4, cputype, true);
  return b;
}
function fat(cputypes: number[]): Uint8Array {
  const b = new Uint8Array(8 + 20 * cputypes.length);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0xcafebabe);
  v.setUint32(4, cputypes.length);
  cputypes.forEach((c, i) => v.setUint32(8 + 20 * i, c));
  return b;
}
function pe(machine: number): Uint8Array {
  const b = new Uint8Array(0x100);
  const v = new DataView(b.buffer);
  b.set([0x4d, 0x5a]);
  v.setUint32(0x3c, 0x80, true);
  b.set([0x50, 0x45, 0, 0], 0x80);
  v.setUint16(0x84, machine, true);
  return b;
}

Deno.test("the platform of a runtime is read from its ELF, Mach-O or PE header", () => {
  const cases: [Uint8Array, string[]][] = [
    [elf(0x3e), ["linux x86_64"]],
    [elf(0xb7), ["linux aarch64"]],
    [elf(0xb7, false), ["linux aarch64"]],
    [elf(0x28), []], // 32-bit ARM: no target of ours
    [machO(0x0100000c), ["darwin aarch64"]],
    [machO(0x01000007), ["darwin x86_64"]],
    [fat([0x01000007, 0x0100000c]), ["darwin x86_64", "darwin aarch64"]],
    [pe(0x8664), ["windows x86_64"]],
    [pe(0xaa64), ["windows aarch64"]],
    [new TextEncoder().encode("#!/bin/sh\necho denort\n"), []],
    [new Uint8Array(0), []],
    [new Uint8Array([0x4d, 0x5a]), []],
  ];
  for (const [head, expected] of cases) {
    assertEquals(
      executablePlatforms(head).map((p) => `${p.os} ${p.arch}`),
      expected,
    );
  }
  assertEquals(targetPlatform("aarch64-unknown-linux-gnu"), {
    os: "linux",
    arch: "aarch64",
  });
  for (const t of TARGETS) assertEquals(typeof targetPlatform(t), "object");
});

Deno.test("DENORT_BIN for another platform than the target is refused before anything is built", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const host = hostPlatform();
    // The running Deno is a real executable of this machine.
    const deno = Deno.execPath();
    const mine = TARGETS.find((t) => {
      const p = targetPlatform(t)!;
      return p.os === host.os && p.arch === host.arch;
    });
    if (mine) await checkRuntime(deno, mine);
    await checkRuntime(deno, undefined);
    const other = TARGETS.filter((t) => t !== mine);
    for (const target of other) {
      const output = join(dir, target);
      const err = await assertRejects(
        () =>
          compileTarget(
            target,
            output,
            (n) => n === "DENORT_BIN" ? deno : undefined,
          ),
        Error,
      );
      assertMatch(err.message, new RegExp(`cannot build for ${target}`));
      assertMatch(err.message, /^DENORT_BIN=.* is a \w+ \w+ executable/);
      // Refused before deno compile ran: no binary labelled for the target.
      await assertRejects(() => Deno.stat(output), Deno.errors.NotFound);
    }
    const script = join(dir, "denort");
    await Deno.writeTextFile(script, "#!/bin/sh\n");
    const err = await assertRejects(
      () => checkRuntime(script, "x86_64-pc-windows-msvc"),
      Error,
    );
    assertMatch(
      err.message,
      /is not an executable for Linux, macOS or Windows/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
