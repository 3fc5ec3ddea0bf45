// End-to-end: `gphotos-sync pick` against the fake Picker API, with the
// fake person on the phone picking (by themselves after a few polls, or
// when the test says so), checking what lands on disk, in the index and at
// the server.

import { assert, assertEquals, assertMatch } from "../assert.ts";
import { parseArgs } from "../../src/cli/args.ts";
import { permissionFlags } from "../../src/cli/permissions.ts";
import { PickerSessions } from "../../src/db/picker_sessions.ts";
import type { FakeItem, FakeLibrary } from "../fake_google/mod.ts";
import {
  type Backup,
  backup,
  listFiles,
  type RunOptions,
  type RunResult,
  sha256,
} from "./harness.ts";

const PICKER_SCOPE = "photospicker.mediaitems.readonly";

/** A backup whose fake Picker answers polls quickly. */
async function pickerBackup(
  build: (lib: FakeLibrary) => void,
  options: Parameters<typeof backup>[1] = {},
): Promise<Backup> {
  const b = await backup(build, options);
  b.google.picker.pollIntervalSec = 0.05;
  return b;
}

/** `gphotos-sync pick ROOT --secret FILE ARGS`, pointed at the fake Picker. */
function pick(
  b: Backup,
  args: string[] = [],
  options: RunOptions = {},
): Promise<RunResult> {
  return b.run(["pick", b.root, "--secret", b.secret, ...args], {
    ...options,
    env: { GPHOTOS_PICKER_API: b.google.pickerUrl, ...options.env },
  });
}

/** The picked items are in the index as picker rows, on disk with the server's bytes. */
async function assertPickedOnDisk(b: Backup, items: readonly FakeItem[]) {
  const db = b.db();
  try {
    for (const it of items) {
      const row = db.getItem(it.id);
      assert(row, `${it.filename} is not in the index`);
      assert(row.downloaded, `${row.fileName} not marked downloaded`);
      const path = b.path(row.path, row.fileName);
      assertEquals(
        await sha256(await Deno.readFile(path)),
        b.library.sha256(it.id),
        `${path} differs from the server's bytes`,
      );
      if (it.captureTime) {
        const mtime = (await Deno.stat(path)).mtime!;
        assertEquals(mtime.getTime(), Date.parse(it.captureTime), path);
      }
    }
  } finally {
    db.close();
  }
  const leftovers = (await listFiles(b.root)).filter((f) =>
    f.endsWith(".part")
  );
  assertEquals(leftovers, [], "temporary files left behind");
}

function sessionRecord(b: Backup, id: string) {
  const db = b.db();
  try {
    return new PickerSessions(db).get(id);
  } finally {
    db.close();
  }
}

Deno.test("a pick of a few hundred items with videos lands in photos/YYYY/MM, fetched with the Bearer header", async () => {
  await using b = await pickerBackup((lib) => {
    lib.generate(320, {
      start: "2012-05-01T08:00:00Z",
      stepSec: 86_400 * 3,
      videoEvery: 9,
    });
  });
  await b.signIn([PICKER_SCOPE]);
  const picked = b.library.items.slice(0, 300);
  b.google.picker.autoPick = { items: picked, afterPolls: 3 };
  const r = await pick(b, ["--max-threads", "8"]);
  assertEquals(r.code, 0, r.stderr);
  const session = b.google.picker.latest()!;
  // The link on stdout, the instructions on stderr.
  assertEquals(r.stdout.trim(), session.pickerUri);
  assertMatch(r.stderr, /press Done/);
  assertMatch(r.stderr, /300 items picked/);
  assertMatch(r.stderr, /300 picked, 300 new items indexed, 300 downloaded/);
  assertEquals(session.maxItemCount, 2000);
  assert(session.polls >= 3, `polled ${session.polls} times`);
  assert(session.deleted, "the session was not deleted");
  await assertPickedOnDisk(b, picked);
  // Every media request carried the header (the fake answers 401 without).
  const media = b.google.requests.of("media");
  assertEquals(media.length, 300);
  assert(media.every((e) => e.hasAuth && e.status === 200));
  assert(media.some((e) => e.path.endsWith("=dv")), "videos use =dv");
  assertEquals(b.google.requests.count("pickerList"), 3);
  const db = b.db();
  try {
    const row = db.getItem(picked[0].id)!;
    assertEquals(row.source, "picker");
    assertEquals(row.sourceRef, session.id);
    assertEquals(
      `${row.path}/${row.fileName}`,
      "photos/2012/05/IMG_000001.JPG",
    );
    assertEquals(db.counts().bySource.picker, { total: 300, downloaded: 300 });
  } finally {
    db.close();
  }
  assertEquals(sessionRecord(b, session.id)?.state, "done");
  assertEquals(sessionRecord(b, session.id)?.itemCount, 300);
});

