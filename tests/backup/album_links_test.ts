import { join, relative, resolve } from "node:path";
import { assert, assertEquals, assertRejects } from "../assert.ts";
import { memoryLogger } from "../../src/log.ts";
import { LocalData } from "../../src/db/local_data.ts";
import { DiskError } from "../../src/errors.ts";
import { type FsProfile, makeFsProfile } from "../../src/fs/fs_profile.ts";
import {
  ALBUM_LINKS_MANIFEST,
  type AlbumLinkOptions,
  type AlbumLinksResult,
  reconcileAlbumLinks,
} from "../../src/backup/album_links.ts";
import { denoLinkFs, type LinkFs } from "../../src/backup/link_fs.ts";

interface Fixture extends AsyncDisposable {
  root: string;
  db: LocalData;
  profile: FsProfile;
  logger: ReturnType<typeof memoryLogger>;
  options: AlbumLinkOptions;
}

async function fixture(): Promise<Fixture> {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "al-" }));
  const db = LocalData.open(root);
  return {
    root,
    db,
    profile: makeFsProfile({ root }),
    logger: memoryLogger(),
    options: {
      root,
      dbPath: root,
      albumsPath: "albums",
      sharedAlbumsPath: "sharedAlbums",
      useHardlinks: false,
      albumInvert: false,
      skipSharedAlbums: false,
      skipVideo: false,
      omitAlbumDate: false,
      albumDateByFirstPhoto: false,
      monthFormat: "%m%d",
      pathFormat: undefined,
      useFlatPath: false,
      noAlbumSorting: false,
    },
    async [Symbol.asyncDispose]() {
      db.close();
      await Deno.remove(root, { recursive: true });
    },
  };
}

interface ItemSpec {
  id: string;
  name: string;
  date: string;
  video?: boolean;
  /** Default true: the file is written and the item marked downloaded. */
  downloaded?: boolean;
}

async function addItem(fx: Fixture, spec: ItemSpec): Promise<void> {
  const createDate = new Date(spec.date);
  const path = `photos/${spec.date.slice(0, 4)}/${spec.date.slice(5, 7)}`;
  fx.db.insertItem({
    remoteId: spec.id,
    source: "library",
    path,
    fileName: spec.name,
    origFileName: spec.name,
    duplicateNo: 0,
    mimeType: spec.video ? "video/mp4" : "image/jpeg",
    description: "",
    createDate,
    isVideo: spec.video ?? false,
  });
  if (spec.downloaded ?? true) {
    await writeMedia(fx, path, spec.name, createDate);
    fx.db.markDownloaded(spec.id, 3);
  }
}

async function writeMedia(
  fx: Fixture,
  path: string,
  name: string,
  date: Date,
): Promise<void> {
  await Deno.mkdir(join(fx.root, path), { recursive: true });
  await Deno.writeTextFile(join(fx.root, path, name), "img");
  await Deno.utime(join(fx.root, path, name), date, date);
}

function putAlbum(
  fx: Fixture,
  id: string,
  name: string,
  itemIds: string[],
  opts: { shared?: boolean; start?: string; end?: string } = {},
): void {
  fx.db.clearAlbumFiles(id);
  itemIds.forEach((item, i) => fx.db.putAlbumFile(id, item, i));
  const dates = itemIds.map((i) => fx.db.getItem(i)!.createDate.getTime());
  fx.db.putAlbum({
    remoteId: id,
    albumName: name,
    size: itemIds.length,
    startDate: opts.start ? new Date(opts.start) : new Date(Math.min(...dates)),
    endDate: opts.end ? new Date(opts.end) : new Date(Math.max(...dates)),
    isShared: opts.shared ?? false,
  });
}

/** Three photos in September 2017 and one video, in album "Clones". */
async function library(fx: Fixture): Promise<void> {
  await addItem(fx, { id: "i1", name: "a.jpg", date: "2017-09-19T10:00:00Z" });
  await addItem(fx, { id: "i2", name: "b.jpg", date: "2017-09-20T10:00:00Z" });
  await addItem(fx, { id: "i3", name: "c.jpg", date: "2017-09-23T10:00:00Z" });
  await addItem(fx, {
    id: "v1",
    name: "m.mp4",
    date: "2017-09-21T10:00:00Z",
    video: true,
  });
  putAlbum(fx, "A1", "Clones", ["i1", "i2", "i3"]);
}

