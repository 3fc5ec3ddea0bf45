// `takeout ROOT --from DIR`: scheduled exports picked up as their parts
// arrive. The invariant that makes it safe: importing the parts of an
// export in any grouping and order, across any number of runs, ends in the
// same backup as importing them all at once.

import { basename, join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals, assertMatch, assertRejects } from "../assert.ts";
import { LONG, Rng, spawnProgram } from "../reliability/kit.ts";
import { runInProcess } from "./takeout_corpus.ts";
import {
  backupImage,
  buildParts,
  type BuiltPart,
  firstExport,
  Inbox,
  laterExport,
  type MidCopy,
} from "./takeout_inbox.ts";
import {
  type ExportFile,
  sidecarJson,
  storedItems,
  supplementalName,
  withDir,
  withIndex,
  writeExport,
} from "./takeout_export.ts";
import { listFiles, pingServer } from "./harness.ts";
import { TakeoutParts } from "../../src/db/takeout_parts.ts";
import { jpeg } from "../media/media_fixtures.ts";

const STAMP_A = "20240301T101500Z";
const STAMP_B = "20240501T101500Z";

/** Both exports of the test library, built once per test. */
async function twoExports(dir: string, seed = 41) {
  const first = firstExport(seed);
  const a = await buildParts(
    join(dir, "built-a"),
    first,
    ["zip", "tgz", "zip", "tgz"],
    STAMP_A,
  );
  const b = await buildParts(
    join(dir, "built-b"),
    laterExport(first),
    ["tgz", "zip", "zip", "tgz", "zip"],
    STAMP_B,
  );
  return { a, b };
}

function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** The last JSON object a run printed. */
// deno-lint-ignore no-explicit-any
function jsonOf(stdout: string): any {
  const lines = stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
}

/** A way to leave a part half-copied that its format can show. */
function midCopyFor(part: BuiltPart, n: number): MidCopy {
  const own: MidCopy = part.name.endsWith(".zip")
    ? "zip end missing"
    : "tgz cut";
  return ([own, "temporary name", "fresh"] as const)[n % 3];
}

async function fromInbox(
  root: string,
  inbox: string,
  more: string[] = [],
  now?: () => Date,
) {
  return await runInProcess([
    "takeout",
    root,
    "--from",
    inbox,
    "--settle",
    "10",
    "--json",
    ...more,
  ], now);
}

/** A clock `ms` ahead of the real one. */
const ahead = (ms: number) => () => new Date(Date.now() + ms);
const DAY = 24 * 3600_000;

const SEEDS = (Deno.env.get("GPHOTOS_INBOX_SEEDS") ?? "7,8").split(",").map(
  Number,
);
for (const seed of SEEDS) {
  Deno.test(`two exports delivered part by part across runs in shuffled order (seed ${seed}), a part half-copied at each run, end as one import of all parts: file by file, row by row`, async () => {
    await withDir(async (dir) => {
      const { a, b } = await twoExports(dir, 40 + seed);
      const rng = new Rng(seed);
      const order = shuffled([...a, ...b], rng);
      const inbox = new Inbox(join(dir, "inbox"));
      const root = join(dir, "backup");
      let next = 0;
      let runs = 0;
      while (next < order.length) {
        const count = rng.int(1, 2);
        for (let k = 0; k < count && next < order.length; k++) {
          await inbox.deliver(order[next++]);
        }
        const mid = order[next];
        const how = mid === undefined ? undefined : midCopyFor(mid, runs);
        if (mid !== undefined) await inbox.halfCopy(mid, how!);
        const r = await fromInbox(root, inbox.dir);
        const what = `run ${runs + 1} (${mid?.name}: ${how})`;
        assertEquals(r.code, 0, `${what}: ${r.stderr}`);
        const result = jsonOf(r.stdout);
        for (const s of result.sets) {
          assertEquals(s.exitCode, 0, `${what}: ${s.set} ${r.stderr}`);
        }
        if (mid !== undefined) {
          assert(
            result.waiting.some((w: { part: string }) => w.part === mid.name),
            `${what}: the half-copied part waits: ${
              JSON.stringify(result.waiting)
            }`,
          );
          assertMatch(r.stderr, new RegExp(`${mid.name} is not read yet`));
          assert(!/damaged|cut|ends early.*exit/i.test(r.stderr), r.stderr);
        }
        runs++;
      }
      // Nothing new: a run changes nothing.
      const before = await backupImage(root);
      const idle = await fromInbox(root, inbox.dir);
      assertEquals(idle.code, 0, idle.stderr);
      assertEquals(jsonOf(idle.stdout).sets, []);
      assertEquals(await backupImage(root), before);

      // All parts at once, into another backup.
      const once = join(dir, "all-at-once");
      const r = await fromInbox(once, inbox.dir);
      assertEquals(r.code, 0, r.stderr);
      assertEquals(
        jsonOf(r.stdout).sets.map((s: { parts: string[] }) => s.parts.length),
        [a.length, b.length],
      );
      const image = await backupImage(once);
      assert((image.SyncFiles as unknown[]).length > 40);
      assertEquals(before, image, `${runs} runs, then all parts at once`);

      // The same parts named on the command line, export after export.
      const named = join(dir, "named");
      for (const set of [a, b]) {
        const n = await runInProcess([
          "takeout",
          named,
          ...set.map((p) => inbox.path(p)),
        ]);
        assertEquals(n.code, 0, n.stderr);
      }
      assertEquals(await backupImage(named), image, "parts named");
    });
  });
}