Deno.test("broken transfers are retried, and a refused baseUrl is renewed by listing the session again", async () => {
  await using b = await pickerBackup((lib) => {
    lib.generate(40, { start: "2016-01-01T00:00:00Z", videoEvery: 5 });
  });
  await b.signIn([PICKER_SCOPE]);
  b.google.picker.autoPick = { items: b.library.items };
  const f = b.google.faults;
  f.next("pickerList", 1, 503);
  f.next("media", 3, 403);
  f.rate("media", 0.15, "truncate");
  f.rate("media", 0.1, "reset");
  const r = await pick(b, ["--max-threads", "4"]);
  assertEquals(r.code, 0, r.stderr);
  await assertPickedOnDisk(b, b.library.items);
  const lists = b.google.requests.of("pickerList");
  // The first listing (and its retry after the 503), then fresh baseUrls.
  assert(lists.length >= 3, `${lists.length} listings`);
  const faulted = b.google.requests.of("media").filter((e) => e.fault);
  assert(faulted.length >= 5, `only ${faulted.length} media faults`);
});

Deno.test("a pick overlapping a synced backup fetches only what it lacks, matching by id or by name and capture time", async () => {
  await using b = await pickerBackup((lib) => {
    lib.generate(10, { start: "2020-01-01T00:00:00Z", stepSec: 86_400 });
  }, { era: "2024" });
  await b.signIn(["photoslibrary.readonly", PICKER_SCOPE]);
  assertEquals((await b.sync()).code, 0);
  const synced = b.library.items;
  // The same photo as synced[0] reached under another id (as Takeout gives).
  const twin = b.library.photo(synced[0].filename, synced[0].captureTime, {
    id: "twin-of-first",
  });
  const fresh = [
    b.library.photo("new-a.jpg", "2021-03-04T05:06:07Z", { id: "new-a" }),
    b.library.video("new-b.mp4", "2021-03-05T05:06:07Z", { id: "new-b" }),
  ];
  b.google.requests.clear();
  b.google.picker.autoPick = {
    items: [...synced.slice(0, 4), twin, ...fresh],
  };
  const r = await pick(b);
  assertEquals(r.code, 0, r.stderr);
  assertMatch(
    r.stderr,
    /7 picked, 2 new items indexed, 5 already in the backup, 2 downloaded/,
  );
  assertEquals(
    b.google.requests.of("media").map((e) => e.hasAuth),
    [true, true],
  );
  await assertPickedOnDisk(b, fresh);
  const db = b.db();
  try {
    assertEquals(db.getItem("twin-of-first"), undefined, "no row for the twin");
    assertEquals(db.getItem(synced[0].id)!.source, "library");
    assertEquals(db.counts().total, 12);
  } finally {
    db.close();
  }
});

Deno.test("a session that expires while waiting ends with a message and exit 1", async () => {
  await using b = await pickerBackup(() => {});
  await b.signIn([PICKER_SCOPE]);
  const r = await pick(b, [], {
    onStderr: (text) => {
      const s = b.google.picker.latest();
      if (s && text.includes("Waiting for the pick")) {
        b.google.picker.expire(s.id);
      }
    },
  });
  assertEquals(r.code, 1, r.stderr);
  assertMatch(
    r.stderr,
    /session expired at \d{4}-\d\d-\d\d \d\d:\d\d UTC before Done was pressed/,
  );
  assertMatch(r.stderr, /gphotos-sync pick /);
  assert(!r.stderr.includes("    at "), "stack trace on screen");
  const s = b.google.picker.latest()!;
  assertEquals(sessionRecord(b, s.id)?.state, "abandoned");
});