function run(
  fx: Fixture,
  options: Partial<AlbumLinkOptions> = {},
  fs?: LinkFs,
): Promise<AlbumLinksResult> {
  return reconcileAlbumLinks({ ...fx.options, ...options }, {
    db: fx.db,
    profile: fx.profile,
    ctx: { logger: fx.logger },
    fs,
  });
}

/**
 * Everything under `dir`, one line per entry: "D rel", "L rel -> text",
 * "H rel = media-file" (a hard link, named by the media file it shares its
 * inode with), "F rel" (another file).
 */
async function tree(fx: Fixture, dir: string): Promise<string[]> {
  const inodes = new Map<number, string>();
  const media = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      const p = join(d, e.name);
      if (e.isDirectory) await media(p);
      else if (e.isFile) {
        inodes.set((await Deno.lstat(p)).ino!, relative(fx.root, p));
      }
    }
  };
  await media(join(fx.root, "photos")).catch(() => {});
  const out: string[] = [];
  const walk = async (d: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(d));
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      const rel = relative(dir, p);
      if (e.isDirectory) {
        out.push(`D ${rel}`);
        await walk(p);
      } else if (e.isSymlink) {
        out.push(`L ${rel} -> ${await Deno.readLink(p)}`);
      } else {
        const ino = (await Deno.lstat(p)).ino!;
        out.push(
          inodes.has(ino) ? `H ${rel} = ${inodes.get(ino)}` : `F ${rel}`,
        );
      }
    }
  };
  await walk(dir);
  return out.sort();
}

/** No symlink under `dir` points at nothing. */
async function assertNothingDangles(dir: string): Promise<void> {
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      const p = join(d, e.name);
      if (e.isDirectory) await walk(p);
      else if (e.isSymlink) {
        await Deno.stat(p).catch(() => {
          throw new Error(`${p} dangles`);
        });
      }
    }
  };
  await walk(dir).catch((err) => {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  });
}

const CLONES = [
  "D 2017",
  "D 2017/0923 Clones",
  "L 2017/0923 Clones/0000_a.jpg -> ../../../photos/2017/09/a.jpg",
  "L 2017/0923 Clones/0001_b.jpg -> ../../../photos/2017/09/b.jpg",
  "L 2017/0923 Clones/0002_c.jpg -> ../../../photos/2017/09/c.jpg",
];

/** A LinkFs that counts calls and can die (as a killed process) after N writes. */
function countingFs(killAfterWrites?: number) {
  const calls: Record<string, number> = {};
  let writes = 0;
  const count = (name: string) => {
    calls[name] = (calls[name] ?? 0) + 1;
  };
  const write = (name: string) => {
    if (killAfterWrites !== undefined && writes >= killAfterWrites) {
      // ENOSPC stops the run, as a kill would.
      throw Object.assign(new Error("killed"), { code: "ENOSPC" });
    }
    writes++;
    count(name);
  };
  const fs: LinkFs = {
    readDir: (p) => (count("readDir"), denoLinkFs.readDir(p)),
    readLink: (p) => (count("readLink"), denoLinkFs.readLink(p)),
    lstat: (p) => (count("lstat"), denoLinkFs.lstat(p)),
    stat: (p) => (count("stat"), denoLinkFs.stat(p)),
    realPath: (p) => (count("realPath"), denoLinkFs.realPath(p)),
    readText: (p) => (count("readText"), denoLinkFs.readText(p)),
    mkdir: async (p, r) => (write("mkdir"), await denoLinkFs.mkdir(p, r)),
    symlink: async (t, p) => (write("symlink"), await denoLinkFs.symlink(t, p)),
    link: async (t, p) => (write("link"), await denoLinkFs.link(t, p)),
    remove: async (p) => (write("remove"), await denoLinkFs.remove(p)),
    setLinkTimes: async (p, m, min) => (
      write("setLinkTimes"), await denoLinkFs.setLinkTimes(p, m, min)
    ),
    writeText: async (p, t) => (
      write("writeText"), await denoLinkFs.writeText(p, t)
    ),
  };
  return { fs, calls, writes: () => writes };
}

