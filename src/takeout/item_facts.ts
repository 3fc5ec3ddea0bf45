// What an import keeps of each item sidecar, stored by column. A library
// has as many sidecars as items (100,000 and more), and a parsed sidecar as
// an object (two Dates, a position object, an empty people list) costs
// several hundred bytes; here it costs about 70 bytes plus its URL. Only the
// fields the import uses are kept: the title (until names are matched),
// caption, capture and upload times, position, people, URL and the three
// flags.

import { F64Column, I32Column } from "../archive/columns.ts";
import type { GeoPoint, ItemMetadata } from "./metadata.ts";
import { TextPool } from "../archive/text_pool.ts";

/** The part of a sidecar the import uses. */
export type ItemFacts = Pick<
  ItemMetadata,
  | "title"
  | "description"
  | "photoTakenTime"
  | "creationTime"
  | "geo"
  | "people"
  | "url"
  | "favorited"
  | "archived"
  | "trashed"
>;

/** The start of every photo URL Google writes, kept once. */
const PHOTO_URL = "https://photos.google.com/photo/";

/** A URL as kept: a mark, then the id alone for Google's usual form. */
function packUrl(url: string): string {
  return url.startsWith(PHOTO_URL)
    ? `1${url.slice(PHOTO_URL.length)}`
    : `0${url}`;
}

function unpackUrl(kept: string): string {
  return kept[0] === "1" ? PHOTO_URL + kept.slice(1) : kept.slice(1);
}

/**
 * Characters of descriptions and people's names kept for all items of one
 * import. Texts are capped per field (src/takeout/metadata.ts), but a
 * crafted export of tens of thousands of sidecars of maximal texts would
 * still fill memory; past this budget an item keeps a note instead of its
 * texts, so its XMP says what was left out.
 */
export const TEXT_BUDGET_CHARS = 16 * 1024 * 1024;
export const OVER_BUDGET_NOTE =
  "[description and people left out: this export's sidecars hold more " +
  "text than gphotos-sync keeps in memory]";

const FAVORITED = 1;
const ARCHIVED = 2;
const TRASHED = 4;

export class FactsTable {
  /** Texts by id (-1: none). Titles serve matching only: see forgetTitles(). */
  #titles: TextPool | undefined = new TextPool();
  #urls = new TextPool();
  #title: I32Column;
  #url: I32Column;
  /** By row, for the few sidecars that have them. */
  #description = new Map<number, string>();
  #people = new Map<number, readonly string[]>();
  #textLeft = TEXT_BUDGET_CHARS;
  /** Epoch milliseconds, NaN when absent. */
  #taken: F64Column;
  #created: F64Column;
  /** NaN latitude: no position; NaN altitude: none given. */
  #latitude: F64Column;
  #longitude: F64Column;
  #altitude: F64Column;
  #flags: I32Column;

  constructor() {
    this.#title = new I32Column();
    this.#url = new I32Column();
    this.#taken = new F64Column();
    this.#created = new F64Column();
    this.#latitude = new F64Column();
    this.#longitude = new F64Column();
    this.#altitude = new F64Column();
    this.#flags = new I32Column();
  }

  get size(): number {
    return this.#flags.length;
  }

  /** Keeps a sidecar's facts; returns its row. */
  add(meta: ItemFacts): number {
    this.#title.push(
      meta.title === undefined || this.#titles === undefined
        ? -1
        : this.#titles.add(meta.title),
    );
    const row = this.#flags.length;
    let chars = meta.description?.length ?? 0;
    for (const p of meta.people) chars += p.length;
    const fits = chars <= this.#textLeft;
    if (fits) this.#textLeft -= chars;
    else this.#description.set(row, OVER_BUDGET_NOTE);
    if (fits && meta.description !== undefined) {
      this.#description.set(row, meta.description);
    }
    this.#url.push(
      meta.url === undefined ? -1 : this.#urls.add(packUrl(meta.url)),
    );
    if (fits && meta.people.length > 0) this.#people.set(row, [...meta.people]);
    this.#taken.push(meta.photoTakenTime?.getTime() ?? NaN);
    this.#created.push(meta.creationTime?.getTime() ?? NaN);
    this.#latitude.push(meta.geo?.latitude ?? NaN);
    this.#longitude.push(meta.geo?.longitude ?? NaN);
    this.#altitude.push(meta.geo?.altitude ?? NaN);
    this.#flags.push(
      (meta.favorited ? FAVORITED : 0) | (meta.archived ? ARCHIVED : 0) |
        (meta.trashed ? TRASHED : 0),
    );
    return this.#flags.length - 1;
  }

  title(row: number): string | undefined {
    const id = this.#title.get(row);
    return id < 0 || this.#titles === undefined
      ? undefined
      : this.#titles.get(id);
  }

  url(row: number): string | undefined {
    const id = this.#url.get(row);
    return id < 0 ? undefined : unpackUrl(this.#urls.get(id));
  }

  /** Drops the titles: they serve to match names, which is done. */
  forgetTitles(): void {
    this.#titles?.free();
    this.#titles = undefined;
  }

  /** Capture time in epoch milliseconds, NaN when the sidecar has none. */
  takenMs(row: number): number {
    return this.#taken.get(row);
  }

  trashed(row: number): boolean {
    return (this.#flags.get(row) & TRASHED) !== 0;
  }

  archived(row: number): boolean {
    return (this.#flags.get(row) & ARCHIVED) !== 0;
  }

  /** The facts of a row as an object (new Dates each time). */
  get(row: number): ItemFacts {
    const people = this.#people.get(row);
    const facts: ItemFacts = {
      people: people === undefined ? [] : [...people],
    };
    const title = this.title(row);
    if (title !== undefined) facts.title = title;
    const description = this.#description.get(row);
    if (description !== undefined) facts.description = description;
    const taken = this.#taken.get(row);
    if (!Number.isNaN(taken)) facts.photoTakenTime = new Date(taken);
    const created = this.#created.get(row);
    if (!Number.isNaN(created)) facts.creationTime = new Date(created);
    const latitude = this.#latitude.get(row);
    if (!Number.isNaN(latitude)) {
      const geo: GeoPoint = { latitude, longitude: this.#longitude.get(row) };
      const altitude = this.#altitude.get(row);
      if (!Number.isNaN(altitude)) geo.altitude = altitude;
      facts.geo = geo;
    }
    const url = this.url(row);
    if (url !== undefined) facts.url = url;
    const flags = this.#flags.get(row);
    if (flags & FAVORITED) facts.favorited = true;
    if (flags & ARCHIVED) facts.archived = true;
    if (flags & TRASHED) facts.trashed = true;
    return facts;
  }
}
