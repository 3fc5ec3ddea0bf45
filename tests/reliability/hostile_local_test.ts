// Hostile local input: a corrupt, foreign, truncated or wrong-version
// index; garbage in the config file, the bad-ids list, the token, the lock
// and the client secret; bad dates, regexes and numbers on the command
// line. Each gives a clear message (no stack trace) and the right exit
// code, changes nothing it refuses, and loses nothing already backed up.

import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { type Backup, backup, type RunResult } from "../e2e/harness.ts";
import {
  fileDigests,
  hasStackTrace,
  lostFiles,
  sha256File,
  spawnProgram,
  strayEntries,
  type TimedResult,
} from "./kit.ts";

async function backedUp(): Promise<Backup> {
  const b = await backup((lib) => {
    lib.generate(5, { start: "2020-01-01T00:00:00Z", stepSec: 86_400 });
  }, { era: "2024" });
  await b.signIn();
  const r = await b.sync();
  assertEquals(r.code, 0, r.stderr);
  return b;
}

function run(b: Backup, args: string[]): Promise<TimedResult> {
  return spawnProgram(args, b.env(), { timeoutMs: 60_000 }).done;
}

function assertClear(
  r: RunResult,
  code: number,
  message: RegExp,
  what: string,
) {
  assertEquals(r.code, code, `${what}: ${r.stderr}`);
  assertMatch(r.stderr, message, what);
  assert(!hasStackTrace(r.stderr), `${what}: stack trace:\n${r.stderr}`);
  assert(!/Unexpected error/.test(r.stderr), `${what}: ${r.stderr}`);
}

