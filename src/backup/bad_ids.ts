// gphotos.bad_ids.yaml: items that failed to download for good, in
// gphotos-sync's format (id -> {path, product_url}). Items listed are skipped
// on later runs; deleting the file retries them.
//
// The YAML library is loaded only when there is such a file to read or
// write: it brings Node's compatibility layer with it, about 6 MB that a run
// with nothing failed never needs.

import { fixedFile } from "../fs/confine.ts";
import type { Logger } from "../log.ts";

export const BAD_IDS_FILE = "gphotos.bad_ids.yaml";

export interface BadIdEntry {
  path: string;
  product_url: string;
}

export class BadIds {
  readonly file: string;
  #items = new Map<string, BadIdEntry>();
  #added = 0;
  #skipped = 0;

  private constructor(file: string) {
    this.file = file;
  }

  /** Loads the file in ROOT; a missing or unreadable one is an empty list. */
  static async load(root: string, logger: Logger): Promise<BadIds> {
    const bad = new BadIds(fixedFile(root, BAD_IDS_FILE));
    fixedFile(root, `${BAD_IDS_FILE}.tmp`);
    let text: string;
    try {
      text = Deno.readTextFileSync(bad.file);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) {
        logger.warn(`Cannot read ${bad.file}: ${(e as Error).message}`);
      }
      return bad;
    }
    try {
      const { parse } = await import("yaml");
      const data = parse(text) as unknown;
      if (data && typeof data === "object" && !Array.isArray(data)) {
        for (const [id, v] of Object.entries(data)) {
          const entry = (v ?? {}) as Record<string, unknown>;
          bad.#items.set(String(id), {
            path: String(entry.path ?? ""),
            product_url: String(entry.product_url ?? ""),
          });
        }
      }
    } catch (e) {
      logger.warn(
        `${bad.file} is not valid YAML (${
          (e as Error).message.split("\n")[0]
        }); treating the bad-ids list as empty.`,
      );
    }
    return bad;
  }

  /** True when the item should be tried; counts the ones skipped. */
  checkOk(id: string): boolean {
    if (!this.#items.has(id)) return true;
    this.#skipped++;
    return false;
  }

  has(id: string): boolean {
    return this.#items.has(id);
  }

  add(id: string, entry: BadIdEntry): void {
    if (!this.#items.has(id)) this.#added++;
    this.#items.set(id, entry);
  }

  get added(): number {
    return this.#added;
  }

  get skipped(): number {
    return this.#skipped;
  }

  get size(): number {
    return this.#items.size;
  }

  entries(): [string, BadIdEntry][] {
    return [...this.#items];
  }

  /** Writes the file (atomically) when anything was added. */
  async store(): Promise<void> {
    if (this.#added === 0) return;
    const { stringify } = await import("yaml");
    const tmp = `${this.file}.tmp`;
    Deno.writeTextFileSync(tmp, stringify(Object.fromEntries(this.#items)));
    Deno.renameSync(tmp, this.file);
  }
}
