// How many entries the listings of one import may hold, counted in memory
// rather than per part. A Takeout part of small photos holds more than
// 100,000 entries (each photo has a sidecar), so a count per part either
// cuts real parts or lets a crafted one of millions of tiny entries fill
// memory with its listing. What an entry costs is known well enough: its
// name, kept once in the reader's tables, and a fixed share of the typed
// columns the reader and the plan keep per entry (src/takeout/
// zip_directory.ts, src/takeout/plan.ts). The budget is that cost
// summed over every part of the import; past it, the rest of the part
// being listed is not read, and the part is named as a problem.

/**
 * What an entry costs beyond its name: the reader's columns (about 50
 * bytes), the plan's rows and indexes (a few hundred bytes for a media
 * file; sidecars cost less, as their bytes are parsed and dropped), with
 * room to spare.
 */
export const ENTRY_OVERHEAD_BYTES = 384;

/**
 * The memory the entry tables of one import may take: 1 GiB, about 2.3
 * million entries with names of Takeout's usual length (about 70
 * characters), ten times the entries of a 50 GB part of small photos.
 */
export const ENTRY_BUDGET_BYTES = 1024 * 1024 * 1024;

/** Typical length of a Takeout entry name, for the figure in messages. */
const TYPICAL_NAME = 70;

/** The entries one import may list, shared by the readers of its parts. */
export class EntryBudget {
  readonly bytes: number;
  #left: number;

  constructor(bytes = ENTRY_BUDGET_BYTES) {
    this.bytes = bytes;
    this.#left = bytes;
  }

  /** The cost of an entry of this name, in bytes. */
  static cost(name: string): number {
    return ENTRY_OVERHEAD_BYTES + name.length;
  }

  /** Takes an entry's cost; false (nothing taken) when it does not fit. */
  take(name: string): boolean {
    const cost = EntryBudget.cost(name);
    if (cost > this.#left) return false;
    this.#left -= cost;
    return true;
  }

  /** Gives back what a part took, when its listing is dropped after all. */
  give(bytes: number): void {
    this.#left = Math.min(this.bytes, this.#left + bytes);
  }

  /** The problem text for a part cut short by the budget. */
  exceeded(part: string, firstRead: boolean): string {
    const mib = Math.round(this.bytes / (1024 * 1024));
    const entries = Math.floor(
      this.bytes / (ENTRY_OVERHEAD_BYTES + TYPICAL_NAME),
    );
    return `${part} brings the entries of this import past what one ` +
      `import lists (${mib} MiB of entry tables, about ` +
      `${entries.toLocaleString("en-US")} entries): ${
        firstRead ? "only its first entries were read" : "it is not read"
      }. Check that this is a Takeout part.`;
  }
}
