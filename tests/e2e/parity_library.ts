// The parity suite's library: a fake Google Photos library shaped like
// gphotos-sync's own test account (its tests/test_account.py), so the
// outcomes gphotos-sync's system tests expected can be checked scenario by
// scenario; plus what those tests read back from a backup (the album tree,
// index counts) and one synced copy of the account shared by the tests of a
// module. The counts are the account's; where its description does not add
// up (its "Shared Test Album" is dated 2019, a year in which the account has
// no image, while the album's shared items are from 2017), the album dates
// follow from the items here, as the program computes them.

import { dirname, isAbsolute, join, relative } from "node:path";
import type { FakeItem, FakeLibrary } from "../fake_google/mod.ts";
import { type Backup, backup, listFiles } from "./harness.ts";

/** Another user, who added items to the shared albums. */
const GILES = { displayName: "Giles Knap" };
const NOAH = { displayName: "Noah" };

export interface ParityAlbum {
  id: string;
  title: string;
  /** Folder under the albums root: YYYY/MMDD Title (the last item's date). */
  folder: string;
  /** Folder with --album-date-by-first-photo. */
  firstPhotoFolder: string;
  /** Items of this user (in the library listing). */
  own: number;
  /** Items other people added (reachable only through the album). */
  foreign: number;
}

/**
 * What the account holds, as TestAccount describes it: per year, images of
 * the user, items others shared into an own album ("Shared Test Album", in
 * the Albums tab), items of a shared album the user only joined, videos.
 */
export const ACCOUNT = {
  latestDate: "2020-04-26",
  imageYears: [2020, 2019, 2017, 2016, 2015, 2014, 2001, 2000, 1998, 1965],
  imagesPerYear: [1, 0, 10, 10, 10, 10, 10, 10, 10, 10],
  sharedImagesPerYear: [0, 0, 5, 0, 0, 0, 0, 0, 0, 0],
  sharedAlbumImagesPerYear: [0, 6, 0, 0, 0, 0, 0, 0, 0, 0],
  videosPerYear: [0, 0, 10, 0, 0, 0, 0, 0, 0, 0],
  /** Images of the user: 81. */
  imageCount: 81,
  videoCount: 10,
  /** Other people's items in the own "Shared Test Album". */
  sharedImageCount: 5,
  /** Other people's items in the joined shared album. */
  sharedAlbumSharedImageCount: 6,
  /** The user's library listing: 91. */
  totalCount: 91,
  /** The quick subset gphotos-sync's tests use. */
  start: "2016-01-01",
  end: "2017-01-01",
  imageCount2016: 10,
  itemCount2017: 20,
  itemCount2020: 1,
} as const;

export const SHARED_TEST_ALBUM: ParityAlbum = {
  id: "album-shared-test",
  title: "Shared Test Album",
  folder: "2017/1001 Shared Test Album",
  firstPhotoFolder: "2017/0601 Shared Test Album",
  own: 5,
  foreign: 5,
};
export const ALBUM_2001: ParityAlbum = {
  id: "album-2001",
  title: "Album 2001",
  folder: "2001/0101 Album 2001",
  firstPhotoFolder: "2001/0101 Album 2001",
  own: 10,
  foreign: 0,
};
export const MOVIES: ParityAlbum = {
  id: "album-movies",
  title: "Movies",
  folder: "2017/0528 Movies",
  firstPhotoFolder: "2017/0519 Movies",
  own: 10,
  foreign: 0,
};
export const CLONES: ParityAlbum = {
  id: "album-clones",
  title: "Clones😀",
  folder: "2017/0923 Clones😀",
  firstPhotoFolder: "2017/0919 Clones😀",
  own: 4,
  foreign: 0,
};
export const ALBUM_2016: ParityAlbum = {
  id: "album-2016",
  title: "Album 2016",
  folder: "2016/0926 Album 2016",
  firstPhotoFolder: "2015/0310 Album 2016",
  own: 16,
  foreign: 0,
};
export const SAME_NAMES: ParityAlbum = {
  id: "album-same-names",
  title: "Same Names",
  folder: "2014/1207 Same Names",
  firstPhotoFolder: "2014/1201 Same Names",
  own: 10,
  foreign: 0,
};
export const NAME_WITH_COMMA: ParityAlbum = {
  // gphotos-sync's test globbed "0426?Name?with?Comma": one character
  // between the words, a comma here.
  id: "album-comma",
  title: "Name,with,Comma",
  folder: "2020/0426 Name,with,Comma",
  firstPhotoFolder: "2020/0426 Name,with,Comma",
  own: 1,
  foreign: 0,
};