Deno.test("runs killed at any moment of an export's import, completing items and moving files, converge to one import of all parts", async () => {
  await withDir(async (dir) => {
    const { a, b } = await twoExports(dir, 61);
    const inbox = new Inbox(join(dir, "inbox"));
    for (const part of [...a, ...b]) await inbox.deliver(part);
    // One whole run, as the program runs: the backup to converge to, and
    // how long a run takes here (kills are spread over it).
    const once = join(dir, "all-at-once");
    const whole = await spawnProgram(
      ["takeout", once, "--from", inbox.dir, "--settle", "10"],
      { NO_COLOR: "1" },
    ).done;
    assertEquals(whole.code, 0, whole.stderr);
    const image = await backupImage(once);
    const rng = new Rng(3);
    /** Kills that left an import half-done (items in the index already). */
    let halfWay = 0;
    for (let trial = 0; trial < (LONG ? 12 : 3); trial++) {
      const root = join(dir, `killed-${trial}`);
      // Two parts first, whole: their photos whose sidecars are in the
      // other parts are imported dated by their files. The runs killed
      // below complete them, moving their files.
      await Deno.remove(inbox.dir, { recursive: true });
      for (const part of a.slice(0, 2)) await inbox.deliver(part);
      const early = await fromInbox(root, inbox.dir);
      assertEquals(early.code, 0, early.stderr);
      for (const part of [...a.slice(2), ...b]) await inbox.deliver(part);
      let kills = 0;
      for (let attempt = 0; attempt < 12; attempt++) {
        const run = spawnProgram(
          ["takeout", root, "--from", inbox.dir, "--settle", "10"],
          { NO_COLOR: "1" },
        );
        // Anywhere in a run: starting, listing, writing, moving, albums.
        const delay = rng.int(
          Math.round(whole.ms * 0.3),
          Math.round(whole.ms * (0.8 + 0.1 * attempt)),
        );
        const timer = setTimeout(() => {
          if (run.kill("SIGKILL")) kills++;
        }, delay);
        const result = await run.done;
        clearTimeout(timer);
        if (result.killedWith === undefined) {
          assertEquals(result.code, 0, result.stderr);
          break;
        }
        if (await itemRows(root) > 0) halfWay++;
      }
      assert(kills > 0, `trial ${trial}: no run was killed`);
      // A last run has nothing left to do, and the backup is the one of a
      // single import.
      const last = await fromInbox(root, inbox.dir);
      assertEquals(last.code, 0, last.stderr);
      assertEquals(jsonOf(last.stdout).sets, [], `trial ${trial}`);
      assertEquals(
        await backupImage(root),
        image,
        `trial ${trial}, after ${kills} kills`,
      );
    }
    assert(halfWay > 0, "no run was killed half-way through an import");
  });
});

