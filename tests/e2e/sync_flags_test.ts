// End-to-end: the index and download flags of gphotos-sync.

import { assert, assertEquals, assertMatch } from "../assert.ts";
import { backup, listFiles, sha256 } from "./harness.ts";

Deno.test("zero-item pages that carry a nextPageToken lose no items", async () => {
  await using b = await backup((lib) => lib.generate(350), {
    emptyPages: { every: 2 },
  });
  await b.signIn();
  const r = await b.sync();
  assertEquals(r.code, 0, r.stderr);
  assertEquals((await listFiles(b.path("photos"))).length, 350);
});

Deno.test("--skip-video, date ranges, favourites and archived select what is indexed", async () => {
  await using b = await backup((lib) => {
    lib.photo("old.jpg", "2015-06-01T00:00:00Z");
    lib.photo("in.jpg", "2017-03-01T00:00:00Z");
    lib.video("in.mp4", "2017-03-02T00:00:00Z");
    lib.photo("fav.jpg", "2017-04-01T00:00:00Z", { favorite: true });
    lib.photo("arch.jpg", "2017-05-01T00:00:00Z", { archived: true });
    lib.photo("late.jpg", "2019-01-01T00:00:00Z");
  });
  await b.signIn();
  const r = await b.sync([
    "--skip-video",
    "--start-date",
    "2017-01-01",
    "--end-date",
    "2017-12-31",
  ]);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(await listFiles(b.path("photos")), [
    "2017/03/in.jpg",
    "2017/04/fav.jpg",
  ]);
  const body = b.google.requests.of("search")[0];
  assert(body, "no search request");

  const fav = await b.sync(["--favourites-only", "--rescan"]);
  assertEquals(fav.code, 0, fav.stderr);
  const arch = await b.sync([
    "--archived",
    "--start-date",
    "2017-05-01",
    "--end-date",
    "2017-05-01",
  ]);
  assertEquals(arch.code, 0, arch.stderr);
  assertEquals(await listFiles(b.path("photos")), [
    "2017/03/in.jpg",
    "2017/04/fav.jpg",
    "2017/05/arch.jpg",
  ]);
  // A plain run then takes everything else, videos included.
  const all = await b.sync(["--rescan"]);
  assertEquals(all.code, 0, all.stderr);
  assertEquals((await listFiles(b.path("photos"))).length, 6);
});

Deno.test("--index-only, --skip-index and --skip-files split the run", async () => {
  await using b = await backup((lib) => lib.generate(4));
  await b.signIn();
  assertEquals((await b.sync(["--index-only"])).code, 0);
  assertEquals(await listFiles(b.path("photos")), []);
  b.library.photo("later.jpg", "2030-01-01T00:00:00Z");
  assertEquals((await b.sync(["--skip-files"])).code, 0);
  assertEquals(b.google.requests.count("media"), 0);
  const r = await b.sync(["--skip-index"]);
  assertEquals(r.code, 0, r.stderr);
  // The item added after the index was not indexed, so not downloaded.
  assertEquals((await listFiles(b.path("photos"))).length, 4);
});

Deno.test("--retry-download fetches again files marked downloaded but gone from disk", async () => {
  await using b = await backup((lib) =>
    lib.generate(3, { start: "2020-01-01T00:00:00Z" })
  );
  await b.signIn();
  assertEquals((await b.sync()).code, 0);
  const [first] = await listFiles(b.path("photos"));
  await Deno.remove(b.path("photos", first));
  assertEquals((await b.sync()).code, 0);
  assertEquals((await listFiles(b.path("photos"))).length, 2);
  const r = await b.sync(["--retry-download"]);
  assertEquals(r.code, 0, r.stderr);
  assertEquals((await listFiles(b.path("photos"))).length, 3);
});

