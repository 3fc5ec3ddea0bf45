// The PickerSessions table (migration 4): every Picker session `pick`
// created, with how far it got, so that `pick --resume` can find the one a
// stopped run left behind while Google still keeps it, and a new `pick` can
// say that one is waiting. The items of a session are the SyncFiles rows
// whose SourceRef is its id. Callers run writes inside
// LocalData.transaction() when they batch them.

import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import { formatIndexDate, parseIndexDate } from "./dates.ts";
import type { LocalData } from "./local_data.ts";
import { integer, type Row, text } from "./rows.ts";
import { diskErrorOr } from "./sqlite_errors.ts";

/**
 * waiting: created, the user may still be picking. picked: the user is done
 * and the downloads may be unfinished (what --resume finishes). done:
 * finished and deleted at Google. abandoned: deleted or expired before it
 * was finished (Ctrl-C while waiting, --timeout, expiry).
 */
export type PickerSessionState = "waiting" | "picked" | "done" | "abandoned";
const STATES: readonly PickerSessionState[] = [
  "waiting",
  "picked",
  "done",
  "abandoned",
];

export interface PickerSessionRecord {
  id: string;
  pickerUri: string;
  createTime: Date;
  /** When Google stops giving access to the session and its items. */
  expireTime: Date | undefined;
  state: PickerSessionState;
  /** --album NAME given when the session was created. */
  albumName: string | undefined;
  maxItems: number | undefined;
  /** Items the user picked (known once they are listed). */
  itemCount: number | undefined;
  updateTime: Date | undefined;
}

export interface NewPickerSession {
  id: string;
  pickerUri: string;
  expireTime?: Date;
  albumName?: string;
  maxItems?: number;
}

const SELECT =
  "Id, PickerUri, CreateTime, ExpireTime, State, AlbumName, MaxItems, ItemCount, UpdateTime";

export class PickerSessions {
  readonly #data: LocalData;
  readonly #now: () => Date;

  constructor(data: LocalData, now: () => Date = () => new Date()) {
    this.#data = data;
    this.#now = now;
  }

  get #db(): DatabaseSync {
    return this.#data.database();
  }

  /** Records a session just created at Google, as waiting. */
  add(session: NewPickerSession): void {
    const now = formatIndexDate(this.#now());
    this.#write(
      `INSERT INTO PickerSessions (Id, PickerUri, CreateTime, ExpireTime,
         State, AlbumName, MaxItems, ItemCount, UpdateTime)
       VALUES (?, ?, ?, ?, 'waiting', ?, ?, NULL, ?)`,
      session.id,
      session.pickerUri,
      now,
      session.expireTime ? formatIndexDate(session.expireTime) : null,
      session.albumName ?? null,
      session.maxItems ?? null,
      now,
    );
  }

  /** Moves a session on; `itemCount` and `expireTime` when now known. */
  setState(
    id: string,
    state: PickerSessionState,
    extra: { itemCount?: number; expireTime?: Date } = {},
  ): void {
    const sets = ["State = ?", "UpdateTime = ?"];
    const params: SQLInputValue[] = [state, formatIndexDate(this.#now())];
    if (extra.itemCount !== undefined) {
      sets.push("ItemCount = ?");
      params.push(extra.itemCount);
    }
    if (extra.expireTime !== undefined) {
      sets.push("ExpireTime = ?");
      params.push(formatIndexDate(extra.expireTime));
    }
    this.#write(
      `UPDATE PickerSessions SET ${sets.join(", ")} WHERE Id = ?`,
      ...params,
      id,
    );
  }

  get(id: string): PickerSessionRecord | undefined {
    const row = this.#db.prepare(
      `SELECT ${SELECT} FROM PickerSessions WHERE Id = ?`,
    ).get(id) as Row | undefined;
    return row === undefined ? undefined : toRecord(row);
  }

  /** Sessions not done or abandoned, newest first. */
  unfinished(): PickerSessionRecord[] {
    return (this.#db.prepare(
      `SELECT ${SELECT} FROM PickerSessions
       WHERE State IN ('waiting', 'picked')
       ORDER BY CreateTime DESC, rowid DESC`,
    ).all() as Row[]).map(toRecord);
  }

  /** The session `pick --resume` finishes: the newest unfinished one. */
  lastUnfinished(): PickerSessionRecord | undefined {
    return this.unfinished()[0];
  }

  #write(sql: string, ...params: SQLInputValue[]): void {
    try {
      this.#db.prepare(sql).run(...params);
    } catch (error) {
      throw diskErrorOr(
        error,
        `write the picker session to the index ${this.#data.file}`,
      );
    }
  }
}

function toRecord(row: Row): PickerSessionRecord {
  const state = text(row.State) as PickerSessionState;
  return {
    id: text(row.Id) ?? "",
    pickerUri: text(row.PickerUri) ?? "",
    createTime: parseIndexDate(row.CreateTime) ?? new Date(0),
    expireTime: parseIndexDate(row.ExpireTime),
    // A state this version does not know is treated as finished: never resumed.
    state: STATES.includes(state) ? state : "done",
    albumName: text(row.AlbumName) ?? undefined,
    maxItems: integer(row.MaxItems),
    itemCount: integer(row.ItemCount),
    updateTime: parseIndexDate(row.UpdateTime),
  };
}