async function manifest(fx: Fixture): Promise<{
  roots: Record<string, { pending: Record<string, unknown> }>;
}> {
  return JSON.parse(
    await Deno.readTextFile(join(fx.root, ALBUM_LINKS_MANIFEST)),
  );
}

Deno.test("a fresh build links every downloaded album item, dated like the item", async () => {
  await using fx = await fixture();
  await library(fx);
  const result = await run(fx);
  assertEquals(await tree(fx, join(fx.root, "albums")), CLONES);
  assertEquals(result.created, 3);
  assertEquals(result.links, 3);
  assertEquals(result.albums, 1);
  const link = join(fx.root, "albums/2017/0923 Clones/0001_b.jpg");
  assertEquals(
    (await Deno.lstat(link)).mtime?.toISOString(),
    "2017-09-20T10:00:00.000Z",
  );
  assertEquals(await Deno.readTextFile(link), "img");
  assert(fx.db.getAlbum("A1")!.downloaded, "the album is marked linked");
  await assertNothingDangles(join(fx.root, "albums"));
});

Deno.test("a second run with nothing to change only reads folders", async () => {
  await using fx = await fixture();
  await library(fx);
  await run(fx);
  const before = await Deno.lstat(
    join(fx.root, "albums/2017/0923 Clones/0000_a.jpg"),
  );
  const counter = countingFs();
  const result = await run(fx, {}, counter.fs);
  assertEquals(counter.writes(), 0);
  // No per-link reads either: the folders and media folders are listed.
  assertEquals(counter.calls.readLink, undefined);
  assertEquals(counter.calls.lstat, undefined);
  assertEquals(counter.calls.stat, undefined);
  assertEquals(counter.calls.readDir, 2); // the album folder, photos/2017/09
  assertEquals(
    [result.created, result.replaced, result.removed, result.adopted],
    [0, 0, 0, 0],
  );
  const after = await Deno.lstat(
    join(fx.root, "albums/2017/0923 Clones/0000_a.jpg"),
  );
  assertEquals([after.ino, after.mtime], [before.ino, before.mtime]);
});

Deno.test("a renamed album moves to a new folder and the old one goes", async () => {
  await using fx = await fixture();
  await library(fx);
  await run(fx);
  putAlbum(fx, "A1", "Clones😀", ["i1", "i2", "i3"]);
  const result = await run(fx);
  assertEquals(
    await tree(fx, join(fx.root, "albums")),
    CLONES.map((l) => l.replaceAll("Clones", "Clones😀")),
  );
  assertEquals([result.created, result.removed, result.foldersRemoved], [
    3,
    3,
    1,
  ]);
});

Deno.test("adding and removing items renumbers the links and drops the removed one", async () => {
  await using fx = await fixture();
  await library(fx);
  await run(fx);
  await addItem(fx, { id: "i4", name: "d.jpg", date: "2017-09-22T10:00:00Z" });
  putAlbum(fx, "A1", "Clones", ["i4", "i1", "i3"]);
  await run(fx);
  assertEquals(await tree(fx, join(fx.root, "albums")), [
    "D 2017",
    "D 2017/0923 Clones",
    "L 2017/0923 Clones/0000_d.jpg -> ../../../photos/2017/09/d.jpg",
    "L 2017/0923 Clones/0001_a.jpg -> ../../../photos/2017/09/a.jpg",
    "L 2017/0923 Clones/0002_c.jpg -> ../../../photos/2017/09/c.jpg",
  ]);
});