/** Items in the index of `root` (0 when there is none yet). */
async function itemRows(root: string): Promise<number> {
  try {
    await Deno.stat(join(root, "gphotos.sqlite"));
  } catch {
    return 0;
  }
  const db = new DatabaseSync(join(root, "gphotos.sqlite"), {
    readOnly: true,
  });
  try {
    return Number(db.prepare("SELECT COUNT(*) AS n FROM SyncFiles").get()!.n);
  } catch {
    return 0;
  } finally {
    db.close();
  }
}

Deno.test("--delete-imported deletes an export's parts only once all of them are imported and recorded and a day has passed without a new one, never one still arriving, never one of an export with a damaged part", async () => {
  await withDir(async (dir) => {
    const { a, b } = await twoExports(dir, 62);
    // Export B's first part has an entry whose bytes are wrong (a CRC
    // that does not match): the part is whole, and damaged.
    const damaged = b[0].name.endsWith(".zip") ? b[0] : b[1];
    const bytes = damaged.bytes.slice();
    bytes[Math.floor(bytes.length / 3)] ^= 0xff;
    damaged.bytes = bytes;
    const inbox = new Inbox(join(dir, "inbox"));
    const root = join(dir, "backup");
    const order = [a[2], a[0], b[1], a[3], b[0], b[2], b[3], a[1], b[4]];
    const delivered: BuiltPart[] = [];
    let sawDamage = false;
    for (const [i, part] of order.entries()) {
      await inbox.deliver(part);
      delivered.push(part);
      const mid = order[i + 1];
      if (mid !== undefined) await inbox.halfCopy(mid, midCopyFor(mid, i));
      const r = await fromInbox(root, inbox.dir, ["--delete-imported"]);
      if (part === damaged) {
        assertEquals(r.code, 3, `the damaged part is named: ${r.stderr}`);
        sawDamage = true;
      } else assertEquals(r.code, 0, r.stderr);
      const here = new Set(await inbox.files());
      for (const p of delivered) {
        // Even A's, once all four are in: a fifth may still come.
        assert(here.has(p.name), `${p.name} deleted too early (run ${i + 1})`);
      }
      if (mid !== undefined) {
        assert(
          here.has(mid.name) || here.has(`${mid.name}.partial`),
          `${mid.name}, still arriving, was deleted`,
        );
      }
      assertEquals(jsonOf(r.stdout).deleted, [], `run ${i + 1}`);
    }
    assert(sawDamage);
    // Almost a day after A's last part: still kept.
    const early = await fromInbox(
      root,
      inbox.dir,
      ["--delete-imported"],
      ahead(DAY - 60_000),
    );
    assertEquals(jsonOf(early.stdout).deleted, []);
    assertEquals((await inbox.files()).length, a.length + b.length);
    // A day without a new part of A: its parts go, B's stay.
    const later = ahead(DAY + 60_000);
    const r = await fromInbox(root, inbox.dir, ["--delete-imported"], later);
    assertEquals(r.code, 0, r.stderr);
    assertEquals(
      (jsonOf(r.stdout).deleted as string[]).map((p) => basename(p)).sort(),
      a.map((p) => p.name).sort(),
    );
    assertEquals(await inbox.files(), b.map((p) => p.name).sort());
    const status = await runInProcess(["status", root, "--json"], later);
    assertEquals(status.code, 0, status.stderr);
    const sets = jsonOf(status.stdout).takeout.sets;
    assertEquals(
      sets.map((s: Record<string, unknown>) => [
        s.set,
        s.imported,
        s.deleted,
        s.complete,
        s.damaged,
      ]),
      [
        [`takeout-${STAMP_A}`, 4, 4, true, []],
        [`takeout-${STAMP_B}`, 4, 0, false, [
          Number(damaged.name.slice(-7, -4)),
        ]],
      ],
    );
  });
});