/** The user's albums (albums.list), in TestAccount's order. */
export const ALBUMS: readonly ParityAlbum[] = [
  SHARED_TEST_ALBUM,
  ALBUM_2001,
  MOVIES,
  CLONES,
  ALBUM_2016,
  SAME_NAMES,
  NAME_WITH_COMMA,
];

/** A shared album the user joined: not in the Albums tab, not owned. */
export const NOAHS_LEGO: ParityAlbum = {
  id: "album-noahs-lego",
  title: "Noah's transformer lego",
  folder: "2019/0220 Noah's transformer lego",
  firstPhotoFolder: "2019/0215 Noah's transformer lego",
  own: 0,
  foreign: 6,
};

/** AlbumFiles rows of own albums (album images + their shared images). */
export const OWN_ALBUM_ITEMS = ALBUMS.reduce(
  (n, a) => n + a.own + a.foreign,
  0,
);

/** The favourite, as gphotos-sync's test_sys_favourites_and_dates knows it. */
export const FAVOURITE = {
  id: "item-img-2117",
  path: "photos/2017/09/IMG_2117.JPG",
  time: "2017-09-26T15:29:44Z",
} as const;

/** Ids of the items tests act on. */
export const IDS = {
  /** The newest of the four Clones😀 items (2017-09-23). */
  lastClone: "item-clone-4",
} as const;