Deno.test("--flush-index starts a new index and keeps the old one as .previous", async () => {
  await using b = await backup((lib) => lib.generate(3));
  await b.signIn();
  assertEquals((await b.sync()).code, 0);
  b.google.requests.clear();
  const r = await b.sync(["--flush-index"]);
  assertEquals(r.code, 0, r.stderr);
  assert(await Deno.stat(b.path("gphotos.sqlite.previous")));
  // Files already on disk are taken as they are, not fetched again.
  assertEquals(b.google.requests.count("media"), 0);
  assertMatch(r.stderr, /3 new items indexed/);
});

Deno.test("--use-flat-path, --photos-path and --db-path place files and index", async () => {
  await using b = await backup((lib) =>
    lib.photo("a.jpg", "2018-02-03T00:00:00Z")
  );
  const db = `${b.dir}/index`;
  await Deno.mkdir(db);
  const grant = b.google.issueToken(["photoslibrary.readonly"]);
  await Deno.writeTextFile(
    `${db}/.gphotos.token`,
    JSON.stringify({ ...grant, scope: grant.scope.split(" ") }),
  );
  const r = await b.sync([
    "--use-flat-path",
    "--photos-path",
    "media",
    "--db-path",
    db,
  ]);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(await listFiles(b.path("media")), ["2018-02/a.jpg"]);
  assert(await Deno.stat(`${db}/gphotos.sqlite`));
});

Deno.test("--do-delete removes only items Google confirms gone, never other files", async () => {
  await using b = await backup((lib) => {
    lib.generate(20, { start: "2020-01-01T00:00:00Z", stepSec: 3600 });
    lib.photo("kept-archived.jpg", "2020-01-01T05:30:00Z", { id: "arch" });
  });
  await b.signIn();
  assertEquals((await b.sync()).code, 0);
  const before = await listFiles(b.path("photos"));
  assertEquals(before.length, 21);
  const gone = b.library.items.slice(0, 3).map((i) => i.id);
  const goneFiles: string[] = [];
  const db = b.db();
  for (const id of gone) {
    const it = db.getItem(id)!;
    goneFiles.push(`${it.path.slice("photos/".length)}/${it.fileName}`);
  }
  db.close();
  b.library.remove(...gone);
  b.library.update("arch", { archived: true });
  await Deno.writeTextFile(b.path("photos/2020/01/notes.txt"), "mine");
  await Deno.writeTextFile(b.path("photos/2020/01/.hidden.jpg"), "mine");

  const r = await b.sync(["--do-delete"]);
  assertEquals(r.code, 0, r.stderr);
  assertMatch(r.stderr, /3 deleted as removed from Google Photos/);
  const after = await listFiles(b.path("photos"));
  for (const f of goneFiles) assert(!after.includes(f), `${f} not deleted`);
  assert(after.includes("2020/01/notes.txt"));
  assert(after.includes("2020/01/.hidden.jpg"));
  assert(after.includes("2020/01/kept-archived.jpg"), "archived item deleted");
  assertEquals(after.length, 21 - 3 + 2);
  const db2 = b.db();
  try {
    for (const id of gone) assertEquals(db2.getItem(id), undefined);
    assert(db2.getItem("arch"));
  } finally {
    db2.close();
  }
});

Deno.test("--do-delete refuses when the listing looks truncated, and deletes nothing", async () => {
  await using b = await backup((lib) => lib.generate(20));
  await b.signIn();
  assertEquals((await b.sync()).code, 0);
  b.library.remove(...b.library.items.slice(0, 15).map((i) => i.id));
  const r = await b.sync(["--do-delete"]);
  assertEquals(r.code, 1, r.stderr);
  assertMatch(r.stderr, /looks truncated, so nothing was deleted/);
  assertEquals((await listFiles(b.path("photos"))).length, 20);
});

