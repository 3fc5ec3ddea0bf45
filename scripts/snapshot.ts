// deno-lint-ignore-file no-console -- a script talks to its user
// `deno task snapshot OUT [--quick]`: runs each command on fixed inputs and
// writes everything they left into one text file — what each run printed
// and its exit code, every file of each backup (type, mode, size, SHA-256,
// link target, modification time), every row of each index, and each
// Takeout report. Two snapshots of the same inputs are equal byte for byte
// when the program behaves the same, so a change meant to move code and not
// behaviour is checked by `diff` of a snapshot taken before and one after.
//
// The runs: a sync of the test library shaped like gphotos-sync's own test
// account, against the test server on 127.0.0.1, then a second sync (nothing
// to do); a pick of 20 items into the same backup; a Takeout export of 400
// items in 2 parts imported into it as well; and each case of the peer
// corpus (tests/e2e/takeout_corpus.ts) imported into a backup of its own.
// What differs from run to run whatever the program does — the temporary
// folder, the server's port, the clock — is written as <tmp>, <port>,
// <now> and <secs>.

import { createHash } from "node:crypto";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { backup } from "../tests/e2e/harness.ts";
import { buildParityLibrary } from "../tests/e2e/parity_library.ts";
import {
  type CorpusCase,
  runInProcess,
  writeVariant,
} from "../tests/e2e/takeout_corpus.ts";
import { CORPUS } from "../tests/e2e/takeout_corpus_cases.ts";
import { writeExport } from "../tests/e2e/takeout_export.ts";
import { bulkExport } from "./snapshot_export.ts";

/** Files whose content is a running account (times, durations): listed only. */
const LISTED_ONLY = new Set([
  "gphotos.log",
  "gphotos.trace",
  ".gphotos.token",
  "gphotos.sqlite-wal",
  "gphotos.sqlite-shm",
]);

export interface SnapshotOptions {
  /** Fewer corpus cases and a smaller export: a smoke run. */
  quick: boolean;
}

