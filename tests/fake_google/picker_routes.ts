// The Picker API v1 (photospicker.googleapis.com) under a path prefix of the
// fake server, as the spec describes it: sessions create / get / delete and
// mediaItems.list. Its paths would clash with the Library API's
// (GET /v1/mediaItems), so it lives under /picker and the program is pointed
// at `<url>/picker` through GPHOTOS_PICKER_API. Picked items' baseUrls need
// `Authorization: Bearer`, as Google's do.

import { bearerToken } from "./access.ts";
import {
  googleError,
  HttpFailure,
  INSUFFICIENT_SCOPES,
  invalidArgument,
  json,
} from "./google_errors.ts";
import type { FakeItem } from "./library_state.ts";
import { SCOPES } from "./oauth_state.ts";
import { effectivePageSize } from "./paging.ts";
import {
  type FakePicker,
  type FakePickerSession,
  PICKER_MAX_ITEMS,
} from "./picker_state.ts";
import type { Route } from "./router.ts";
import type { ServerDeps } from "./settings.ts";

export const PICKER_PREFIX = "/picker";

const MEDIA_PAGE = { def: 50, max: 100 };

/** Query parameters every Google API accepts besides the method's own. */
const SYSTEM_PARAMS = ["$.xgafv", "alt", "callback", "fields", "key"];

export function pickerRoutes(
  deps: ServerDeps,
  picker: FakePicker,
  prefix = PICKER_PREFIX,
): Route[] {
  const base = prefix.replace(/\/+$/, "");
  const esc = base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

  /** Authenticates with the Picker scope; HttpFailure becomes its answer. */
  const guarded = (
    body: (
      req: Request,
      url: URL,
      match: RegExpExecArray,
      signal: AbortSignal,
    ) => Response | Promise<Response>,
  ): Route["handle"] =>
  async (req, ctx) => {
    const token = bearerToken(req, deps.oauth);
    if (token instanceof Response) return token;
    if (!token.scopes.includes(SCOPES.picker)) {
      return googleError(403, INSUFFICIENT_SCOPES, {
        "www-authenticate":
          'Bearer realm="https://accounts.google.com/", error="insufficient_scope", scope="' +
          SCOPES.picker + '"',
      });
    }
    try {
      return await body(req, ctx.url, ctx.match, ctx.signal);
    } catch (e) {
      if (e instanceof HttpFailure) return e.toResponse();
      throw e;
    }
  };

  /** The session the path or query names, or the error Google answers. */
  const session = (id: string): FakePickerSession => {
    const found = picker.lookup(id);
    if (found.kind === "unknown") {
      throw new HttpFailure(404, "Requested entity was not found.");
    }
    if (found.kind === "expired") {
      throw new HttpFailure(
        403,
        "The caller does not have permission to access this session: it has expired.",
      );
    }
    return found.session;
  };

  const create: Route = {
    method: "POST",
    pattern: new RegExp(`^${esc}/v1/sessions$`),
    requestClass: "pickerCreate",
    handle: guarded(async (req, url) => {
      params(url, []);
      const max = maxItemCount(await req.text());
      const s = picker.create(max);
      if (s === undefined) {
        return googleError(
          429,
          "The user has too many open picking sessions. Delete sessions that are no longer needed, or wait for them to expire.",
          undefined,
          "RESOURCE_EXHAUSTED",
        );
      }
      return json(sessionJson(s, deps.now()));
    }),
  };

  const get: Route = {
    method: "GET",
    pattern: new RegExp(`^${esc}/v1/sessions/([^/]+)$`),
    requestClass: "pickerGet",
    handle: guarded((_req, url, match) => {
      params(url, []);
      const s = session(decodeURIComponent(match[1]));
      picker.poll(s);
      return json(sessionJson(s, deps.now()));
    }),
  };

  const remove: Route = {
    method: "DELETE",
    pattern: new RegExp(`^${esc}/v1/sessions/([^/]+)$`),
    requestClass: "pickerDelete",
    handle: guarded(async (_req, url, match, signal) => {
      params(url, []);
      const id = decodeURIComponent(match[1]);
      if (!picker.delete(id)) {
        throw new HttpFailure(404, "Requested entity was not found.");
      }
      await picker.onDelete?.(id, signal);
      return json({});
    }),
  };

  const list: Route = {
    method: "GET",
    pattern: new RegExp(`^${esc}/v1/mediaItems$`),
    requestClass: "pickerList",
    handle: guarded((_req, url) => {
      const p = params(url, ["sessionId", "pageSize", "pageToken"]);
      if (p.sessionId === undefined || p.sessionId === "") {
        throw invalidArgument("sessionId is required.");
      }
      const s = session(p.sessionId);
      s.lists++;
      if (s.picked === undefined) {
        return googleError(
          400,
          "The user has not finished picking media items in this session yet.",
          undefined,
          "FAILED_PRECONDITION",
        );
      }
      const size = effectivePageSize(
        p.pageSize,
        MEDIA_PAGE.def,
        MEDIA_PAGE.max,
      );
      const page = deps.pager.page(
        picker.pickedItems(s),
        `picker|${s.id}`,
        size,
        p.pageToken,
      );
      const body: Record<string, unknown> = {
        mediaItems: page.items.map((it) =>
          pickedItemJson(it, deps, picker.baseUrlOrigin)
        ),
      };
      if (page.nextPageToken !== undefined) {
        body.nextPageToken = page.nextPageToken;
      }
      return json(body);
    }),
  };

  return [create, get, remove, list];
}

