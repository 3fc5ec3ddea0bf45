// From the listing of a Takeout export (all parts as one tree) to the plan
// of the import: which entries are items, which sidecar and album each
// belongs to, which copies are the same item, what is skipped and what is
// refused. Nothing is read but the listing and the small JSON files the
// listing captured; nothing is written.

import type { ArchiveEntry, ListedEntry } from "../takeout/archive.ts";
import type { SetListing } from "../takeout/archive_set.ts";
import { entryKey, safeEntryPath } from "../takeout/entry_path.ts";
import {
  type AlbumMetadata,
  type ItemMetadata,
  parseAlbumMetadata,
  parseItemMetadata,
  parseJsonText,
} from "../takeout/metadata.ts";
import { matchSidecars, type MediaMatch } from "../takeout/sidecar_match.ts";
import {
  classifyTakeout,
  type FolderKind,
  type TakeoutAlbum,
} from "../takeout/takeout_tree.ts";

/** One media file of the export, as the import will treat it. */
export interface PlannedFile {
  entry: ArchiveEntry;
  /** Stable identity of the item across copies, parts and later exports. */
  key: string;
  match: MediaMatch;
  /** The sidecar's metadata (the original's for edits and video halves). */
  meta?: ItemMetadata;
  folderKind?: FolderKind;
  /** The album folder this copy is in. */
  album?: TakeoutAlbum;
  isVideo: boolean;
  /** Key of the item this is an edited copy or video half of. */
  companionOf?: string;
  companion?: "edit" | "pair";
  /** Why it is not imported (trash, --skip-archived, --skip-video). */
  skip?: "trashed" | "archived" | "video";
}

export interface RefusedEntry {
  part: string;
  name: string;
  reason: string;
}

export interface TakeoutPlan {
  files: PlannedFile[];
  /** One per distinct item key, the copy to import first. */
  items: Map<string, PlannedFile[]>;
  albums: { album: TakeoutAlbum; meta?: AlbumMetadata; keys: string[] }[];
  refused: RefusedEntry[];
  /** Sidecars no media file claimed. */
  unclaimedSidecars: string[];
  /** JSON files that could not be read as sidecars or album metadata. */
  badJson: RefusedEntry[];
}

export interface PlanOptions {
  includeTrashed: boolean;
  skipArchived: boolean;
  skipVideo?: boolean;
}

/** The id part of https://photos.google.com/photo/AF1Qip... */
export function photoIdOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const m = /\/photo\/([A-Za-z0-9_-]{10,})/.exec(url);
  return m?.[1];
}

