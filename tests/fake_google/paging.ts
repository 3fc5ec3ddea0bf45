// Paged listings: page sizes with Google's defaults and caps, opaque page
// tokens bound to the query they continue, and the observed quirk of pages
// that hold zero items yet carry a nextPageToken (gphotos-sync #112), even
// the very token they were asked with.

import { invalidArgument } from "./google_errors.ts";
import { sha256Base64url, type Signer } from "./opaque_ids.ts";

/** Which pages come back empty (but with a nextPageToken). Page numbers
 * count from 1 within one listing; an empty page never loses an item, the
 * next page starts where it would have. */
export interface EmptyPagesOptions {
  /** Every Nth page of a listing is empty. */
  every?: number;
  /** These page numbers are empty. */
  at?: number[];
  /**
   * An empty page asked for with a token first answers with that same
   * token, this many times (the client must ask again), before it gives the
   * token of the page after it. Per token; the first page has none to echo.
   */
  echo?: number;
}

interface TokenPayload {
  /** Fingerprint of the query this token continues. */
  q: string;
  /** Offset of the next item. */
  o: number;
  /** Number of the page this token fetches. */
  p: number;
}

export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

/** pageSize as Google treats it: absent or 0 = default, larger = capped,
 * negative or not a number = 400. */
export function effectivePageSize(
  raw: string | number | null | undefined,
  def: number,
  max: number,
): number {
  if (raw === null || raw === undefined || raw === "") return def;
  const n = typeof raw === "number"
    ? raw
    : /^-?\d+$/.test(raw)
    ? Number(raw)
    : NaN;
  if (!Number.isInteger(n)) {
    throw invalidArgument(
      `Invalid value at 'page_size' (TYPE_INT32), "${raw}"`,
    );
  }
  if (n < 0) throw invalidArgument("Invalid page size: must be non-negative.");
  if (n === 0) return def;
  return Math.min(n, max);
}

export class Pager {
  readonly #signer: Signer;
  readonly #emptyPages: () => EmptyPagesOptions;
  /** Times each token was answered with itself. */
  readonly #echoed = new Map<string, number>();

  readonly #maxItems: () => number | undefined;

  /** `maxItems`: the most items a page holds, whatever pageSize asks. */
  constructor(
    signer: Signer,
    emptyPages: () => EmptyPagesOptions,
    maxItems: () => number | undefined = () => undefined,
  ) {
    this.#signer = signer;
    this.#emptyPages = emptyPages;
    this.#maxItems = maxItems;
  }

  /**
   * One page of `all`. `query` identifies the listing (method and filters,
   * not page size or token): a token only continues the listing it came from.
   */
  page<T>(
    all: readonly T[],
    query: string,
    size: number,
    token: string | undefined,
  ): Page<T> {
    const q = sha256Base64url(query).slice(0, 16);
    let offset = 0;
    let pageNo = 1;
    if (token !== undefined) {
      const p = this.#signer.open(token) as Partial<TokenPayload> | undefined;
      if (
        p === undefined || p.q !== q || typeof p.o !== "number" ||
        typeof p.p !== "number"
      ) {
        throw invalidArgument("Invalid page token.");
      }
      offset = p.o;
      pageNo = p.p;
    }
    const start = Math.min(offset, all.length);
    const empty = this.#isEmptyPage(pageNo) && start < all.length;
    if (empty && token !== undefined) {
      const echoed = this.#echoed.get(token) ?? 0;
      if (echoed < (this.#emptyPages().echo ?? 0)) {
        this.#echoed.set(token, echoed + 1);
        return { items: [], nextPageToken: token };
      }
    }
    const most = Math.min(size, this.#maxItems() ?? size);
    const end = empty ? start : Math.min(start + most, all.length);
    const page: Page<T> = { items: all.slice(start, end) };
    if (end < all.length) {
      page.nextPageToken = this.#signer.seal(
        { q, o: end, p: pageNo + 1 } satisfies TokenPayload,
      );
    }
    return page;
  }

  #isEmptyPage(pageNo: number): boolean {
    const o = this.#emptyPages();
    return (o.every !== undefined && o.every > 0 && pageNo % o.every === 0) ||
      (o.at?.includes(pageNo) ?? false);
  }
}