/** Google's Duration in JSON: seconds with a trailing "s", e.g. "3.5s". */
export function durationJson(ms: number): string {
  return `${Number((Math.max(0, ms) / 1000).toFixed(3))}s`;
}

function sessionJson(
  s: FakePickerSession,
  now: number,
): Record<string, unknown> {
  const set = s.picked !== undefined;
  const out: Record<string, unknown> = {
    id: s.id,
    pickerUri: s.pickerUri,
  };
  // pollingConfig is only given while the items are not set yet.
  if (!set) {
    out.pollingConfig = {
      pollInterval: durationJson(s.pollIntervalMs),
      timeoutIn: durationJson(Math.min(s.pickDeadlineMs, s.expireAtMs) - now),
    };
  }
  out.expireTime = new Date(s.expireAtMs).toISOString();
  out.pickingConfig = { maxItemCount: String(s.maxItemCount) };
  out.mediaItemsSet = set;
  return out;
}

export function pickedItemJson(
  item: FakeItem,
  deps: Pick<ServerDeps, "library" | "mediaUrls">,
  /** Serves the baseUrl from this origin instead (a hostile listing). */
  baseUrlOrigin?: string,
): Record<string, unknown> {
  const c = item.camera;
  const meta: Record<string, unknown> = {
    width: item.width,
    height: item.height,
  };
  if (c.make !== undefined) meta.cameraMake = c.make;
  if (c.model !== undefined) meta.cameraModel = c.model;
  if (item.kind === "photo") {
    meta.photoMetadata = prune({
      focalLength: c.focalLength,
      apertureFNumber: c.apertureFNumber,
      isoEquivalent: c.isoEquivalent,
      exposureTime: c.exposureTime,
    });
  } else {
    meta.videoMetadata = prune({
      fps: item.fps,
      processingStatus: item.videoStatus,
    });
  }
  return {
    id: item.id,
    createTime: deps.library.creationTime(item),
    type: item.kind === "photo" ? "PHOTO" : "VIDEO",
    mediaFile: {
      baseUrl: baseUrlOrigin === undefined
        ? deps.mediaUrls.itemUrl(item.id, { requireBearer: true })
        : baseUrlOrigin +
          new URL(deps.mediaUrls.itemUrl(item.id, { requireBearer: true }))
            .pathname,
      mimeType: item.mimeType,
      filename: item.filename,
      mediaFileMetadata: meta,
    },
  };
}

/** sessions.create's body: `{}` or `{"pickingConfig": {"maxItemCount": "N"}}`. */
function maxItemCount(text: string): number {
  if (text.trim() === "") return PICKER_MAX_ITEMS;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw invalidArgument("Invalid JSON payload received. Unexpected token.");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalidArgument("Invalid JSON payload received. Expected an object.");
  }
  const config = (body as Record<string, unknown>).pickingConfig;
  if (config === undefined) return PICKER_MAX_ITEMS;
  if (typeof config !== "object" || config === null) {
    throw invalidArgument("Invalid value at 'picking_config'.");
  }
  const raw = (config as Record<string, unknown>).maxItemCount;
  if (raw === undefined) return PICKER_MAX_ITEMS;
  const n = typeof raw === "string" && /^\d+$/.test(raw)
    ? Number(raw)
    : typeof raw === "number" && Number.isInteger(raw)
    ? raw
    : NaN;
  if (!Number.isFinite(n)) {
    throw invalidArgument(
      `Invalid value at 'picking_config.max_item_count' (TYPE_INT64), ${
        JSON.stringify(raw)
      }`,
    );
  }
  if (n < 1 || n > PICKER_MAX_ITEMS) {
    throw invalidArgument(
      `picking_config.max_item_count must be between 1 and ${PICKER_MAX_ITEMS}.`,
    );
  }
  return n;
}

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

function prune<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}
