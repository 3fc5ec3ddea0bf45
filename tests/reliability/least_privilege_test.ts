// Least privilege, command by command: each runs under the permission set
// src/cli/permissions.ts computes for its command line (what `deno task
// sync` grants), does its job, and the same set refuses everything else: a
// file outside the named folders, a host or port that is not configured,
// listening on other ports, environment variables the program does not
// read, subprocesses, system information. Each command is one row in
// COMMANDS.

import { join } from "node:path";
import { assert, assertEquals } from "../assert.ts";
import { parseArgs } from "../../src/cli/args.ts";
import {
  needsSymlinks,
  permissionFlags,
  RUNTIME_FLAGS,
} from "../../src/cli/permissions.ts";
import { type Backup, backup, MAIN } from "../e2e/harness.ts";
import {
  assertEntriesAddUp,
  listedEntries,
  readReport,
  writeExport,
} from "../e2e/takeout_export.ts";
import { PICKER_SCOPE } from "./pick_subject.ts";
import { buildExport } from "./takeout_subject.ts";
import { Rng } from "./kit.ts";

const PROBE =
  new URL("./fixtures/privilege_probe.ts", import.meta.url).pathname;

interface Command {
  name: string;
  /** The command line, for a backup `b` already signed in and synced once. */
  argv(b: Backup, port: number): string[];
  /** Sets the stage after the first sync. */
  prepare?: (b: Backup) => Promise<void>;
  /** Plays the person (e.g. the browser of a sign-in), given stderr so far. */
  person?: (stderr: string) => Promise<void> | undefined;
  /** What must hold after it ran. */
  check(b: Backup, stdout: string): Promise<void>;
  /** More environment for the run (the picker's endpoint). */
  env?: (b: Backup) => Record<string, string>;
  /** A file the probe must not be able to write (default: one outside). */
  readOnly?: (b: Backup) => string;
}

/** The Takeout parts of the takeout row, beside ROOT (outside it). */
function partsOf(b: Backup): string[] {
  return ["001.zip", "002.tgz"].map((end) =>
    join(b.dir, "parts", `takeout-20240101T000000Z-${end}`)
  );
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function photoCount(b: Backup, folder = "photos"): Promise<number> {
  let n = 0;
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory) await walk(join(dir, e.name));
      else n++;
    }
  };
  await walk(b.path(folder)).catch(() => {});
  return n;
}

const COMMANDS: Command[] = [
  {
    name: "sync (hard links: file access scoped to ROOT)",
    argv: (b) => [b.root, "--secret", b.secret, "--use-hardlinks"],
    check: async (b) => assertEquals(await photoCount(b), 7),
  },
  {
    name: "sync --skip-albums --db-path elsewhere --logfile elsewhere",
    argv: (b) => [
      b.root,
      "--secret",
      b.secret,
      "--skip-albums",
      "--db-path",
      join(b.dir, "index"),
      "--logfile",
      join(b.dir, "logs", "run.log"),
    ],
    prepare: async (b) => {
      // The token lives beside the index.
      await Deno.mkdir(join(b.dir, "index"));
      await Deno.copyFile(
        b.path(".gphotos.token"),
        join(b.dir, "index", ".gphotos.token"),
      );
    },
    check: async (b) => {
      assertEquals(await photoCount(b), 7);
      assert(await Deno.stat(join(b.dir, "index", "gphotos.sqlite")));
      assert(await Deno.stat(join(b.dir, "logs", "run.log")));
    },
  },
  {
    name: "status --json",
    argv: (b) => ["status", b.root, "--json"],
    check: (_b, stdout) => {
      assertEquals(JSON.parse(stdout).items.total, 7);
      return Promise.resolve();
    },
  },
  {
    name: "login (the sign-in listener on --port)",
    argv: (b, port) => [
      "login",
      b.root,
      "--secret",
      b.secret,
      "--port",
      String(port),
      "--new-token",
    ],
    person: (stderr) => {
      const link = stderr.match(
        /http:\/\/127\.0\.0\.1:\d+\/o\/oauth2\/auth\?\S+/,
      );
      return link ? fetch(link[0]).then((r) => r.body?.cancel()) : undefined;
    },
    check: async (b) => {
      const token = JSON.parse(
        await Deno.readTextFile(b.path(".gphotos.token")),
      );
      assert(b.google.oauth.lookup(token.access_token) !== "unknown");
    },
  },
  {
    // Files scoped to ROOT, and the parts outside it read-only: no network.
    name: "takeout (parts outside ROOT, read-only; hard links)",
    argv: (b) => ["takeout", b.root, ...partsOf(b), "--use-hardlinks"],
    prepare: async (b) => {
      const world = buildExport(new Rng(8), { count: 12, parts: 2 });
      await Deno.mkdir(join(b.dir, "parts"));
      await writeExport(join(b.dir, "parts"), world.files, ["zip", "tgz"]);
    },
    readOnly: (b) => partsOf(b)[0],
    check: async (b) => {
      const report = await readReport(b.root);
      assertEntriesAddUp(report, await listedEntries(partsOf(b)), "takeout");
      assertEquals(report.counts.failed, 0);
      assert(report.counts.imported >= 12, JSON.stringify(report.counts));
      assert(report.counts.albums > 0, "no album folder was made");
    },
  },
  {
    name: "pick --album (hard links: file access scoped to ROOT)",
    argv: (b) => [
      "pick",
      b.root,
      "--secret",
      b.secret,
      "--album",
      "Picked",
      "--use-hardlinks",
    ],
    env: (b) => ({ GPHOTOS_PICKER_API: b.google.pickerUrl }),
    prepare: async (b) => {
      await b.signIn(["photoslibrary.readonly", PICKER_SCOPE]);
      const fresh = [
        b.library.photo("new-1.jpg", "2022-02-02T02:02:02Z"),
        b.library.video("new-2.mp4", "2022-02-03T02:02:02Z"),
      ];
      b.google.picker.pollIntervalSec = 0.05;
      b.google.picker.autoPick = {
        items: [...fresh, b.library.items[0]],
      };
    },
    check: async (b) => {
      assertEquals(await photoCount(b), 9);
      // The synced album Trip's link, and the three picked.
      assertEquals(await photoCount(b, "albums"), 4);
      assert(b.google.picker.latest()?.deleted, "the session was not deleted");
    },
  },
];