Deno.test("a re-dated album moves, and its empty year folder goes too", async () => {
  await using fx = await fixture();
  await library(fx);
  await run(fx);
  // gphotos-sync's test_sys_album_add_file: the end date set back to 09-20.
  putAlbum(fx, "A1", "Clones", ["i1", "i2", "i3"], { end: "2017-09-20" });
  await run(fx);
  assertEquals(
    await tree(fx, join(fx.root, "albums")),
    CLONES.map((l) => l.replace("0923", "0920")),
  );
  await run(fx, { albumDateByFirstPhoto: true });
  assertEquals(
    await tree(fx, join(fx.root, "albums")),
    CLONES.map((l) => l.replace("0923", "0919")),
  );
  putAlbum(fx, "A1", "Clones", ["i1", "i2", "i3"], { start: "2016-01-05" });
  await run(fx, { albumDateByFirstPhoto: true });
  assertEquals(
    await tree(fx, join(fx.root, "albums")),
    CLONES.map((l) =>
      l.replace("2017/0923", "2016/0105").replace("D 2017", "D 2016")
    ),
  );
});

Deno.test("switching hard links to symlinks and back replaces every link", async () => {
  await using fx = await fixture();
  await library(fx);
  const hard = [
    "D 2017",
    "D 2017/0923 Clones",
    "H 2017/0923 Clones/0000_a.jpg = photos/2017/09/a.jpg",
    "H 2017/0923 Clones/0001_b.jpg = photos/2017/09/b.jpg",
    "H 2017/0923 Clones/0002_c.jpg = photos/2017/09/c.jpg",
  ];
  await run(fx, { useHardlinks: true });
  assertEquals(await tree(fx, join(fx.root, "albums")), hard);
  const soft = await run(fx);
  assertEquals(soft.replaced, 3);
  assertEquals(await tree(fx, join(fx.root, "albums")), CLONES);
  await run(fx, { useHardlinks: true });
  assertEquals(await tree(fx, join(fx.root, "albums")), hard);
  const counter = countingFs();
  await run(fx, { useHardlinks: true }, counter.fs);
  assertEquals(counter.writes(), 0, "hard links: a re-run writes nothing");
});

Deno.test("a re-downloaded file (new inode) gets a new hard link", async () => {
  await using fx = await fixture();
  await library(fx);
  await run(fx, { useHardlinks: true });
  const a = join(fx.root, "photos/2017/09/a.jpg");
  await Deno.remove(a);
  await writeMedia(fx, "photos/2017/09", "a.jpg", new Date());
  const result = await run(fx, { useHardlinks: true });
  assertEquals(result.replaced, 1);
  assertEquals(
    (await Deno.lstat(join(fx.root, "albums/2017/0923 Clones/0000_a.jpg"))).ino,
    (await Deno.lstat(a)).ino,
  );
});

Deno.test("files in album folders that we did not make are never touched", async () => {
  await using fx = await fixture();
  await library(fx);
  await run(fx);
  const folder = join(fx.root, "albums/2017/0923 Clones");
  await Deno.writeTextFile(join(folder, "notes.txt"), "mine");
  // The user replaced one of our links with a file of their own, and put a
  // symlink of theirs where our next link will go.
  await Deno.remove(join(folder, "0002_c.jpg"));
  await Deno.writeTextFile(join(folder, "0002_c.jpg"), "my own c");
  await Deno.symlink("/etc/hostname", join(folder, "0003_d.jpg"));
  await addItem(fx, { id: "i4", name: "d.jpg", date: "2017-09-22T10:00:00Z" });
  putAlbum(fx, "A1", "Clones", ["i1", "i2", "i3", "i4"]);
  const result = await run(fx);
  assertEquals(result.conflicts, 2);
  assertEquals(await Deno.readTextFile(join(folder, "0002_c.jpg")), "my own c");
  assertEquals(
    await Deno.readLink(join(folder, "0003_d.jpg")),
    "/etc/hostname",
  );
  assert(
    !fx.db.getAlbum("A1")!.downloaded,
    "an album with conflicts is not complete",
  );

  // Renamed: our links leave, the user's files and their folder stay.
  putAlbum(fx, "A1", "Renamed", ["i1", "i2", "i3", "i4"]);
  await run(fx);
  assertEquals(await tree(fx, folder), [
    "F 0002_c.jpg",
    "F notes.txt",
    "L 0003_d.jpg -> /etc/hostname",
  ]);
  assertEquals(
    (await tree(fx, join(fx.root, "albums/2017/0923 Renamed"))).length,
    4,
  );
});

