// Sorts the listing of a Takeout export (all parts together) into what the
// importer does with each entry: media in year folders, media in album
// folders, media in the special folders (Archive, Trash, Locked folder,
// Failed Videos: not albums), item sidecars, album metadata, and everything
// else (print-subscriptions.json, archive_browser.html...), which is listed
// in the report and not imported. Works on names alone, plus the parsed
// JSON of small files when the caller has it, to tell album metadata with an
// unknown localized name from item sidecars.
//
// The library root is `Takeout/<any single folder>/`: its name is localized
// (Google Photos, Google Fotos, Google Фото...) so it is found by position,
// not by name. A listing of an unpacked root (the user pointed at
// "Google Photos" or at "Takeout") works too.

import {
  type AlbumMetadata,
  type JsonKind,
  jsonKind,
  parseAlbumMetadata,
} from "./metadata.ts";
import {
  foldName,
  isAlbumMetadataName,
  isJsonName,
  isKnownNonMediaJson,
  isPhotosRootName,
  isSystemFileName,
  isUntitledAlbumName,
  pathSegments,
  type SpecialFolderKind,
  specialFolderKind,
  yearFolderName,
} from "./names.ts";
import { type MediaType, mediaTypeOf, nfc } from "../media/extensions.ts";

/** One file of the export (directories are not entries). */
export interface TakeoutEntry {
  /** Path inside the export, e.g. "Takeout/Google Photos/Photos from 2023/IMG_1.jpg". */
  path: string;
  size: number;
  mtime?: Date;
}

export type EntryClass = "media" | "sidecar" | "album-metadata" | "other";

/** What a top-level folder of the library is. "root": files right in it. */
export type FolderKind = "year" | "album" | SpecialFolderKind | "root";

export interface ClassifiedEntry extends FileClass {
  /** The entry as given. */
  entry: TakeoutEntry;
}

export interface TakeoutAlbum {
  /** The album folder's key. */
  folder: string;
  /** The metadata file's title, else the folder's name (NFC). */
  title: string;
  titleFrom: "metadata" | "folder";
  /** A localized "Untitled" (several untitled albums may share a folder). */
  untitled: boolean;
  /** Its metadata files as given, sorted (merged untitled albums have several). */
  metadataPaths: string[];
  /** The first metadata file that could be read, when the JSON was given. */
  metadata?: AlbumMetadata;
}

export interface TakeoutFolder {
  /** NFC key: the root and the folder's name. */
  path: string;
  /** NFC folder name. */
  name: string;
  root: string;
  kind: FolderKind;
  /** For year folders. */
  year?: number;
  /** The year folder was recognized by its photo word and year only. */
  yearGuessed?: boolean;
  album?: TakeoutAlbum;
}

export interface TakeoutTree {
  /** NFC keys of the library roots found ("" when the listing starts inside one). */
  roots: string[];
  /** Every entry, in the order given. */
  entries: ClassifiedEntry[];
  /** Library folders, sorted by path. */
  folders: TakeoutFolder[];
  /** Album folders' albums, sorted by folder. */
  albums: TakeoutAlbum[];
}

export interface ClassifyOptions {
  /**
   * The parsed JSON of a `.json` entry, by entry path, when the caller read
   * it (undefined when not read or not JSON).
   */
  json?: (path: string) => unknown;
}

/** A folder of the listing that holds files: what the layout needs of it. */
export interface FolderFacts {
  /** NFC key of the folder, "/"-joined ("" for the top). */
  readonly path: string;
  /** Whether a `.json` file lies directly in it. */
  readonly hasJson: boolean;
}

/** Where one folder of the listing sits in the library. */
export interface FolderPlace {
  /** The library root it is under. */
  readonly root: string;
  /** Its segments below the root ([] for the root itself). */
  readonly inside: readonly string[];
  /**
   * The key its files are grouped and matched by: the root and `inside`,
   * the same for every part of the export (ClassifiedEntry.dir).
   */
  readonly dir: string;
  /** The library folder it is in or is (root + inside[0]); none for the root. */
  readonly folder?: string;
}