export function planImport(
  listing: SetListing,
  options: PlanOptions,
): TakeoutPlan {
  const refused: RefusedEntry[] = [];
  const badJson: RefusedEntry[] = [];
  const files: ListedEntry[] = [];
  for (const e of listing.entries) {
    if (e.kind === "dir") continue;
    if (e.kind !== "file") {
      refused.push({
        part: e.part,
        name: e.name,
        reason: e.kind === "symlink"
          ? `a symbolic link${e.linkTarget ? ` to ${e.linkTarget}` : ""}`
          : e.kind === "hardlink"
          ? `a hard link${e.linkTarget ? ` to ${e.linkTarget}` : ""}`
          : "a device, pipe or other special file",
      });
      continue;
    }
    const safe = safeEntryPath(e.name);
    if (!safe.ok) {
      refused.push({ part: e.part, name: e.name, reason: safe.reason });
      continue;
    }
    files.push(e);
  }

  // The same name may be stored in several parts (a retried download):
  // keep the first complete copy.
  const byKey = new Map<string, ListedEntry>();
  for (const e of files) {
    const k = entryKey(e.name);
    if (!byKey.has(k)) byKey.set(k, e);
  }
  const unique = [...byKey.values()];

  const json = new Map<string, unknown>();
  for (const e of unique) {
    if (!e.name.toLowerCase().endsWith(".json")) continue;
    if (e.content === undefined) {
      if (e.contentError) {
        badJson.push({
          part: e.part,
          name: e.name,
          reason: e.contentError.message,
        });
      }
      continue;
    }
    const parsed = parseJsonText(e.content);
    if (parsed.ok) json.set(e.name, parsed.value);
    else badJson.push({ part: e.part, name: e.name, reason: parsed.message });
  }

  const tree = classifyTakeout(
    unique.map((e) => ({ path: e.name, size: e.size, mtime: e.mtime })),
    { json: (path) => json.get(path) },
  );
  const entryOf = new Map(unique.map((e) => [e.name, e]));

  const media = tree.entries.filter((c) => c.class === "media");
  const sidecars = tree.entries.filter((c) => c.class === "sidecar");
  const sidecarMeta = new Map<string, ItemMetadata>();
  for (const s of sidecars) {
    const value = json.get(s.entry.path);
    if (value === undefined) continue;
    const parsed = parseItemMetadata(value);
    if (parsed.ok) sidecarMeta.set(s.entry.path, parsed.value);
    else {
      const e = entryOf.get(s.entry.path)!;
      badJson.push({ part: e.part, name: e.name, reason: parsed.message });
    }
  }
  const matched = matchSidecars(
    media.map((m) => ({ path: m.entry.path, folder: m.dir })),
    sidecars.map((s) => ({
      path: s.entry.path,
      folder: s.dir,
      title: sidecarMeta.get(s.entry.path)?.title,
    })),
  );

  const albumByFolder = new Map(tree.albums.map((a) => [a.folder, a]));
  const planned: PlannedFile[] = media.map((c, i) => {
    const match = matched.matches[i];
    const meta = match.sidecar ? sidecarMeta.get(match.sidecar) : undefined;
    const entry = entryOf.get(c.entry.path)!;
    const file: PlannedFile = {
      entry,
      key: "",
      match,
      meta,
      folderKind: c.folderKind,
      album: c.folder ? albumByFolder.get(c.folder) : undefined,
      isVideo: c.mediaType === "video",
    };
    if (match.editOf) file.companion = "edit";
    else if (match.pairOf) file.companion = "pair";
    const trashed = meta?.trashed === true || c.folderKind === "trash";
    const archived = meta?.archived === true || c.folderKind === "archive";
    if (trashed && !options.includeTrashed && !file.companion) {
      file.skip = "trashed";
    } else if (archived && options.skipArchived && !file.companion) {
      file.skip = "archived";
    } else if (file.isVideo && options.skipVideo) {
      file.skip = "video";
    }
    return file;
  });

  // Item keys: the sidecar's photo id when there is one (the same in every
  // folder and every later export), else the original name, capture time
  // and size; companions hang off their original's key.
  const byPath = new Map(planned.map((p) => [p.match.media, p]));
  const baseKey = (p: PlannedFile): string => {
    const id = photoIdOf(p.meta?.url);
    if (id && !p.companion) return `takeout:${id}`;
    const taken = p.meta?.photoTakenTime?.getTime() ?? "none";
    return `takeout:${
      p.match.originalName.normalize("NFC")
    }:${taken}:${p.entry.size}`;
  };
  for (const p of planned) {
    if (!p.companion) p.key = baseKey(p);
  }
  for (const p of planned) {
    if (!p.companion) continue;
    const original = byPath.get(p.match.editOf ?? p.match.pairOf ?? "");
    const parent = original?.key || baseKey(p);
    p.companionOf = parent;
    p.key = `${parent}:${p.companion}:${
      entryKey(p.entry.name).split("/").pop()
    }`;
    if (original?.skip && original.skip !== "video") p.skip = original.skip;
  }

  const items = new Map<string, PlannedFile[]>();
  for (const p of planned) {
    const copies = items.get(p.key);
    if (copies) copies.push(p);
    else items.set(p.key, [p]);
  }

  const albums = tree.albums.map((album) => {
    const keys: string[] = [];
    for (const p of planned) {
      if (p.album === album && !p.skip && !keys.includes(p.key)) {
        keys.push(p.key);
      }
    }
    let meta: AlbumMetadata | undefined = album.metadata;
    if (!meta && album.metadataPaths.length > 0) {
      const parsed = parseAlbumMetadata(json.get(album.metadataPaths[0]));
      if (parsed.ok) meta = parsed.value;
    }
    return { album, meta, keys };
  });

  return {
    files: planned,
    items,
    albums,
    refused,
    unclaimedSidecars: matched.unclaimedSidecars,
    badJson,
  };
}
