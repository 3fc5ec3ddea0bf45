import { assert, assertEquals, assertThrows } from "../assert.ts";
import { type ArgsEnv, parseArgs } from "../../src/cli/args.ts";
import { UsageError } from "../../src/errors.ts";
import { SCOPE_LIBRARY_READONLY } from "../../src/google/scopes.ts";

function io(
  files: Record<string, string> = {},
  env: Record<string, string> = {},
): ArgsEnv {
  return {
    cwd: "/work",
    env: (n) => env[n],
    readTextFile: (p) => {
      if (p in files) return files[p];
      throw new Deno.errors.NotFound(`No such file: ${p}`);
    },
  };
}

function sync(argv: string[], x = io()) {
  const o = parseArgs(argv, x);
  if (!("command" in o) || o.command !== "sync" || "help" in o) {
    throw new Error("expected sync options");
  }
  return o;
}

Deno.test("a bare ROOT means sync with gphotos-sync's defaults", () => {
  const o = sync(["backup"], io({}, { HOME: "/home/ann" }));
  assertEquals(o.root, "/work/backup");
  assertEquals(o.dbPath, "/work/backup");
  assertEquals(o.logfile, "/work/backup/gphotos.log");
  assertEquals(o.photosPath, "photos");
  assertEquals(o.albumsPath, "albums");
  assertEquals(o.sharedAlbumsPath, "sharedAlbums");
  assertEquals(o.maxRetries, 20);
  assertEquals(o.maxThreads, 20);
  assertEquals(o.port, 8080);
  assertEquals(o.imageTimeout, 60);
  assertEquals(o.videoTimeout, 2000);
  assertEquals(o.monthFormat, "%m%d");
  assertEquals(o.logLevel, "warning");
  assertEquals(o.secret, "/home/ann/.config/gphotos-sync/client_secret.json");
});

Deno.test("the client secret default follows XDG_CONFIG_HOME", () => {
  const o = sync(["r"], io({}, { HOME: "/h", XDG_CONFIG_HOME: "/cfg" }));
  assertEquals(o.secret, "/cfg/gphotos-sync/client_secret.json");
});

Deno.test("flags may come before or after ROOT, with = or a separate value", () => {
  const o = sync([
    "--max-threads=4",
    "/abs/root",
    "--log-level",
    "DEBUG",
    "--skip-video",
    "--start-date",
    "2017-01-01",
  ]);
  assertEquals(o.root, "/abs/root");
  assertEquals(o.maxThreads, 4);
  assertEquals(o.logLevel, "debug");
  assert(o.skipVideo);
  assertEquals(o.startDate, "2017-01-01");
});

Deno.test("the sync word is optional and other commands are recognised", () => {
  assertEquals(sync(["sync", "r"]).root, "/work/r");
  const login = parseArgs(["login", "r", "--new-token"], io());
  assert("command" in login && login.command === "login");
  const status = parseArgs(["status", "--json", "r"], io());
  assert("json" in status && status.json);
});

Deno.test("--scope adds scopes to the defaults, short names accepted", () => {
  const o = sync(["r", "--scope", "photoslibrary.readonly"]);
  assert(o.scopes.includes(SCOPE_LIBRARY_READONLY));
  assert(o.scopes.length === 3);
});

Deno.test("bad command lines are usage errors naming the problem", () => {
  const cases: [string[], RegExp][] = [
    [[], /Missing ROOT/],
    [["r", "--no-such-flag"], /Unknown flag --no-such-flag/],
    [["r", "--album", "a", "--album-regex", "b"], /cannot be used together/],
    [["r", "--album-regex", "(unclosed"], /not a valid regular expression/],
    [["r", "--start-date", "2017-02-30"], /YYYY-MM-DD/],
    [["r", "--end-date", "yesterday"], /YYYY-MM-DD/],
    [["r", "--start-date", "2018-01-01", "--end-date", "2017-01-01"], /after/],
    [["r", "--max-threads", "zero"], /whole number/],
    [["r", "--max-threads", "0"], /between 1 and/],
    [["r", "--port", "70000"], /between 1 and 65535/],
    [["r", "--log-level", "loud"], /--log-level must be one of/],
    [["r", "--photos-path", "../out"], /not a usable folder/],
    [["r", "--photos-path", "/abs"], /inside ROOT/],
    [["r", "extra"], /takes one ROOT/],
    [["status", "r", "--rescan"], /does not apply to the status command/],
    [["takeout", "r"], /Missing ARCHIVE/],
    [["r", "--max-retries"], /needs a value/],
  ];
  for (const [argv, pattern] of cases) {
    const err = assertThrows(() => parseArgs(argv, io()), UsageError);
    assert(pattern.test(err.message), `${argv.join(" ")}: ${err.message}`);
  }
});

Deno.test("the config file fills in flags and the command line wins", () => {
  const files = {
    "/work/gphotos.ini": [
      "# gphotos-sync settings",
      "[GENERAL]",
      "max_threads = 3",
      "skip-video = true",
      "log-level: info",
      "use_flat_path = false",
    ].join("\n"),
  };
  const o = sync(["-c", "gphotos.ini", "r", "--log-level", "error"], io(files));
  assertEquals(o.maxThreads, 3);
  assert(o.skipVideo);
  assert(!o.useFlatPath);
  assertEquals(o.logLevel, "error");
});

Deno.test("config file errors name the file, line and key", () => {
  const cases: [string, RegExp][] = [
    [
      "[GENERAL]\nno_such_key = 1\n",
      /gphotos\.ini:2: unknown setting "no_such_key"/,
    ],
    ["[GENERAL]\nskip-video = maybe\n", /true or false/],
    ["[GENERAL]\nmax-threads = many\n", /whole number/],
    ["max-threads = 2\n", /\[GENERAL\]/],
    ["\u0000\u0001garbage\n", /expected "key = value"/],
    ["[OTHER]\nx=1\n", /no \[GENERAL\] section/],
  ];
  for (const [text, pattern] of cases) {
    const err = assertThrows(
      () =>
        parseArgs(
          ["-c", "gphotos.ini", "r"],
          io({ "/work/gphotos.ini": text }),
        ),
      UsageError,
    );
    assert(
      pattern.test(err.message),
      `${JSON.stringify(text)}: ${err.message}`,
    );
  }
  const missing = assertThrows(
    () => parseArgs(["-c", "nope.ini", "r"], io()),
    UsageError,
  );
  assert(missing.message.includes("/work/nope.ini"));
});

Deno.test("--help and --version are answered before anything is checked", () => {
  assertEquals(parseArgs(["--version"], io()), { version: true });
  assertEquals(parseArgs(["pick", "--help"], io()), {
    command: "pick",
    help: true,
  });
});