Deno.test("a part still arriving is said once, again only when why it waits changes; status shows the exports, what waits and why, text and JSON", async () => {
  await withDir(async (dir) => {
    const { a } = await twoExports(dir, 63);
    const inbox = new Inbox(join(dir, "inbox"));
    const root = join(dir, "backup");
    await inbox.deliver(a[0]);
    await inbox.halfCopy(a[1], "temporary name");
    const said = (stderr: string) =>
      stderr.split("\n").filter((l) => l.includes("is not read yet"));
    const r1 = await fromInbox(root, inbox.dir);
    assertEquals(r1.code, 0, r1.stderr);
    assertEquals(said(r1.stderr), [
      `${a[1].name} is not read yet: being copied (under the temporary name ${
        a[1].name
      }.partial). A later run imports it.`,
    ]);
    const r2 = await fromInbox(root, inbox.dir);
    assertEquals(said(r2.stderr), [], "the same wait is not said again");
    assertEquals(jsonOf(r2.stdout).waiting.length, 1, "but it is reported");
    await Deno.remove(`${inbox.path(a[1])}.partial`);
    await inbox.halfCopy(a[1], "fresh");
    const r3 = await fromInbox(root, inbox.dir);
    assertEquals(said(r3.stderr).length, 1, r3.stderr);
    assertMatch(
      said(r3.stderr)[0],
      /changed 0 min ago: read once unchanged for 10 min/,
    );

    const text = await runInProcess(["status", root]);
    assertEquals(text.code, 0, text.stderr);
    assertMatch(
      text.stdout,
      new RegExp(
        `Takeout: +1 export seen, 0 imported whole; last import \\d{4}-`,
      ),
    );
    assertMatch(
      text.stdout,
      new RegExp(`takeout-${STAMP_A} +1 part imported`),
    );
    assertMatch(text.stdout, new RegExp(`waiting: ${a[1].name}: changed`));
    const json = jsonOf(
      (await runInProcess(["status", root, "--json"])).stdout,
    );
    assertEquals(json.takeout.sets.length, 1);
    assertEquals(json.takeout.sets[0].imported, 1);
    assertEquals(json.takeout.sets[0].waiting[0].part, a[1].name);
    assert(json.takeout.lastImport !== null);
  });
});

Deno.test("--from takes ROOT alone; --settle and --delete-imported go with --from; a folder that is not there is exit 1, named", async () => {
  await withDir(async (dir) => {
    const root = join(dir, "backup");
    const bad = [
      [
        ["takeout", root, "--from", dir, join(dir, "x.zip")],
        /takes ROOT alone/,
      ],
      [
        ["takeout", root, join(dir, "x.zip"), "--settle", "5"],
        /--settle goes with --from/,
      ],
      [
        ["takeout", root, join(dir, "x.zip"), "--delete-imported"],
        /--delete-imported goes with --from/,
      ],
      [
        ["takeout", root, "--from", dir, "--settle", "-1"],
        /--settle must be between/,
      ],
    ] as const;
    for (const [argv, message] of bad) {
      const r = await runInProcess([...argv]);
      assertEquals(r.code, 2, argv.join(" "));
      assertMatch(r.stderr, message);
    }
    const missing = join(dir, "not-mounted");
    const r = await runInProcess(["takeout", root, "--from", missing]);
    assertEquals(r.code, 1);
    assertMatch(r.stderr, new RegExp(`Cannot read the folder ${missing}`));
  });
});

Deno.test("--from --dry-run lists what a run would read and what waits, and writes nothing", async () => {
  await withDir(async (dir) => {
    const { a } = await twoExports(dir, 64);
    const inbox = new Inbox(join(dir, "inbox"));
    await inbox.deliver(a[0]);
    await inbox.halfCopy(a[2], "zip end missing");
    const root = join(dir, "backup");
    const r = await runInProcess([
      "takeout",
      root,
      "--from",
      inbox.dir,
      "--dry-run",
      "--json",
    ]);
    assertEquals(r.code, 0, r.stderr);
    const parts = jsonOf(r.stdout).parts as Record<string, string>[];
    assertEquals(parts.map((p) => [p.part, p.waiting ?? "whole"]), [
      [a[0].name, "whole"],
      [a[2].name, "the end of the zip (its directory) is not there yet"],
    ]);
    await assertRejects(() => Deno.stat(root), Deno.errors.NotFound);
  });
});