Deno.test("a folder the user replaced with a symlink is not removed as ours", async () => {
  await using fx = await fixture();
  await library(fx);
  await run(fx);
  const elsewhere = join(fx.root, "elsewhere");
  await Deno.mkdir(elsewhere);
  // Our links go, our folder goes; the user puts a symlink in its place.
  putAlbum(fx, "A1", "Clones", ["i1", "i2", "i3"], { end: "2018-01-01" });
  await Deno.remove(join(fx.root, "albums/2017"), { recursive: true });
  await Deno.symlink(elsewhere, join(fx.root, "albums/2017"));
  await run(fx);
  assertEquals(await Deno.readLink(join(fx.root, "albums/2017")), elsewhere);
});

Deno.test("identical links made before (by gphotos-sync) are adopted, not rewritten", async () => {
  await using fx = await fixture();
  await library(fx);
  await run(fx);
  // As if the record were lost, or the tree came from gphotos-sync.
  await Deno.remove(join(fx.root, ALBUM_LINKS_MANIFEST));
  const counter = countingFs();
  const result = await run(fx, {}, counter.fs);
  assertEquals(result.adopted, 3);
  assertEquals(counter.writes(), 1, "only the record is written");
  assertEquals(counter.calls.writeText, 1);
  // Adopted links are ours: renaming the album moves them.
  putAlbum(fx, "A1", "New", ["i1", "i2", "i3"]);
  await run(fx);
  assertEquals(
    await tree(fx, join(fx.root, "albums")),
    CLONES.map((l) => l.replace("Clones", "New")),
  );
});

Deno.test("a run killed at any point converges on the next run", async () => {
  // Start from hard links with one album, then switch to symlinks while
  // renaming an album and adding another, killed after k writes (every k
  // until the run completes).
  const expected: string[] = [];
  for (let k = 0;; k++) {
    await using fx = await fixture();
    await library(fx);
    await addItem(fx, {
      id: "i4",
      name: "d.jpg",
      date: "2018-01-02T10:00:00Z",
    });
    await run(fx, { useHardlinks: true });
    const user = join(fx.root, "albums/2017/0923 Clones/keep.txt");
    await Deno.writeTextFile(user, "mine");
    putAlbum(fx, "A1", "Clones 2", ["i1", "i2", "i3"]);
    putAlbum(fx, "A2", "Second", ["i4", "i1"]);
    const killer = countingFs(k);
    let finished = false;
    try {
      await run(fx, {}, killer.fs);
      finished = true;
    } catch (err) {
      assert(err instanceof DiskError, String(err));
    }
    if (k === 0) {
      assert(!finished, "the kill happened");
    }
    // The library moves on before the next run: what the killed run made
    // for "Second" must be recognised as ours and go.
    putAlbum(fx, "A2", "Third", ["i4", "i1"]);
    await run(fx);
    const got = await tree(fx, join(fx.root, "albums"));
    if (expected.length === 0) expected.push(...got);
    assertEquals(got, expected, `killed after ${k} writes`);
    assertEquals(await Deno.readTextFile(user), "mine");
    await assertNothingDangles(join(fx.root, "albums"));
    const m = await manifest(fx);
    for (const r of Object.values(m.roots)) {
      assertEquals(r.pending, {}, `nothing pending after k=${k}`);
    }
    if (finished) break;
  }
  assertEquals(expected, [
    "D 2017",
    "D 2017/0923 Clones",
    "D 2017/0923 Clones 2",
    "D 2018",
    "D 2018/0102 Third",
    "F 2017/0923 Clones/keep.txt",
    "L 2017/0923 Clones 2/0000_a.jpg -> ../../../photos/2017/09/a.jpg",
    "L 2017/0923 Clones 2/0001_b.jpg -> ../../../photos/2017/09/b.jpg",
    "L 2017/0923 Clones 2/0002_c.jpg -> ../../../photos/2017/09/c.jpg",
    "L 2018/0102 Third/0000_d.jpg -> ../../../photos/2018/01/d.jpg",
    "L 2018/0102 Third/0001_a.jpg -> ../../../photos/2017/09/a.jpg",
  ]);
});