/** The library roots of an export, and where each of its folders sits. */
export interface TreeLayout {
  /** NFC keys of the library roots found ("" when the listing starts inside one). */
  readonly roots: readonly string[];
  /** A folder given to layoutTree(); undefined when outside the library. */
  place(path: string): FolderPlace | undefined;
}

/** A JSON file that may be an album's metadata, in a library folder. */
export interface AlbumFile {
  /** As given. */
  path: string;
  /** Its content read as album metadata, when it could be. */
  metadata?: AlbumMetadata;
}

/** How one file is classified, given where its folder sits. */
export interface FileClass {
  class: EntryClass;
  /** NFC key of the library folder ("Takeout/Google Photos/Trip"), if in one. */
  folder?: string;
  /**
   * NFC key of the entry's own folder, the same for every part of the
   * export: what sidecar matching groups by (MatchMedia.folder).
   */
  dir?: string;
  folderKind?: FolderKind;
  /** For media: by extension, "unknown" when the extension says nothing. */
  mediaType?: MediaType | "unknown";
  /** For "other": why it is not imported. */
  reason?: string;
}

/**
 * Whether a JSON file is album metadata rather than an item sidecar: by its
 * content when it was read (`kind`), else by its localized name.
 */
export function isAlbumFile(name: string, kind: JsonKind | undefined): boolean {
  return kind === "album" || (kind !== "item" && isAlbumMetadataName(name));
}

function joinKey(root: string, rest: readonly string[]): string {
  return [root, ...rest].filter((s) => s !== "").join("/");
}

/**
 * Where the library roots are, from the folders holding files alone (a
 * file's place depends only on its folder), and where each folder sits.
 */
export function layoutTree(folders: Iterable<FolderFacts>): TreeLayout {
  const list = [...folders].map((f) => ({
    facts: f,
    segments: f.path === "" ? [] : f.path.split("/"),
  }));
  // "Takeout" followed by the product folder and at least one more level
  // (the file itself).
  const takeoutAt = (segments: string[]) =>
    segments.findIndex((s, i) =>
      i < segments.length - 1 && foldName(s) === "takeout"
    );
  const anyTakeout = list.some((f) => takeoutAt(f.segments) >= 0);
  type Raw = { root?: string; inside: string[] };
  const raw = new Map<string, Raw>();
  if (anyTakeout) {
    for (const { facts, segments } of list) {
      const at = takeoutAt(segments);
      // From "Takeout" on: parts unpacked side by side
      // (takeout-...-001/Takeout/..., -002/Takeout/...) are one tree.
      raw.set(
        facts.path,
        at < 0 ? { inside: [] } : {
          root: segments.slice(at, at + 2).join("/"),
          inside: segments.slice(at + 2),
        },
      );
    }
  } else {
    // Unpacked: the listing starts at "Takeout/"'s content (a root folder
    // with the library folders in it) or inside the root.
    const deepFirsts = new Set(
      list.filter((f) => f.segments.length >= 2).map((f) => f.segments[0]),
    );
    const first = deepFirsts.size === 1 ? [...deepFirsts][0] : undefined;
    const rootFirst = first !== undefined &&
      (isPhotosRootName(first) ||
        list.some((f) =>
          f.segments[0] === first && f.segments.length >= 2 &&
          yearFolderName(f.segments[1])?.guessed === false
        ));
    for (const { facts, segments } of list) {
      if (!rootFirst) raw.set(facts.path, { root: "", inside: segments });
      else if (segments.length === 0 || segments[0] !== first) {
        raw.set(facts.path, { inside: [] });
      } else {
        raw.set(facts.path, { root: first, inside: segments.slice(1) });
      }
    }
  }
  // Several product folders under Takeout/: keep those that look like the
  // Photos library (sidecars, album metadata, year folders, a known name).
  const candidates = new Map<string, boolean>();
  for (const { facts } of list) {
    const { root, inside } = raw.get(facts.path)!;
    if (root === undefined || candidates.get(root) === true) continue;
    const looksLikePhotos = isPhotosRootName(root.split("/").at(-1) ?? "") ||
      (inside.length >= 1 &&
        (facts.hasJson || yearFolderName(inside[0])?.guessed === false));
    candidates.set(root, looksLikePhotos);
  }
  let roots = [...candidates.keys()].filter((r) => candidates.get(r));
  if (roots.length === 0) roots = [...candidates.keys()];
  roots.sort();
  const kept = new Set(roots);
  const places = new Map<string, FolderPlace>();
  for (const [path, { root, inside }] of raw) {
    if (root === undefined || !kept.has(root)) continue;
    const place: FolderPlace = inside.length === 0
      ? { root, inside, dir: joinKey(root, inside) }
      : {
        root,
        inside,
        dir: joinKey(root, inside),
        folder: joinKey(root, inside.slice(0, 1)),
      };
    places.set(path, place);
  }
  return { roots, place: (path) => places.get(path) };
}

