// `sync` as a subject of the reliability machinery: a seeded library with
// photos, videos, same-name items, albums and a shared album on the test
// server; the backup's source of truth is the server's bytes
// (library.sha256). Used by the crash loop; the soak and hostile tests use
// the same world builder.

import { join } from "node:path";
import type { FakeItem, FakeLibrary } from "../fake_google/mod.ts";
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
  walk,
} from "./kit.ts";

export interface World {
  items: FakeItem[];
  /** Album title -> item ids, own albums (under albums/). */
  albums: Map<string, string[]>;
  /** Album title -> item ids, albums shared with the user (sharedAlbums/). */
  shared: Map<string, string[]>;
}

const MONTHS = ["2019-03", "2019-04", "2020-11", "2021-01"];

/**
 * Fills `lib` from `rng`: `count` items over a few months (every seventh a
 * video, some sharing a name), three albums and one album shared by
 * someone else holding two items that are not in the user's library.
 */
export function buildWorld(
  lib: FakeLibrary,
  rng: Rng,
  options: { count: number; minSize?: number; maxSize?: number },
): World {
  const items: FakeItem[] = [];
  for (let i = 0; i < options.count; i++) {
    const month = rng.pick(MONTHS);
    const day = String(rng.int(1, 28)).padStart(2, "0");
    const time = `${month}-${day}T${String(rng.int(0, 23)).padStart(2, "0")}:${
      String(i % 60).padStart(2, "0")
    }:00Z`;
    const size = rng.int(options.minSize ?? 8_000, options.maxSize ?? 120_000);
    // Every fifth item takes the name (and kind) of one already made, so
    // that " (2)" naming is exercised; every seventh other one is a video.
    const twin = i % 5 === 4 ? items[rng.int(0, items.length - 1)] : undefined;
    const video = twin ? twin.kind === "video" : i % 7 === 6;
    const name = twin?.filename ??
      `IMG_${String(i).padStart(4, "0")}.${video ? "MP4" : "JPG"}`;
    items.push(
      video ? lib.video(name, time, { size }) : lib.photo(name, time, { size }),
    );
  }
  const albums = new Map<string, string[]>();
  for (const title of ["Alpha", "Bravo", "Charlie"]) {
    const members = items.filter(() => rng.chance(0.3));
    if (members.length === 0) members.push(items[0]);
    lib.album(title, members);
    albums.set(title, members.map((m) => m.id));
  }
  const strangers = [0, 1].map((i) =>
    lib.photo(`theirs_${i}.jpg`, `2021-01-0${i + 2}T10:00:00Z`, {
      inLibrary: false,
      contributor: { displayName: "Someone Else" },
      size: rng.int(8_000, 40_000),
    })
  );
  items.push(...strangers);
  const sharedMembers = [...strangers, items[1]];
  lib.sharedAlbum("Delta", sharedMembers, { owned: false });
  const shared = new Map([["Delta", sharedMembers.map((m) => m.id)]]);
  return { items, albums, shared };
}

/** Links (or hard-linked files) under `folder`, per album folder name. */
export async function albumLinkCounts(
  folder: string,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const e of await walk(folder)) {
    if (!(e.info.isSymlink || e.info.isFile)) continue;
    const parts = e.path.split("/");
    const album = parts[parts.length - 2];
    counts.set(album, (counts.get(album) ?? 0) + 1);
  }
  return counts;
}

/** Problems with album folders: each album has one link per item. */
export async function albumProblems(
  root: string,
  world: World,
): Promise<string[]> {
  const problems: string[] = [];
  for (
    const [folder, albums] of [["albums", world.albums], [
      "sharedAlbums",
      world.shared,
    ]] as const
  ) {
    const counts = await albumLinkCounts(join(root, folder));
    for (const [title, ids] of albums) {
      const name = [...counts.keys()].find((k) => k.endsWith(` ${title}`));
      const have = name === undefined ? 0 : counts.get(name)!;
      if (have !== ids.length) {
        problems.push(
          `${folder}: album ${title} has ${have} links, wants ${ids.length}`,
        );
      }
    }
  }
  return problems;
}

class SyncCrashScenario implements CrashScenario {
  readonly label: string;
  #base: Record<string, number> = {};
  #baseEntries = 0;
  #fetched = 0;
  #before: Map<string, string> | undefined;

  constructor(
    readonly b: Backup,
    readonly world: World,
    readonly args: string[],
    label: string,
    before: Map<string, string> | undefined,
  ) {
    this.label = label;
    this.#before = before;
  }

  start() {
    this.#base = this.b.google.requests.counts();
    this.#baseEntries = this.b.google.requests.entries.length;
    return spawnProgram(this.#argv(), this.b.env());
  }

  #argv(): string[] {
    return [this.b.root, "--secret", this.b.secret, ...this.args];
  }

  #since(cls: string): number {
    return this.b.google.requests.count(cls) - (this.#base[cls] ?? 0);
  }

