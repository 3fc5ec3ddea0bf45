// End-to-end: the real program against the Google test server, checking
// what lands on disk and in the index.

import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { acquireLock } from "../../src/fs/lock.ts";
import { FIXTURE, writeGphotosIndex } from "../db/gphotos_fixture.ts";
import { type Backup, backup, listFiles, sha256 } from "./harness.ts";

/** Every downloaded item is on disk with the server's bytes and its capture time. */
async function assertBackupComplete(b: Backup, expectCount?: number) {
  const db = b.db();
  try {
    const items = [...db.items()];
    if (expectCount !== undefined) assertEquals(items.length, expectCount);
    for (const item of items) {
      assert(item.downloaded, `${item.fileName} not marked downloaded`);
      const path = b.path(item.path, item.fileName);
      const bytes = await Deno.readFile(path);
      assertEquals(
        await sha256(bytes),
        b.library.sha256(item.remoteId),
        `${path} differs from the server's bytes`,
      );
      const src = b.library.item(item.remoteId)!;
      if (src.captureTime) {
        const mtime = (await Deno.stat(path)).mtime!;
        assertEquals(mtime.getTime(), Date.parse(src.captureTime), path);
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

Deno.test("a first sync downloads every item into photos/YYYY/MM, named as gphotos-sync names them", async () => {
  await using b = await backup((lib) => {
    lib.generate(240, {
      start: "2003-02-01T10:00:00Z",
      stepSec: 86_400 * 20,
      videoEvery: 8,
    });
    lib.photo("IMG_1.JPG", "2017-09-26T15:29:44Z", { id: "dup-a" });
    lib.photo("IMG_1.JPG", "2017-09-27T10:00:00Z", { id: "dup-b" });
    lib.photo("img_1.jpg", "2017-09-28T10:00:00Z", { id: "dup-c" });
    lib.photo("Été à Paris 😀.jpg", "2019-07-14T12:00:00Z", { id: "uni" });
    lib.photo("../../escape.jpg", "2019-07-15T12:00:00Z", { id: "dots" });
    lib.photo("a/b\\c.jpg", "2019-07-16T12:00:00Z", { id: "slash" });
    lib.photo("nul\u0000byte.jpg", "2019-07-17T12:00:00Z", { id: "nul" });
    lib.photo(`${"x".repeat(300)}.jpg`, "2019-07-18T12:00:00Z", { id: "long" });
    lib.photo("..", "2019-07-19T12:00:00Z", { id: "dotdot" });
    lib.video("clip.mp4", "2020-01-02T03:04:05Z", { id: "vid" });
  });
  await b.signIn();
  const r = await b.sync(["--log-level", "trace"]);
  assertEquals(r.code, 0, r.stderr);
  assertMatch(r.stderr, /250 new items indexed, 250 downloaded/);
  await assertBackupComplete(b, 250);

  const db = b.db();
  const name = (id: string) => {
    const it = db.getItem(id)!;
    return `${it.path}/${it.fileName}`;
  };
  try {
    // The listing is newest first, so the newest of a name keeps it plain,
    // as it did in gphotos-sync.
    assertEquals(name("dup-b"), "photos/2017/09/IMG_1.JPG");
    assertEquals(name("dup-a"), "photos/2017/09/IMG_1 (2).JPG");
    assertEquals(name("dup-c"), "photos/2017/09/img_1.jpg");
    assertEquals(name("uni"), "photos/2019/07/Été à Paris 😀.jpg");
    assertEquals(name("vid"), "photos/2020/01/clip.mp4");
    for (const id of ["dots", "slash", "nul", "long", "dotdot"]) {
      const n = name(id);
      assert(n.startsWith("photos/2019/07/"), n);
      const file = n.slice("photos/2019/07/".length);
      assert(!file.includes("/") && !file.includes("\0"), n);
      assert(file !== "." && file !== "..", n);
      assert(new TextEncoder().encode(file).length <= 255, n);
    }
  } finally {
    db.close();
  }
  // Nothing outside ROOT: the temp dir holds only ROOT and the secret.
  const top = (await Array.fromAsync(Deno.readDir(b.dir))).map((e) => e.name)
    .sort();
  assertEquals(top, ["backup", "client_secret.json"]);
  // Videos were fetched with =dv, photos with =d.
  const media = b.google.requests.of("media").map((e) => e.path);
  assert(media.some((p) => p.endsWith("=dv")));
  assertEquals(media.length, 250);
  // Trace logs every call, with the tokens redacted.
  const trace = await Deno.readTextFile(b.path("gphotos.trace"));
  assertMatch(
    trace,
    /GET http:\/\/127\.0\.0\.1:\d+\/v1\/mediaItems\?pageSize=100 -> 200/,
  );
  const token = JSON.parse(await Deno.readTextFile(b.path(".gphotos.token")));
  assert(!trace.includes(token.access_token), "access token in the trace");
  const log = await Deno.readTextFile(b.path("gphotos.log"));
  assert(!log.includes(token.access_token), "access token in the log");
});

Deno.test("a second run fetches only the new items, those without a capture date too", async () => {
  await using b = await backup((lib) => {
    lib.generate(260, { start: "2019-01-01T00:00:00Z", stepSec: 86_400 });
  });
  await b.signIn();
  assertEquals((await b.sync()).code, 0);
  assertEquals(b.google.requests.count("list"), 3, "the whole library");
  b.google.requests.clear();
  b.library.photo("new1.jpg", "2021-06-01T00:00:00Z");
  b.library.video("new2.mp4", "2021-06-02T00:00:00Z");
  // Google dates an item without a capture date by its upload; no date
  // filter ever matches it.
  b.library.photo("scan.jpg", null, { uploadTime: "2026-01-05T10:00:00Z" });
  const r = await b.sync();
  assertEquals(r.code, 0, r.stderr);
  assertMatch(r.stderr, /3 new items indexed, 3 downloaded/);
  assertEquals(b.google.requests.count("media"), 3);
  // Incremental: the newest page of the list, not the whole listing.
  assertEquals(b.google.requests.count("list"), 1);
  assertEquals(b.google.requests.count("search"), 0);
  await assertBackupComplete(b, 263);
  // --rescan lists everything again and still downloads nothing new.
  b.google.requests.clear();
  const again = await b.sync(["--rescan"]);
  assertEquals(again.code, 0, again.stderr);
  assertEquals(b.google.requests.count("list"), 3);
  assertEquals(b.google.requests.count("media"), 0);
});

Deno.test("a last index date in the future (a wrong camera clock) does not hide new items", async () => {
  await using b = await backup((lib) => {
    lib.generate(30, { start: "2019-01-01T00:00:00Z", stepSec: 86_400 });
  });
  await b.signIn();
  assertEquals((await b.sync()).code, 0);
  const db = b.db();
  db.setLastIndex(new Date("2099-01-01T00:00:00Z"));
  db.close();
  b.library.photo("new.jpg", "2021-06-01T00:00:00Z");
  const r = await b.sync();
  assertEquals(r.code, 0, r.stderr);
  assertMatch(
    r.stderr,
    /last index date 2099-01-01T00:00:00.000Z is in the future/,
  );
  assertMatch(r.stderr, /1 new items indexed, 1 downloaded/);
  const after = b.db();
  try {
    assertEquals(
      after.getLastIndex()?.toISOString().slice(0, 10),
      "2021-06-01",
    );
  } finally {
    after.close();
  }
});

Deno.test("an API call that stalls is retried after GPHOTOS_API_TIMEOUT_MS", async () => {
  await using b = await backup((lib) => {
    lib.generate(5, { start: "2019-01-01T00:00:00Z", stepSec: 86_400 });
  });
  await b.signIn();
  b.google.faults.next("list", 1, "stall");
  const r = await b.sync(["--skip-albums", "--log-level", "info"], {
    env: { GPHOTOS_API_TIMEOUT_MS: "300" },
  });
  assertEquals(r.code, 0, r.stderr);
  assertMatch(
    r.stderr,
    /mediaItems\.list: no answer within 300 ms; retry 1 of/,
  );
  await assertBackupComplete(b, 5);
});

Deno.test("429 storms, 5xx, resets and truncated bodies end with every file complete", async () => {
  await using b = await backup((lib) => {
    lib.generate(120, {
      start: "2019-01-01T00:00:00Z",
      stepSec: 86_400,
      videoEvery: 6,
    });
  });
  await b.signIn();
  const f = b.google.faults;
  f.next("list", 3, { kind: "status", status: 429, retryAfterSec: 0 });
  f.next("batchGet", 2, 503);
  f.next("batchGet", 1, "reset");
  f.rate("media", 0.15, "truncate");
  f.rate("media", 0.1, "reset");
  f.rate("media", 0.1, 500);
  f.next("media", 5, { kind: "status", status: 429 });
  const r = await b.sync(["--max-threads", "6"]);
  assertEquals(r.code, 0, r.stderr);
  await assertBackupComplete(b, 120);
  const faulted = b.google.requests.entries.filter((e) => e.fault).length;
  assert(faulted >= 20, `only ${faulted} faults were injected`);
});

Deno.test("items Google refuses go to gphotos.bad_ids.yaml, exit 3, and are skipped next time", async () => {
  await using b = await backup((lib) => {
    lib.photo("good.jpg", "2020-05-01T00:00:00Z", { id: "good" });
    lib.photo("gone.jpg", "2020-05-02T00:00:00Z", { id: "gone" });
  });
  await b.signIn();
  assertEquals((await b.sync(["--index-only"])).code, 0);
  b.library.remove("gone");
  const r = await b.sync();
  assertEquals(r.code, 3, r.stderr);
  const yaml = await Deno.readTextFile(b.path("gphotos.bad_ids.yaml"));
  assertMatch(
    yaml,
    /^gone:\n {2}path: photos\/2020\/05\/gone\.jpg\n {2}product_url: /m,
  );
  assert(await Deno.stat(b.path("photos/2020/05/good.jpg")));
  b.google.requests.clear();
  const again = await b.sync();
  assertEquals(again.code, 0, again.stderr);
  assertMatch(again.stderr, /1 skipped as listed in/);
  assertEquals(b.google.requests.count("batchGet"), 0);
});

Deno.test("videos Google is still processing are left for a later run, not marked bad", async () => {
  await using b = await backup((lib) => {
    lib.video("wip.mp4", "2020-05-02T00:00:00Z", {
      id: "wip",
      status: "PROCESSING",
    });
  });
  await b.signIn();
  const r = await b.sync();
  assertEquals(r.code, 0, r.stderr);
  assertMatch(r.stderr, /1 videos still processing/);
  await assertEquals(await listFiles(b.path("photos")), []);
  b.library.update("wip", { status: "READY" });
  const r2 = await b.sync();
  assertEquals(r2.code, 0, r2.stderr);
  await assertBackupComplete(b, 1);
});

Deno.test("an expired access token is refreshed through token_uri and saved", async () => {
  await using b = await backup((lib) =>
    lib.photo("a.jpg", "2020-01-01T00:00:00Z")
  );
  const grant = await b.signIn(["photoslibrary.readonly"], -100);
  const r = await b.sync();
  assertEquals(r.code, 0, r.stderr);
  const token = JSON.parse(await Deno.readTextFile(b.path(".gphotos.token")));
  assert(token.access_token !== grant.access_token, "token not refreshed");
  assertEquals(token.refresh_token, grant.refresh_token);
  assert(Array.isArray(token.scope), "scope kept as gphotos-sync's list");
  assertEquals(
    (await Deno.stat(b.path(".gphotos.token"))).mode! & 0o777,
    0o600,
  );
  assertEquals(b.google.requests.count("token"), 1);
});

Deno.test("a refused refresh (invalid_grant) says why and what to run, exit 4", async () => {
  await using b = await backup((lib) =>
    lib.photo("a.jpg", "2020-01-01T00:00:00Z")
  );
  await b.signIn(["photoslibrary.readonly"], -100);
  b.google.oauth.refreshFails = true;
  const r = await b.sync();
  assertEquals(r.code, 4, r.stderr);
  assertMatch(r.stderr, /expired or was revoked/);
  assert(r.stderr.includes(`gphotos-sync login ${b.root}`), r.stderr);
  assert(!r.stderr.includes("    at "), "stack trace on screen");
});

Deno.test("an index written by gphotos-sync 5.7 is adopted: nothing is downloaded again", async () => {
  await using b = await backup((lib) => {
    for (const it of FIXTURE.items) {
      const time = it.createDate.replace(" ", "T") + "Z";
      if (it.mimeType.startsWith("video/")) {
        lib.video(it.origFileName, time, { id: it.remoteId });
      } else lib.photo(it.origFileName, time, { id: it.remoteId });
    }
  });
  await b.signIn();
  writeGphotosIndex(b.root);
  for (const it of FIXTURE.items.filter((i) => i.downloaded)) {
    await Deno.mkdir(b.path(it.path), { recursive: true });
    const file = b.path(it.path, it.fileName);
    await Deno.writeFile(file, b.library.content(it.remoteId));
    const time = new Date(it.createDate.replace(" ", "T") + "Z");
    await Deno.utime(file, time, time);
  }
  const r = await b.sync();
  assertEquals(r.code, 0, r.stderr);
  // Only the one item gphotos-sync had not downloaded was fetched.
  const media = b.google.requests.of("media");
  assertEquals(media.length, 1);
  const db = b.db();
  try {
    assertEquals(db.getItem("AF1QipB")!.fileName, "IMG_0001 (2).jpg");
    assert([...db.items()].every((i) => i.downloaded));
  } finally {
    db.close();
  }
  await assertBackupComplete(b, 3);
});

Deno.test("a token without the scopes Google removed in 2025 gets an explanation, exit 1", async () => {
  await using b = await backup(
    (lib) => lib.photo("a.jpg", "2020-01-01T00:00:00Z"),
    {
      era: "2025",
    },
  );
  await b.signIn(["photoslibrary.readonly"]);
  const r = await b.sync();
  assertEquals(r.code, 1, r.stderr);
  assertMatch(r.stderr, /31 March 2025/);
  assertMatch(r.stderr, /gphotos-sync pick/);
  assertMatch(r.stderr, /gphotos-sync takeout/);
  assert(!r.stderr.includes("    at "), "stack trace on screen");
});

Deno.test("with the app-created scope of 2025, sync backs up what the app created", async () => {
  await using b = await backup((lib) => {
    lib.photo("mine.jpg", "2020-01-01T00:00:00Z", {
      id: "mine",
      appCreated: true,
    });
    lib.photo("theirs.jpg", "2020-01-02T00:00:00Z", { id: "theirs" });
  }, { era: "2025" });
  await b.signIn(["photoslibrary.readonly.appcreateddata"]);
  const r = await b.sync();
  assertEquals(r.code, 0, r.stderr);
  assertEquals(await listFiles(b.path("photos")), ["2020/01/mine.jpg"]);
});

Deno.test("a second run on a locked index says so, exits 0 and touches nothing", async () => {
  await using b = await backup((lib) =>
    lib.photo("a.jpg", "2020-01-01T00:00:00Z")
  );
  await b.signIn();
  await Deno.mkdir(b.root, { recursive: true });
  const held = await acquireLock(b.root);
  assert(held.acquired);
  try {
    const r = await b.sync();
    assertEquals(r.code, 0, r.stderr);
    assertMatch(r.stderr, /Another run is using the index/);
    assertEquals(b.google.requests.count(), 0);
    assertEquals(await listFiles(b.root), [
      ".gphotos.token",
      "gphotos.lock",
      "gphotos.log",
    ]);
  } finally {
    held.lock.release();
  }
});

Deno.test("Ctrl-C stops with exit 130 and the next run completes the backup", async () => {
  await using b = await backup((lib) => {
    lib.generate(40, { start: "2019-01-01T00:00:00Z", stepSec: 86_400 });
  }, { media: { latencyMs: 150 } });
  await b.signIn();
  const r = await b.sync(["--max-threads", "2", "--log-level", "debug"], {
    killWhen: { text: "Downloaded photos/", signal: "SIGINT" },
  });
  assertEquals(r.code, 130, r.stderr);
  assertMatch(r.stderr, /Interrupted/);
  const db = b.db();
  const done = [...db.items()].filter((i) => i.downloaded).length;
  db.close();
  assert(done < 40, `all ${done} downloaded before the interrupt`);
  const r2 = await b.sync();
  assertEquals(r2.code, 0, r2.stderr);
  await assertBackupComplete(b, 40);
});

Deno.test("status reports what the index holds, as text and JSON", async () => {
  await using b = await backup((lib) => {
    lib.generate(5, { start: "2019-01-01T00:00:00Z" });
  });
  await b.signIn();
  assertEquals((await b.sync()).code, 0);
  const r = await b.run(["status", b.root, "--json"]);
  assertEquals(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assertEquals(s.items.total, 5);
  assertEquals(s.items.downloaded, 5);
  assertEquals(s.bySource.library, { total: 5, downloaded: 5 });
  assert(s.bytesOnDisk > 0);
  const text = await b.run(["status", b.root]);
  assertMatch(text.stdout, /Items: +5 indexed, 5 downloaded/);
  const none = await b.run(["status", join(b.dir, "nothing")]);
  assertEquals(none.code, 1);
  assertMatch(none.stderr, /No index/);
  let made = true;
  try {
    await Deno.stat(join(b.dir, "nothing"));
  } catch {
    made = false;
  }
  assert(!made, "status created the folder it was asked about");
});

Deno.test("bad command lines and a missing client secret exit 2 with a message", async () => {
  await using b = await backup(() => {});
  const bad = await b.run([b.root, "--start-date", "2020-13-01"]);
  assertEquals(bad.code, 2);
  assertMatch(bad.stderr, /--start-date must be a date/);
  const missing = await b.run([b.root, "--secret", join(b.dir, "none.json")]);
  assertEquals(missing.code, 2, missing.stderr);
  assertMatch(missing.stderr, /none\.json/);
  assertMatch(missing.stderr, /Desktop app/);
  assertEquals(
    (await listFiles(b.root)).filter((f) => f !== "gphotos.log"),
    [],
  );
  assert(!missing.stderr.includes("    at "));
});
