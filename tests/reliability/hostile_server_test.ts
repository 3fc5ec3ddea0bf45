// Hostile answers from "Google" (through the man-in-the-middle front):
// malformed JSON, missing and wrong-typed fields, absurd sizes and dates,
// batchGet answers that do not match the question, a token endpoint that
// talks nonsense. Each run must end with a clear message (no stack trace)
// and the right exit code, write nothing beside ROOT, and lose nothing of
// what was backed up before.

import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { type Backup, backup } from "../e2e/harness.ts";
import { type MitmFront, startMitmFront } from "../fake_google/mitm_front.ts";
import {
  checkBackup,
  fileDigests,
  hasStackTrace,
  lostFiles,
  readIndexState,
  spawnProgram,
  strayEntries,
  type TimedResult,
} from "./kit.ts";

type Json = Record<string, unknown>;

interface Hostile {
  b: Backup;
  mitm: MitmFront;
  /** Runs sync through the front; checks the rules every run must keep. */
  run(args?: string[]): Promise<TimedResult>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A backup of a few items made cleanly, then a front to tamper through. */
async function hostile(): Promise<Hostile> {
  const b = await backup((lib) => {
    lib.generate(6, { start: "2020-01-01T00:00:00Z", stepSec: 86_400 });
    lib.album("Keep", [lib.photo("album.jpg", "2020-02-01T00:00:00Z")]);
  }, { era: "2024" });
  await b.signIn();
  const first = await b.sync();
  assertEquals(first.code, 0, first.stderr);
  const mitm = startMitmFront(b.google);
  await Deno.writeTextFile(b.secret, JSON.stringify(mitm.clientSecretJson()));
  const before = await fileDigests(join(b.root, "photos"));
  return {
    b,
    mitm,
    async run(args = []) {
      const r = await spawnProgram(
        [b.root, "--secret", b.secret, "--rescan", ...args],
        b.env({ GPHOTOS_LIBRARY_API: mitm.url }),
      ).done;
      assert(!hasStackTrace(r.stderr), `stack trace on screen:\n${r.stderr}`);
      assertEquals(
        await strayEntries(b.dir, ["backup", "client_secret.json"]),
        [],
      );
      const after = await fileDigests(join(b.root, "photos"));
      assertEquals(lostFiles(before, after), [], "backed-up files lost");
      const state = await readIndexState(join(b.root, "gphotos.sqlite"));
      assertEquals(state.integrity, "ok");
      const found = await checkBackup({
        root: b.root,
        expectedSha: (id) => b.library.item(id) && b.library.sha256(id),
        finished: r.code === 0,
      });
      assertEquals(found.problems, []);
      mitm.clear();
      return r;
    },
    async [Symbol.asyncDispose]() {
      await mitm[Symbol.asyncDispose]();
      await b[Symbol.asyncDispose]();
    },
  };
}

/** The last line a person reads (the program's own, not the log's). */
function lastLine(r: TimedResult): string {
  return r.stderr.trimEnd().split("\n").pop() ?? "";
}

Deno.test("malformed and wrong-typed listings stop the run with exit 1 and a message naming the call and field", async () => {
  await using h = await hostile();
  const cases: [string, Parameters<MitmFront["tamper"]>[0], RegExp][] = [
    ["cut JSON", {
      on: "list",
      text: (t) => t.slice(0, t.length / 2),
    }, /malformed answer to mediaItems\.list: the body is not JSON/],
    ["an HTML page with status 200", {
      on: "list",
      text: () => "<html><body>Service temporarily unavailable</body></html>",
    }, /malformed answer to mediaItems\.list/],
    ["a list that is not an array", {
      on: "list",
      json: () => ({ mediaItems: "nope" }),
    }, /response\.mediaItems should be an array but is the string "nope"/],
    [
      "an item without id",
      {
        on: "list",
        json: (body) => {
          const items = (body as Json).mediaItems as Json[];
          delete items[0].id;
          return body;
        },
      },
      /response\.mediaItems\[0\]\.id should be a non-empty string but is missing/,
    ],
    ["a wrong-typed filename", {
      on: "list",
      json: (body) => {
        ((body as Json).mediaItems as Json[])[1].filename = 42;
        return body;
      },
    }, /mediaItems\[1\]\.filename should be a string but is a number/],
    ["a width that is not a number", {
      on: "list",
      json: (body) => {
        const item = ((body as Json).mediaItems as Json[])[2];
        (item.mediaMetadata as Json).width = "1e999";
        return body;
      },
    }, /mediaMetadata\.width should be an integer string/],
    [
      "albums as an object",
      {
        on: "albums",
        json: () => ({ albums: { id: "x" } }),
      },
      /albums\.list: response\.albums should be an array but is a object|albums\.list: response\.albums should be an array/,
    ],
    ["a page token that never changes", {
      on: "list",
      respond: ({ url }) =>
        url.searchParams.get("pageToken") === "again"
          ? Response.json({ mediaItems: [], nextPageToken: "again" })
          : undefined,
      json: (body) => ({ ...(body as Json), nextPageToken: "again" }),
    }, /same page token twice/],
  ];
  for (const [what, rule, message] of cases) {
    h.mitm.tamper(rule);
    const r = await h.run();
    assertEquals(r.code, 1, `${what}: ${r.stderr}`);
    assertMatch(r.stderr, message, what);
    assert(!/Unexpected error/.test(r.stderr), `${what}: ${r.stderr}`);
  }
});

Deno.test("batchGet answers that do not match the question download nothing under a wrong name", async () => {
  await using h = await hostile();
  // New items to download, then batchGet lies about them.
  h.b.library.photo("new1.jpg", "2021-03-01T00:00:00Z");
  h.b.library.photo("new2.jpg", "2021-03-02T00:00:00Z");
  const cases: [string, (body: Json) => unknown, RegExp][] = [
    ["one result short", (body) => ({
      mediaItemResults: (body.mediaItemResults as Json[]).slice(1),
    }), /mediaItemResults should be 2 entries/],
    ["results swapped", (body) => ({
      mediaItemResults: (body.mediaItemResults as Json[]).reverse(),
    }), /mediaItemResults\[0\]\.mediaItem\.id should be the id asked for/],
    ["an entry with neither item nor status", () => ({
      mediaItemResults: [{}, {}],
    }), /an object with mediaItem or status/],
  ];
  for (const [what, json, message] of cases) {
    h.mitm.tamper({ on: "batchGet", json: (b) => json(b as Json) });
    const r = await h.run();
    assertEquals(r.code, 1, `${what}: ${r.stderr}`);
    assertMatch(r.stderr, message, what);
    const db = h.b.db();
    try {
      for (const it of db.items()) {
        if (it.fileName.startsWith("new")) assert(!it.downloaded, what);
      }
    } finally {
      db.close();
    }
  }
  // Told the truth again, the next run finishes the job.
  const r = await h.run();
  assertEquals(r.code, 0, r.stderr);
});

Deno.test("absurd dates and sizes are survived: items land inside ROOT with sane times", async () => {
  await using h = await hostile();
  const dates = [
    "0000-01-01T00:00:00Z",
    "9999-12-31T23:59:59-23:59",
    "1582-10-10T00:00:00Z",
    "not a date",
    "2020-02-30T25:61:61Z",
    "",
  ];
  const lib = h.b.library;
  const odd = dates.map((_, i) =>
    lib.photo(`odd${i}.jpg`, "2022-05-05T00:00:00Z")
  );
  const ids = new Map(odd.map((it, i) => [it.id, dates[i]]));
  h.mitm.tamper({
    on: ["list", "search", "batchGet"],
    json: (body) => {
      const b = body as Json;
      const items = (b.mediaItems ??
        (b.mediaItemResults as Json[] | undefined)?.map((r) => r.mediaItem)) as
          | (Json | undefined)[]
          | undefined;
      for (const item of items ?? []) {
        if (!item || !ids.has(item.id as string)) continue;
        const meta = item.mediaMetadata as Json;
        meta.creationTime = ids.get(item.id as string);
        meta.width = "99999999999999999999";
        meta.height = "-7";
      }
      return body;
    },
  });
  const r = await h.run(["--rescan"]);
  assertEquals(r.code, 0, r.stderr);
  const db = h.b.db();
  try {
    for (const it of odd) {
      const row = db.getItem(it.id);
      assert(row?.downloaded, `${it.filename} not downloaded`);
      const file = h.b.path(row.path, row.fileName);
      const mtime = (await Deno.stat(file)).mtime!;
      assert(
        mtime.getUTCFullYear() >= 1900 && mtime.getUTCFullYear() <= 9999,
        `${file}: mtime ${mtime.toISOString()}`,
      );
      assertMatch(row.path, /^photos\/\d{4}\/\d{2}$/);
    }
  } finally {
    db.close();
  }
});

Deno.test("a token endpoint that answers nonsense stops the run with a message; the token file is kept", async () => {
  await using h = await hostile();
  // An expired token: the run must ask the token endpoint first.
  await h.b.signIn(["photoslibrary.readonly"], -100);
  const tokenFile = h.b.path(".gphotos.token");
  const token = await Deno.readTextFile(tokenFile);
  const cases: [string, Parameters<MitmFront["tamper"]>[0], RegExp][] = [
    [
      "not JSON",
      { on: "token", text: () => "<html>oops</html>" },
      /malformed answer to token refresh/,
    ],
    ["no access_token", {
      on: "token",
      json: () => ({ token_type: "Bearer", expires_in: 3600 }),
    }, /response\.access_token should be a non-empty string but is missing/],
    ["a number for a token", {
      on: "token",
      json: () => ({ access_token: 12345, expires_in: 3600 }),
    }, /access_token should be a non-empty string but is a number/],
  ];
  for (const [what, rule, message] of cases) {
    h.mitm.tamper(rule);
    const r = await h.run();
    assertEquals(r.code, 1, `${what}: ${r.stderr}`);
    assertMatch(lastLine(r), message, what);
    assertEquals(await Deno.readTextFile(tokenFile), token, what);
  }
});