Deno.test("a crash between recording a replacement and making it is repaired", async () => {
  await using fx = await fixture();
  await library(fx);
  await run(fx, { useHardlinks: true });
  // The record says "a symlink may be there" while the hard link still is.
  const killer = countingFs(1); // only the intent gets written
  await assertRejects(() => run(fx, {}, killer.fs), DiskError);
  const pending = (await manifest(fx)).roots.albums.pending;
  assertEquals(Object.keys(pending), ["2017/0923 Clones"]);
  await run(fx);
  assertEquals(await tree(fx, join(fx.root, "albums")), CLONES);
});

Deno.test("links to items not downloaded, or whose file is gone, are not kept", async () => {
  await using fx = await fixture();
  await library(fx);
  await addItem(fx, {
    id: "i5",
    name: "e.jpg",
    date: "2017-09-22T10:00:00Z",
    downloaded: false,
  });
  putAlbum(fx, "A1", "Clones", ["i1", "i2", "i3", "i5"]);
  const first = await run(fx);
  assertEquals(first.notDownloaded, 1);
  assertEquals(await tree(fx, join(fx.root, "albums")), CLONES);
  // The user deleted a file the index still calls downloaded.
  await Deno.remove(join(fx.root, "photos/2017/09/b.jpg"));
  const second = await run(fx);
  assertEquals(second.removed, 1);
  await assertNothingDangles(join(fx.root, "albums"));
  // Downloaded later: linked then.
  await writeMedia(fx, "photos/2017/09", "e.jpg", new Date());
  fx.db.markDownloaded("i5", 3);
  await writeMedia(fx, "photos/2017/09", "b.jpg", new Date());
  await run(fx);
  assertEquals(await tree(fx, join(fx.root, "albums")), [
    ...CLONES,
    "L 2017/0923 Clones/0003_e.jpg -> ../../../photos/2017/09/e.jpg",
  ]);
});

Deno.test("an album with nothing on disk yet gets no folder", async () => {
  await using fx = await fixture();
  await addItem(fx, {
    id: "i1",
    name: "a.jpg",
    date: "2017-09-19T10:00:00Z",
    downloaded: false,
  });
  putAlbum(fx, "A1", "Later", ["i1"]);
  const result = await run(fx);
  assertEquals(result.albums, 0);
  assertEquals(result.notDownloaded, 1);
  await assertRejects(
    () => Deno.lstat(join(fx.root, "albums")),
    Deno.errors.NotFound,
  );
});

Deno.test("without symlink support and --use-hardlinks nothing is attempted", async () => {
  await using fx = await fixture();
  await library(fx);
  fx.profile.symlinks = false;
  const counter = countingFs();
  const result = await run(fx, {}, counter.fs);
  assertEquals([result.links, counter.writes()], [0, 0]);
  assert(fx.logger.lines.some((l) => l.includes("cannot hold symbolic links")));
  await run(fx, { useHardlinks: true });
  assertEquals((await tree(fx, join(fx.root, "albums"))).length, 5);
});

Deno.test("shared albums go under --shared-albums-path and leave with --skip-shared-albums", async () => {
  await using fx = await fixture();
  await library(fx);
  putAlbum(fx, "S1", "Party", ["i2"], { shared: true });
  await run(fx);
  assertEquals(await tree(fx, join(fx.root, "sharedAlbums")), [
    "D 2017",
    "D 2017/0920 Party",
    "L 2017/0920 Party/0000_b.jpg -> ../../../photos/2017/09/b.jpg",
  ]);
  await run(fx, { skipSharedAlbums: true });
  assertEquals(await tree(fx, join(fx.root, "sharedAlbums")), []);
  assertEquals(await tree(fx, join(fx.root, "albums")), CLONES);
});