function at(
  year: number,
  month: number,
  day: number,
  hour = 12,
  minute = 0,
): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${year}-${p(month)}-${p(day)}T${p(hour)}:${p(minute)}:00Z`;
}

function ten(
  lib: FakeLibrary,
  year: number,
  time: (i: number) => string,
  name: (i: number) => string = (i) =>
    `IMG_${year}${String(i + 1).padStart(2, "0")}.JPG`,
): FakeItem[] {
  return Array.from({ length: 10 }, (_, i) => lib.photo(name(i), time(i)));
}

/** Fills `lib` with the account (pass to `backup()`). */
export function buildParityLibrary(lib: FakeLibrary): void {
  ten(lib, 1965, (i) => at(1965, 3, 1 + i));
  ten(lib, 1998, (i) => at(1998, 10, 1 + i), (i) => `subaru${i + 1}.jpg`);
  ten(lib, 2000, (i) => at(2000, 7, 1 + i), (i) => `scan_${i + 1}.png`);
  const y2001 = ten(lib, 2001, (i) => at(2001, 1, 1, 1 + i));
  // Same Names: ten photos all called the same, a week of them.
  const y2014 = ten(
    lib,
    2014,
    (i) => at(2014, 12, 1 + Math.floor(i * 0.7), 8 + i),
    () => "same name.jpg",
  );
  const y2015 = ten(lib, 2015, (i) => at(2015, 3, 10 + i));
  // Album 2016 is dated by its newest item, 26 September.
  const y2016 = Array.from(
    { length: 9 },
    (_, i) => lib.photo(`IMG_20160${i + 1}10.JPG`, at(2016, 1 + i, 10, 9)),
  );
  y2016.push(lib.photo("IMG_20160926.JPG", at(2016, 9, 26, 18)));

  // 2017: ten images and ten videos.
  const movies = Array.from(
    { length: 10 },
    (_, i) => lib.video(`movie_${i + 1}.mp4`, at(2017, 5, 19 + i)),
  );
  const sharedOwn = Array.from(
    { length: 5 },
    (_, i) => lib.photo(`shared_own_${i + 1}.jpg`, at(2017, 6, 1 + i)),
  );
  const clones = [
    at(2017, 9, 19, 10),
    at(2017, 9, 20, 10),
    at(2017, 9, 20, 11),
    at(2017, 9, 23, 10),
  ].map((t, i) => lib.photo("IMG_CLONE.JPG", t, { id: `item-clone-${i + 1}` }));
  lib.photo("IMG_2117.JPG", FAVOURITE.time, {
    id: FAVOURITE.id,
    favorite: true,
  });
  const sharedForeign = [
    at(2017, 9, 27),
    at(2017, 9, 28),
    at(2017, 9, 29),
    at(2017, 9, 30),
    at(2017, 10, 1),
  ].map((t, i) =>
    lib.photo(`giles_${i + 1}.jpg`, t, {
      inLibrary: false,
      contributor: GILES,
    })
  );
  const lego = Array.from(
    { length: 6 },
    (_, i) =>
      lib.photo(`lego_${i + 1}.jpg`, at(2019, 2, 15 + i), {
        inLibrary: false,
        contributor: NOAH,
      }),
  );
  const comma = lib.photo("IMG_20200426.JPG", at(2020, 4, 26, 17));

  lib.sharedAlbum(SHARED_TEST_ALBUM.title, [...sharedOwn, ...sharedForeign], {
    id: SHARED_TEST_ALBUM.id,
    owned: true,
  });
  lib.album(ALBUM_2001.title, y2001, { id: ALBUM_2001.id });
  lib.album(MOVIES.title, movies, { id: MOVIES.id });
  lib.album(CLONES.title, clones, { id: CLONES.id });
  lib.album(ALBUM_2016.title, [...y2015.slice(0, 6), ...y2016], {
    id: ALBUM_2016.id,
  });
  lib.album(SAME_NAMES.title, y2014, { id: SAME_NAMES.id });
  lib.album(NAME_WITH_COMMA.title, [comma], { id: NAME_WITH_COMMA.id });
  lib.sharedAlbum(NOAHS_LEGO.title, lego, {
    id: NOAHS_LEGO.id,
    owned: false,
  });
}

// ---- reading a backup ------------------------------------------------------

/** The album roots of a backup with the default paths. */
export const ALBUM_ROOTS = ["albums", "sharedAlbums"] as const;

export interface AlbumTree {
  /**
   * Album entry -> what it links to, all relative to ROOT: "s:<file>" for a
   * relative symlink to the media file, "a:<file>" for an absolute one,
   * "h:<file>" for a hard link to it.
   */
  links: Record<string, string>;
  /** Symlinks whose target does not exist. */
  dangling: string[];
  /** Entries that are no link to a media file (the user's). */
  others: string[];
}

interface Entry {
  rel: string;
  info: Deno.FileInfo;
}

// Synchronous calls: a tree of thousands of links is read several times a
// test, and the async ones go through a thread pool call by call.
function walk(root: string, rel: string, out: Entry[]): void {
  let list: Deno.DirEntry[];
  try {
    list = [...Deno.readDirSync(join(root, rel))];
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  for (const e of list) {
    const child = `${rel}/${e.name}`;
    out.push({ rel: child, info: Deno.lstatSync(join(root, child)) });
    if (e.isDirectory) walk(root, child, out);
  }
}

/** Reads the album folders of the backup in ROOT, without following links. */
export async function albumTree(
  root: string,
  roots: readonly string[] = ALBUM_ROOTS,
): Promise<AlbumTree> {
  const real = await Deno.realPath(root);
  const photos: Entry[] = [];
  walk(real, "photos", photos);
  const byInode = new Map<string, string>();
  for (const { rel, info } of photos) {
    if (info.isFile) byInode.set(`${info.dev}:${info.ino}`, rel);
  }
  const tree: AlbumTree = { links: {}, dangling: [], others: [] };
  for (const top of roots) {
    const found: Entry[] = [];
    walk(real, top, found);
    for (const { rel, info } of found) {
      if (info.isDirectory) continue;
      const abs = join(real, rel);
      if (info.isSymlink) {
        const text = Deno.readLinkSync(abs);
        let target: string;
        try {
          target = relative(real, Deno.realPathSync(abs));
        } catch (e) {
          if (!(e instanceof Deno.errors.NotFound)) throw e;
          tree.dangling.push(rel);
          continue;
        }
        if (target.startsWith("photos/")) {
          tree.links[rel] = `${isAbsolute(text) ? "a" : "s"}:${target}`;
        } else tree.others.push(rel);
        continue;
      }
      const media = info.isFile
        ? byInode.get(`${info.dev}:${info.ino}`)
        : undefined;
      if (media === undefined) tree.others.push(rel);
      else tree.links[rel] = `h:${media}`;
    }
  }
  tree.dangling.sort();
  tree.others.sort();
  return tree;
}

/** Links per album folder ("albums/2017/0923 Clones😀" -> 4). */
export function linksPerFolder(tree: AlbumTree): Record<string, number> {
  const out: Record<string, number> = {};
  for (const rel of Object.keys(tree.links).sort()) {
    const folder = dirname(rel);
    out[folder] = (out[folder] ?? 0) + 1;
  }
  return out;
}

/** The links of one album folder (of `AlbumTree.links`), by link name. */
export function linksOf(
  links: Record<string, string>,
  folder: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [rel, target] of Object.entries(links).sort()) {
    if (dirname(rel) === folder) out[rel.slice(folder.length + 1)] = target;
  }
  return out;
}

/** One number from the backup's index, e.g. "SELECT COUNT() FROM AlbumFiles". */
export function queryNumber(b: Backup, sql: string): number {
  const db = b.db();
  try {
    const row = db.database().prepare(sql).get() as Record<string, unknown>;
    return Number(Object.values(row)[0]);
  } finally {
    db.close();
  }
}

/** Whether anything (a file, a folder, a link) is at `path`. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** Files under ROOT/photos (relative to it) whose path matches. */
export async function photoFiles(
  b: Backup,
  pattern: RegExp,
): Promise<string[]> {
  return (await listFiles(b.path("photos"))).filter((f) => pattern.test(f));
}

// ---- one synced account per test module -----------------------------------

let template: Promise<string> | undefined;

/**
 * A backup of the account after one plain `gphotos-sync ROOT`, with its
 * own test server and token. The sync runs once per test module; each call
 * gets a copy of its ROOT (the ids of a library built by the same code are
 * the same), since a full sync is most of the time a test takes.
 */
export async function syncedAccount(): Promise<Backup> {
  template ??= syncTemplate();
  const source = await template;
  const b = await backup(buildParityLibrary);
  try {
    await copyTree(source, b.root);
    await b.signIn();
  } catch (e) {
    await b[Symbol.asyncDispose]();
    throw e;
  }
  return b;
}

async function syncTemplate(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "gphotos-parity-" });
  addEventListener("unload", () => {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // Already gone.
    }
  });
  await using b = await backup(buildParityLibrary);
  await b.signIn();
  const r = await b.sync();
  if (r.code !== 0) {
    throw new Error(`the sync of the account failed (${r.code}):\n${r.stderr}`);
  }
  const root = join(dir, "backup");
  await copyTree(b.root, root);
  return root;
}

/** `cp -a`: symlinks, times and modes kept. */
async function copyTree(from: string, to: string): Promise<void> {
  const out = await new Deno.Command("cp", {
    args: ["-a", from, to],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `cp -a ${from} ${to}: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
}
