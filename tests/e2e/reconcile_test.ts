// Album folders are reconciled, not rebuilt: after albums are renamed,
// items added and removed, link kinds switched or a run killed, the next
// run leaves exactly the tree a fresh backup of the same library gets, no
// link dangles, and files the user put in album folders are untouched.

import { assert, assertEquals, assertMatch } from "../assert.ts";
import type { FakeLibrary } from "../fake_google/mod.ts";
import { type Backup, backup, listFiles, sha256 } from "./harness.ts";
import {
  ALBUM_2016,
  type AlbumTree,
  albumTree,
  buildParityLibrary,
  CLONES,
  exists,
  FAVOURITE,
  linksOf,
  MOVIES,
  NAME_WITH_COMMA,
  NOAHS_LEGO,
  SAME_NAMES,
  syncedAccount,
} from "./parity_library.ts";

async function sync(b: Backup, args: string[] = [], code = 0) {
  const r = await b.sync(args);
  assertEquals(r.code, code, `gphotos-sync ${args.join(" ")}:\n${r.stderr}`);
  return r;
}

async function account(build: (lib: FakeLibrary) => void): Promise<Backup> {
  const b = await backup(build);
  await b.signIn();
  return b;
}

/** The album links of a fresh backup of the library `build` makes. */
async function freshLinks(
  build: (lib: FakeLibrary) => void,
): Promise<Record<string, string>> {
  await using ref = await account(build);
  await sync(ref);
  return await ourLinks(ref);
}

/** Files of the user's in the album folders, and what they hold. */
class UserFiles {
  readonly #b: Backup;
  readonly #files = new Map<string, string>();

  constructor(b: Backup) {
    this.#b = b;
  }