Deno.test("a damaged, foreign or wrong-version index is refused untouched, exit 1; --flush-index recovers without downloading again", async () => {
  await using b = await backedUp();
  const index = b.path("gphotos.sqlite");
  const good = await Deno.readFile(index);
  const photos = await fileDigests(b.path("photos"));
  const setVersion = (v: string) => {
    const db = new DatabaseSync(index);
    db.prepare("UPDATE Globals SET Version = ?").run(v);
    db.close();
  };
  const corruptions: [string, () => Promise<void> | void, RegExp][] = [
    ["pages overwritten with garbage", async () => {
      const bytes = good.slice();
      for (let i = 4096; i < bytes.length; i++) bytes[i] = (i * 7919) % 251;
      await Deno.writeFile(index, bytes);
    }, /is damaged|is not a gphotos-sync index/],
    ["cut in half", async () => {
      await Deno.writeFile(index, good.slice(0, Math.floor(good.length / 2)));
    }, /is damaged|is not a gphotos-sync index/],
    ["a text file", async () => {
      await Deno.writeTextFile(index, "these are my notes, not an index\n");
    }, /is not a gphotos-sync index \(it is not an SQLite database\)/],
    [
      "an older schema",
      () => setVersion("4.9"),
      /older gphotos-sync \(schema 4\.9\)/,
    ],
    [
      "a newer schema",
      () => setVersion("6.1"),
      /newer gphotos-sync \(schema 6\.1/,
    ],
    [
      "a version that is not a number",
      () => setVersion("five"),
      /not a number/,
    ],
  ];
  for (const [what, damage, message] of corruptions) {
    await Deno.writeFile(index, good);
    await damage();
    const damaged = await sha256File(index);
    const r = await b.sync();
    assertClear(r, 1, message, what);
    assertMatch(r.stderr, /Nothing was changed/, what);
    assertEquals(await sha256File(index), damaged, `${what}: index changed`);
    assertEquals(lostFiles(photos, await fileDigests(b.path("photos"))), []);
  }
  b.google.requests.clear();
  const flushed = await b.sync(["--flush-index"]);
  assertEquals(flushed.code, 0, flushed.stderr);
  assertEquals(b.google.requests.count("media"), 0, "downloaded again");
  assert(await Deno.stat(index + ".previous"));
  assertEquals(lostFiles(photos, await fileDigests(b.path("photos"))), []);
});

Deno.test("garbage in the config file is exit 2 naming the file and line, and creates nothing", async () => {
  await using b = await backup(() => {});
  const fresh = join(b.dir, "never-made");
  const conf = join(b.dir, "gphotos.ini");
  const cases: [string, string | Uint8Array, RegExp][] = [
    [
      "binary junk",
      crypto.getRandomValues(new Uint8Array(512)),
      /gphotos\.ini/,
    ],
    [
      "a word for a number",
      "[GENERAL]\nmax-threads = lots\n",
      /--max-threads takes a whole number, not "lots"/,
    ],
    [
      "an unknown key",
      "[GENERAL]\nfrobnicate = 1\n",
      /gphotos\.ini:2: unknown setting "frobnicate"/,
    ],
    [
      "a bad switch",
      "[GENERAL]\nskip-video = perhaps\n",
      /gphotos\.ini:2: skip-video takes true or false/,
    ],
    ["a bad date", "[GENERAL]\nstart-date = 2020-02-30\n", /start-date/],
    ["a bad regex", "[GENERAL]\nalbum-regex = ([a-\n", /album-regex/],
  ];
  for (const [what, content, message] of cases) {
    if (typeof content === "string") await Deno.writeTextFile(conf, content);
    else await Deno.writeFile(conf, content);
    const r = await run(b, [fresh, "--secret", b.secret, "-c", conf]);
    assertClear(r, 2, message, what);
  }
  const dir = await run(b, [fresh, "-c", b.dir]);
  assertClear(dir, 2, /Cannot read the config file/, "a folder as config");
  assertEquals(
    await strayEntries(b.dir, ["client_secret.json", "gphotos.ini"]),
    [],
  );
});

Deno.test("bad dates, regexes and numbers on the command line are exit 2 and create nothing", async () => {
  await using b = await backup(() => {});
  const root = join(b.dir, "never-made");
  const cases: [string[], RegExp][] = [
    [["--start-date", "2020-13-45"], /--start-date/],
    [["--start-date", "yesterday"], /--start-date/],
    [["--end-date", "2020-02-30"], /--end-date/],
    [
      ["--start-date", "2021-01-01", "--end-date", "2020-01-01"],
      /is after --end-date/,
    ],
    [
      ["--album-regex", "("],
      /--album-regex "\(" is not a valid regular expression|--album-regex/,
    ],
    [["--album-regex", "[z-a]"], /--album-regex/],
    [["--album", "x", "--album-regex", "x"], /cannot be used together/],
    [["--max-threads", "0"], /--max-threads must be between 1 and 200/],
    [["--max-threads", "abc"], /--max-threads takes a whole number/],
    [["--max-retries", "-1"], /--max-retries must be between/],
    [["--image-timeout", "1e3"], /--image-timeout takes a whole number/],
    [["--frobnicate"], /frobnicate/],
    [["second-root"], /Unexpected argument "second-root"/],
  ];
  for (const [args, message] of cases) {
    const r = await run(b, [root, "--secret", b.secret, ...args]);
    assertClear(r, 2, message, args.join(" "));
  }
  const none = await run(b, ["--secret", b.secret]);
  assertClear(none, 2, /Missing ROOT/, "no ROOT");
  assertEquals(await strayEntries(b.dir, ["client_secret.json"]), []);
});

Deno.test("garbage bad-ids list, lock file and token are survived or explained; a garbage client secret is refused", async () => {
  await using b = await backedUp();
  const photos = await fileDigests(b.path("photos"));
  const junk = crypto.getRandomValues(new Uint8Array(300));
  await Deno.writeTextFile(b.path("gphotos.bad_ids.yaml"), "{{{ [not: yaml\n");
  await Deno.writeFile(b.path("gphotos.lock"), junk);
  b.library.photo("later.jpg", "2021-01-01T00:00:00Z");
  const r = await b.sync();
  assertEquals(r.code, 0, r.stderr);
  assertMatch(r.stderr, /not valid YAML/);
  assertMatch(r.stderr, /Taking over the lock .*unreadable/);
  assert(await Deno.stat(b.path("photos/2021/01/later.jpg")));

  await Deno.writeFile(b.path(".gphotos.token"), junk);
  const t = await b.sync(["--quiet"]);
  assertClear(t, 4, /gphotos-sync login/, "garbage token, --quiet");

  const secret = join(b.dir, "bad_secret.json");
  await Deno.writeFile(secret, junk);
  const s = await run(b, [b.root, "--secret", secret]);
  assert(s.code === 1 || s.code === 2, s.stderr);
  assertMatch(s.stderr, /bad_secret\.json/);
  assert(!hasStackTrace(s.stderr), s.stderr);
  assertEquals(lostFiles(photos, await fileDigests(b.path("photos"))), []);
});

Deno.test("a ROOT that is a file, or an index folder that is a file, is exit 1 with a message", async () => {
  await using b = await backup((lib) => lib.generate(1));
  await b.signIn();
  const file = join(b.dir, "a-file");
  await Deno.writeTextFile(file, "not a folder");
  const r = await run(b, [file, "--secret", b.secret]);
  assertEquals(r.code, 1, r.stderr);
  assert(!hasStackTrace(r.stderr), r.stderr);
  assert(r.stderr.includes(file), r.stderr);
  assertEquals(await Deno.readTextFile(file), "not a folder");
  const d = await run(b, [b.root, "--secret", b.secret, "--db-path", file]);
  assertEquals(d.code, 1, d.stderr);
  assert(!hasStackTrace(d.stderr), d.stderr);
  assert(!/Unexpected error/.test(d.stderr), d.stderr);
});

Deno.test("a symbolic link planted at a fixed name in ROOT, leading out of it, is refused: nothing is read or written through it", async () => {
  // name -> what the run does about it: stop (exit 1) or go on without it.
  const cases: [string, "stops" | "goes on", string[]][] = [
    ["gphotos.sqlite", "stops", []],
    ["gphotos.sqlite-wal", "stops", []],
    ["gphotos.lock", "stops", []],
    [".gphotos.token", "stops", []],
    ["gphotos.bad_ids.yaml", "stops", []],
    ["gphotos.album_links.json", "stops", []],
    ["gphotos.log", "goes on", []],
    ["gphotos.trace", "goes on", ["--log-level", "trace"]],
  ];
  await using b = await backedUp();
  const outside = join(b.dir, "outside");
  await Deno.mkdir(outside);
  for (const [name, outcome, flags] of cases) {
    const planted = b.path(name);
    // The real file (when there is one) moves out; the link takes its place.
    const had = await Deno.lstat(planted).then(() => true, () => false);
    const target = join(outside, name);
    if (had) await Deno.rename(planted, target);
    else await Deno.writeTextFile(target, "outside\n");
    const before = await Deno.readFile(target);
    await Deno.symlink(target, planted);
    const r = await b.sync(flags);
    assert(!hasStackTrace(r.stderr), r.stderr);
    if (outcome === "stops") {
      assertEquals(r.code, 1, `${name}: ${r.stderr}`);
    } else {
      assertEquals(r.code, 0, `${name}: ${r.stderr}`);
    }
    assertMatch(r.stderr, /symbolic link/, name);
    assertEquals(await Deno.readFile(target), before, `${name} was written`);
    // Put things back for the next case.
    await Deno.remove(planted);
    if (had) await Deno.rename(target, planted);
    else await Deno.remove(target);
  }
});