Deno.test("Ctrl-C after picking keeps the session; pick --resume finishes the downloads", async () => {
  await using b = await pickerBackup((lib) => {
    lib.generate(40, { start: "2019-01-01T00:00:00Z", stepSec: 86_400 });
  }, { media: { latencyMs: 150 } });
  await b.signIn([PICKER_SCOPE]);
  b.google.picker.autoPick = { items: b.library.items };
  const r = await pick(b, ["--max-threads", "2", "--log-level", "debug"], {
    killWhen: { text: "Downloaded photos/", signal: "SIGINT" },
  });
  assertEquals(r.code, 130, r.stderr);
  assertMatch(r.stderr, /gphotos-sync pick --resume /);
  const session = b.google.picker.latest()!;
  assert(!session.deleted, "the session was deleted after the pick");
  assertEquals(sessionRecord(b, session.id)?.state, "picked");
  const db = b.db();
  const done = [...db.items()].filter((i) => i.downloaded).length;
  db.close();
  assert(done < 40, `all ${done} downloaded before the interrupt`);

  b.google.picker.autoPick = undefined;
  const again = await pick(b, ["--resume"]);
  assertEquals(again.code, 0, again.stderr);
  assertMatch(again.stderr, /Resuming the pick session/);
  assertEquals(b.google.picker.sessions.length, 1, "no new session");
  assert(session.deleted, "the session was not deleted when done");
  await assertPickedOnDisk(b, b.library.items);
  assertEquals(sessionRecord(b, session.id)?.state, "done");
  // Nothing left to resume.
  const none = await pick(b, ["--resume"]);
  assertEquals(none.code, 0, none.stderr);
  assertMatch(none.stderr, /nothing to resume/);
});

Deno.test("a pick stopped after Google deleted its session, before the answer, is done: --resume finds nothing to resume", async () => {
  await using b = await pickerBackup((lib) => {
    lib.generate(6, { start: "2019-01-01T00:00:00Z", stepSec: 86_400 });
  });
  await b.signIn([PICKER_SCOPE]);
  b.google.picker.autoPick = { items: b.library.items };
  const deleted = Promise.withResolvers<void>();
  // The session is gone at Google; the answer never leaves.
  b.google.picker.onDelete = (_id, signal) => {
    deleted.resolve();
    return new Promise((resolve) =>
      signal.addEventListener("abort", () => resolve())
    );
  };
  const r = await pick(b, [], {
    killOn: { promise: deleted.promise, signal: "SIGKILL" },
  });
  assertEquals(r.code, 137, r.stderr);
  const session = b.google.picker.latest()!;
  assert(session.deleted, "the session was not deleted");
  assertEquals(sessionRecord(b, session.id)?.state, "done");
  await assertPickedOnDisk(b, b.library.items);
  b.google.picker.onDelete = undefined;
  const again = await pick(b, ["--resume"]);
  assertEquals(again.code, 0, again.stderr);
  assertMatch(again.stderr, /nothing to resume/);
});

Deno.test("Ctrl-C while waiting deletes the session", async () => {
  await using b = await pickerBackup(() => {});
  await b.signIn([PICKER_SCOPE]);
  const r = await pick(b, [], {
    killWhen: { text: "Waiting for the pick", signal: "SIGINT" },
  });
  assertEquals(r.code, 130, r.stderr);
  const s = b.google.picker.latest()!;
  assert(s.deleted, "the session was left open");
  assertEquals(sessionRecord(b, s.id)?.state, "abandoned");
});

Deno.test("a token without the Picker scope leads to consent for both scopes, then the pick", async () => {
  await using b = await pickerBackup((lib) => {
    lib.photo("a.jpg", "2022-02-02T02:02:02Z", { id: "a" });
  });
  await b.signIn(["photoslibrary.readonly.appcreateddata"]);
  b.google.picker.autoPick = { items: ["a"] };
  const port = freePort();
  let browsed: Promise<string> | undefined;
  const r = await pick(b, ["--port", String(port)], {
    onStderr: (text) => {
      if (!browsed && text.includes("Waiting for the browser")) {
        browsed = actAsBrowser(text);
      }
    },
  });
  assertEquals(r.code, 0, r.stderr);
  assert(browsed, "no consent was asked for");
  await browsed;
  assertMatch(r.stderr, /does not grant photospicker\.mediaitems\.readonly/);
  const token = JSON.parse(await Deno.readTextFile(b.path(".gphotos.token")));
  assert(
    token.scope.some((s: string) => s.endsWith(PICKER_SCOPE)),
    token.scope,
  );
  assert(
    token.scope.some((s: string) => s.endsWith("readonly.appcreateddata")),
    "the scope already granted was dropped",
  );
  await assertPickedOnDisk(b, [b.library.item("a")!]);
});