  get paths(): string[] {
    return [...this.#files.keys()].sort();
  }

  async write(rel: string, text: string) {
    await Deno.mkdir(this.#b.path(rel, ".."), { recursive: true });
    await Deno.writeTextFile(this.#b.path(rel), text);
    this.#files.set(rel, `file:${text}`);
  }

  /** A symlink of the user's, to a media file: it looks like ours. */
  async symlink(rel: string, target: string) {
    await Deno.symlink(target, this.#b.path(rel));
    this.#files.set(rel, `link:${target}`);
  }

  /** The user moved the file away. */
  async remove(rel: string) {
    await Deno.remove(this.#b.path(rel));
    this.#files.delete(rel);
  }

  async assertUntouched() {
    for (const [rel, was] of this.#files) {
      const path = this.#b.path(rel);
      const info = await Deno.lstat(path);
      const now = info.isSymlink
        ? `link:${await Deno.readLink(path)}`
        : `file:${await Deno.readTextFile(path)}`;
      assertEquals(now, was, `the user's ${rel} was changed`);
    }
  }
}

/** The album links without the user's entries; asserts nothing dangles. */
async function ourLinks(
  b: Backup,
  user?: UserFiles,
): Promise<Record<string, string>> {
  const tree: AlbumTree = await albumTree(b.root);
  assertEquals(tree.dangling, [], "dangling album links");
  const mine = new Set(user?.paths);
  assertEquals(
    tree.others.filter((p) => !mine.has(p)),
    [],
    "album entries that are neither links nor the user's",
  );
  return Object.fromEntries(
    Object.entries(tree.links).filter(([p]) => !mine.has(p)),
  );
}

function renameAlbum(lib: FakeLibrary, id: string, title: string) {
  const a = lib.getAlbum(id)!;
  lib.remove(a);
  if (a.share === undefined) lib.album(title, a.itemIds, { id });
  else {
    lib.sharedAlbum(title, a.itemIds, {
      id,
      owned: a.share.owned,
      inAlbumsTab: a.share.inAlbumsTab,
    });
  }
}

async function assertNoChangeNextRun(b: Backup, args: string[] = []) {
  const r = await sync(b, args);
  assertMatch(r.stderr, /album folders \(0 links changed\)/);
}

Deno.test("albums renamed on Google move to folders of the new name, leaving the user's files in the old one", async () => {
  const rename = (lib: FakeLibrary) => {
    renameAlbum(lib, CLONES.id, "Clones (renamed) 😀");
    renameAlbum(lib, SAME_NAMES.id, "Same Names, renamed");
    renameAlbum(lib, NOAHS_LEGO.id, "Noah's lego");
  };
  await using b = await syncedAccount();
  const user = new UserFiles(b);
  await user.write(`albums/${CLONES.folder}/notes.txt`, "my clones");
  await user.write("sharedAlbums/README", "shared with me");
  const before = await ourLinks(b, user);

  rename(b.library);
  await sync(b);
  const after = await ourLinks(b, user);
  assertEquals(
    linksOf(after, "albums/2017/0923 Clones (renamed) 😀"),
    linksOf(before, `albums/${CLONES.folder}`),
  );
  // The old folder keeps what the user put there, and only that.
  assertEquals(await listFiles(b.path("albums", CLONES.folder)), ["notes.txt"]);
  assert(!await exists(b.path("albums", SAME_NAMES.folder)));
  assert(!await exists(b.path("sharedAlbums", NOAHS_LEGO.folder)));
  assertEquals(
    after,
    await freshLinks((lib) => {
      buildParityLibrary(lib);
      rename(lib);
    }),
  );
  await user.assertUntouched();
  await assertNoChangeNextRun(b);
});

Deno.test("items added to and removed from albums leave the links a fresh backup of the library has", async () => {
  const change = (lib: FakeLibrary) => {
    // Every link of Album 2016 is renumbered.
    lib.removeFromAlbum(ALBUM_2016.id, [
      lib.getAlbum(ALBUM_2016.id)!.itemIds[0],
    ]);
    // Same Names gets a newer item: its folder moves to 2017/0926.
    lib.addToAlbum(SAME_NAMES.id, [FAVOURITE.id]);
    // An item of the joined shared album deleted by its owner.
    lib.remove(lib.getAlbum(NOAHS_LEGO.id)!.itemIds[0]);
    // A new item in the library and in Movies, and one uploaded straight
    // into an album.
    lib.addToAlbum(MOVIES.id, [
      lib.photo("new_in_2021.jpg", "2021-03-03T10:00:00Z"),
    ]);
    lib.addToAlbum(NAME_WITH_COMMA.id, [
      lib.photo("direct.jpg", "2020-05-01T10:00:00Z", { inLibrary: false }),
    ]);
  };
  await using b = await syncedAccount();
  const user = new UserFiles(b);
  await user.write(`albums/${ALBUM_2016.folder}/0000_mine.txt`, "keep me");
  await user.write(`albums/${SAME_NAMES.folder}/notes.txt`, "same names");

  change(b.library);
  await sync(b);
  const links = await ourLinks(b, user);
  assertEquals(
    Object.keys(linksOf(links, `albums/${ALBUM_2016.folder}`)).length,
    15,
  );
  assertEquals(
    Object.keys(linksOf(links, "albums/2017/0926 Same Names")).length,
    11,
  );
  assertEquals(
    Object.keys(linksOf(links, "albums/2021/0303 Movies")).length,
    11,
  );
  assertEquals(
    Object.keys(linksOf(links, "albums/2020/0501 Name,with,Comma")).length,
    2,
  );
  assertEquals(
    Object.keys(linksOf(links, `sharedAlbums/${NOAHS_LEGO.folder}`)).length,
    5,
  );
  // Without --do-delete the deleted item's file stays.
  assert((await listFiles(b.path("photos/2019/02"))).includes("lego_1.jpg"));
  assertEquals(await listFiles(b.path("albums", SAME_NAMES.folder)), [
    "notes.txt",
  ]);
  assertEquals(
    links,
    await freshLinks((lib) => {
      buildParityLibrary(lib);
      change(lib);
    }),
  );
  await user.assertUntouched();
  await assertNoChangeNextRun(b);
});

Deno.test("switching --use-hardlinks on and off replaces every link of ours and nothing of the user's", async () => {
  await using b = await syncedAccount();
  const user = new UserFiles(b);
  await user.write(`albums/${MOVIES.folder}/poster.txt`, "poster");
  await user.symlink(
    `albums/${MOVIES.folder}/my copy.mp4`,
    "../../../photos/2017/05/movie_1.mp4",
  );
  const soft = await ourLinks(b, user);
  assert(Object.values(soft).every((v) => v.startsWith("s:")));

  await sync(b, ["--use-hardlinks"]);
  const hard = await ourLinks(b, user);
  assertEquals(Object.keys(hard), Object.keys(soft));
  for (const [rel, target] of Object.entries(hard)) {
    assertEquals(target, `h:${soft[rel].slice(2)}`, rel);
  }
  await assertNoChangeNextRun(b, ["--use-hardlinks"]);

  await sync(b);
  assertEquals(await ourLinks(b, user), soft);
  await user.assertUntouched();
  await assertNoChangeNextRun(b);
});

Deno.test("changing the album layout flags and changing them back leaves the first tree and nothing else", async () => {
  await using b = await syncedAccount();
  const user = new UserFiles(b);
  await user.write(`albums/${CLONES.folder}/notes.txt`, "my clones");
  const roots = ["albums", "sharedAlbums", "Alben", "Geteilt"];
  const first = await albumTree(b.root, roots);
  const layouts = [
    ["--album-invert"],
    ["--no-album-sorting"],
    ["--omit-album-date"],
    ["--album-date-by-first-photo", "--month-format", "%m-%d"],
    ["--path-format", "{1} ({0})"],
    ["--albums-path", "Alben", "--shared-albums-path", "Geteilt"],
  ];
  const seen = new Set<string>();
  for (const args of layouts) {
    await sync(b, args);
    const tree = await albumTree(b.root, roots);
    assertEquals(tree.dangling, [], args.join(" "));
    assertEquals(tree.others, [`albums/${CLONES.folder}/notes.txt`]);
    // One tree of the account's 67 links at a time, each layout its own.
    const paths = Object.keys(tree.links);
    assertEquals(paths.length, Object.keys(first.links).length, args.join(" "));
    assertEquals(
      new Set(Object.values(tree.links)),
      new Set(Object.values(first.links)),
    );
    const key = paths.sort().join("\n");
    assert(!seen.has(key), `${args.join(" ")} made the same tree as before`);
    seen.add(key);
  }
  await sync(b);
  assertEquals(await albumTree(b.root, roots), first);
  // The roots named on the command line stay, emptied of all we made.
  for (const root of ["Alben", "Geteilt"]) {
    assertEquals(await Array.fromAsync(Deno.readDir(b.path(root))), []);
  }
  await user.assertUntouched();
});

/** Many more albums of the account's items: over a thousand links to make,
 * so that a kill lands while they are being made. */
const COPIES = 20;
function addCopies(lib: FakeLibrary) {
  const items = lib.items.filter((i) =>
    i.inLibrary && /^(IMG_|subaru|scan_)/.test(i.filename)
  ).map((i) => i.id);
  for (let n = 0; n < COPIES; n++) {
    const nn = String(n).padStart(2, "0");
    lib.album(`Copy ${nn}`, items, { id: `album-x-${nn}` });
  }
}

Deno.test("runs killed with SIGKILL while indexing, downloading and linking are completed by the next run", async () => {
  await using b = await account((lib) => {
    buildParityLibrary(lib);
    addCopies(lib);
  });
  const user = new UserFiles(b);
  // A file of the user's where the first copy's folder would go: the run
  // warns about it while making links (and is killed on that warning).
  const copyFolder = "albums/2020/0426 Copy 00";
  await user.write(copyFolder, "in the way");
  await user.write("albums/2017/0528 Movies/notes.txt", "movies");

  const killed = async (args: string[], text: string) => {
    const r = await b.sync(args, { killWhen: { text, signal: "SIGKILL" } });
    assertEquals(r.code, 137, `not killed on "${text}":\n${r.stderr}`);
    assertEquals((await albumTree(b.root)).dangling, []);
    await user.assertUntouched();
  };
  await killed(["--log-level", "info"], "Indexing album Copy 10");
  b.google.settings.media.latencyMs = 40;
  await killed(
    ["--log-level", "debug", "--max-threads", "4"],
    "Downloaded photos/",
  );
  b.google.settings.media.latencyMs = 0;
  const db = b.db();
  const pending = [...db.itemsToDownload()].length;
  db.close();
  assert(pending > 0, "every item was downloaded before the kill");

  await killed([], copyFolder);
  // What a run never killed makes (from a backup already downloaded).
  await using ref = await syncedAccount();
  addCopies(ref.library);
  await sync(ref);
  const total = await ourLinks(ref);
  const blocked = Object.keys(linksOf(total, copyFolder)).length;
  const made = Object.keys(await ourLinks(b, user)).length;
  // The copies come after the account's albums in link order.
  assert(
    made < Object.keys(total).length - blocked,
    `${made} links: the kill came after the links were made`,
  );

  // Switching link kind, killed halfway through the replacements.
  await killed(["--use-hardlinks"], copyFolder);
  await sync(b, ["--use-hardlinks"]);
  const hard = await ourLinks(b, user);
  assertEquals(Object.keys(hard).length, Object.keys(total).length - blocked);
  assert(Object.values(hard).every((v) => v.startsWith("h:")));

  // Killed again on the way back; then the run is finished and the user
  // moves the file away: the tree is a fresh backup's.
  await killed([], copyFolder);
  await sync(b);
  await user.remove(copyFolder);
  await sync(b);
  assertEquals(await ourLinks(b, user), total);
  await user.assertUntouched();
  // Every file complete, no temporary file left.
  const check = b.db();
  try {
    for (const item of check.items()) {
      assert(item.downloaded, item.fileName);
      const bytes = await Deno.readFile(b.path(item.path, item.fileName));
      assertEquals(await sha256(bytes), b.library.sha256(item.remoteId));
    }
  } finally {
    check.close();
  }
  assertEquals(
    (await listFiles(b.root)).filter((f) => f.includes(".part")),
    [],
  );
  await assertNoChangeNextRun(b);
});
