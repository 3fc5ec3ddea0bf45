// mediaItems.search requests: strict parsing of the JSON body the way Google
// validates it (unknown fields, albumId XOR filters, the Date zero-field
// rules, at most 5 dates and 5 ranges, orderBy only with a dateFilter), and
// the filter predicate applied to items.

import { invalidArgument } from "./google_errors.ts";
import { CONTENT_CATEGORIES, type FakeItem } from "./library_state.ts";

export interface GDate {
  year: number;
  month: number;
  day: number;
}

export interface SearchFilters {
  dates: GDate[];
  ranges: { start: GDate; end: GDate }[];
  hasDateFilter: boolean;
  mediaType: "ALL_MEDIA" | "PHOTO" | "VIDEO";
  favoritesOnly: boolean;
  includedCategories: string[];
  excludedCategories: string[];
  includeArchived: boolean;
  excludeNonAppCreated: boolean;
}

export interface SearchQuery {
  albumId?: string;
  filters?: SearchFilters;
  /** Only with a dateFilter. */
  order: "newest" | "oldest";
  /** Raw requested page size (0 = default). */
  pageSize: number;
  pageToken?: string;
}

type Json = Record<string, unknown>;

/** Parses a SearchMediaItemsRequest; throws HttpFailure(400) as Google would. */
export function parseSearchRequest(body: unknown): SearchQuery {
  const req = object(body, "");
  allowOnly(
    req,
    ["albumId", "pageSize", "pageToken", "orderBy", "filters"],
    "",
  );
  const albumId = optString(req.albumId, "album_id");
  const pageSize = optInt(req.pageSize, "page_size") ?? 0;
  if (pageSize < 0) {
    throw invalidArgument("Invalid page size: must be non-negative.");
  }
  const pageToken = optString(req.pageToken, "page_token");
  const filtersRaw = req.filters ?? undefined;
  if (albumId !== undefined && albumId !== "" && filtersRaw !== undefined) {
    throw invalidArgument(
      "Invalid argument: filters cannot be set in conjunction with an album id.",
    );
  }
  const filters = filtersRaw === undefined
    ? undefined
    : parseFilters(filtersRaw);
  const orderByRaw = optString(req.orderBy, "order_by");
  let order: SearchQuery["order"] = "newest";
  if (orderByRaw !== undefined && orderByRaw !== "") {
    const normalized = orderByRaw.trim().replace(/\s+/g, " ");
    if (normalized === "MediaMetadata.creation_time") order = "oldest";
    else if (normalized === "MediaMetadata.creation_time desc") {
      order = "newest";
    } else throw invalidArgument(`Invalid order_by: "${orderByRaw}".`);
    if (filters === undefined || !filters.hasDateFilter) {
      throw invalidArgument(
        "Invalid argument: order_by is only supported together with a date filter.",
      );
    }
    const raw = filtersRaw as Json;
    for (const other of ["mediaTypeFilter", "featureFilter", "contentFilter"]) {
      if (raw[other] !== undefined && raw[other] !== null) {
        throw invalidArgument(
          `Invalid argument: order_by cannot be used together with ${other}.`,
        );
      }
    }
  }
  return {
    albumId: albumId === "" ? undefined : albumId,
    filters,
    order,
    pageSize,
    pageToken: pageToken === "" ? undefined : pageToken,
  };
}