Deno.test("too many open sessions (RESOURCE_EXHAUSTED) says what to do, exit 1", async () => {
  await using b = await pickerBackup(() => {});
  await b.signIn([PICKER_SCOPE]);
  b.google.picker.maxOpenSessions = 0;
  const r = await pick(b);
  assertEquals(r.code, 1, r.stderr);
  assertMatch(r.stderr, /too many\s+open sessions/);
  assertMatch(r.stderr, /--resume/);
  assert(!r.stderr.includes("    at "), "stack trace on screen");
  assertEquals(r.stdout, "");
});

Deno.test("--timeout gives up waiting, deletes the session and exits 1", async () => {
  await using b = await pickerBackup(() => {});
  await b.signIn([PICKER_SCOPE]);
  const started = Date.now();
  const r = await pick(b, ["--timeout", "1"]);
  assertEquals(r.code, 1, r.stderr);
  assertMatch(r.stderr, /Gave up waiting for the pick after 1 s/);
  assert(Date.now() - started < 15_000);
  const s = b.google.picker.latest()!;
  assert(s.deleted, "the session was left open");
  assert(s.polls >= 5, `only ${s.polls} polls in a second`);
});

Deno.test("--album files the picked items as an album folder of links, synced ones included", async () => {
  await using b = await pickerBackup((lib) => {
    lib.photo("beach.jpg", "2023-07-01T10:00:00Z", { id: "beach" });
    lib.photo("sunset.jpg", "2023-07-03T19:00:00Z", { id: "sunset" });
    lib.video("waves.mp4", "2023-07-02T12:00:00Z", { id: "waves" });
  }, { era: "2024" });
  await b.signIn(["photoslibrary.readonly", PICKER_SCOPE]);
  // "beach" is backed up already; the album still links it.
  assertEquals((await b.sync(["--skip-albums"])).code, 0);
  b.library.photo("hotel.jpg", "2023-07-02T08:00:00Z", { id: "hotel" });
  b.google.picker.autoPick = { items: ["beach", "hotel", "waves"] };
  const r = await pick(b, ["--album", "Holiday 2023"]);
  assertEquals(r.code, 0, r.stderr);
  assertMatch(r.stderr, /album "Holiday 2023" of 3 items/);
  const links = await listFiles(b.path("albums"));
  // Dated by its last photo, as gphotos-sync dates albums.
  assertEquals(links, [
    "2023/0702 Holiday 2023/0000_beach.jpg",
    "2023/0702 Holiday 2023/0001_hotel.jpg",
    "2023/0702 Holiday 2023/0002_waves.mp4",
  ]);
  for (const l of links) {
    const target = await Deno.realPath(b.path("albums", l));
    assert(target.startsWith(await Deno.realPath(b.path("photos"))), target);
  }
  // A second pick into the same album adds to it.
  b.google.picker.autoPick = { items: ["sunset"] };
  const r2 = await pick(b, ["--album", "Holiday 2023"]);
  assertEquals(r2.code, 0, r2.stderr);
  assertEquals(await listFiles(b.path("albums")), [
    "2023/0703 Holiday 2023/0000_beach.jpg",
    "2023/0703 Holiday 2023/0001_hotel.jpg",
    "2023/0703 Holiday 2023/0002_waves.mp4",
    "2023/0703 Holiday 2023/0003_sunset.jpg",
  ]);
});