Deno.test("--do-delete with a flag that lists nothing, or with --favourites-only, is a usage error; --dry-run needs --do-delete", async () => {
  await using b = await backup(() => {});
  const cases: [string[], RegExp][] = [
    [["--skip-index"], /--skip-index \(nothing is listed\)/],
    [["--skip-files"], /--skip-files \(nothing is listed\)/],
    [["--album", "A"], /--album \(only albums are listed\)/],
    [["--album-regex", "A"], /--album-regex \(only albums are listed\)/],
    [
      ["--favourites-only"],
      /Google does not say which indexed items are favourites/,
    ],
  ];
  for (const [flags, message] of cases) {
    const r = await b.sync(["--do-delete", ...flags]);
    assertEquals(r.code, 2, `${flags}: ${r.stderr}`);
    assertMatch(r.stderr, /--do-delete deletes only what the run listed/);
    assertMatch(r.stderr, message);
  }
  const r = await b.sync(["--dry-run"]);
  assertEquals(r.code, 2, r.stderr);
  assertMatch(r.stderr, /--dry-run goes with --do-delete/);
  // Nothing was created for a refused command line.
  assert(!await Deno.lstat(b.root).then(() => true, () => false));
});

Deno.test("--do-delete --dry-run lists what would be deleted, as text and JSON, and deletes nothing", async () => {
  await using b = await backup((lib) => {
    const items = lib.generate(6, { start: "2020-03-01T00:00:00Z" });
    lib.album("Kept", [items[0]]);
    lib.album("Deleted", [items[1]], { id: "gone-album" });
  });
  await b.signIn();
  assertEquals((await b.sync()).code, 0);
  const photos = await listFiles(b.path("photos"));
  const albums = await listFiles(b.path("albums"));
  const gone = b.library.items.slice(2, 4).map((i) => i.id);
  const goneFiles: string[] = [];
  const db = b.db();
  for (const id of gone) {
    const it = db.getItem(id)!;
    goneFiles.push(`${it.path}/${it.fileName}`);
  }
  db.close();
  b.library.remove(...gone, b.library.getAlbum("gone-album")!);
  b.library.photo("new.jpg", "2020-04-01T00:00:00Z");

  b.google.requests.clear();
  const text = await b.sync(["--do-delete", "--dry-run"]);
  assertEquals(text.code, 0, text.stderr);
  assertEquals(
    text.stdout.trimEnd().split("\n").sort(),
    [
      ...goneFiles.map((f) => `would delete ${f}`),
      `would remove the album folder of "Deleted"`,
    ].sort(),
  );
  assertMatch(
    text.stderr,
    /Dry run: 2 files would be deleted as removed from Google Photos, and the folders of 1 albums deleted on Google; nothing was downloaded or deleted\./,
  );
  assertEquals(await listFiles(b.path("photos")), photos);
  assertEquals(await listFiles(b.path("albums")), albums);
  assertEquals(b.google.requests.count("media"), 0);
  const db2 = b.db();
  try {
    for (const id of gone) assert(db2.getItem(id), `${id} left the index`);
    assert(db2.getAlbum("gone-album"));
  } finally {
    db2.close();
  }

  const json = await b.sync(["--do-delete", "--dry-run", "--json"]);
  assertEquals(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout);
  assertEquals(report.dryRun, true);
  assertEquals(report.exitCode, 0);
  assertEquals([...report.wouldDelete.files].sort(), [...goneFiles].sort());
  assertEquals(report.wouldDelete.items, 2);
  assertEquals(report.wouldDelete.albums, ["Deleted"]);
  assertEquals(await listFiles(b.path("photos")), photos);

  // The real run deletes exactly what the dry run listed.
  const real = await b.sync(["--do-delete"]);
  assertEquals(real.code, 0, real.stderr);
  const after = await listFiles(b.path("photos"));
  for (const f of goneFiles) {
    assert(!after.includes(f.slice("photos/".length)), `${f} kept`);
  }
  assertEquals(after.length, photos.length - 2 + 1);
  assertEquals((await listFiles(b.path("albums"))).length, 1);
});

