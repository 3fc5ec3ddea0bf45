// The record of the links made in album folders (gphotos.album_links.json,
// beside the index; see album_links.ts for why it is a file): per albums
// root, the folders made or adopted, the link made at each name, and the
// links an interrupted change may have left, which the next run checks.

const MANIFEST_FORMAT = "gphotos-sync album links";
const MANIFEST_VERSION = 1;

/** "s:<symlink text>" or "h:<dev>:<ino>" (a hard link to that file). */
export type LinkValue = string;

export interface RootRecord {
  /** Folders (relative to the root) we made or adopted. */
  dirs: Set<string>;
  /** folder -> link name -> what we made there. */
  links: Map<string, Map<string, LinkValue>>;
  /** folder -> link name -> what may be there after an interrupted change. */
  pending: Map<string, Map<string, LinkValue[]>>;
}

export class LinkRecord {
  readonly roots = new Map<string, RootRecord>();
  dirty = false;

  root(key: string): RootRecord {
    let r = this.roots.get(key);
    if (r === undefined) {
      r = { dirs: new Set(), links: new Map(), pending: new Map() };
      this.roots.set(key, r);
    }
    return r;
  }

  setLink(r: RootRecord, folder: string, name: string, value: LinkValue) {
    let m = r.links.get(folder);
    if (m === undefined) r.links.set(folder, m = new Map());
    if (m.get(name) !== value) {
      m.set(name, value);
      this.dirty = true;
    }
    this.clearPending(r, folder, name);
  }

  deleteLink(r: RootRecord, folder: string, name: string) {
    const m = r.links.get(folder);
    if (m?.delete(name)) {
      this.dirty = true;
      if (m.size === 0) r.links.delete(folder);
    }
    this.clearPending(r, folder, name);
  }

  setPending(
    r: RootRecord,
    folder: string,
    name: string,
    values: LinkValue[],
  ) {
    const m = r.links.get(folder);
    if (m?.delete(name) && m.size === 0) r.links.delete(folder);
    let p = r.pending.get(folder);
    if (p === undefined) r.pending.set(folder, p = new Map());
    p.set(name, values);
    this.dirty = true;
  }

  clearPending(r: RootRecord, folder: string, name: string) {
    const p = r.pending.get(folder);
    if (p?.delete(name)) {
      this.dirty = true;
      if (p.size === 0) r.pending.delete(folder);
    }
  }

  addDir(r: RootRecord, dir: string) {
    if (!r.dirs.has(dir)) {
      r.dirs.add(dir);
      this.dirty = true;
    }
  }

  deleteDir(r: RootRecord, dir: string) {
    if (r.dirs.delete(dir)) this.dirty = true;
  }

  toJson(): string {
    const roots: Record<string, unknown> = {};
    for (const [key, r] of this.roots) {
      if (r.dirs.size === 0 && r.links.size === 0 && r.pending.size === 0) {
        continue;
      }
      roots[key] = {
        dirs: [...r.dirs].sort(),
        links: Object.fromEntries(
          [...r.links].map(([f, m]) => [f, Object.fromEntries(m)]),
        ),
        pending: Object.fromEntries(
          [...r.pending].map(([f, m]) => [f, Object.fromEntries(m)]),
        ),
      };
    }
    return JSON.stringify({
      format: MANIFEST_FORMAT,
      version: MANIFEST_VERSION,
      roots,
    });
  }

  static parse(text: string): LinkRecord {
    const record = new LinkRecord();
    const json = JSON.parse(text);
    if (
      !isObject(json) || json.format !== MANIFEST_FORMAT ||
      json.version !== MANIFEST_VERSION || !isObject(json.roots)
    ) {
      throw new Error("not an album link record of this version");
    }
    for (const [key, raw] of Object.entries(json.roots)) {
      if (!isObject(raw)) throw new Error(`root ${key} is not an object`);
      const r = record.root(key);
      for (const dir of arrayOf(raw.dirs, "dirs")) {
        if (typeof dir === "string") r.dirs.add(dir);
      }
      for (const [folder, names] of Object.entries(objectOf(raw.links))) {
        const m = new Map<string, LinkValue>();
        for (const [name, value] of Object.entries(objectOf(names))) {
          if (typeof value === "string") m.set(name, value);
        }
        if (m.size > 0) r.links.set(folder, m);
      }
      for (const [folder, names] of Object.entries(objectOf(raw.pending))) {
        const m = new Map<string, LinkValue[]>();
        for (const [name, values] of Object.entries(objectOf(names))) {
          const list = arrayOf(values, "pending").filter((v) =>
            typeof v === "string"
          ) as string[];
          if (list.length > 0) m.set(name, list);
        }
        if (m.size > 0) r.pending.set(folder, m);
      }
    }
    return record;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function objectOf(v: unknown): Record<string, unknown> {
  if (v === undefined) return {};
  if (!isObject(v)) throw new Error("an object was expected");
  return v;
}

function arrayOf(v: unknown, what: string): unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new Error(`${what} is not a list`);
  return v;
}