function parseFilters(raw: unknown): SearchFilters {
  const f = object(raw, "filters");
  allowOnly(f, [
    "dateFilter",
    "mediaTypeFilter",
    "featureFilter",
    "contentFilter",
    "includeArchivedMedia",
    "excludeNonAppCreatedData",
  ], "filters");
  const out: SearchFilters = {
    dates: [],
    ranges: [],
    hasDateFilter: false,
    mediaType: "ALL_MEDIA",
    favoritesOnly: false,
    includedCategories: [],
    excludedCategories: [],
    includeArchived:
      optBool(f.includeArchivedMedia, "include_archived_media") ?? false,
    excludeNonAppCreated:
      optBool(f.excludeNonAppCreatedData, "exclude_non_app_created_data") ??
        false,
  };
  if (f.dateFilter !== undefined && f.dateFilter !== null) {
    const d = object(f.dateFilter, "filters.dateFilter");
    allowOnly(d, ["dates", "ranges"], "filters.date_filter");
    const dates = optArray(d.dates, "dates");
    const ranges = optArray(d.ranges, "ranges");
    if (dates.length > 5) {
      throw invalidArgument("Invalid argument: at most 5 dates are allowed.");
    }
    if (ranges.length > 5) {
      throw invalidArgument(
        "Invalid argument: at most 5 date ranges are allowed.",
      );
    }
    out.dates = dates.map((x, i) => parseDate(x, `dates[${i}]`));
    out.ranges = ranges.map((x, i) => {
      const r = object(x, `ranges[${i}]`);
      allowOnly(
        r,
        ["startDate", "endDate"],
        `filters.date_filter.ranges[${i}]`,
      );
      if (r.startDate === undefined || r.endDate === undefined) {
        throw invalidArgument(
          `Invalid argument: ranges[${i}] needs startDate and endDate.`,
        );
      }
      const start = parseDate(r.startDate, `ranges[${i}].startDate`);
      const end = parseDate(r.endDate, `ranges[${i}].endDate`);
      if (dateFormat(start) !== dateFormat(end)) {
        throw invalidArgument(
          `Invalid argument: ranges[${i}] startDate and endDate must have the same format.`,
        );
      }
      return { start, end };
    });
    out.hasDateFilter = out.dates.length > 0 || out.ranges.length > 0;
  }
  if (f.mediaTypeFilter !== undefined && f.mediaTypeFilter !== null) {
    const m = object(f.mediaTypeFilter, "filters.mediaTypeFilter");
    allowOnly(m, ["mediaTypes"], "filters.media_type_filter");
    const types = optArray(m.mediaTypes, "media_types");
    if (types.length > 1) {
      throw invalidArgument(
        "Invalid argument: only one media type may be given.",
      );
    }
    if (types.length === 1) {
      const t = types[0];
      if (t !== "ALL_MEDIA" && t !== "PHOTO" && t !== "VIDEO") {
        throw invalidArgument(
          `Invalid value at 'filters.media_type_filter.media_types[0]': ${
            JSON.stringify(t)
          }`,
        );
      }
      out.mediaType = t;
    }
  }
  if (f.featureFilter !== undefined && f.featureFilter !== null) {
    const ff = object(f.featureFilter, "filters.featureFilter");
    allowOnly(ff, ["includedFeatures"], "filters.feature_filter");
    const features = optArray(ff.includedFeatures, "included_features");
    for (const [i, x] of features.entries()) {
      if (x !== "NONE" && x !== "FAVORITES") {
        throw invalidArgument(
          `Invalid value at 'filters.feature_filter.included_features[${i}]': ${
            JSON.stringify(x)
          }`,
        );
      }
    }
    // Features are ORed and NONE means "no filter", so NONE anywhere wins.
    out.favoritesOnly = features.length > 0 &&
      features.every((x) => x === "FAVORITES");
  }
  if (f.contentFilter !== undefined && f.contentFilter !== null) {
    const c = object(f.contentFilter, "filters.contentFilter");
    allowOnly(
      c,
      ["includedContentCategories", "excludedContentCategories"],
      "filters.content_filter",
    );
    const inc = categories(
      c.includedContentCategories,
      "included_content_categories",
    );
    const exc = categories(
      c.excludedContentCategories,
      "excluded_content_categories",
    );
    if (inc.some((x) => exc.includes(x))) {
      throw invalidArgument(
        "Invalid argument: a category cannot be both included and excluded.",
      );
    }
    out.includedCategories = inc.filter((x) => x !== "NONE");
    out.excludedCategories = exc.filter((x) => x !== "NONE");
  }
  return out;
}

function categories(raw: unknown, field: string): string[] {
  const list = optArray(raw, field);
  return list.map((x, i) => {
    if (
      typeof x !== "string" ||
      !(CONTENT_CATEGORIES as readonly string[]).includes(x)
    ) {
      throw invalidArgument(
        `Invalid value at 'filters.content_filter.${field}[${i}]': ${
          JSON.stringify(x)
        }`,
      );
    }
    return x;
  });
}

/** The formats the Date message allows: full, year+month, year, month+day. */
type DateFormat = "ymd" | "ym" | "y" | "md";

function dateFormat(d: GDate): DateFormat {
  if (d.year !== 0 && d.month !== 0 && d.day !== 0) return "ymd";
  if (d.year !== 0 && d.month !== 0) return "ym";
  if (d.year !== 0 && d.month === 0 && d.day === 0) return "y";
  return "md";
}

