// The order in which the new items of an export that share a name and a
// month folder are numbered `(2)`, `(3)`: the plan's (see
// TakeoutPlan.duplicateGroups), never the order their files come in.
// src/backup/placement.ts keeps the block of numbers they take.

import type { LocalData } from "../db/local_data.ts";
import type { DuplicateRank } from "../backup/placement.ts";
import type { TakeoutPlan } from "./plan.ts";

export class DuplicateRanks {
  readonly #plan: TakeoutPlan;
  readonly #db: LocalData;
  /**
   * By duplicate group: the place of each of its items not yet stored, how
   * many places, and those taken.
   */
  readonly #ranks = new Map<
    number,
    { of: number; place: Map<number, number>; taken: Set<number> }
  >();

  constructor(plan: TakeoutPlan, db: LocalData) {
    this.#plan = plan;
    this.#db = db;
  }

  /**
   * The place of the item of plan row `row` among the items of this export
   * that share its name and month folder and are not in the backup yet, or
   * undefined when it shares them with none. Items of the same size may be
   * one upload's copies, whose bytes turn out identical: they share a
   * place, which the first to come takes.
   */
  rankOf(row: number): DuplicateRank | undefined {
    const plan = this.#plan;
    const item = plan.itemOf(row);
    const { groupOf, groups } = plan.duplicateGroups();
    const g = groupOf.get(item);
    if (g === undefined) return undefined;
    let ranks = this.#ranks.get(g);
    if (ranks === undefined) {
      ranks = this.#placesOf(groups[g], item);
      this.#ranks.set(g, ranks);
    }
    const rank = ranks.place.get(item);
    if (rank === undefined || ranks.of < 2 || ranks.taken.has(rank)) {
      return undefined;
    }
    const taken = ranks.taken;
    taken.add(rank);
    return { rank, of: ranks.of, free: () => taken.delete(rank) };
  }

  /**
   * A group's places, a place per size. Items an earlier import stored
   * keep their numbers and take none.
   */
  #placesOf(group: readonly number[], item: number) {
    const plan = this.#plan;
    const db = this.#db;
    const key = (i: number) => plan.itemKey(i);
    const absent = group.filter((i) =>
      i === item ||
      (db.getItem(key(i)) ?? db.itemByAlias(key(i))) === undefined
    );
    const sizeOf = (i: number) => plan.size(plan.copies(i)[0]);
    const places = new Map<number, number>();
    const ranks = {
      of: 0,
      place: new Map<number, number>(),
      taken: new Set<number>(),
    };
    for (const i of absent) {
      const size = sizeOf(i);
      let place = places.get(size);
      if (place === undefined) places.set(size, place = ranks.of++);
      ranks.place.set(i, place);
    }
    return ranks;
  }
}
