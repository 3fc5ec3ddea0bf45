// baseUrls, as Google hands them out: `<base>/lr/<opaque>` with no query
// string, so clients append `=d` / `=dv` to the path. The opaque part seals
// the item id and the issue time; it stops working after the lifetime.

import type { Signer } from "./opaque_ids.ts";

interface Sealed {
  /** Item id, or a profile picture key when `k` is "profile". */
  i: string;
  /** Issue time, epoch ms. */
  t: number;
  k?: "profile";
  /** This url needs an Authorization header (Picker API). */
  b?: 1;
}

export interface ParsedMediaUrl {
  kind: "item" | "profile";
  id: string;
  issuedAtMs: number;
  requireBearer: boolean;
  /** What follows the `=` (e.g. "d", "dv", "w100-h100"); "" when none. */
  params: string;
}

export const MEDIA_PREFIX = "/lr/";

export class MediaUrls {
  readonly #base: () => string;
  readonly #signer: Signer;
  readonly #now: () => number;

  constructor(base: () => string, signer: Signer, now: () => number) {
    this.#base = base;
    this.#signer = signer;
    this.#now = now;
  }

  /** A fresh baseUrl for an item, valid from now for the configured time. */
  itemUrl(itemId: string, options: { requireBearer?: boolean } = {}): string {
    const sealed: Sealed = { i: itemId, t: this.#now() };
    if (options.requireBearer) sealed.b = 1;
    return this.#base() + MEDIA_PREFIX + this.#signer.seal(sealed);
  }

  /** profilePictureBaseUrl of a contributor. */
  profileUrl(displayName: string): string {
    const sealed: Sealed = { i: displayName, t: this.#now(), k: "profile" };
    return this.#base() + MEDIA_PREFIX + this.#signer.seal(sealed);
  }

  /** Decodes the path of a media request; null if it is not one we issued. */
  parse(pathname: string): ParsedMediaUrl | null {
    if (!pathname.startsWith(MEDIA_PREFIX)) return null;
    const rest = pathname.slice(MEDIA_PREFIX.length);
    const eq = rest.indexOf("=");
    const opaque = eq < 0 ? rest : rest.slice(0, eq);
    const s = this.#signer.open(opaque) as Partial<Sealed> | undefined;
    if (s === undefined || typeof s.i !== "string" || typeof s.t !== "number") {
      return null;
    }
    return {
      kind: s.k === "profile" ? "profile" : "item",
      id: s.i,
      issuedAtMs: s.t,
      requireBearer: s.b === 1,
      params: eq < 0 ? "" : rest.slice(eq + 1),
    };
  }
}