/** Everything the runs left, as text (see the file's opening comment). */
export async function snapshot(options: SnapshotOptions): Promise<string> {
  const out: string[] = [];
  const started = Date.now();
  const tmp = await Deno.makeTempDir({ prefix: "gphotos-snapshot-" });
  const clean = new Cleaner(tmp, started);
  try {
    await using b = await backup((lib) => buildParityLibrary(lib));
    b.google.picker.pollIntervalSec = 0.05;
    clean.port = new URL(b.google.url).port;
    clean.paths.push(b.dir);
    await b.signIn([
      "photoslibrary.readonly",
      "photoslibrary.sharing",
      "photospicker.mediaitems.readonly",
    ]);
    const say = (
      title: string,
      r: { code: number; stdout: string; stderr: string },
    ) => {
      out.push(
        `## ${title}`,
        `exit ${r.code}`,
        "### stdout",
        r.stdout,
        "### stderr",
        r.stderr,
      );
    };
    say("sync", await b.sync(["--max-threads", "4"]));
    say("sync again", await b.sync(["--max-threads", "4", "--json"]));
    const picked = b.library.items.slice(0, 20);
    b.google.picker.autoPick = { items: picked, afterPolls: 2 };
    say(
      "pick",
      await b.run(
        ["pick", b.root, "--secret", b.secret, "--max-threads", "4"],
        {
          env: { GPHOTOS_PICKER_API: b.google.pickerUrl },
        },
      ),
    );
    const exportDir = join(b.dir, "export");
    await Deno.mkdir(exportDir, { recursive: true });
    const parts = await writeExport(
      exportDir,
      bulkExport(options.quick ? 60 : 400),
      ["zip", "tgz"],
    );
    say(
      "takeout --dry-run",
      await b.run(["takeout", b.root, ...parts, "--dry-run", "--json"]),
    );
    say("takeout", await b.run(["takeout", b.root, ...parts]));
    say("takeout again", await b.run(["takeout", b.root, ...parts, "--json"]));
    say("status", await b.run(["status", b.root, "--json"]));
    out.push(...await describeBackup(b.root));

    const cases = options.quick ? CORPUS.slice(0, 12) : CORPUS;
    for (const [i, c] of cases.entries()) {
      const dir = join(tmp, `case-${i}`);
      const parts = await writeVariant(c, join(dir, "export"), {
        format: "zip",
        reversed: false,
      });
      const root = join(dir, "backup");
      const r = await runInProcess(["takeout", root, ...parts]);
      say(`corpus ${i}: ${caseTitle(c)}`, r);
      out.push(...await describeBackup(root));
      await Deno.remove(dir, { recursive: true });
    }
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
  return clean.text(out.join("\n") + "\n");
}

function caseTitle(c: CorpusCase): string {
  return `${c.from} / ${c.name}`;
}

/** The files of a backup, then every row of its index, then its report. */
async function describeBackup(root: string): Promise<string[]> {
  const out = [`## backup ${root}`, "### files"];
  for (const line of await listTree(root, "")) out.push(line);
  out.push("### index");
  try {
    out.push(...dumpIndex(join(root, "gphotos.sqlite")));
  } catch (e) {
    out.push(`(no index: ${(e as Error).message})`);
  }
  return out;
}

async function listTree(folder: string, rel: string): Promise<string[]> {
  const names = (await Array.fromAsync(Deno.readDir(join(folder, rel))))
    .map((e) => e.name).sort();
  const out: string[] = [];
  for (const name of names) {
    const path = rel === "" ? name : `${rel}/${name}`;
    const full = join(folder, path);
    const info = await Deno.lstat(full);
    const mode = ((info.mode ?? 0) & 0o777).toString(8);
    if (info.isSymlink) {
      out.push(`link ${path} -> ${await Deno.readLink(full)}`);
    } else if (info.isDirectory) {
      out.push(`dir  ${path} ${mode}`);
      out.push(...await listTree(folder, path));
    } else if (LISTED_ONLY.has(name) || /\.log(\.\d+)?$/.test(name)) {
      out.push(`file ${path} ${mode} (a log)`);
    } else if (name.endsWith(".sqlite")) {
      out.push(`file ${path} ${mode} (rows below)`);
    } else if (/\.(json|yaml)$/.test(name)) {
      // Text the program writes: its content, JSON with its keys sorted
      // (an object's key order is not what the program promises).
      const text = await Deno.readTextFile(full);
      out.push(`file ${path} ${mode} ${info.mtime?.toISOString()}`);
      out.push(name.endsWith(".json") ? canonicalJson(text) : text);
    } else {
      const bytes = await Deno.readFile(full);
      const hash = createHash("sha256").update(bytes).digest("hex");
      out.push(
        `file ${path} ${mode} ${info.size} ${
          hash.slice(0, 16)
        } ${info.mtime?.toISOString()}`,
      );
    }
  }
  return out;
}

/** JSON text with every object's keys sorted, one value per line. */
function canonicalJson(text: string): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(
        Object.keys(v).sort().map((
          k,
        ) => [k, sort((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  try {
    return JSON.stringify(sort(JSON.parse(text)), null, 1);
  } catch {
    return text;
  }
}

/** Every table, every row in rowid order, as JSON lines. */
function dumpIndex(path: string): string[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const out: string[] = [];
    const tables = db.prepare(
      "SELECT name, sql FROM sqlite_master WHERE type IN ('table', 'index') " +
        "AND name NOT LIKE 'sqlite_%' ORDER BY type, name",
    ).all() as { name: string; sql: string | null }[];
    for (const t of tables) out.push(`schema ${t.name}: ${t.sql ?? ""}`);
    for (const t of tables) {
      if (!t.sql?.startsWith("CREATE TABLE")) continue;
      out.push(`table ${t.name}`);
      for (
        const row of db.prepare(`SELECT * FROM "${t.name}" ORDER BY rowid`)
          .all()
      ) {
        out.push(
          JSON.stringify(row, (_k, v) => typeof v === "bigint" ? Number(v) : v),
        );
      }
    }
    return out;
  } finally {
    db.close();
  }
}

/** Writes what differs from run to run whatever the program does as a name. */
class Cleaner {
  port = "";
  readonly paths: string[];
  constructor(tmp: string, readonly started: number) {
    this.paths = [tmp];
  }

  text(s: string): string {
    for (const p of this.paths) s = s.replaceAll(p, "<tmp>");
    if (this.port) s = s.replaceAll(`:${this.port}`, ":<port>");
    // Durations of runs.
    s = s.replace(/\bin \d+(\.\d+)? (ms|s|min)\b/g, "in <secs>");
    s = s.replace(/"seconds":\s*[\d.]+/g, '"seconds": <secs>');
    s = s.replace(/\b\d+(\.\d+)? (items|MB|KB)\/s\b/g, "<rate>");
    // Times of the clock: ISO strings and index dates of these days, epoch
    // seconds and milliseconds of these days.
    const days = [-1, 0, 1].map((d) =>
      new Date(this.started + d * 86_400_000).toISOString().slice(0, 10)
    );
    for (const day of days) {
      s = s.replace(
        new RegExp(
          `${day}[T ]\\d\\d:\\d\\d(:\\d\\d(\\.\\d+)?)?(Z|[+-]\\d\\d:?\\d\\d)?`,
          "g",
        ),
        "<now>",
      );
    }
    const low = (this.started - 2 * 86_400_000) / 1000;
    const high = (Date.now() + 2 * 86_400_000) / 1000;
    s = s.replace(/\b\d{10,13}(\.\d+)?\b/g, (m) => {
      const n = Number(m);
      const secs = n > 1e12 ? n / 1000 : n;
      return secs >= low && secs <= high ? "<now>" : m;
    });
    return s;
  }
}

if (import.meta.main) {
  const args = Deno.args.filter((a) => a !== "--quick");
  if (args.length !== 1) {
    console.error("usage: deno task snapshot OUT [--quick]");
    Deno.exit(2);
  }
  const text = await snapshot({ quick: Deno.args.includes("--quick") });
  await Deno.writeTextFile(args[0], text);
  console.error(`Wrote ${args[0]} (${text.split("\n").length} lines).`);
}