Deno.test("a scheduled --from run: --quiet prints nothing, --healthcheck-url is pinged at start and end, /fail with the paragraph when a part is damaged", async () => {
  await withDir(async (dir) => {
    const server = pingServer();
    const { pings } = server;
    try {
      const hc = server.url;
      const { a } = await twoExports(dir, 65);
      const inbox = new Inbox(join(dir, "inbox"));
      await inbox.deliver(a[0]);
      await inbox.halfCopy(a[1], "temporary name");
      const root = join(dir, "backup");
      const args = [
        "takeout",
        root,
        "--from",
        inbox.dir,
        "--quiet",
        "--healthcheck-url",
        hc,
      ];
      const ok = await spawnProgram(args, { NO_COLOR: "1" }).done;
      assertEquals(ok.code, 0, ok.stderr);
      assertEquals(ok.stderr, "", "quiet: the waiting part is in the log only");
      assertEquals(ok.stdout, "");
      assertEquals(pings.map((p) => p.path), ["/ping/abc/start", "/ping/abc"]);
      pings.length = 0;
      // The next part arrives damaged (a byte flipped in its data).
      const bytes = a[2].bytes.slice();
      bytes[Math.floor(bytes.length / 3)] ^= 0xff;
      await inbox.deliver({ ...a[2], bytes });
      const bad = await spawnProgram(args, { NO_COLOR: "1" }).done;
      assertEquals(bad.code, 3, bad.stderr);
      assertEquals(pings.map((p) => p.path), [
        "/ping/abc/start",
        "/ping/abc/fail",
      ]);
      assertMatch(pings[1].body, new RegExp(a[2].name));
    } finally {
      await server.close();
    }
  });
});

Deno.test("a zip cut where its stored data holds an end record's signature looks whole to the folder scan; the read finds the cut, and the part waits, never damaged", async () => {
  await withDir(async (dir) => {
    const y = "Takeout/Google Photos/Photos from 2023";
    // A video stored as is, whose bytes hold "PK\x05\x06": a part cut
    // just after it ends on what looks like a zip's end record.
    const video = new Uint8Array(6000).fill(7);
    video.set([0x50, 0x4b, 0x05, 0x06], 3000);
    const files: ExportFile[] = [
      {
        path: `${y}/A.jpg`,
        data: jpeg({ imageUniqueId: "a".repeat(32) }),
        part: 0,
      },
      {
        path: `${y}/${supplementalName("A.jpg")}`,
        data: sidecarJson({
          title: "A.jpg",
          id: "a1",
          taken: "2023-05-01T10:00:00Z",
        }),
        part: 0,
      },
      { path: `${y}/V.mp4`, data: video, part: 0, stored: true },
    ];
    await Deno.mkdir(join(dir, "built"));
    const [built] = await writeExport(join(dir, "built"), files, ["zip"], {
      stamp: STAMP_A,
    });
    const whole = await Deno.readFile(built);
    const sign = whole.findIndex((_, i) =>
      whole[i] === 0x50 && whole[i + 1] === 0x4b && whole[i + 2] === 5 &&
      whole[i + 3] === 6
    );
    assert(sign > 0 && sign < whole.length - 200);
    const inbox = new Inbox(join(dir, "inbox"));
    const part: BuiltPart = {
      set: `takeout-${STAMP_A}`,
      name: basename(built),
      bytes: whole.subarray(0, sign + 100),
    };
    // Quiet for a while (a stalled client), under its own name.
    await inbox.deliver(part);
    const scan = await runInProcess([
      "takeout",
      join(dir, "backup"),
      "--from",
      inbox.dir,
      "--dry-run",
      "--json",
    ]);
    assertEquals(
      jsonOf(scan.stdout).parts.map((p: { waiting?: string }) => p.waiting),
      [undefined],
      "the folder scan takes it for whole",
    );
    const root = join(dir, "backup");
    const r = await fromInbox(root, inbox.dir);
    assertEquals(r.code, 0, r.stderr);
    assertEquals(jsonOf(r.stdout).sets, []);
    assertEquals(
      jsonOf(r.stdout).waiting.map((w: { reason: string }) => w.reason),
      ["it ends early: still being copied"],
    );
    assert(!/damaged|truncated/i.test(r.stderr), r.stderr);
    assertEquals(await itemRows(root), 0, "nothing of it imported");
    // The rest arrives: imported whole.
    await inbox.deliver({ ...part, bytes: whole });
    const done = await fromInbox(root, inbox.dir);
    assertEquals(done.code, 0, done.stderr);
    assertEquals(jsonOf(done.stdout).sets[0].counts.imported, 2);
  });
});