  killMoment(rng: Rng, typicalRunMs: number): KillMoment {
    const done =
      this.b.google.requests.of("media").filter((e) =>
        e.status === 200 && e.fault === undefined
      ).length;
    this.#fetched = done;
    const remaining = Math.max(1, this.world.items.length - done);
    const roll = rng.float();
    if (roll < 0.35) {
      const ms = Math.round(50 + rng.float() * typicalRunMs * 0.9);
      return { kind: "time", ms, what: `after ${ms} ms` };
    }
    if (roll < 0.45) {
      return {
        kind: "when",
        test: () => this.#since("list") + this.#since("search") >= 1,
        what: "at the first listing request",
      };
    }
    if (roll < 0.55) {
      const k = rng.int(1, 3);
      return {
        kind: "when",
        test: () =>
          this.#since("albums") + this.#since("sharedAlbums") >= 1 &&
          this.#since("search") >= k,
        what: `at album request ${k}`,
      };
    }
    if (roll < 0.65) {
      return {
        kind: "when",
        test: () => this.#since("batchGet") >= 1,
        what: "at the first batchGet",
      };
    }
    if (roll < 0.9) {
      const k = rng.int(1, remaining);
      return {
        kind: "when",
        test: () => this.#since("media") >= k,
        what: `at media request ${k} of ${remaining}`,
      };
    }
    // After the last download: the album links are being made.
    return afterLastMedia(rng, () => this.#since("media"), remaining);
  }

  phase(): string {
    const entries = this.b.google.requests.entries.slice(this.#baseEntries);
    if (entries.length === 0) return "startup";
    const last = entries[entries.length - 1];
    const mediaNow = entries.filter((e) => e.requestClass === "media").length;
    if (
      last.requestClass === "media" &&
      this.#fetched + mediaNow >= this.world.items.length
    ) return "links";
    if (last.requestClass === "media" || last.requestClass === "batchGet") {
      return "download";
    }
    const albumsSeen = entries.some((e) =>
      e.requestClass === "albums" || e.requestClass === "sharedAlbums"
    );
    return albumsSeen ? "albums" : "index";
  }

  async check(finished: boolean): Promise<BackupProblems> {
    const lib = this.b.library;
    const found = await checkBackup({
      root: this.b.root,
      expectedSha: (id) => lib.item(id) ? lib.sha256(id) : undefined,
      linkFolders: ["albums", "sharedAlbums"],
      finished,
      mustHave: finished ? this.world.items.map((i) => i.id) : undefined,
    });
    if (finished) {
      found.problems.push(...await albumProblems(this.b.root, this.world));
      const stray = await strayEntries(this.b.dir, [
        "backup",
        "client_secret.json",
      ]);
      if (stray.length > 0) {
        found.problems.push(`written outside ROOT: ${stray.join(", ")}`);
      }
    }
    if (this.#before) {
      const lost = lostFiles(
        this.#before,
        await fileDigests(join(this.b.root, "photos")),
      );
      for (const p of lost) found.problems.push(`backed-up file lost: ${p}`);
    }
    return found;
  }

  items(): number {
    return this.world.items.length;
  }

  async [Symbol.asyncDispose]() {
    await this.b[Symbol.asyncDispose]();
  }
}

/**
 * Each trial: a fresh backup (70%) or an incremental one (a finished backup,
 * then new items, album changes), 4 to 40 items of 8 to 120 kB behind a
 * throttled media host so that kills land mid-transfer, 1 to 20 threads,
 * symbolic or hard album links.
 */
export const syncSubject: CrashSubject = {
  name: "sync",
  async prepare(rng: Rng): Promise<CrashScenario> {
    const count = rng.int(4, 40);
    let world: World | undefined;
    const bandwidth = rng.pick([1_500_000, 3_000_000, 0]);
    const b = await backup((lib) => {
      world = buildWorld(lib, rng, { count });
    }, {
      era: "2024",
      seed: rng.int(1, 1_000_000),
      media: { bytesPerSecond: bandwidth, latencyMs: rng.int(0, 20) },
    });
    await b.signIn();
    const threads = rng.pick([1, 4, 20]);
    const args = ["--max-threads", String(threads)];
    const hardlinks = rng.chance(0.2);
    if (hardlinks) args.push("--use-hardlinks");
    const incremental = rng.chance(0.3);
    let before: Map<string, string> | undefined;
    if (incremental) {
      const first = await b.sync(args);
      if (first.code !== 0) {
        throw new Error(`the first, unkilled run failed: ${first.stderr}`);
      }
      before = await fileDigests(b.path("photos"));
      const lib = b.library;
      const added: FakeItem[] = [];
      for (let i = 0; i < rng.int(2, 8); i++) {
        added.push(
          lib.photo(`NEW_${i}.JPG`, `2022-02-0${1 + (i % 9)}T10:00:00Z`, {
            size: rng.int(8_000, 120_000),
          }),
        );
      }
      world!.items.push(...added);
      const alpha = lib.albums.find((a) => a.title === "Alpha")!;
      const dropped = alpha.itemIds[0];
      lib.removeFromAlbum(alpha, [dropped]);
      lib.addToAlbum(alpha, [added[0]]);
      world!.albums.set("Alpha", [
        ...world!.albums.get("Alpha")!.filter((id) => id !== dropped),
        added[0].id,
      ]);
      lib.album("Echo", added);
      world!.albums.set("Echo", added.map((a) => a.id));
    }
    const label = `${incremental ? "incremental" : "fresh"}, ${
      world!.items.length
    } items, ${threads} threads${hardlinks ? ", hard links" : ""}, ${
      bandwidth ? `${bandwidth / 1e6} MB/s` : "unthrottled"
    }`;
    return new SyncCrashScenario(b, world!, args, label, before);
  },
};
