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
  isKnownNonMediaJson,
  isPhotosRootName,
  isUntitledAlbumName,
  type MediaType,
  mediaTypeOf,
  nfc,
  pathSegments,
  type SpecialFolderKind,
  specialFolderKind,
  yearFolderName,
} from "./names.ts";

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

export interface ClassifiedEntry {
  /** The entry as given. */
  entry: TakeoutEntry;
  class: EntryClass;
  /** NFC key of the library folder ("Takeout/Google Photos/Trip"), if in one. */
  folder?: string;
  /**
   * NFC key of the entry's own folder, the same for every part of the
   * export: what sidecar matching groups by (MatchMedia.folder).
   */
  dir?: string;
  folderKind?: FolderKind;
  /** For media: by extension, or "unknown" for a file that has a sidecar. */
  mediaType?: MediaType | "unknown";
  /** For "other": why it is not imported. */
  reason?: string;
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

interface Placed {
  entry: TakeoutEntry;
  segments: string[];
  root?: string;
  /** Segments below the root. */
  inside: string[];
}

function isJsonName(name: string): boolean {
  return name.toLowerCase().endsWith(".json");
}

/** Where the library roots are, and each entry's place under one. */
function placeEntries(entries: readonly TakeoutEntry[]): {
  placed: Placed[];
  roots: string[];
} {
  const split = entries.map((entry) => ({
    entry,
    segments: pathSegments(nfc(entry.path)),
  }));
  const takeoutAt = (segments: string[]) =>
    segments.findIndex((s, i) =>
      foldName(s) === "takeout" && i + 2 < segments.length
    );
  const anyTakeout = split.some((e) => takeoutAt(e.segments) >= 0);
  let placed: Placed[];
  if (anyTakeout) {
    placed = split.map(({ entry, segments }) => {
      const at = takeoutAt(segments);
      if (at < 0) return { entry, segments, inside: [] };
      return {
        entry,
        segments,
        // From "Takeout" on: parts unpacked side by side
        // (takeout-...-001/Takeout/..., -002/Takeout/...) are one tree.
        root: segments.slice(at, at + 2).join("/"),
        inside: segments.slice(at + 2),
      };
    });
  } else {
    // Unpacked: the listing starts at "Takeout/"'s content (a root folder
    // with the library folders in it) or inside the root.
    const deepFirsts = new Set(
      split.filter((e) => e.segments.length >= 3).map((e) => e.segments[0]),
    );
    const first = deepFirsts.size === 1 ? [...deepFirsts][0] : undefined;
    const rootFirst = first !== undefined &&
      (isPhotosRootName(first) ||
        split.some((e) =>
          e.segments[0] === first && e.segments.length >= 3 &&
          yearFolderName(e.segments[1])?.guessed === false
        ));
    placed = split.map(({ entry, segments }) => {
      if (!rootFirst) return { entry, segments, root: "", inside: segments };
      if (segments[0] !== first || segments.length < 2) {
        return { entry, segments, inside: [] };
      }
      return { entry, segments, root: first, inside: segments.slice(1) };
    });
  }
  // Several product folders under Takeout/: keep those that look like the
  // Photos library (sidecars, album metadata, year folders, a known name).
  const candidates = new Map<string, boolean>();
  for (const p of placed) {
    if (p.root === undefined || candidates.get(p.root) === true) continue;
    const looksLikePhotos = isPhotosRootName(p.root.split("/").at(-1) ?? "") ||
      (p.inside.length >= 2 &&
        (isJsonName(p.inside.at(-1)!) ||
          yearFolderName(p.inside[0])?.guessed === false));
    candidates.set(p.root, looksLikePhotos);
  }
  let roots = [...candidates.keys()].filter((r) => candidates.get(r));
  if (roots.length === 0) roots = [...candidates.keys()];
  roots.sort();
  const kept = new Set(roots);
  for (const p of placed) {
    if (p.root !== undefined && !kept.has(p.root)) {
      delete p.root;
      p.inside = [];
    }
  }
  return { placed, roots };
}

/** Classify every entry of an export listing. Never throws, drops nothing. */
export function classifyTakeout(
  entries: readonly TakeoutEntry[],
  options: ClassifyOptions = {},
): TakeoutTree {
  const { placed, roots } = placeEntries(entries);
  const kindOf = (p: Placed): JsonKind | undefined => {
    if (options.json === undefined) return undefined;
    const value = options.json(p.entry.path);
    return value === undefined ? undefined : jsonKind(value);
  };
  const join = (root: string, rest: string[]) =>
    [root, ...rest].filter((s) => s !== "").join("/");
  const folderKey = (p: Placed) => join(p.root!, p.inside.slice(0, 1));
  const dirs = new Map<Placed, string>();
  const dirKey = (p: Placed) => {
    let dir = dirs.get(p);
    if (dir === undefined) {
      dir = join(p.root!, p.inside.slice(0, -1));
      dirs.set(p, dir);
    }
    return dir;
  };

  // First pass: the names in each folder, and which folders hold album
  // metadata (that decides between album and year/special folder).
  const namesIn = new Map<string, Set<string>>();
  const albumFiles = new Map<string, Placed[]>();
  const jsonKinds = new Map<Placed, JsonKind | undefined>();
  for (const p of placed) {
    if (p.root === undefined || p.inside.length < 2) continue;
    const dir = dirKey(p);
    let names = namesIn.get(dir);
    if (names === undefined) namesIn.set(dir, names = new Set());
    const name = p.inside.at(-1)!;
    names.add(foldName(name));
    if (!isJsonName(name)) continue;
    const kind = kindOf(p);
    jsonKinds.set(p, kind);
    const isAlbumFile = kind === "album" ||
      (isAlbumMetadataName(name) && kind !== "item");
    if (isAlbumFile && p.inside.length === 2) {
      const key = folderKey(p);
      albumFiles.set(key, [...(albumFiles.get(key) ?? []), p]);
    }
  }

  const folders = new Map<string, TakeoutFolder>();
  const folderFor = (p: Placed): TakeoutFolder => {
    const key = folderKey(p);
    const known = folders.get(key);
    if (known !== undefined) return known;
    const name = p.inside[0];
    const hasAlbumFile = albumFiles.has(key);
    const folder: TakeoutFolder = {
      path: key,
      name,
      root: p.root!,
      kind: "album",
    };
    const year = yearFolderName(name);
    const special = specialFolderKind(name);
    if (year !== undefined && (!year.guessed || !hasAlbumFile)) {
      folder.kind = "year";
      folder.year = year.year;
      if (year.guessed) folder.yearGuessed = true;
    } else if (special !== undefined && !hasAlbumFile) {
      folder.kind = special;
    }
    folders.set(key, folder);
    return folder;
  };

  const classified = placed.map((p): ClassifiedEntry => {
    const out: ClassifiedEntry = { entry: p.entry, class: "other" };
    if (p.root === undefined) {
      out.reason = "outside the Google Photos folder";
      return out;
    }
    const name = p.inside.at(-1) ?? "";
    out.dir = dirKey(p);
    if (p.inside.length < 2) {
      out.folder = p.root;
      out.folderKind = "root";
      const type = mediaTypeOf(name);
      if (type !== undefined) {
        out.class = "media";
        out.mediaType = type;
      } else {
        out.reason = isKnownNonMediaJson(name)
          ? "Takeout's own file, not a photo or video"
          : "not a photo or video";
      }
      return out;
    }
    const folder = folderFor(p);
    out.folder = folder.path;
    out.folderKind = folder.kind;
    if (isJsonName(name)) {
      const kind = jsonKinds.get(p);
      const isAlbumFile = kind === "album" ||
        (isAlbumMetadataName(name) && kind !== "item");
      if (isAlbumFile) {
        if (folder.kind === "album" && p.inside.length === 2) {
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
    const type = mediaTypeOf(name);
    if (type !== undefined) {
      out.class = "media";
      out.mediaType = type;
      return out;
    }
    // A file Google kept as media although its extension is unknown here:
    // its sidecar says so. Never drop it.
    const names = namesIn.get(dirKey(p));
    const key = foldName(name);
    if (
      names?.has(`${key}.json`) ||
      names?.has(`${key}.supplemental-metadata.json`)
    ) {
      out.class = "media";
      out.mediaType = "unknown";
      return out;
    }
    out.reason = "not a photo or video";
    return out;
  });

  const albums: TakeoutAlbum[] = [];
  for (const folder of folders.values()) {
    if (folder.kind !== "album") continue;
    const files = (albumFiles.get(folder.path) ?? [])
      .map((p) => p.entry.path).sort();
    const album: TakeoutAlbum = {
      folder: folder.path,
      title: folder.name,
      titleFrom: "folder",
      untitled: isUntitledAlbumName(folder.name),
      metadataPaths: files,
    };
    if (options.json !== undefined) {
      for (const path of files) {
        const parsed = parseAlbumMetadata(options.json(path));
        if (!parsed.ok) continue;
        album.metadata = parsed.value;
        break;
      }
    }
    const title = album.metadata?.title;
    if (title !== undefined && title.trim() !== "") {
      album.title = nfc(title);
      album.titleFrom = "metadata";
    } else if (album.metadata !== undefined) {
      // Google writes an empty title for untitled albums.
      album.untitled = true;
    }
    folder.album = album;
    albums.push(album);
  }

  const byPath = (a: { path: string }, b: { path: string }) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
  return {
    roots,
    entries: classified,
    folders: [...folders.values()].sort(byPath),
    albums: albums.sort((a, b) =>
      a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : 0
    ),
  };
}
