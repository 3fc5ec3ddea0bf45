// What a new user meets first: help, the version, a mistyped command, a
// backup folder that happens to be called like a command, and one config
// file shared by every command.

import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { backup, listFiles } from "./harness.ts";
import { takeout, utf8, writeExport } from "./takeout_export.ts";
import { helpText, VERSION } from "../../src/cli/help.ts";

Deno.test("help, help COMMAND, --help, COMMAND --help and version answer without touching the folder they run in", async () => {
  await using b = await backup(() => {});
  const cwd = join(b.dir, "here");
  await Deno.mkdir(cwd);
  const cases: [string[], string][] = [
    [["help"], helpText(undefined)],
    [["--help"], helpText(undefined)],
    [["-h"], helpText(undefined)],
    [["help", "takeout"], helpText("takeout")],
    [["takeout", "--help"], helpText("takeout")],
    [["sync", "--help"], helpText("sync")],
    [["version"], `gphotos-sync ${VERSION}`],
    [["--version"], `gphotos-sync ${VERSION}`],
  ];
  for (const [argv, expected] of cases) {
    const r = await b.run(argv, { cwd });
    assertEquals(r.code, 0, `${argv.join(" ")}: ${r.stderr}`);
    assertEquals(r.stdout, expected + "\n", argv.join(" "));
    assertEquals(r.stderr, "", argv.join(" "));
  }
  assertMatch(helpText(undefined), /^ {2}4 +a person must sign in again/m);
  assertEquals([...Deno.readDirSync(cwd)], []);
});

Deno.test("a mistyped command is exit 2 with a suggestion, and nothing is created", async () => {
  await using b = await backup(() => {});
  const cwd = join(b.dir, "here");
  await Deno.mkdir(cwd);
  const r = await b.run(["tekeout", "a.zip"], { cwd });
  assertEquals(r.code, 2);
  assertEquals(
    r.stderr.split("\n")[0].split(". ")[0],
    "Unknown command 'tekeout' (did you mean takeout?)",
  );
  assertEquals(r.stdout, "");
  const help = await b.run(["help", "tekeout"], { cwd });
  assertEquals(help.code, 2);
  assertMatch(help.stderr, /did you mean takeout\?/);
  assertEquals([...Deno.readDirSync(cwd)], []);
});

Deno.test("a backup folder called help is reached as ./help or after sync", async () => {
  await using b = await backup((lib) => lib.generate(2));
  await b.signIn();
  const help = join(b.dir, "help");
  await Deno.mkdir(help);
  await Deno.copyFile(b.path(".gphotos.token"), join(help, ".gphotos.token"));
  const r = await b.run(["./help", "--secret", b.secret], { cwd: b.dir });
  assertEquals(r.code, 0, r.stderr);
  assertEquals((await listFiles(join(help, "photos"))).length, 2);
  const again = await b.run(["sync", "help", "--secret", b.secret], {
    cwd: b.dir,
  });
  assertEquals(again.code, 0, again.stderr);
  assertMatch(again.stderr, /0 new items indexed/);
});

Deno.test("one config file serves sync and takeout: other commands' settings are ignored (said at debug), typos fail", async () => {
  await using b = await backup((lib) => lib.generate(1));
  await b.signIn();
  const ini = join(b.dir, "gphotos.ini");
  await Deno.writeTextFile(
    ini,
    [
      "[GENERAL]",
      "max-threads = 2",
      "skip-video = true",
      "include-trashed = true",
      "log-level = debug",
    ].join("\n"),
  );
  const s = await b.sync(["-c", ini]);
  assertEquals(s.code, 0, s.stderr);
  assertMatch(
    s.stderr,
    /gphotos\.ini:4: "include-trashed" does not apply to the sync command; ignored\./,
  );
  const parts = await writeExport(b.dir, [{
    path: "Takeout/Google Photos/Photos from 2023/IMG_9.jpg",
    data: utf8.encode("an image"),
    part: 0,
  }], ["zip"]);
  const t = await takeout(b.root, parts, ["-c", ini]);
  assertEquals(t.code, 0, t.stderr);
  assertMatch(
    t.stderr,
    /gphotos\.ini:2: "max-threads" does not apply to the takeout command; ignored\./,
  );
  // Said only at debug.
  await Deno.writeTextFile(ini, "[GENERAL]\nmax-threads = 2\n");
  const quiet = await takeout(b.root, parts, ["-c", ini]);
  assertEquals(quiet.code, 0, quiet.stderr);
  assert(!quiet.stderr.includes("does not apply"), quiet.stderr);
  // A key no command has is a typo: exit 2 before anything runs.
  await Deno.writeTextFile(ini, "[GENERAL]\nmax-thread = 2\n");
  const typo = await takeout(b.root, parts, ["-c", ini]);
  assertEquals(typo.code, 2);
  assertMatch(typo.stderr, /gphotos\.ini:2: unknown setting "max-thread"/);
});