Deno.test("--compare-folder links what the local folder lacks and has extra", async () => {
  await using b = await backup((lib) => {
    lib.photo("both.jpg", "2020-01-01T00:00:00Z", { id: "both" });
    lib.photo("only-google.jpg", "2020-01-02T00:00:00Z", { id: "og" });
  });
  await b.signIn();
  assertEquals((await b.sync()).code, 0);
  const local = `${b.dir}/local`;
  await Deno.mkdir(local);
  await Deno.copyFile(b.path("photos/2020/01/both.jpg"), `${local}/both.jpg`);
  const t = new Date("2020-01-01T00:00:00Z");
  await Deno.utime(`${local}/both.jpg`, t, t);
  await Deno.writeFile(`${local}/only-local.jpg`, new Uint8Array([1, 2, 3]));
  const r = await b.sync(["--compare-folder", local]);
  assertEquals(r.code, 0, r.stderr);
  assertMatch(
    r.stderr,
    /Compared .*: 2 files, 1 matched, 1 missing from the backup, 1 only in the backup/,
  );
  const missing = await listFiles(b.path("comparison/missing_files"));
  assert(missing.some((f) => f.endsWith("only-local.jpg")), missing.join());
  const extra = await listFiles(b.path("comparison/extra_files"));
  assert(extra.some((f) => f.endsWith("only-google.jpg")), extra.join());
});

Deno.test("--progress prints plain progress lines on stderr when it is not a terminal", async () => {
  await using b = await backup((lib) => lib.generate(30));
  await b.signIn();
  const r = await b.sync(["--progress"]);
  assertEquals(r.code, 0, r.stderr);
  assertMatch(r.stderr, /^Indexing: 30 items listed, 30 new$/m);
  assertMatch(r.stderr, /^Downloading: 30\/30 \(100%\), 0\.\d MB$/m);
  assertEquals(r.stdout, "");
});

Deno.test("--do-delete removes the folder of an album deleted on Google, and only then", async () => {
  await using b = await backup((lib) => {
    const [a, c] = lib.generate(2, { start: "2020-03-01T00:00:00Z" });
    lib.album("Kept", [a]);
    lib.album("Deleted", [c], { id: "gone-album" });
  });
  await b.signIn();
  assertEquals((await b.sync()).code, 0);
  const before = await listFiles(b.path("albums"));
  assertEquals(before.length, 2);
  b.library.remove(b.library.getAlbum("gone-album")!);
  assertEquals((await b.sync()).code, 0);
  assertEquals(await listFiles(b.path("albums")), before);
  const r = await b.sync(["--do-delete"]);
  assertEquals(r.code, 0, r.stderr);
  assertMatch(r.stderr, /1 albums deleted on Google were removed/);
  const after = await listFiles(b.path("albums"));
  assertEquals(after.length, 1);
  assert(after[0].includes("Kept"), after[0]);
});

Deno.test("a rebuilt index never adopts another item's file under a renumbered name", async () => {
  await using b = await backup((lib) => {
    lib.photo("IMG_1.JPG", "2017-09-26T10:00:00Z", { id: "d26" });
    lib.photo("IMG_1.JPG", "2017-09-27T10:00:00Z", { id: "d27" });
    lib.photo("IMG_1.JPG", "2017-09-28T10:00:00Z", { id: "d28" });
  });
  await b.signIn();
  assertEquals((await b.sync()).code, 0);
  b.library.remove("d28");
  const r = await b.sync(["--flush-index"]);
  assertEquals(r.code, 0, r.stderr);
  const db = b.db();
  try {
    for (const id of ["d26", "d27"]) {
      const it = db.getItem(id)!;
      const bytes = await Deno.readFile(b.path(it.path, it.fileName));
      assertEquals(
        await sha256(bytes),
        b.library.sha256(id),
        `${it.fileName} holds another item's bytes`,
      );
    }
  } finally {
    db.close();
  }
});
