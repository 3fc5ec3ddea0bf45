// A date-filtered mediaItems.search read by several streams at once. Paging
// is sequential by nature (each page carries the next one's token), so a
// long search is cut into disjoint day ranges that are paged side by side.
//
// Only a search that already has one date range is cut: items without a
// capture date are never matched by a date filter, so cutting a search (or
// a list) that has none would lose them. Cutting costs requests: each
// range ends on a part-filled page, and the first page, which tells how
// large the search is, is asked for again by the range holding it. So a
// search is cut only when that first page says it is long enough for the
// extra requests to stay a few percent of the whole, and into no more
// ranges than that allows.
//
// The ranges cover exactly the days of the original range, whatever day
// Google counts a capture in: correctness does not depend on where the
// cuts fall, only the balance between the streams does. Cuts fall at equal
// times between the oldest plausible date and the newest item the first
// page shows (the search answers newest first).

import type {
  Date as ApiDate,
  MediaItem,
  Page,
  SearchMediaItemsRequest,
} from "../google/api_types.ts";
import type { LibraryClient } from "../google/library.ts";

/** Pages a range is expected to hold, at least, per range it is cut into. */
export const PAGES_PER_RANGE = 25;

/** Below this, a range's first cut is made (digital photos are younger). */
const FLOOR = Date.UTC(1990, 0, 1);
const DAY_MS = 86_400_000;

export interface ShardOptions {
  /** Streams at most. */
  concurrency: number;
  signal?: AbortSignal;
  /** Told how the search was cut (ranges, for the log). */
  onPlan?: (ranges: readonly DayRange[]) => void;
}

/** Inclusive UTC days, as epoch day numbers. */
export interface DayRange {
  start: number;
  end: number;
}

function dayNumber(d: ApiDate): number {
  return Math.floor(Date.UTC(d.year, d.month - 1, d.day) / DAY_MS);
}

function apiDay(day: number): ApiDate {
  const t = new Date(day * DAY_MS);
  return {
    year: t.getUTCFullYear(),
    month: t.getUTCMonth() + 1,
    day: t.getUTCDate(),
  };
}

/** The one full-date range of `request`, or undefined when it cannot be cut. */
function cuttableRange(request: SearchMediaItemsRequest): DayRange | undefined {
  const f = request.filters?.dateFilter;
  if (!f || (f.dates?.length ?? 0) > 0 || f.ranges?.length !== 1) return;
  const { startDate, endDate } = f.ranges[0];
  for (const d of [startDate, endDate]) {
    if (!d.year || !d.month || !d.day) return; // year-less or partial dates
  }
  const range = { start: dayNumber(startDate), end: dayNumber(endDate) };
  return range.end > range.start ? range : undefined;
}

/**
 * `count` ranges covering `range` exactly, in order, the cuts at equal
 * times between max(range start, 1990) and `newest` (a day number).
 */
export function cutRange(
  range: DayRange,
  count: number,
  newest: number,
): DayRange[] {
  const lo = Math.max(range.start, Math.floor(FLOOR / DAY_MS));
  const hi = Math.min(Math.max(newest, lo + count), range.end);
  const cuts: number[] = [];
  for (let i = 1; i < count; i++) {
    const cut = lo + Math.floor(((hi - lo) * i) / count);
    const prev = cuts.at(-1) ?? range.start;
    if (cut > prev && cut < range.end) cuts.push(cut);
  }
  const ranges: DayRange[] = [];
  let start = range.start;
  for (const cut of cuts) {
    ranges.push({ start, end: cut });
    start = cut + 1;
  }
  ranges.push({ start, end: range.end });
  return ranges;
}

/**
 * How many ranges a search whose first full page spans `span` ms (newest
 * to oldest item) over the days `range` should be cut into.
 */
export function rangeCount(
  range: DayRange,
  firstPage: readonly MediaItem[],
  concurrency: number,
): number {
  const times = firstPage
    .map((i) => Date.parse(i.mediaMetadata?.creationTime ?? ""))
    .filter((t) => Number.isFinite(t));
  if (times.length === 0) return 1;
  const newest = Math.max(...times);
  const oldest = Math.min(...times);
  const lo = Math.max(range.start * DAY_MS, FLOOR);
  const span = Math.max(newest - oldest, 1);
  // Pages left if the items were as dense before as in the first page.
  const pages = Math.max(newest - lo, 0) / span;
  return Math.max(
    1,
    Math.min(concurrency, Math.floor(pages / PAGES_PER_RANGE)),
  );
}

/**
 * The pages of `request`, as `library.searchMediaItems` gives them, but
 * read by up to `options.concurrency` streams when the search is long and
 * has one date range. Every item is given once; pages come in the order
 * they arrive.
 */
export async function* shardedSearch(
  library: LibraryClient,
  request: SearchMediaItemsRequest,
  options: ShardOptions,
): AsyncGenerator<Page<MediaItem>> {
  const range = cuttableRange(request);
  if (!range || options.concurrency < 2) {
    yield* library.searchMediaItems(request, { signal: options.signal });
    return;
  }
  // The first page decides; the next is asked for ahead only if the
  // search stays whole (else that request would be wasted).
  let count = 1;
  const whole = library.searchMediaItems(request, {
    signal: options.signal,
    lookAhead: (page) => {
      count = rangeCount(range, page.items, options.concurrency);
      return count < 2;
    },
  });
  const it = whole[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  if (first.value.nextPageToken === undefined || count < 2) {
    yield first.value;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
    return;
  }
  await it.return?.(undefined);
  const newest = Math.max(
    ...first.value.items.map((i) =>
      Math.floor(Date.parse(i.mediaMetadata?.creationTime ?? "") / DAY_MS)
    ).filter((d) => Number.isFinite(d)),
  );
  const ranges = cutRange(range, count, newest);
  options.onPlan?.(ranges);
  // Stopping early (or a failure) cancels what the other streams asked for.
  const stop = new AbortController();
  const signal = options.signal
    ? AbortSignal.any([options.signal, stop.signal])
    : stop.signal;
  const streams = ranges.map((r) =>
    library.searchMediaItems({
      ...request,
      filters: {
        ...request.filters,
        dateFilter: {
          ranges: [{ startDate: apiDay(r.start), endDate: apiDay(r.end) }],
        },
      },
    }, { signal })[Symbol.asyncIterator]()
  );
  try {
    yield* merge(streams);
  } finally {
    stop.abort();
  }
}

/** Pages of every stream, each as soon as it arrives. */
async function* merge<T>(
  streams: AsyncIterator<T>[],
): AsyncGenerator<T> {
  const next = new Map<number, Promise<{ i: number; r: IteratorResult<T> }>>();
  const ask = (i: number) =>
    next.set(i, streams[i].next().then((r) => ({ i, r })));
  streams.forEach((_, i) => ask(i));
  try {
    while (next.size > 0) {
      const { i, r } = await Promise.race(next.values());
      if (r.done) {
        next.delete(i);
        continue;
      }
      ask(i);
      yield r.value;
    }
  } finally {
    // Stopped early or failed: what the other streams still wait for is
    // cancelled by the caller; it must not go unhandled meanwhile.
    for (const [i, pending] of next) {
      pending.catch(() => {});
      streams[i].return?.(undefined)?.catch(() => {});
    }
  }
}
