// --json on every exit: whatever happens, stdout ends with one JSON object
// holding the exit code and the message, so a script or monitor reading it
// never finds stdout empty (restic's exit_error is the model).

import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { backup, type RunResult } from "./harness.ts";
import { acquireLock } from "../../src/fs/lock.ts";

/** The last JSON object on stdout: every line before it must be JSON too. */
function lastObject(r: RunResult): Record<string, unknown> {
  const lines = r.stdout.trimEnd().split("\n");
  assert(lines.length > 0 && lines[0] !== "", `stdout is empty: ${r.stderr}`);
  const last = JSON.parse(lines.at(-1)!);
  assertEquals(typeof last, "object");
  assertEquals(last.exitCode, r.code, r.stdout);
  assertEquals(typeof last.message, "string");
  assert((last.message as string).length > 0, "empty message");
  return last;
}

Deno.test("--json, exit 0: the summary carries exitCode 0 and the summary line", async () => {
  await using b = await backup((lib) => lib.generate(2));
  await b.signIn();
  const r = await b.sync(["--json"]);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(r.stdout.trimEnd().split("\n").length, 1);
  const o = lastObject(r);
  assertEquals(o.command, "sync");
  assertEquals((o.downloaded as { items: number }).items, 2);
  assertMatch(o.message as string, /^gphotos-sync: 2 new items indexed/);
});

Deno.test("--json, exit 0 on an ordinary overlap: the object says another run holds the lock", async () => {
  await using b = await backup((lib) => lib.generate(1));
  await b.signIn();
  const held = await acquireLock(b.root, { heartbeatMs: 0 });
  assert(held.acquired);
  try {
    const r = await b.sync(["--json"]);
    assertEquals(r.code, 0, r.stderr);
    assertMatch(
      lastObject(r).message as string,
      /Another run is using the index .*nothing was done/,
    );
  } finally {
    held.lock.release();
  }
});

Deno.test("--json, exit 1: a failure is an object with the error message", async () => {
  await using b = await backup((lib) => lib.generate(1));
  const r = await b.run(["status", join(b.dir, "nothing"), "--json"]);
  assertEquals(r.code, 1, r.stderr);
  const o = lastObject(r);
  assertEquals(o.command, "status");
  assertMatch(o.message as string, /No index/);
  assertEquals(Object.keys(o), ["command", "exitCode", "message"]);
});

Deno.test("--json, exit 2: a bad command line, a mistyped command, a bad config file", async () => {
  await using b = await backup((lib) => lib.generate(1));
  const ini = join(b.dir, "bad.ini");
  await Deno.writeTextFile(ini, "[GENERAL]\nmax-thread = 3\n");
  const cases: [string[], string | null, RegExp][] = [
    [[b.root, "--json", "--max-threads", "lots"], "sync", /whole number/],
    [["tekeout", "a.zip", "--json"], null, /did you mean takeout\?/],
    [["status", b.root, "-c", ini, "--json"], "status", /max-thread/],
  ];
  for (const [argv, command, message] of cases) {
    const r = await b.run(argv);
    assertEquals(r.code, 2, r.stderr);
    const o = lastObject(r);
    assertEquals(o.command, command, argv.join(" "));
    assertMatch(o.message as string, message);
    // The person reads the same message on stderr.
    assertMatch(r.stderr, message);
  }
});

Deno.test("--json, exit 3: some items failed", async () => {
  await using b = await backup((lib) => {
    lib.photo("good.jpg", "2020-05-01T00:00:00Z");
    lib.photo("gone.jpg", "2020-05-02T00:00:00Z", { id: "gone" });
  });
  await b.signIn();
  assertEquals((await b.sync(["--index-only"])).code, 0);
  b.library.remove("gone");
  const r = await b.sync(["--json", "--quiet"]);
  assertEquals(r.code, 3, r.stderr);
  const o = lastObject(r);
  assertEquals((o.badIds as { added: number }).added, 1);
});

Deno.test("--json, exit 4: a person must sign in", async () => {
  await using b = await backup((lib) => lib.generate(1));
  const r = await b.sync(["--json", "--quiet"]);
  assertEquals(r.code, 4, r.stderr);
  assert(
    (lastObject(r).message as string).includes(`gphotos-sync login ${b.root}`),
  );
});

Deno.test("--json, exit 130: interrupted", async () => {
  await using b = await backup((lib) => {
    lib.generate(30, { start: "2019-01-01T00:00:00Z", stepSec: 86_400 });
  }, { media: { latencyMs: 150 } });
  await b.signIn();
  const r = await b.sync([
    "--json",
    "--max-threads",
    "2",
    "--log-level",
    "debug",
  ], {
    killWhen: { text: "Downloaded photos/", signal: "SIGINT" },
  });
  assertEquals(r.code, 130, r.stderr);
  assertMatch(lastObject(r).message as string, /^Interrupted/);
});

Deno.test("--json with version and help: an object too", async () => {
  await using b = await backup(() => {});
  const v = await b.run(["version", "--json"]);
  assertEquals(v.code, 0);
  assertEquals(lastObject(v).command, "version");
  const h = await b.run(["help", "takeout", "--json"]);
  assertEquals(h.code, 0);
  assertMatch(lastObject(h).message as string, /^Usage: gphotos-sync takeout/);
});