/**
 * The library folders (the first level below a root) of the folders given,
 * with their kind: year, special or album, which a folder holding album
 * metadata always is. `albumFiles` are the album files lying directly in
 * each library folder, by folder key; `readJson` says whether their content
 * was read (only then do albums get their metadata).
 */
export function libraryFolders(
  layout: TreeLayout,
  paths: Iterable<string>,
  albumFiles: ReadonlyMap<string, readonly AlbumFile[]>,
  readJson: boolean,
): Map<string, TakeoutFolder> {
  const folders = new Map<string, TakeoutFolder>();
  for (const path of paths) {
    const place = layout.place(path);
    if (place?.folder === undefined || folders.has(place.folder)) continue;
    const key = place.folder;
    const name = place.inside[0];
    const files = albumFiles.get(key) ?? [];
    const folder: TakeoutFolder = {
      path: key,
      name,
      root: place.root,
      kind: "album",
    };
    const year = yearFolderName(name);
    const special = specialFolderKind(name);
    if (year !== undefined && (!year.guessed || files.length === 0)) {
      folder.kind = "year";
      folder.year = year.year;
      if (year.guessed) folder.yearGuessed = true;
    } else if (special !== undefined && files.length === 0) {
      folder.kind = special;
    }
    if (folder.kind === "album") {
      folder.album = albumOf(folder, files, readJson);
    }
    folders.set(key, folder);
  }
  return folders;
}

function albumOf(
  folder: TakeoutFolder,
  files: readonly AlbumFile[],
  readJson: boolean,
): TakeoutAlbum {
  const sorted = [...files].sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0
  );
  const album: TakeoutAlbum = {
    folder: folder.path,
    title: folder.name,
    titleFrom: "folder",
    untitled: isUntitledAlbumName(folder.name),
    metadataPaths: sorted.map((f) => f.path),
  };
  if (readJson) {
    const found = sorted.find((f) => f.metadata !== undefined);
    if (found !== undefined) album.metadata = found.metadata;
  }
  const title = album.metadata?.title;
  if (title !== undefined && title.trim() !== "") {
    album.title = nfc(title);
    album.titleFrom = "metadata";
  } else if (album.metadata !== undefined) {
    // Google writes an empty title for untitled albums.
    album.untitled = true;
  }
  return album;
}

/**
 * What one file is, from its NFC name, its folder's place, the library
 * folder holding it, and its JSON kind when its content was read. Google
 * Photos holds photos and videos only, so every file of the library that
 * is not JSON (a sidecar, album metadata or one of Takeout's own files) is
 * an item, whatever its extension: a Pixel's `.cover`, `.MP~2`, none at
 * all. The same holds in every folder, the library's root included.
 */