Deno.test("each part imported is recorded in the index (name, export, size, time, a checksum of its listing) and not read again; a part downloaded again is", async () => {
  await withDir(async (dir) => {
    const { a } = await twoExports(dir, 66);
    const inbox = new Inbox(join(dir, "inbox"));
    const root = join(dir, "backup");
    for (const part of a.slice(0, 2)) await inbox.deliver(part);
    const r1 = await fromInbox(root, inbox.dir);
    assertEquals(r1.code, 0, r1.stderr);
    const records = () => withIndex(root, (db) => new TakeoutParts(db).all());
    const first = records();
    assertEquals(first.map((r) => [r.name, r.set, r.number, r.state]), [
      [a[0].name, `takeout-${STAMP_A}`, 1, "imported"],
      [a[1].name, `takeout-${STAMP_A}`, 2, "imported"],
    ]);
    for (const [i, r] of first.entries()) {
      const info = await Deno.stat(inbox.path(a[i]));
      assertEquals(r.size, a[i].bytes.length);
      assertEquals(r.mtime?.getTime(), info.mtime?.getTime());
      assertMatch(r.checksum ?? "", /^[0-9a-f]{64}$/);
      assert((r.entries ?? 0) > 0);
      assert(r.importedAt !== undefined);
    }
    assert(first[0].checksum !== first[1].checksum);

    // The next run reads nothing: the parts are the files it recorded.
    const r2 = await fromInbox(root, inbox.dir);
    assertEquals(jsonOf(r2.stdout).sets, []);
    assertEquals(records(), first);

    // The listing's checksum is the part's, wherever it is imported.
    const elsewhere = join(dir, "elsewhere");
    const other = new Inbox(join(dir, "inbox-2"));
    await other.deliver(a[1]);
    await other.deliver(a[0]);
    assertEquals((await fromInbox(elsewhere, other.dir)).code, 0);
    assertEquals(
      withIndex(elsewhere, (db) => new TakeoutParts(db).all()).map((r) =>
        r.checksum
      ),
      first.map((r) => r.checksum),
    );

    // The first part downloaded again (a new file, a new time): read
    // again, and nothing is new in it.
    await Deno.remove(inbox.path(a[0]));
    await inbox.deliver(a[0]);
    const later = new Date(Date.now() - 3600_000);
    await Deno.utime(inbox.path(a[0]), later, later);
    const r3 = await fromInbox(root, inbox.dir);
    assertEquals(r3.code, 0, r3.stderr);
    const [again] = jsonOf(r3.stdout).sets;
    assertEquals(again.parts, [a[0].name]);
    assertEquals(again.counts.imported, 0, JSON.stringify(again.counts));
    const now = records();
    assertEquals(
      now[0].mtime?.getTime(),
      (await Deno.stat(inbox.path(a[0]))).mtime?.getTime(),
    );
    assert(now[0].mtime?.getTime() !== first[0].mtime?.getTime());
    assertEquals(now[0].checksum, first[0].checksum);
  });
});

