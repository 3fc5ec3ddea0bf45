// Hostile file names and album titles from the server: separators, "..",
// NUL, control characters, bidi overrides, 1,000 characters, names equal
// but for case or Unicode normalization, empty names. Every item must land
// whole, once, under ROOT/photos/YYYY/MM with one safe name; album folders
// stay one level deep under albums/YYYY and hold one live link per item; a
// second run changes nothing; nothing is written beside ROOT.

import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { type Backup, backup } from "../e2e/harness.ts";
import type { FakeItem } from "../fake_google/mod.ts";
import { startMitmFront } from "../fake_google/mitm_front.ts";
import {
  checkBackup,
  danglingLinks,
  hasStackTrace,
  spawnProgram,
  strayEntries,
  walk,
} from "./kit.ts";

const NAMES = [
  "a/b.jpg",
  "a\\b.jpg",
  "..",
  "../../../etc/passwd.jpg",
  ".",
  "nul\u0000byte.jpg",
  "ctrl\u0001\u001f\u007f.jpg",
  "photo\u202Egpj.exe",
  "\u200F\u200Emarks.jpg",
  `${"x".repeat(1000)}.jpg`,
  `${"é".repeat(300)}.jpg`,
  "Case.JPG",
  "case.jpg",
  "\u00e9t\u00e9.jpg",
  "e\u0301te\u0301.jpg",
  "  padded  .jpg  ",
  "CON.jpg",
  '*?<>|:".jpg',
  "-rf .jpg",
];

const TITLES = [
  "a/b",
  "..",
  "../../escape",
  "nul\u0000title",
  "bell\u0007",
  "\u202Eevil",
  "T".repeat(1000),
  "Trip",
  "trip",
  "\u00c9t\u00e9",
  "E\u0301te\u0301",
];

/** What no name this program creates may contain. */
// deno-lint-ignore no-control-regex -- control characters are what is checked
const UNSAFE = /[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/;

async function hostileLibrary(): Promise<{ b: Backup; items: FakeItem[] }> {
  let items: FakeItem[] = [];
  const b = await backup((lib) => {
    items = NAMES.map((n, i) =>
      lib.photo(n, `2020-06-${String(1 + (i % 28)).padStart(2, "0")}T10:00:00Z`)
    );
    TITLES.forEach((t, i) =>
      lib.album(t, [items[i], items[(i + 5) % items.length]])
    );
  }, { era: "2024" });
  await b.signIn();
  return { b, items };
}

/** Every rule a backup with hostile names must keep, for one ROOT. */
async function assertSafeTree(
  b: Backup,
  root: string,
  items: FakeItem[],
  albums: number,
  ntfs: boolean,
) {
  const found = await checkBackup({
    root,
    expectedSha: (id) => b.library.sha256(id),
    linkFolders: ["albums"],
    finished: true,
    mustHave: items.map((i) => i.id),
  });
  assertEquals(found.problems, []);
  const enc = new TextEncoder();
  for (const e of await walk(root)) {
    for (const part of e.path.split("/")) {
      assert(!UNSAFE.test(part), `unsafe name ${JSON.stringify(e.path)}`);
      assert(part !== "." && part !== "..", e.path);
      assert(enc.encode(part).length <= 255, `too long: ${e.path.length}`);
      if (ntfs) assert(!/[\\:*?"<>|]/.test(part), `not for NTFS: ${e.path}`);
    }
  }
  const photos = (await walk(join(root, "photos"))).filter((e) =>
    e.info.isFile
  );
  // One file per item: names equal but for case or normalization stay apart.
  assertEquals(photos.length, items.length);
  for (const p of photos) assertMatch(p.path, /^2020\/06\/[^/]+$/);
  const links = (await walk(join(root, "albums"))).filter((e) =>
    e.info.isSymlink
  );
  assertEquals(links.length, albums * 2);
  for (const l of links) {
    // albums/YYYY/<one folder per album>/<link>: titles make no sub-folders.
    assertMatch(l.path, /^\d{4}\/[^/]+\/[^/]+$/);
  }
  assertEquals(await danglingLinks(join(root, "albums")), []);
  const folders = new Set(links.map((l) => l.path.split("/")[1]));
  assertEquals(folders.size, albums, [...folders].join(" | "));
}

Deno.test("hostile file names and album titles land safely inside ROOT, once each, and a second run changes nothing", async () => {
  const { b, items } = await hostileLibrary();
  await using _ = b;
  const r = await b.sync();
  assertEquals(r.code, 0, r.stderr);
  assert(!hasStackTrace(r.stderr), r.stderr);
  await assertSafeTree(b, b.root, items, TITLES.length, false);
  assertEquals(await strayEntries(b.dir, ["backup", "client_secret.json"]), []);

  const again = await b.sync();
  assertEquals(again.code, 0, again.stderr);
  assertMatch(again.stderr, /0 downloaded .*\(0 links changed\)/);

  // The same library onto an NTFS-style target.
  const ntfsRoot = join(b.dir, "ntfs");
  await Deno.mkdir(ntfsRoot);
  await Deno.copyFile(
    b.path(".gphotos.token"),
    join(ntfsRoot, ".gphotos.token"),
  );
  const w = await spawnProgram(
    [ntfsRoot, "--secret", b.secret, "--ntfs"],
    b.env(),
  ).done;
  assertEquals(w.code, 0, w.stderr);
  await assertSafeTree(b, ntfsRoot, items, TITLES.length, true);
});

Deno.test("items with an empty, missing or blank file name still get a safe one", async () => {
  await using b = await backup((lib) => {
    lib.photo("empty.jpg", "2020-06-01T10:00:00Z", { id: "empty" });
    lib.photo("missing.jpg", "2020-06-02T10:00:00Z", { id: "missing" });
    lib.photo("blank.jpg", "2020-06-03T10:00:00Z", { id: "blank" });
  }, { era: "2024" });
  await b.signIn();
  await using mitm = startMitmFront(b.google);
  mitm.tamper({
    on: ["list", "batchGet"],
    json: (body) => {
      const o = body as Record<string, unknown>;
      const list = (o.mediaItems ??
        (o.mediaItemResults as { mediaItem: unknown }[]).map((r) =>
          r.mediaItem
        )) as Record<string, unknown>[];
      for (const it of list) {
        if (it.id === "empty") it.filename = "";
        if (it.id === "missing") delete it.filename;
        if (it.id === "blank") it.filename = " \t ";
      }
      return body;
    },
  });
  const r = await b.sync([], { env: { GPHOTOS_LIBRARY_API: mitm.url } });
  assertEquals(r.code, 0, r.stderr);
  const files = (await walk(b.path("photos"))).filter((e) => e.info.isFile);
  assertEquals(files.length, 3, files.map((f) => f.path).join(", "));
  const found = await checkBackup({
    root: b.root,
    expectedSha: (id) => b.library.sha256(id),
    finished: true,
    mustHave: ["empty", "missing", "blank"],
  });
  assertEquals(found.problems, []);
});
