// The Library API v1 under the server's base URL: mediaItems list / search /
// get / batchGet, albums list / get, sharedAlbums list. Paths, limits, error
// answers and JSON shapes follow Google's (see the discovery document).

import { authorize, type Visibility } from "./access.ts";
import { HttpFailure, invalidArgument, json } from "./google_errors.ts";
import { albumJson, mediaItemJson } from "./library_json.ts";
import type { FakeAlbum, FakeItem } from "./library_state.ts";
import { effectivePageSize } from "./paging.ts";
import type { Route } from "./router.ts";
import { itemMatches, parseSearchRequest } from "./search_query.ts";
import type { ServerDeps } from "./settings.ts";

const MEDIA_PAGE = { def: 25, max: 100 };
const ALBUM_PAGE = { def: 20, max: 50 };
const BATCH_GET_MAX = 50;

/** System parameters every Google API accepts besides the method's own. */
const SYSTEM_PARAMS = [
  "$.xgafv",
  "alt",
  "callback",
  "fields",
  "key",
  "prettyPrint",
  "quotaUser",
  "upload_protocol",
  "uploadType",
];

export function libraryRoutes(deps: ServerDeps): Route[] {
  const { library, pager, mediaUrls } = deps;

  /** Runs a handler after authentication; HttpFailure becomes its answer. */
  const guarded = (
    area: "library" | "sharedAlbums",
    body: (
      req: Request,
      url: URL,
      v: Visibility,
      match: RegExpExecArray,
    ) => Response | Promise<Response>,
  ): Route["handle"] =>
  async (req, ctx) => {
    const v = authorize(req, deps.oauth, deps.settings.era, area);
    if (v instanceof Response) return v;
    try {
      return await body(req, ctx.url, v, ctx.match);
    } catch (e) {
      if (e instanceof HttpFailure) return e.toResponse();
      throw e;
    }
  };

  const itemVisible = (it: FakeItem, v: Visibility) =>
    v === "all" || it.appCreated;
  const albumVisible = (a: FakeAlbum, v: Visibility) =>
    v === "all" || a.appCreated;

  // Worked out once per library version and visibility (see searches).
  const listed = new Map<Visibility, { version: number; items: FakeItem[] }>();
  const libraryItems = (v: Visibility) => {
    let cached = listed.get(v);
    if (cached?.version !== library.version) {
      cached = {
        version: library.version,
        items: library.newestFirst().filter((it) =>
          it.inLibrary && !it.archived && itemVisible(it, v)
        ),
      };
      listed.set(v, cached);
    }
    return cached.items;
  };

  const itemsJson = (
    items: readonly FakeItem[],
    albumId?: string,
    withContributor = false,
  ) =>
    items.map((it) =>
      mediaItemJson(it, library, mediaUrls, { albumId, withContributor })
    );

  const listItems: Route = {
    method: "GET",
    pattern: /^\/v1\/mediaItems$/,
    requestClass: "list",
    handle: guarded("library", (_req, url, v) => {
      const p = params(url, ["pageSize", "pageToken"]);
      const size = effectivePageSize(
        p.pageSize,
        MEDIA_PAGE.def,
        MEDIA_PAGE.max,
      );
      const page = pager.page(libraryItems(v), `list|${v}`, size, p.pageToken);
      return json(
        pageBody("mediaItems", itemsJson(page.items), page.nextPageToken),
      );
    }),
  };

  const searches = new Map<string, { version: number; items: FakeItem[] }>();
  const search: Route = {
    method: "POST",
    pattern: /^\/v1\/mediaItems:search$/,
    requestClass: "search",
    handle: guarded("library", async (req, url, v) => {
      params(url, []);
      const text = await req.text();
      let body: unknown = {};
      if (text.trim() !== "") {
        try {
          body = JSON.parse(text);
        } catch {
          throw invalidArgument(
            "Invalid JSON payload received. Unexpected token.",
          );
        }
      }
      const q = parseSearchRequest(body);
      const size = effectivePageSize(
        q.pageSize,
        MEDIA_PAGE.def,
        MEDIA_PAGE.max,
      );
      const fingerprint = JSON.stringify({
        v,
        a: q.albumId,
        f: q.filters,
        o: q.order,
      });
      if (q.albumId !== undefined) {
        const album = library.getAlbum(q.albumId);
        if (album === undefined || !albumVisible(album, v)) {
          throw invalidArgument("Invalid album ID.");
        }
        // Album contents come in album order, archived items included (an
        // album search takes no filters, so nothing could include them).
        const items = album.itemIds.map((id) => library.item(id))
          .filter((it): it is FakeItem =>
            it !== undefined && itemVisible(it, v)
          );
        const page = pager.page(items, fingerprint, size, q.pageToken);
        return json(pageBody(
          "mediaItems",
          itemsJson(page.items, album.id, album.share !== undefined),
          page.nextPageToken,
        ));
      }
      // The matches of a search are worked out once per library version:
      // a search of 20,000 items read page by page by several streams
      // must not cost this server's CPU (shared with the client under
      // test) a filter of the whole library per page.
      let cached = searches.get(fingerprint);
      if (cached?.version !== library.version) {
        const f = q.filters;
        let items = library.newestFirst().filter((it) =>
          it.inLibrary && itemVisible(it, v) &&
          (f === undefined ? !it.archived : itemMatches(it, f))
        );
        if (q.order === "oldest") items = [...items].reverse();
        if (searches.size >= 64) searches.clear();
        cached = { version: library.version, items };
        searches.set(fingerprint, cached);
      }
      const items = cached.items;
      const page = pager.page(items, fingerprint, size, q.pageToken);
      return json(
        pageBody("mediaItems", itemsJson(page.items), page.nextPageToken),
      );
    }),
  };

  const batchGet: Route = {
    method: "GET",
    pattern: /^\/v1\/mediaItems:batchGet$/,
    requestClass: "batchGet",
    handle: guarded("library", (_req, url, v) => {
      params(url, ["mediaItemIds"]);
      const ids = [
        ...url.searchParams.getAll("mediaItemIds"),
        ...url.searchParams.getAll("media_item_ids"),
      ];
      if (ids.length === 0) {
        throw invalidArgument(
          "Request must contain at least one media item ID.",
        );
      }
      if (ids.length > BATCH_GET_MAX) {
        throw invalidArgument(
          `Request must not contain more than ${BATCH_GET_MAX} media item IDs (got ${ids.length}).`,
        );
      }
      if (new Set(ids).size !== ids.length) {
        throw invalidArgument(
          "Request must not contain repeated media item IDs.",
        );
      }
      const results = ids.map((id) => {
        const it = library.item(id);
        return it !== undefined && itemVisible(it, v)
          ? { mediaItem: mediaItemJson(it, library, mediaUrls) }
          : { status: { code: 3, message: "Invalid media item ID." } };
      });
      return json({ mediaItemResults: results });
    }),
  };

  const getItem: Route = {
    method: "GET",
    pattern: /^\/v1\/mediaItems\/([^/:]+)$/,
    requestClass: "get",
    handle: guarded("library", (_req, url, v, match) => {
      params(url, []);
      const it = library.item(decodeURIComponent(match[1]));
      if (it === undefined || !itemVisible(it, v)) {
        throw invalidArgument("Invalid media item ID.");
      }
      return json(mediaItemJson(it, library, mediaUrls));
    }),
  };

  const listAlbums: Route = {
    method: "GET",
    pattern: /^\/v1\/albums$/,
    requestClass: "albums",
    handle: guarded("library", (_req, url, v) => {
      const p = params(url, [
        "pageSize",
        "pageToken",
        "excludeNonAppCreatedData",
      ]);
      const appOnly = v === "appCreated" ||
        boolParam(p.excludeNonAppCreatedData);
      const size = effectivePageSize(
        p.pageSize,
        ALBUM_PAGE.def,
        ALBUM_PAGE.max,
      );
      const albums = library.albums.filter((a) =>
        (a.share === undefined || a.share.inAlbumsTab) &&
        (!appOnly || a.appCreated)
      );
      const page = pager.page(albums, `albums|${appOnly}`, size, p.pageToken);
      return json(pageBody(
        "albums",
        page.items.map((a) => albumJson(a, library, mediaUrls)),
        page.nextPageToken,
      ));
    }),
  };

  const getAlbum: Route = {
    method: "GET",
    pattern: /^\/v1\/albums\/([^/:]+)$/,
    requestClass: "albums",
    handle: guarded("library", (_req, url, v, match) => {
      params(url, []);
      const a = library.getAlbum(decodeURIComponent(match[1]));
      if (a === undefined || !albumVisible(a, v)) {
        throw invalidArgument("Invalid album ID.");
      }
      return json(albumJson(a, library, mediaUrls));
    }),
  };

  const listShared: Route = {
    method: "GET",
    pattern: /^\/v1\/sharedAlbums$/,
    requestClass: "sharedAlbums",
    handle: guarded("sharedAlbums", (_req, url, v) => {
      const p = params(url, [
        "pageSize",
        "pageToken",
        "excludeNonAppCreatedData",
      ]);
      const appOnly = v === "appCreated" ||
        boolParam(p.excludeNonAppCreatedData);
      const size = effectivePageSize(
        p.pageSize,
        ALBUM_PAGE.def,
        ALBUM_PAGE.max,
      );
      const albums = library.albums.filter((a) =>
        a.share !== undefined && (!appOnly || a.appCreated)
      );
      const page = pager.page(albums, `shared|${appOnly}`, size, p.pageToken);
      return json(pageBody(
        "sharedAlbums",
        page.items.map((a) => albumJson(a, library, mediaUrls)),
        page.nextPageToken,
      ));
    }),
  };

  return [
    listItems,
    search,
    batchGet,
    getItem,
    listAlbums,
    getAlbum,
    listShared,
  ];
}

/** Like Google's proto3 JSON, an empty list is left out. */
function pageBody(
  key: string,
  items: unknown[],
  nextPageToken?: string,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (items.length > 0) body[key] = items;
  if (nextPageToken !== undefined) body.nextPageToken = nextPageToken;
  return body;
}

/**
 * The method's query parameters (camelCase, or snake_case as Google also
 * accepts); any other non-system parameter is a 400, as with Google.
 */
function params(
  url: URL,
  allowed: string[],
): Record<string, string | undefined> {
  const snake = (s: string) =>
    s.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
  const out: Record<string, string | undefined> = {};
  for (const name of url.searchParams.keys()) {
    const known = allowed.find((a) => a === name || snake(a) === name);
    if (known !== undefined) {
      out[known] = url.searchParams.get(name) ?? undefined;
    } else if (!SYSTEM_PARAMS.includes(name)) {
      throw invalidArgument(
        `Invalid JSON payload received. Unknown name "${name}": Cannot bind query parameter. Field '${name}' could not be found in request message.`,
      );
    }
  }
  return out;
}

function boolParam(v: string | undefined): boolean {
  if (v === undefined || v === "false") return false;
  if (v === "true") return true;
  throw invalidArgument(`Invalid value "${v}": expected true or false.`);
}