Deno.test("--json prints the session, then a summary, as JSON lines on stdout", async () => {
  await using b = await pickerBackup((lib) => {
    lib.generate(3, { start: "2018-01-01T00:00:00Z" });
  });
  await b.signIn([PICKER_SCOPE]);
  b.google.picker.autoPick = { items: b.library.items };
  const r = await pick(b, ["--json", "--max-items", "5"]);
  assertEquals(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assertEquals(lines.length, 2);
  const s = b.google.picker.latest()!;
  assertEquals(lines[0], {
    command: "pick",
    event: "session",
    sessionId: s.id,
    pickerUri: s.pickerUri,
    expireTime: new Date(s.expireAtMs).toISOString(),
    maxItems: 5,
  });
  const summary = lines[1];
  assertEquals(summary.event, "summary");
  assertEquals(summary.exitCode, 0);
  assertEquals(summary.sessionId, s.id);
  assertEquals(summary.picked, 3);
  assertEquals(summary.downloaded.items, 3);
  assert(summary.downloaded.bytes > 0);
  assertEquals(summary.album, null);
  assertEquals(summary.videosStillProcessing, []);
});

Deno.test("videos Google is still processing are fetched once ready, or reported when the session ends", async () => {
  await using b = await pickerBackup((lib) => {
    lib.photo("p.jpg", "2024-04-01T00:00:00Z", { id: "p" });
    lib.video("slow.mp4", "2024-04-02T00:00:00Z", {
      id: "slow",
      status: "PROCESSING",
    });
  });
  await b.signIn([PICKER_SCOPE]);
  b.google.picker.autoPick = { items: ["p", "slow"] };
  const r = await pick(b, [], {
    onStderr: (text) => {
      if (text.includes("still being processed")) {
        b.library.update("slow", { status: "READY" });
      }
    },
  });
  assertEquals(r.code, 0, r.stderr);
  await assertPickedOnDisk(b, [b.library.item("p")!, b.library.item("slow")!]);

  // This time Google never finishes before the session ends.
  b.library.video("never.mp4", "2024-04-03T00:00:00Z", {
    id: "never",
    status: "PROCESSING",
  });
  b.google.picker.autoPick = { items: ["never"] };
  const r2 = await pick(b, ["--json"], {
    onStderr: (text) => {
      const s = b.google.picker.latest()!;
      if (text.includes("still being processed") && !s.deleted) {
        b.google.picker.expire(s.id);
      }
    },
  });
  assertEquals(r2.code, 3, r2.stderr);
  assertMatch(
    r2.stderr,
    /1 videos still processing at Google \(pick them again later\)/,
  );
  const summary = JSON.parse(r2.stdout.trim().split("\n").at(-1)!);
  assertEquals(summary.videosStillProcessing.map((v: { id: string }) => v.id), [
    "never",
  ]);
  const db = b.db();
  try {
    const row = db.getItem("never")!;
    assertEquals(row.downloaded, false);
    assertEquals(row.videoStatus, "PROCESSING");
  } finally {
    db.close();
  }
  assertEquals(
    await Deno.readTextFile(b.path("gphotos.bad_ids.yaml")).catch(() => ""),
    "",
    "a video still processing is not a bad id",
  );
});

Deno.test("the pick permission set (scoped files, Google's hosts) is enough for a whole pick", async () => {
  await using b = await pickerBackup((lib) => {
    lib.generate(6, { videoEvery: 3 });
  });
  await b.signIn([PICKER_SCOPE]);
  b.google.picker.autoPick = { items: b.library.items };
  const env = b.env({ GPHOTOS_PICKER_API: b.google.pickerUrl });
  const args = ["pick", b.root, "--secret", b.secret];
  const io = {
    cwd: Deno.cwd(),
    env: (n: string) => env[n],
    readTextFile: (p: string) => Deno.readTextFileSync(p),
  };
  const options = parseArgs(args, io);
  assert("root" in options);
  const flags = permissionFlags(options, io);
  for (const f of flags) assert(f.includes("="), `unscoped permission ${f}`);
  const r = await b.run(args, { env, permissions: ["--no-prompt", ...flags] });
  assertEquals(r.code, 0, r.stderr);
  assertEquals((await listFiles(b.path("photos"))).length, 6);
});

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Follows the consent link as a browser would; returns the final page. */
async function actAsBrowser(stderr: string): Promise<string> {
  const link = stderr.match(/http:\/\/127\.0\.0\.1:\d+\/o\/oauth2\/auth\?\S+/);
  if (!link) throw new Error(`no consent link in: ${stderr}`);
  const page = await fetch(link[0]);
  return await page.text();
}

Deno.test("a listing whose baseUrls name another host never gets the access token: the items fail, exit 3", async () => {
  await using b = await pickerBackup((lib) => lib.generate(3));
  await b.signIn([PICKER_SCOPE]);
  // A server the run may reach (its health-check host), posing as the
  // baseUrls' host: it must see the pings and nothing else.
  const seen: { path: string; auth: string | null }[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) => {
      seen.push({
        path: new URL(req.url).pathname,
        auth: req.headers.get("authorization"),
      });
      return new Response("x");
    },
  );
  try {
    const other = `http://127.0.0.1:${server.addr.port}`;
    b.google.picker.baseUrlOrigin = other;
    b.google.picker.autoPick = { items: b.library.items, afterPolls: 1 };
    const r = await pick(b, ["--healthcheck-url", `${other}/hc`]);
    assertEquals(r.code, 3, r.stderr);
    assertMatch(r.stderr, /access token/);
    assertEquals(seen.filter((s) => s.auth !== null), []);
    assertEquals(seen.map((s) => s.path), ["/hc/start", "/hc/fail"]);
  } finally {
    await server.shutdown();
  }
});
