// Least privilege, command by command: each runs under the process flags
// src/cli/permissions.ts computes for its command line (what `deno task
// sync` grants), does its job in the sandboxed worker, whose grants are
// exactly the expected set; and in that worker everything else is refused:
// a file outside the named folders, a host or port that is not configured,
// listening on other ports, environment variables the program does not
// read, subprocesses, system information, a link out of ROOT. The
// supervisor keeps file access only when the run makes links, and nothing
// else. Each command is one row in COMMANDS.

import { join } from "node:path";
import { assert, assertEquals } from "../assert.ts";
import { parseArgs } from "../../src/cli/args.ts";
import {
  GOOGLE_HOSTS,
  needsSymlinks,
  permissionFlags,
  PROGRAM_DIR,
  realInputs,
  RUNTIME_FLAGS,
  sandboxGrants,
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
import { runInProcess } from "../e2e/takeout_corpus.ts";

const PROBE = new URL("./fixtures/sandbox_probe.ts", import.meta.url).pathname;

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
  /**
   * The worker's expected file grants beyond ROOT, its log file and the
   * program's code (paths), and whether it talks to Google.
   */
  grants: (b: Backup) => { read: string[]; write: string[]; google: boolean };
}

/** The log file and the generations rotation renames it to. */
function logFiles(path: string): string[] {
  return [path, `${path}.1`, `${path}.2`, `${path}.3`];
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
    grants: (b) => ({ read: [b.secret], write: [], google: true }),
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
      await Deno.mkdir(join(b.dir, "logs"));
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
    // The log's folder exists: the file is granted, not the folder.
    grants: (b) => ({
      read: [
        b.secret,
        join(b.dir, "index"),
      ],
      write: [
        join(b.dir, "index"),
      ],
      google: true,
    }),
  },
  {
    name: "sync (album symlinks, made by the supervisor)",
    argv: (b) => [b.root, "--secret", b.secret],
    check: async (b) => {
      assertEquals(await photoCount(b), 7);
      const links = await Array.fromAsync(
        Deno.readDir(b.path("albums", "2020", "0101 Trip")),
      );
      assertEquals(links.map((e) => e.isSymlink), [true]);
    },
    grants: (b) => ({ read: [b.secret], write: [], google: true }),
  },
  {
    name: "sync -c CONFIG (the config file readable, nothing more)",
    argv: (b) => ["-c", join(b.dir, "gphotos.ini"), b.root],
    prepare: (b) =>
      Deno.writeTextFile(
        join(b.dir, "gphotos.ini"),
        `[GENERAL]\nsecret = ${b.secret}\nuse-hardlinks = true\n`,
      ),
    check: async (b) => assertEquals(await photoCount(b), 7),
    grants: (b) => ({
      read: [b.secret, join(b.dir, "gphotos.ini")],
      write: [],
      google: true,
    }),
  },
  {
    name: "takeout (album symlinks, made by the supervisor)",
    argv: (b) => ["takeout", b.root, ...partsOf(b)],
    prepare: async (b) => {
      const world = buildExport(new Rng(9), { count: 12, parts: 2 });
      await Deno.mkdir(join(b.dir, "parts"));
      await writeExport(join(b.dir, "parts"), world.files, ["zip", "tgz"]);
    },
    check: async (b) => {
      const report = await readReport(b.root);
      assertEquals(report.counts.failed, 0);
      assert(report.counts.albums > 0, "no album folder was made");
    },
    grants: (b) => ({ read: partsOf(b), write: [], google: false }),
  },
  {
    name: "status --json",
    argv: (b) => ["status", b.root, "--json"],
    check: (_b, stdout) => {
      assertEquals(JSON.parse(stdout).items.total, 7);
      return Promise.resolve();
    },
    grants: () => ({ read: [], write: [], google: false }),
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
    grants: (b) => ({ read: [b.secret], write: [], google: true }),
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
    grants: (b) => ({ read: partsOf(b), write: [], google: false }),
  },
  {
    // The inbox read-only: its parts are read, nothing is written there.
    name: "takeout --from DIR (the inbox read-only; hard links)",
    argv: (b) => [
      "takeout",
      b.root,
      "--from",
      join(b.dir, "parts"),
      "--settle",
      "0",
      "--use-hardlinks",
    ],
    prepare: async (b) => {
      const world = buildExport(new Rng(10), { count: 12, parts: 2 });
      await Deno.mkdir(join(b.dir, "parts"));
      await writeExport(join(b.dir, "parts"), world.files, ["zip", "tgz"]);
    },
    readOnly: (b) => join(b.dir, "parts", "probe.txt"),
    check: async (b) => {
      const report = await readReport(b.root);
      assertEquals(report.sets.length, 1);
      assertEquals(report.sets[0].counts.failed, 0);
      assert(report.sets[0].counts.imported >= 12);
      assertEquals(
        (await Array.fromAsync(Deno.readDir(join(b.dir, "parts")))).length,
        2,
      );
    },
    grants: (b) => ({
      read: [join(b.dir, "parts")],
      write: [],
      google: false,
    }),
  },
  {
    // With --delete-imported the inbox is writable, and an export's parts
    // go once it is imported.
    name: "takeout --from DIR --delete-imported (the inbox writable)",
    argv: (b) => [
      "takeout",
      b.root,
      "--from",
      join(b.dir, "parts"),
      "--settle",
      "0",
      "--delete-imported",
      "--use-hardlinks",
      "--json",
    ],
    prepare: async (b) => {
      const world = buildExport(new Rng(11), { count: 12, parts: 2 });
      const parts = join(b.dir, "parts");
      await Deno.mkdir(parts);
      const paths = await writeExport(parts, world.files, ["zip", "tgz"]);
      // Imported two days ago, and no new part since: the export is whole,
      // and this run deletes its parts.
      const then = Date.now() - 2 * 24 * 3600_000;
      for (const p of paths) {
        await Deno.utime(
          p,
          new Date(then - 3600_000),
          new Date(then - 3600_000),
        );
      }
      const r = await runInProcess(
        ["takeout", b.root, "--from", parts, "--settle", "0"],
        () => new Date(then),
      );
      assertEquals(r.code, 0, r.stderr);
    },
    check: async (b, stdout) => {
      const result = JSON.parse(stdout.trim().split("\n").at(-1)!);
      assertEquals(result.deleted.length, 2);
      assertEquals(
        (await Array.fromAsync(Deno.readDir(join(b.dir, "parts")))).length,
        0,
      );
    },
    grants: (b) => ({
      read: [join(b.dir, "parts")],
      write: [join(b.dir, "parts")],
      google: false,
    }),
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
    grants: (b) => ({ read: [b.secret], write: [], google: true }),
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
    const flags = permissionFlags(options, realInputs((n) => env[n]));
    const links = needsSymlinks(options);
    if (!links) {
      for (const f of flags) assert(f.includes("="), `unscoped ${f}`);
    }
    assert(!flags.some((f) => f.startsWith("--allow-run")), "may run programs");

    // The worker's grants, exactly.
    const g = sandboxGrants(options, realInputs((n) => env[n]));
    const want = command.grants(b);
    const files = [b.root, ...logFiles(options.logfile)];
    assertEquals(
      new Set(g.read),
      new Set([...files, PROGRAM_DIR, ...want.read]),
    );
    assertEquals(new Set(g.write), new Set([...files, ...want.write]));
    const google = [
      ...GOOGLE_HOSTS,
      new URL(b.google.url).host,
      `127.0.0.1:${options.command === "login" ? port : 8080}`,
    ];
    if (command.env?.(b).GPHOTOS_PICKER_API) {
      google.push(new URL(command.env(b).GPHOTOS_PICKER_API).host);
    }
    assertEquals(new Set(g.net), new Set(want.google ? google : []));

    const r = await runUnder(flags, MAIN, argv, env, command.person);
    assertEquals(r.code, 0, r.stderr);
    await command.check(b, r.stdout);

    const outside = command.readOnly?.(b) ?? join(b.dir, "outside.txt");
    const probe = await runUnder(flags, PROBE, [
      outside,
      "127.0.0.1:4321",
      "GPHOTOS_TEST_SECRET",
      "--",
      ...argv,
    ], { ...env, GPHOTOS_TEST_SECRET: "x" });
    assertEquals(probe.code, 0, probe.stderr);
    const [worker, supervisor] = probe.stdout.trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    assertEquals(worker.worker, {
      write: "NotCapable",
      read: "NotCapable",
      net: "NotCapable",
      listen: "NotCapable",
      env: "NotCapable",
      run: "NotCapable",
      sys: "NotCapable",
      linkOut: "NotCapable",
      linkIn: links ? "allowed" : "NotCapable",
    });
    // The supervisor: file access for links when the run makes them,
    // nothing else at all.
    const files2 = links ? "allowed" : "NotCapable";
    assertEquals(supervisor.supervisor, {
      write: files2,
      read: files2,
      net: "NotCapable",
      listen: "NotCapable",
      env: "NotCapable",
      run: "NotCapable",
      sys: "NotCapable",
      writeBesideRoot: files2,
    });
  });
}
