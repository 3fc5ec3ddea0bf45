// The Takeout parts the index knows (migration 6): each part imported, or
// seen still arriving, with its size, time and a checksum of its listing,
// so that a scheduled run imports each part once and a part that changes
// (downloaded again) is read again; and the listing of each imported part
// (TakeoutEntries: names, sizes, times and the item each media entry
// became; TakeoutJson: the JSON files' bytes, deflated a few hundred at a
// time, about a tenth of their size), so that a part arriving later is
// planned with the parts before it, as one export, even once those are
// deleted. Callers run writes inside LocalData.transaction() when they
// batch them.

import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { formatIndexDate, parseIndexDate } from "./dates.ts";
import type { LocalData } from "./local_data.ts";
import { integer, type Row, text } from "./rows.ts";
import { diskErrorOr } from "./sqlite_errors.ts";

/**
 * imported: read whole and recorded. damaged: read, but some entries could
 * not be (named in the run's report); read again once the part changes.
 * waiting: seen, not read yet (still arriving; Reason says why).
 */
export type PartState = "imported" | "damaged" | "waiting";

export interface PartRecord {
  /** The part's file name (`takeout-20250301T101500Z-001.zip`). */
  name: string;
  /** Its set (`takeout-20250301T101500Z`). */
  set: string;
  number: number;
  /** Where it was read (or seen). */
  path: string;
  size: number;
  mtime?: Date;
  /** SHA-256 of its listing (names, sizes, times, kinds). */
  checksum?: string;
  /** File entries listed. */
  entries?: number;
  state: PartState;
  reason?: string;
  /** When a run last saw it (waiting parts). */
  seenAt?: Date;
  importedAt?: Date;
  /** When --delete-imported removed its file. */
  deletedAt?: Date;
}

/** One file entry of an imported part, as its listing gave it. */
export interface CatalogEntry {
  index: number;
  name: string;
  size: number;
  mtime?: Date;
  /** A JSON entry's bytes. */
  content?: Uint8Array;
  /** Why a JSON entry's bytes could not be read. */
  contentError?: string;
  /** The RemoteId of the item a media entry became. */
  item?: string;
  /** The key the import knew the entry's item by. */
  key?: string;
}

const COLUMNS =
  "Name, SetName, Number, Path, Size, Mtime, Checksum, Entries, State, Reason, SeenAt, ImportedAt, DeletedAt";

/** Catalog rows read per query. */
const PAGE = 2000;

/** JSON bytes deflated together (a few hundred sidecars). */
const JSON_CHUNK_BYTES = 256 * 1024;

export class TakeoutParts {
  readonly #data: LocalData;
  readonly #statements = new Map<string, StatementSync>();

  constructor(data: LocalData) {
    this.#data = data;
  }