function parseDate(raw: unknown, where: string): GDate {
  const o = object(raw, where);
  allowOnly(o, ["year", "month", "day"], where);
  const year = optInt(o.year, `${where}.year`) ?? 0;
  const month = optInt(o.month, `${where}.month`) ?? 0;
  const day = optInt(o.day, `${where}.day`) ?? 0;
  const bad = (why: string) =>
    invalidArgument(`Invalid date at ${where}: ${why}.`);
  if (year < 0 || year > 9999) throw bad("year must be 0 to 9999");
  if (month < 0 || month > 12) throw bad("month must be 0 to 12");
  if (day < 0 || day > 31) throw bad("day must be 0 to 31");
  if (year === 0 && month === 0 && day === 0) throw bad("all fields are 0");
  if (month === 0 && day !== 0) throw bad("a day needs a month");
  if (year === 0 && day === 0) throw bad("a date without year needs a day");
  if (month !== 0 && day !== 0) {
    // Year 0 is an anniversary: 29 February is allowed then.
    const daysInMonth = new Date(Date.UTC(year === 0 ? 2000 : year, month, 0))
      .getUTCDate();
    if (day > daysInMonth) {
      throw bad(`day ${day} does not exist in month ${month}`);
    }
  }
  return { year, month, day };
}

/** Does the capture time fall on this Date (in UTC)? */
export function dateMatches(d: GDate, t: Date): boolean {
  return key(d, dateFormat(d)) === key(utcDate(t), dateFormat(d));
}

/** Is the capture time within the range, both ends included? */
export function rangeMatches(
  r: { start: GDate; end: GDate },
  t: Date,
): boolean {
  const f = dateFormat(r.start);
  const k = key(utcDate(t), f);
  return key(r.start, f) <= k && k <= key(r.end, f);
}

function utcDate(t: Date): GDate {
  return {
    year: t.getUTCFullYear(),
    month: t.getUTCMonth() + 1,
    day: t.getUTCDate(),
  };
}

function key(d: GDate, f: DateFormat): number {
  switch (f) {
    case "ymd":
      return d.year * 10000 + d.month * 100 + d.day;
    case "ym":
      return d.year * 100 + d.month;
    case "y":
      return d.year;
    case "md":
      return d.month * 100 + d.day;
  }
}

/** The filter predicate (albums are handled by the route, not here). */
export function itemMatches(item: FakeItem, f: SearchFilters): boolean {
  if (!f.includeArchived && item.archived) return false;
  if (f.excludeNonAppCreated && !item.appCreated) return false;
  if (f.mediaType === "PHOTO" && item.kind !== "photo") return false;
  if (f.mediaType === "VIDEO" && item.kind !== "video") return false;
  if (f.favoritesOnly && !item.favorite) return false;
  if (
    f.includedCategories.length > 0 &&
    !f.includedCategories.some((c) => item.categories.includes(c))
  ) {
    return false;
  }
  if (f.excludedCategories.some((c) => item.categories.includes(c))) {
    return false;
  }
  if (f.hasDateFilter) {
    // Items without a capture date never match a date filter; Google does
    // not fall back to the upload time.
    if (item.captureTime === null) return false;
    const t = new Date(item.captureTime);
    if (
      !f.dates.some((d) => dateMatches(d, t)) &&
      !f.ranges.some((r) => rangeMatches(r, t))
    ) {
      return false;
    }
  }
  return true;
}

function object(raw: unknown, where: string): Json {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw invalidArgument(
      `Invalid JSON payload received. Expected an object${
        where ? ` at '${where}'` : ""
      }.`,
    );
  }
  return raw as Json;
}

function allowOnly(o: Json, names: string[], where: string): void {
  for (const k of Object.keys(o)) {
    if (!names.includes(k)) {
      throw invalidArgument(
        `Invalid JSON payload received. Unknown name "${k}"${
          where ? ` at '${where}'` : ""
        }: Cannot find field.`,
      );
    }
  }
}

function optString(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") {
    throw invalidArgument(
      `Invalid value at '${field}' (TYPE_STRING), ${JSON.stringify(v)}`,
    );
  }
  return v;
}

function optInt(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  // proto3 JSON accepts int32 as number or decimal string.
  const n = typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v;
  if (
    typeof n !== "number" || !Number.isInteger(n) || Math.abs(n) > 2 ** 31 - 1
  ) {
    throw invalidArgument(
      `Invalid value at '${field}' (TYPE_INT32), ${JSON.stringify(v)}`,
    );
  }
  return n;
}

function optBool(v: unknown, field: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") {
    throw invalidArgument(
      `Invalid value at '${field}' (TYPE_BOOL), ${JSON.stringify(v)}`,
    );
  }
  return v;
}

function optArray(v: unknown, field: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    throw invalidArgument(`Invalid value at '${field}': expected a list.`);
  }
  return v;
}
