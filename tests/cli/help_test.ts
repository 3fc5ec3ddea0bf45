import { assert, assertEquals, assertMatch } from "../assert.ts";
import { EXIT_CODES, helpText, VERSION } from "../../src/cli/help.ts";
import { FLAG_GROUPS, FLAGS } from "../../src/cli/flags.ts";
import { COMMANDS } from "../../src/cli/command_line.ts";
import { ExitCode } from "../../src/errors.ts";

Deno.test("the overview names every command and every exit code, 4 included", () => {
  const text = helpText(undefined);
  for (const c of [...COMMANDS, "help", "version"]) {
    assertMatch(text, new RegExp(`^  ${c} +\\S`, "m"), c);
  }
  for (const code of Object.values(ExitCode)) {
    assertMatch(text, new RegExp(`^  ${code} +\\S`, "m"), String(code));
  }
  assertEquals(
    EXIT_CODES.map(([c]) => c).sort((a, b) => a - b),
    Object.values(ExitCode).sort((a, b) => a - b),
  );
  assertMatch(text, /gphotos-sync login ROOT/);
  assertMatch(text, /"\.\/help"/);
  // The overview lists no flags: those are in each command's help.
  assert(!text.includes("--max-threads"), text);
});

Deno.test("a command's help lists exactly its flags, once each, in sections in a fixed order", () => {
  for (const command of COMMANDS) {
    const text = helpText(command);
    const shown = [...text.matchAll(/^ {2}(?:-\w, | {4})--([a-z-]+)/gm)]
      .map((m) => m[1]);
    const expected = FLAGS.filter((f) => f.commands.includes(command)).map((
      f,
    ) => f.name);
    assertEquals(
      [...shown].filter((n) => n !== "help").sort(),
      [...expected].sort(),
      command,
    );
    const headings = [...text.matchAll(/^([A-Z][^:\n]*):$/gm)].map((m) => m[1]);
    const order = Object.values(FLAG_GROUPS) as string[];
    assert(headings.length >= 2, `${command}: no sections`);
    for (const h of headings) assert(order.includes(h), `${command}: ${h}`);
    assertEquals(
      headings,
      [...headings].sort((a, b) => order.indexOf(a) - order.indexOf(b)),
      `${command}: sections out of order`,
    );
  }
  const sync = helpText("sync");
  for (
    const heading of [
      "What to back up:",
      "Folder layout and file names:",
      "Album folders:",
      "Sign-in and network:",
      "Output and logging:",
      "Scheduled runs:",
    ]
  ) {
    assert(sync.includes(`\n${heading}\n`), heading);
  }
});

Deno.test("help fits an 80-column terminal", () => {
  for (const topic of [undefined, ...COMMANDS]) {
    for (const line of helpText(topic).split("\n")) {
      assert(line.length <= 80, `${topic ?? "overview"}: ${line}`);
    }
  }
});

Deno.test("the version is deno.json's", async () => {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
  );
  assertEquals(VERSION, config.version);
});
