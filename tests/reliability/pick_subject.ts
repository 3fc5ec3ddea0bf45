// `pick` as a subject of the reliability machinery: a seeded library on the
// test server and a person who picks some of it on the fake Picker. The
// backup's source of truth is the server's bytes (library.sha256) and
// capture times. After a kill the person does what the program tells
// them: `pick --resume ROOT` when the index holds an unfinished session,
// sometimes `pick ROOT` again (a new session, the same items picked),
// otherwise `pick ROOT`.

import { join } from "node:path";
import type { FakeItem } from "../fake_google/mod.ts";
import { type Backup, backup } from "../e2e/harness.ts";
import type { CrashScenario, CrashSubject } from "./crash_loop.ts";
import {
  afterLastMedia,
  type BackupProblems,
  checkBackup,
  fileDigests,
  type KillMoment,
  lostFiles,
  type Rng,
  spawnProgram,
  strayEntries,
} from "./kit.ts";
import { albumProblems, buildWorld } from "./sync_subject.ts";
import { DatabaseSync } from "node:sqlite";

export const PICKER_SCOPE = "photospicker.mediaitems.readonly";

/** The album --album files the picked items under. */
const ALBUM = "Picked";

/** Whether the index (as the next run finds it) holds an unfinished session. */
export async function hasUnfinishedSession(root: string): Promise<boolean> {
  const scratch = await Deno.makeTempDir({ prefix: "gphotos-index-copy-" });
  try {
    const copy = join(scratch, "gphotos.sqlite");
    try {
      await Deno.copyFile(join(root, "gphotos.sqlite"), copy);
    } catch {
      return false;
    }
    for (const suffix of ["-journal", "-wal"]) {
      await Deno.copyFile(join(root, "gphotos.sqlite") + suffix, copy + suffix)
        .catch(() => {});
    }
    const db = new DatabaseSync(copy);
    try {
      const row = db.prepare(
        "SELECT COUNT(*) AS n FROM PickerSessions WHERE State IN ('waiting', 'picked')",
      ).get() as { n: number } | undefined;
      return Number(row?.n ?? 0) > 0;
    } catch {
      // No PickerSessions table yet: the kill came before the index was made.
      return false;
    } finally {
      db.close();
    }
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
}

class PickCrashScenario implements CrashScenario {
  readonly label: string;
  #baseEntries = 0;
  #fetched = 0;
  #resume = false;

  constructor(
    readonly b: Backup,
    readonly picked: FakeItem[],
    readonly args: string[],
    label: string,
    readonly before: Map<string, string> | undefined,
    readonly rng: Rng,
  ) {
    this.label = label;
  }

  start() {
    this.#baseEntries = this.b.google.requests.entries.length;
    const argv = ["pick", this.b.root, "--secret", this.b.secret, ...this.args];
    if (this.#resume) argv.push("--resume");
    return spawnProgram(
      argv,
      this.b.env({ GPHOTOS_PICKER_API: this.b.google.pickerUrl }),
    );
  }

  #since(cls: string): number {
    return this.b.google.requests.entries.slice(this.#baseEntries).filter((
      e,
    ) => e.requestClass === cls).length;
  }

  killMoment(rng: Rng, typicalRunMs: number): KillMoment {
    const done =
      this.b.google.requests.of("media").filter((e) =>
        e.status === 200 && e.fault === undefined
      ).length;
    this.#fetched = done;
    const remaining = Math.max(1, this.picked.length - done);
    const roll = rng.float();
    if (roll < 0.3) {
      const ms = Math.round(50 + rng.float() * typicalRunMs * 0.9);
      return { kind: "time", ms, what: `after ${ms} ms` };
    }
    if (roll < 0.4) {
      return {
        kind: "when",
        test: () => this.#since("pickerGet") >= 1,
        what: "while waiting for the pick",
      };
    }
    if (roll < 0.5) {
      return {
        kind: "when",
        test: () => this.#since("pickerList") >= 1,
        what: "at the listing of the picked items",
      };
    }
    if (roll < 0.85) {
      const k = rng.int(1, remaining);
      return {
        kind: "when",
        test: () => this.#since("media") >= k,
        what: `at media request ${k} of ${remaining}`,
      };
    }
    // After the last download: the album links, the session's deletion.
    return afterLastMedia(rng, () => this.#since("media"), remaining);
  }

  phase(): string {
    const entries = this.b.google.requests.entries.slice(this.#baseEntries);
    if (entries.length === 0) return "startup";
    const last = entries[entries.length - 1].requestClass;
    const media = entries.filter((e) => e.requestClass === "media").length;
    if (last === "pickerDelete") return "links and delete";
    if (last === "media") {
      return this.#fetched + media >= this.picked.length
        ? "links and delete"
        : "download";
    }
    if (last === "pickerList") return "listing";
    if (last === "pickerCreate" || last === "pickerGet") return "waiting";
    return "startup";
  }

  async check(finished: boolean): Promise<BackupProblems> {
    const lib = this.b.library;
    const found = await checkBackup({
      root: this.b.root,
      expectedSha: (id) => lib.item(id) ? lib.sha256(id) : undefined,
      linkFolders: ["albums"],
      finished,
      mustHave: finished ? this.picked.map((i) => i.id) : undefined,
    });
    if (finished) {
      if (this.args.includes("--album")) {
        found.problems.push(
          ...await albumProblems(this.b.root, {
            items: [],
            albums: new Map([[ALBUM, this.picked.map((i) => i.id)]]),
            shared: new Map(),
          }),
        );
      }
      const stray = await strayEntries(this.b.dir, [
        "backup",
        "client_secret.json",
      ]);
      if (stray.length > 0) {
        found.problems.push(`written outside ROOT: ${stray.join(", ")}`);
      }
      const last = this.b.google.picker.latest();
      if (last && !last.deleted) {
        found.problems.push("the finished session was not deleted");
      }
      for (const item of this.picked) {
        if (item.captureTime === null) continue;
        const path = this.#pathOf(item.id);
        const mtime = path === undefined
          ? undefined
          : (await Deno.stat(join(this.b.root, path))).mtime?.getTime();
        if (mtime !== Date.parse(item.captureTime)) {
          found.problems.push(
            `${path ?? item.id}: mtime is not the capture time`,
          );
        }
      }
    }
    if (this.before) {
      const lost = lostFiles(
        this.before,
        await fileDigests(join(this.b.root, "photos")),
      );
      for (const p of lost) found.problems.push(`backed-up file lost: ${p}`);
    }
    // What the person runs next: --resume when the program keeps an
    // unfinished session, or sometimes a new pick of the same items.
    this.#resume = !finished && await hasUnfinishedSession(this.b.root) &&
      this.rng.chance(0.75);
    return found;
  }

  #pathOf(id: string): string | undefined {
    const db = this.b.db();
    try {
      const row = db.getItem(id);
      return row ? `${row.path}/${row.fileName}` : undefined;
    } finally {
      db.close();
    }
  }

  items(): number {
    return this.picked.length;
  }

  async [Symbol.asyncDispose]() {
    await this.b[Symbol.asyncDispose]();
  }
}

/**
 * Each trial: a pick into an empty backup (70%) or into one `sync` made,
 * picking some items it has and new ones (30%); 4 to 40 items of 8 to 120
 * kB behind a throttled media host, 1 to 20 threads, with --album (symbolic
 * or hard links) half of the time.
 */
export const pickSubject: CrashSubject = {
  name: "pick",
  async prepare(rng: Rng): Promise<CrashScenario> {
    const count = rng.int(4, 40);
    const bandwidth = rng.pick([1_500_000, 3_000_000, 0]);
    let items: FakeItem[] = [];
    const b = await backup((lib) => {
      items = buildWorld(lib, rng, { count }).items;
    }, {
      era: "2024",
      seed: rng.int(1, 1_000_000),
      media: { bytesPerSecond: bandwidth, latencyMs: rng.int(0, 20) },
    });
    b.google.picker.pollIntervalSec = 0.05;
    const threads = rng.pick([1, 4, 20]);
    const args = ["--max-threads", String(threads)];
    const album = rng.chance(0.5);
    if (album) args.push("--album", ALBUM);
    const hardlinks = album && rng.chance(0.3);
    if (hardlinks) args.push("--use-hardlinks");
    const overSync = rng.chance(0.3);
    let picked: FakeItem[];
    let before: Map<string, string> | undefined;
    if (overSync) {
      await b.signIn(["photoslibrary.readonly", PICKER_SCOPE]);
      const synced = await b.sync(["--skip-albums"]);
      if (synced.code !== 0) {
        throw new Error(`the sync before the pick failed: ${synced.stderr}`);
      }
      before = await fileDigests(b.path("photos"));
      const fresh: FakeItem[] = [];
      for (let i = 0; i < rng.int(2, 10); i++) {
        fresh.push(
          b.library.photo(`NEW_${i}.JPG`, `2022-02-0${1 + (i % 9)}T10:00:00Z`, {
            size: rng.int(8_000, 120_000),
          }),
        );
      }
      picked = [...items.filter(() => rng.chance(0.3)), ...fresh];
    } else {
      await b.signIn([PICKER_SCOPE]);
      picked = items.filter(() => rng.chance(0.8));
      if (picked.length === 0) picked.push(items[0]);
    }
    b.google.picker.autoPick = { items: picked, afterPolls: rng.int(1, 3) };
    const label = `${
      overSync ? "over a sync" : "fresh"
    }, ${picked.length} of ${items.length} items picked, ${threads} threads${
      album ? `, --album${hardlinks ? " (hard links)" : ""}` : ""
    }, ${bandwidth ? `${bandwidth / 1e6} MB/s` : "unthrottled"}`;
    return new PickCrashScenario(b, picked, args, label, before, rng);
  },
};