export function classifyFile(
  name: string,
  place: FolderPlace | undefined,
  folder: TakeoutFolder | undefined,
  kind: JsonKind | undefined,
): FileClass {
  const out: FileClass = { class: "other" };
  if (place === undefined) {
    out.reason = "outside the Google Photos folder";
    return out;
  }
  out.dir = place.dir;
  const atRoot = place.inside.length === 0 || folder === undefined;
  out.folder = atRoot ? place.root : folder.path;
  out.folderKind = atRoot ? "root" : folder.kind;
  if (isSystemFileName(name)) {
    out.reason = "a file of the operating system, not of Google Photos";
    return out;
  }
  if (isJsonName(name)) {
    if (isAlbumFile(name, kind)) {
      if (!atRoot && folder.kind === "album" && place.inside.length === 1) {
        out.class = "album-metadata";
      } else {
        out.reason = "album metadata outside an album folder";
      }
    } else if (isKnownNonMediaJson(name)) {
      out.reason = "Takeout's own file, not a photo or video";
    } else {
      out.class = "sidecar";
    }
    return out;
  }
  out.class = "media";
  out.mediaType = mediaTypeOf(name) ?? "unknown";
  return out;
}

/** Classify every entry of an export listing. Never throws, drops nothing. */
export function classifyTakeout(
  entries: readonly TakeoutEntry[],
  options: ClassifyOptions = {},
): TakeoutTree {
  const split = entries.map((entry) => {
    const segments = pathSegments(nfc(entry.path));
    return {
      entry,
      path: segments.slice(0, -1).join("/"),
      name: segments.at(-1) ?? "",
    };
  });
  const facts = new Map<string, boolean>();
  for (const e of split) {
    facts.set(e.path, facts.get(e.path) === true || isJsonName(e.name));
  }
  const layout = layoutTree(
    [...facts].map(([path, hasJson]) => ({ path, hasJson })),
  );
  const kindOf = (path: string): JsonKind | undefined => {
    if (options.json === undefined) return undefined;
    const value = options.json(path);
    return value === undefined ? undefined : jsonKind(value);
  };

  // The album files directly in each library folder (they decide between
  // album and year/special folder).
  const albumFiles = new Map<string, AlbumFile[]>();
  const kinds: (JsonKind | undefined)[] = [];
  split.forEach((e, i) => {
    const place = layout.place(e.path);
    if (place?.folder === undefined) return;
    if (!isJsonName(e.name)) return;
    const kind = kinds[i] = kindOf(e.entry.path);
    if (isAlbumFile(e.name, kind) && place.inside.length === 1) {
      const file: AlbumFile = { path: e.entry.path };
      if (options.json !== undefined) {
        const parsed = parseAlbumMetadata(options.json(e.entry.path));
        if (parsed.ok) file.metadata = parsed.value;
      }
      const list = albumFiles.get(place.folder);
      if (list === undefined) albumFiles.set(place.folder, [file]);
      else list.push(file);
    }
  });
  const folders = libraryFolders(
    layout,
    facts.keys(),
    albumFiles,
    options.json !== undefined,
  );

  const classified = split.map((e, i): ClassifiedEntry => {
    const place = layout.place(e.path);
    const folder = place?.folder === undefined
      ? undefined
      : folders.get(place.folder);
    return {
      entry: e.entry,
      ...classifyFile(
        e.name,
        place,
        folder,
        kinds[i],
      ),
    };
  });

  const byPath = (a: { path: string }, b: { path: string }) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
  const sortedFolders = [...folders.values()].sort(byPath);
  return {
    roots: [...layout.roots],
    entries: classified,
    folders: sortedFolders,
    albums: sortedFolders.flatMap((f) => f.album === undefined ? [] : [f.album])
      .sort((a, b) => a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : 0),
  };
}