Deno.test("a photo whose sidecar arrives in a later part, in a later run, is completed when it arrives: date, photos/YYYY/MM, description, GPS, XMP, albums", async () => {
  await withDir(async (dir) => {
    const y = "Takeout/Google Photos/Photos from 2019";
    const album = "Takeout/Google Photos/Trip";
    // No date of its own: until its sidecar comes, the photo is dated by
    // its entry's time.
    const photo = jpeg({ imageUniqueId: "sidecar later".padEnd(32, ".") });
    const entryTime = new Date("2024-08-01T09:00:00Z");
    const sidecar = sidecarJson({
      title: "IMG_9.jpg",
      id: "sidecarlater",
      taken: "2019-03-04T05:06:07Z",
      description: "at the harbour",
      geo: [59.5, 10.75],
    });
    const files: ExportFile[] = [
      { path: `${y}/IMG_9.jpg`, data: photo, part: 0, mtime: entryTime },
      { path: `${album}/IMG_9.jpg`, data: photo, part: 0, mtime: entryTime },
      { path: `${y}/${supplementalName("IMG_9.jpg")}`, data: sidecar, part: 1 },
      {
        path: `${album}/${supplementalName("IMG_9.jpg")}`,
        data: sidecar,
        part: 1,
      },
      {
        path: `${album}/metadata.json`,
        data: new TextEncoder().encode(JSON.stringify({ title: "Trip" })),
        part: 1,
      },
    ];
    const parts = await buildParts(
      join(dir, "built"),
      files,
      ["zip", "tgz"],
      STAMP_A,
    );
    const inbox = new Inbox(join(dir, "inbox"));
    const root = join(dir, "backup");
    await inbox.deliver(parts[0]);
    const r1 = await fromInbox(root, inbox.dir);
    assertEquals(r1.code, 0, r1.stderr);
    const [early] = await storedItems(root);
    assertEquals(early.rel, "photos/2024/08/IMG_9.jpg");
    assertEquals(early.item.description, "");

    await inbox.deliver(parts[1]);
    const r2 = await fromInbox(root, inbox.dir);
    assertEquals(r2.code, 0, r2.stderr);
    const items = await storedItems(root);
    assertEquals(items.length, 1, "one item, moved, not a second one");
    const [done] = items;
    // Known by its sidecar's id from now on, as if all had come at once.
    assertEquals(done.item.remoteId, "takeout:AF1Qipsidecarlater");
    assertEquals(done.rel, "photos/2019/03/IMG_9.jpg");
    assertEquals(
      done.item.createDate.toISOString(),
      "2019-03-04T05:06:07.000Z",
    );
    assertEquals(done.mtime.toISOString(), "2019-03-04T05:06:07.000Z");
    assertEquals(done.item.description, "at the harbour");
    assertEquals(done.item.location, "59.5,10.75");
    assertMatch(done.xmp ?? "", /at the harbour/);
    await assertRejects(
      () => Deno.lstat(join(root, early.rel)),
      Deno.errors.NotFound,
    );
    withIndex(root, (db) => {
      assertEquals(db.getItemExtras(done.item.remoteId)?.dateSource, "sidecar");
      const albums = db.albums();
      assertEquals(albums.map((al) => al.albumName), ["Trip"]);
      assertEquals(
        db.albumFiles(albums[0].remoteId).map((f) => f.item.remoteId),
        [done.item.remoteId],
      );
    });
    const links = await listFiles(join(root, "albums"));
    assertEquals(links, ["2019/0304 Trip/0000_IMG_9.jpg"]);
    assertEquals(
      await Deno.realPath(join(root, "albums/2019/0304 Trip/0000_IMG_9.jpg")),
      await Deno.realPath(join(root, done.rel)),
    );
  });
});

Deno.test("--delete-imported keeps an export whose parts so far have no gap (001, then 002 the next day) until a day passes without a new part", async () => {
  await withDir(async (dir) => {
    const { a } = await twoExports(dir, 67);
    const inbox = new Inbox(join(dir, "inbox"));
    const root = join(dir, "backup");
    const run = async (hours: number) => {
      const r = await fromInbox(
        root,
        inbox.dir,
        ["--delete-imported"],
        ahead(hours * 3600_000),
      );
      assertEquals(r.code, 0, r.stderr);
      return (jsonOf(r.stdout).deleted as string[]).map((p) => basename(p));
    };
    // The sync client has brought the first part only: the others are
    // still on the drive, which the program cannot see.
    await inbox.deliver(a[0]);
    assertEquals(await run(0), []);
    const text = await runInProcess(["status", root], ahead(3600_000));
    assertMatch(
      text.stdout,
      /1 part imported, none missing; whole if no other part comes by \d{4}-/,
    );
    await inbox.deliver(a[1]);
    assertEquals(await run(20), [], "a new part: the day starts again");
    await inbox.deliver(a[2]);
    await inbox.deliver(a[3]);
    assertEquals(await run(40), []);
    assertEquals(await run(63), []);
    assertEquals(await inbox.files(), a.map((p) => p.name).sort());
    assertEquals((await run(65)).sort(), a.map((p) => p.name).sort());
    assertEquals(await inbox.files(), []);
  });
});