Deno.test("an absolute --albums-path outside ROOT gets working relative links", async () => {
  await using fx = await fixture();
  await library(fx);
  const elsewhere = await Deno.realPath(
    await Deno.makeTempDir({ prefix: "al-out-" }),
  );
  try {
    const albumsPath = join(elsewhere, "My Albums");
    await run(fx, { albumsPath });
    const folder = join(albumsPath, "2017/0923 Clones");
    const text = await Deno.readLink(join(folder, "0000_a.jpg"));
    assertEquals(resolve(folder, text), join(fx.root, "photos/2017/09/a.jpg"));
    assertEquals(await Deno.readTextFile(join(folder, "0000_a.jpg")), "img");
    // Moving back under ROOT removes what was made outside.
    await run(fx);
    assertEquals(await tree(fx, albumsPath), []);
    assertEquals(await tree(fx, join(fx.root, "albums")), CLONES);
  } finally {
    await Deno.remove(elsewhere, { recursive: true });
  }
});

Deno.test("a folder inside the albums root that leads outside it is not written through", async () => {
  await using fx = await fixture();
  await library(fx);
  const outside = await Deno.makeTempDir({ prefix: "al-esc-" });
  try {
    await Deno.mkdir(join(fx.root, "albums"), { recursive: true });
    await Deno.symlink(outside, join(fx.root, "albums/2017"));
    const result = await run(fx);
    assertEquals(result.created, 0);
    assertEquals([...Deno.readDirSync(outside)], []);
  } finally {
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("--skip-video leaves videos out of album folders", async () => {
  await using fx = await fixture();
  await library(fx);
  putAlbum(fx, "A1", "Clones", ["i1", "v1"]);
  await run(fx);
  assertEquals((await tree(fx, join(fx.root, "albums"))).length, 4);
  await run(fx, { skipVideo: true });
  assertEquals(await tree(fx, join(fx.root, "albums")), [
    "D 2017",
    "D 2017/0921 Clones",
    "L 2017/0921 Clones/0000_a.jpg -> ../../../photos/2017/09/a.jpg",
  ]);
});

Deno.test("--album-invert numbers from the album's end; --no-album-sorting drops numbers", async () => {
  await using fx = await fixture();
  await library(fx);
  await run(fx, { albumInvert: true });
  assertEquals(await tree(fx, join(fx.root, "albums")), [
    "D 2017",
    "D 2017/0923 Clones",
    "L 2017/0923 Clones/0000_c.jpg -> ../../../photos/2017/09/c.jpg",
    "L 2017/0923 Clones/0001_b.jpg -> ../../../photos/2017/09/b.jpg",
    "L 2017/0923 Clones/0002_a.jpg -> ../../../photos/2017/09/a.jpg",
  ]);
  await run(fx, { noAlbumSorting: true, omitAlbumDate: true });
  assertEquals(await tree(fx, join(fx.root, "albums")), [
    "D Clones",
    "L Clones/a.jpg -> ../../photos/2017/09/a.jpg",
    "L Clones/b.jpg -> ../../photos/2017/09/b.jpg",
    "L Clones/c.jpg -> ../../photos/2017/09/c.jpg",
  ]);
});

Deno.test("two albums with the same title and date get separate folders", async () => {
  await using fx = await fixture();
  await library(fx);
  putAlbum(fx, "A2", "Clones", ["i3"]);
  await run(fx);
  assertEquals(
    await tree(fx, join(fx.root, "albums")),
    [
      ...CLONES,
      "D 2017/0923 Clones (2)",
      "L 2017/0923 Clones (2)/0000_c.jpg -> ../../../photos/2017/09/c.jpg",
    ].sort(),
  );
});

Deno.test("an unreadable record is started again, with a warning", async () => {
  await using fx = await fixture();
  await library(fx);
  await run(fx);
  await Deno.writeTextFile(join(fx.root, ALBUM_LINKS_MANIFEST), "{not json");
  const result = await run(fx);
  assertEquals(result.adopted, 3);
  assert(
    fx.logger.lines.some((l) =>
      l.startsWith("warning: Cannot read the album link record")
    ),
  );
  assertEquals((await manifest(fx)).roots.albums.pending, {});
});