  get #db(): DatabaseSync {
    return this.#data.database();
  }

  get(name: string): PartRecord | undefined {
    const row = this.#stmt(
      `SELECT ${COLUMNS} FROM TakeoutParts WHERE Name = ?`,
    ).get(name) as Row | undefined;
    return row === undefined ? undefined : toRecord(row);
  }

  /** Every part, by set then number. */
  all(): PartRecord[] {
    return (this.#stmt(
      `SELECT ${COLUMNS} FROM TakeoutParts ORDER BY SetName, Number, Name`,
    ).all() as Row[]).map(toRecord);
  }

  ofSet(set: string): PartRecord[] {
    return (this.#stmt(
      `SELECT ${COLUMNS} FROM TakeoutParts WHERE SetName = ? ORDER BY Number, Name`,
    ).all(set) as Row[]).map(toRecord);
  }

  put(r: PartRecord): void {
    this.#write(
      `INSERT OR REPLACE INTO TakeoutParts (${COLUMNS})
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      r.name,
      r.set,
      r.number,
      r.path,
      r.size,
      date(r.mtime),
      r.checksum ?? null,
      r.entries ?? null,
      r.state,
      r.reason ?? null,
      date(r.seenAt),
      date(r.importedAt),
      date(r.deletedAt),
    );
  }

  /** Forgets a part and its listing. */
  remove(name: string): void {
    this.clearEntries(name);
    this.#write("DELETE FROM TakeoutParts WHERE Name = ?", name);
  }

  clearEntries(part: string): void {
    this.#write("DELETE FROM TakeoutEntries WHERE Part = ?", part);
    this.#write("DELETE FROM TakeoutJson WHERE Part = ?", part);
  }

  /**
   * A writer of one part's listing: entries as they are listed, the JSON
   * bytes gathered and deflated by chunk (one deflate call per sidecar
   * would cost more than the listing itself). finish() writes the rest.
   */
  listingWriter(part: string): {
    add(e: CatalogEntry): void;
    finish(): void;
  } {
    let chunk = 0;
    let pieces: Uint8Array[] = [];
    let length = 0;
    const flush = () => {
      if (pieces.length === 0) return;
      const raw = new Uint8Array(length);
      let at = 0;
      for (const p of pieces) {
        raw.set(p, at);
        at += p.length;
      }
      this.#write(
        "INSERT OR REPLACE INTO TakeoutJson (Part, Chunk, Data) VALUES (?, ?, ?)",
        part,
        chunk,
        deflateRawSync(raw),
      );
      chunk++;
      pieces = [];
      length = 0;
    };
    return {
      add: (e) => {
        let ref: [number, number, number] | [null, null, null] = [
          null,
          null,
          null,
        ];
        if (e.content !== undefined) {
          ref = [chunk, length, e.content.length];
          pieces.push(e.content);
          length += e.content.length;
        }
        this.#write(
          `INSERT OR REPLACE INTO TakeoutEntries (Part, Idx, Name, Size,
             Mtime, JsonChunk, JsonOffset, JsonLength, ContentError, Item)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          part,
          e.index,
          e.name,
          e.size,
          e.mtime === undefined ? null : e.mtime.getTime(),
          ...ref,
          e.contentError ?? null,
          e.item ?? null,
        );
        if (length >= JSON_CHUNK_BYTES) flush();
      },
      finish: flush,
    };
  }

  /** The item a media entry of a part became, and the key it had. */
  setItem(
    part: string,
    index: number,
    item: string | undefined,
    key: string,
  ): void {
    this.#write(
      "UPDATE TakeoutEntries SET Item = ?, Key = ? WHERE Part = ? AND Idx = ?",
      item ?? null,
      key,
      part,
      index,
    );
  }

  /** The media entries of a part, with what each became (no JSON read). */
  *items(
    part: string,
  ): Generator<{ index: number; item?: string; key: string }> {
    const rows = this.#stmt(
      `SELECT Idx, Item, Key FROM TakeoutEntries
       WHERE Part = ? AND Key IS NOT NULL ORDER BY Idx`,
    ).iterate(part) as Iterable<Row>;
    for (const row of rows) {
      const item = text(row.Item);
      yield {
        index: Number(row.Idx),
        key: text(row.Key) ?? "",
        ...(item === undefined ? {} : { item }),
      };
    }
  }

  /** A part's listing, in its order, read a page at a time. */
  *entries(part: string): Generator<CatalogEntry> {
    const page = this.#stmt(
      `SELECT Idx, Name, Size, Mtime, JsonChunk, JsonOffset, JsonLength,
         ContentError, Item
       FROM TakeoutEntries WHERE Part = ? AND Idx > ? ORDER BY Idx LIMIT ?`,
    );
    const chunkOf = this.#stmt(
      "SELECT Data FROM TakeoutJson WHERE Part = ? AND Chunk = ?",
    );
    let cached: { chunk: number; bytes: Uint8Array } | undefined;
    const json = (chunk: number, offset: number, length: number) => {
      if (cached?.chunk !== chunk) {
        const row = chunkOf.get(part, chunk) as Row | undefined;
        const data = row?.Data;
        cached = {
          chunk,
          bytes: data instanceof Uint8Array
            ? new Uint8Array(inflateRawSync(data))
            : new Uint8Array(0),
        };
      }
      return cached.bytes.slice(offset, offset + length);
    };
    let after = -1;
    while (true) {
      const rows = page.all(part, after, PAGE) as Row[];
      for (const row of rows) {
        const e: CatalogEntry = {
          index: Number(row.Idx),
          name: text(row.Name) ?? "",
          size: Number(row.Size),
        };
        const mtime = integer(row.Mtime);
        if (mtime !== undefined) e.mtime = new Date(mtime);
        const chunk = integer(row.JsonChunk);
        if (chunk !== undefined) {
          e.content = json(
            chunk,
            integer(row.JsonOffset) ?? 0,
            integer(row.JsonLength) ?? 0,
          );
        }
        const error = text(row.ContentError);
        if (error !== undefined) e.contentError = error;
        const item = text(row.Item);
        if (item !== undefined) e.item = item;
        after = e.index;
        yield e;
      }
      if (rows.length < PAGE) return;
    }
  }

  #stmt(sql: string): StatementSync {
    let s = this.#statements.get(sql);
    if (s === undefined) {
      s = this.#db.prepare(sql);
      this.#statements.set(sql, s);
    }
    return s;
  }

  #write(sql: string, ...params: SQLInputValue[]): void {
    try {
      this.#stmt(sql).run(...params);
    } catch (error) {
      throw diskErrorOr(
        error,
        `record the Takeout part in the index ${this.#data.file}`,
      );
    }
  }
}

