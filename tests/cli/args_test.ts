import { assert, assertEquals, assertThrows } from "../assert.ts";
import { type ArgsEnv, parseArgs } from "../../src/cli/args.ts";
import { closestWord, wantsJson } from "../../src/cli/command_line.ts";
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
    [["./r", "extra"], /takes one ROOT/],
    [["sync", "r", "extra"], /takes one ROOT/],
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
  assertEquals(parseArgs(["-V"], io()), { version: true });
  assertEquals(parseArgs(["pick", "--help"], io()), {
    help: true,
    topic: "pick",
  });
  assertEquals(parseArgs(["takeout", "--max-threads", "2", "-h"], io()), {
    help: true,
    topic: "takeout",
  });
  // No command named: the overview, not sync's flags.
  assertEquals(parseArgs(["--help"], io()), { help: true, topic: undefined });
  assertEquals(parseArgs(["r", "--help"], io()), {
    help: true,
    topic: undefined,
  });
  assertEquals(parseArgs(["sync", "--help"], io()), {
    help: true,
    topic: "sync",
  });
});

Deno.test("help [COMMAND] and version are commands, not ROOT folders", () => {
  assertEquals(parseArgs(["help"], io()), { help: true, topic: undefined });
  assertEquals(parseArgs(["help", "takeout"], io()), {
    help: true,
    topic: "takeout",
  });
  assertEquals(parseArgs(["help", "version"], io()), {
    help: true,
    topic: undefined,
  });
  assertEquals(parseArgs(["version"], io()), { version: true });
  assertEquals(parseArgs(["--json", "version"], io()), { version: true });
  const cases: [string[], RegExp][] = [
    [
      ["help", "tekeout"],
      /Unknown command 'tekeout' \(did you mean takeout\?\)/,
    ],
    [["help", "sync", "pick"], /help takes one COMMAND/],
    [["version", "r"], /version takes none/],
  ];
  for (const [argv, pattern] of cases) {
    const err = assertThrows(() => parseArgs(argv, io()), UsageError);
    assert(pattern.test(err.message), `${argv.join(" ")}: ${err.message}`);
  }
});

Deno.test("a ROOT folder named like a command is reached as a path, after sync, or after --", () => {
  assertEquals(sync(["./help"]).root, "/work/help");
  assertEquals(sync(["sync", "help"]).root, "/work/help");
  assertEquals(sync(["sync", "version"]).root, "/work/version");
  assertEquals(sync(["--", "status"]).root, "/work/status");
  assertEquals(sync(["sync", "takeout"]).root, "/work/takeout");
  // A word that is no command, alone, stays a ROOT as in gphotos-sync.
  assertEquals(sync(["tekeout"]).root, "/work/tekeout");
});

Deno.test("an unknown word followed by more arguments is a mistyped command", () => {
  const cases: [string[], string][] = [
    [
      ["tekeout", "a.zip"],
      "Unknown command 'tekeout' (did you mean takeout?)",
    ],
    [
      ["stauts", "r", "--json"],
      "Unknown command 'stauts' (did you mean status?)",
    ],
    [["lgoin", "r"], "Unknown command 'lgoin' (did you mean login?)"],
    [["hlep", "takeout"], "Unknown command 'hlep' (did you mean help?)"],
    [["backup", "r"], "Unknown command 'backup'. Commands:"],
  ];
  for (const [argv, start] of cases) {
    const err = assertThrows(() => parseArgs(argv, io()), UsageError);
    assert(err.message.startsWith(start), `${argv.join(" ")}: ${err.message}`);
    assert(err.message.includes(`./${argv[0]}`), err.message);
  }
  assertEquals(closestWord("PICKK", ["sync", "pick"]), "pick");
  assertEquals(closestWord("photos", ["sync", "pick", "status"]), undefined);
});

Deno.test("--json is seen on a command line that cannot be parsed", () => {
  assert(wantsJson(["tekeout", "a.zip", "--json"]));
  assert(wantsJson(["r", "--json=true", "--bogus"]));
  assert(!wantsJson(["r", "--json=false"]));
  assert(!wantsJson(["r", "--", "--json"]));
  assert(!wantsJson(["r"]));
});

Deno.test("one config file serves every command: other commands' settings are ignored and noted, typos fail", () => {
  const ini = {
    "/work/gphotos.ini": [
      "[GENERAL]",
      "max-threads = 3",
      "skip-video = true",
      "include_trashed = true",
      "lock-limit = 48",
    ].join("\n"),
  };
  const takeout = parseArgs(
    ["takeout", "-c", "gphotos.ini", "r", "a.zip"],
    io(ini),
  );
  assert("command" in takeout && takeout.command === "takeout");
  assert(takeout.skipVideo);
  assert(takeout.includeTrashed);
  assertEquals(takeout.lockLimitHours, 48);
  assertEquals(takeout.configNotes, [
    '/work/gphotos.ini:2: "max-threads" does not apply to the takeout command; ignored.',
  ]);
  const s = sync(["-c", "gphotos.ini", "r"], io(ini));
  assertEquals(s.maxThreads, 3);
  assertEquals(s.configNotes, [
    '/work/gphotos.ini:4: "include_trashed" does not apply to the sync command; ignored.',
  ]);
  const status = parseArgs(["status", "-c", "gphotos.ini", "r"], io(ini));
  assert("configNotes" in status && status.configNotes.length === 4);
  // On the command line a flag of another command is still an error.
  const err = assertThrows(
    () => parseArgs(["takeout", "r", "a.zip", "--max-threads", "3"], io()),
    UsageError,
  );
  assert(/does not apply to the takeout command/.test(err.message));
  // A key no command knows is a typo.
  const typo = assertThrows(
    () =>
      parseArgs(
        ["takeout", "-c", "gphotos.ini", "r", "a.zip"],
        io({ "/work/gphotos.ini": "[GENERAL]\nmax-thread = 3\n" }),
      ),
    UsageError,
  );
  assert(/gphotos\.ini:2: unknown setting "max-thread"/.test(typo.message));
});

Deno.test("--lock-limit takes whole hours, 24 by default, 0 for none", () => {
  assertEquals(sync(["r"]).lockLimitHours, 24);
  assertEquals(sync(["r", "--lock-limit", "0"]).lockLimitHours, 0);
  assertThrows(() => sync(["r", "--lock-limit", "-1"]), UsageError);
  assertThrows(
    () => parseArgs(["status", "r", "--lock-limit", "2"], io()),
    UsageError,
  );
});