async function runUnder(
  flags: string[],
  script: string,
  args: string[],
  env: Record<string, string>,
  person?: (stderr: string) => Promise<void> | undefined,
) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", ...RUNTIME_FLAGS, ...flags, script, ...args],
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // A run that waits for a sign-in nobody gives must fail, not hang.
  const guard = setTimeout(() => child.kill("SIGKILL"), 60_000);
  let stderr = "";
  let acted: Promise<void> | undefined;
  const dec = new TextDecoder();
  const err = (async () => {
    for await (const chunk of child.stderr) {
      stderr += dec.decode(chunk, { stream: true });
      if (person && !acted && stderr.includes("Waiting for the browser")) {
        acted = person(stderr);
      }
    }
  })();
  const [status, stdout] = await Promise.all([
    child.status,
    new Response(child.stdout).text(),
    err,
  ]);
  clearTimeout(guard);
  await acted;
  return { code: status.code, stdout, stderr };
}

for (const command of COMMANDS) {
  Deno.test(`${command.name} works under its own permission set, which refuses the rest`, async () => {
    await using b = await backup((lib) => {
      lib.generate(6);
      lib.album("Trip", [
        lib.photo("trip.jpg", "2020-01-01T00:00:00Z", { inLibrary: false }),
      ]);
    }, { era: "2024" });
    await b.signIn();
    assertEquals((await b.sync(["--use-hardlinks"])).code, 0);
    await command.prepare?.(b);
    const port = freePort();
    const env = b.env(command.env?.(b));
    const argv = command.argv(b, port);
    const io = {
      cwd: Deno.cwd(),
      env: (n: string) => env[n],
      readTextFile: (p: string) => Deno.readTextFileSync(p),
    };
    const options = parseArgs(argv, io);
    assert("root" in options);
    const flags = permissionFlags(options, io);
    if (!needsSymlinks(options)) {
      for (const f of flags) assert(f.includes("="), `unscoped ${f}`);
    }
    assert(!flags.some((f) => f.startsWith("--allow-run")), "may run programs");
    const r = await runUnder(flags, MAIN, argv, env, command.person);
    assertEquals(r.code, 0, r.stderr);
    await command.check(b, r.stdout);

    const outside = command.readOnly?.(b) ?? join(b.dir, "outside.txt");
    const probe = await runUnder(flags, PROBE, [
      outside,
      "127.0.0.1:4321",
      "GPHOTOS_TEST_SECRET",
    ], { ...env, GPHOTOS_TEST_SECRET: "x" });
    const refused = JSON.parse(probe.stdout);
    assertEquals(refused, {
      write: "NotCapable",
      read: "NotCapable",
      net: "NotCapable",
      listen: "NotCapable",
      env: "NotCapable",
      run: "NotCapable",
      sys: "NotCapable",
    });
  });
}