/**
 * How long an export must go without a new part before it is taken for
 * whole. A part's name does not say how many parts its export has: Takeout
 * delivers them all at once, but a sync client may bring them over several
 * runs (a transfer that failed, a part still being written on the drive),
 * and until then "001 to the highest seen" may lack the parts after it.
 */
export const EXPORT_QUIET_MS = 24 * 3600_000;

/** Every part from 1 to the highest seen is imported whole. */
export function noPartMissing(parts: readonly PartRecord[]): boolean {
  const max = Math.max(0, ...parts.map((p) => p.number));
  for (let n = 1; n <= max; n++) {
    const part = parts.find((p) => p.number === n);
    if (part?.state !== "imported") return false;
  }
  return max > 0;
}

/**
 * When an export with no part missing is taken for whole: EXPORT_QUIET_MS
 * after the last of its parts was seen or imported (undefined while a part
 * is missing, damaged or waiting).
 */
export function wholeAt(parts: readonly PartRecord[]): Date | undefined {
  if (!noPartMissing(parts)) return undefined;
  let last = 0;
  for (const p of parts) {
    for (const d of [p.importedAt, p.seenAt]) {
      if (d !== undefined && d.getTime() > last) last = d.getTime();
    }
  }
  return new Date(last + EXPORT_QUIET_MS);
}

/** Whether the export is imported whole at `now` (see wholeAt). */
export function isComplete(parts: readonly PartRecord[], now: Date): boolean {
  const at = wholeAt(parts);
  return at !== undefined && at.getTime() <= now.getTime();
}

function date(d: Date | undefined): string | null {
  return d === undefined ? null : formatIndexDate(d);
}

function toRecord(row: Row): PartRecord {
  const r: PartRecord = {
    name: text(row.Name) ?? "",
    set: text(row.SetName) ?? "",
    number: Number(row.Number),
    path: text(row.Path) ?? "",
    size: Number(row.Size),
    state: (text(row.State) ?? "waiting") as PartState,
  };
  const set = <K extends keyof PartRecord>(k: K, v: PartRecord[K]) => {
    if (v !== undefined) r[k] = v;
  };
  set("mtime", parseIndexDate(row.Mtime));
  set("checksum", text(row.Checksum));
  set("entries", integer(row.Entries));
  set("reason", text(row.Reason));
  set("seenAt", parseIndexDate(row.SeenAt));
  set("importedAt", parseIndexDate(row.ImportedAt));
  set("deletedAt", parseIndexDate(row.DeletedAt));
  return r;
}
