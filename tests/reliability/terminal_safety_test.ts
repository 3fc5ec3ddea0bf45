// Names and messages from outside (an archive's entry names, a server's
// error text) reach the screen and the log with their control characters
// escaped: a name cannot clear the screen, retitle the terminal or hide
// what follows it.

import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { backup } from "../e2e/harness.ts";
import { startMitmFront } from "../fake_google/mitm_front.ts";
import { writeZip } from "../archive/archive_builder.ts";
import { spawnProgram } from "./kit.ts";

/** ESC, BEL, CSI (C1), carriage return, DEL: none may pass raw. */
// deno-lint-ignore no-control-regex -- finding control characters is the point
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const HOSTILE = "\x1b[2J\x1b]0;pwned\x07\r\x9b31m\x7f";

Deno.test("entry names with terminal escapes are shown escaped, on screen and in the report", async () => {
  const dir = await Deno.makeTempDir({ prefix: "gphotos-tty-" });
  try {
    const part = join(dir, "takeout-20240101T000000Z-001.zip");
    const photos = "Takeout/Google Photos/Photos from 2020/";
    await writeZip(part, [
      {
        name: `${photos}IMG${HOSTILE}.jpg`,
        data: new Uint8Array([0xff, 0xd8]),
      },
      // Refused (absolute): its name is shown in the refusal.
      { name: `/abs${HOSTILE}.jpg`, data: new Uint8Array([1]) },
    ]);
    const root = join(dir, "root");
    const dry = await spawnProgram(
      ["takeout", root, part, "--dry-run"],
      { NO_COLOR: "1" },
    ).done;
    assertEquals(dry.code, 3, dry.stderr);
    const run = await spawnProgram(
      ["takeout", root, part, "--log-level", "debug"],
      { NO_COLOR: "1" },
    ).done;
    assertEquals(run.code, 3, run.stderr);
    const log = await Deno.readTextFile(join(root, "gphotos.log"));
    for (
      const [what, text] of [
        ["dry-run stdout", dry.stdout],
        ["dry-run stderr", dry.stderr],
        ["stderr", run.stderr],
        ["stdout", run.stdout],
        ["gphotos.log", log],
      ]
    ) {
      assert(!RAW.test(text), `${what} holds a raw control character`);
    }
    assertMatch(
      dry.stdout,
      /IMG\\x1b\[2J\\x1b\]0;pwned\\x07\\x0d\\x9b31m\\x7f\.jpg/,
    );
    assertMatch(log, /abs\\x1b\[2J/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a server's error text with terminal escapes is shown escaped", async () => {
  await using b = await backup((lib) => lib.generate(2), { era: "2024" });
  await using mitm = startMitmFront(b.google);
  await b.signIn();
  mitm.tamper({
    on: "list",
    respond: () =>
      Response.json({
        error: { code: 400, message: `bad${HOSTILE}request`, status: "X" },
      }, { status: 400 }),
  });
  const r = await b.sync([], { env: { GPHOTOS_LIBRARY_API: mitm.url } });
  assertEquals(r.code, 1, r.stderr);
  assertMatch(r.stderr, /bad\\x1b\[2J/);
  assert(!RAW.test(r.stderr), "stderr holds a raw control character");
  const log = await Deno.readTextFile(b.path("gphotos.log"));
  assert(!RAW.test(log), "gphotos.log holds a raw control character");
});
