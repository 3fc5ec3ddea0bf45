// The Photos Picker API v1 client: create a picking session, poll it, list
// what the user picked page by page, delete it; and the mapping of a picked
// item to the normalized MediaRecord. It rides on the shared HttpClient (one
// retry policy) and turns the Picker's own failures (session gone or
// expired, not picked yet, too many sessions, missing scope) into typed
// errors whose messages say what to do. The base URL is a parameter (the
// caller reads GPHOTOS_PICKER_API).

import { ApiError, QuotaError, ScopeError } from "../errors.ts";
import type { MediaRecord } from "../media/record.ts";
import type { AccessTokenSource, HttpClient } from "./http.ts";
import { JsonReader } from "./json_shape.ts";
import { MISSING_DATE_FALLBACK } from "./library.ts";
import { LOGIN_HINT } from "./oauth.ts";
import {
  parsePickedPage,
  parseSession,
  type PickedMediaItem,
  type PickedPage,
  type PickingSession,
} from "./picker_types.ts";

export type {
  PickedMediaItem,
  PickedPage,
  PickingSession,
} from "./picker_types.ts";
export { parseDuration } from "./picker_types.ts";

export const DEFAULT_PICKER_API = "https://photospicker.googleapis.com";
/** Google's ceiling for the items of one session (third-party apps). */
export const MAX_PICK_ITEMS = 2000;
export const MAX_PICKER_PAGE_SIZE = 100;
/**
 * sessions.create answers 429 when the user has too many open sessions; a
 * couple of retries cover a per-minute quota, more would only wait for a
 * limit that lifts when sessions end.
 */
const CREATE_RETRIES = 2;
const REPEATED_TOKEN = "REPEATED_PAGE_TOKEN";

/** The session was deleted, expired, or never belonged to this account. */
export class PickerSessionGoneError extends ApiError {
  constructor(
    readonly sessionId: string,
    readonly reason: "expired" | "not-found",
    message: string,
    status: number,
    code: string,
  ) {
    super(message, status, code);
  }
}

/** mediaItems.list before the user pressed Done (FAILED_PRECONDITION). */
export class PickerNotReadyError extends ApiError {}

/** sessions.create refused: too many open sessions (RESOURCE_EXHAUSTED). */
export class PickerSessionLimitError extends QuotaError {}

/** The token lacks the Picker scope (consent left it unticked). */
export class PickerScopeError extends ScopeError {}

export interface PickerClientOptions {
  http: HttpClient;
  auth: AccessTokenSource;
  /** Default DEFAULT_PICKER_API. */
  baseUrl?: string;
  timeoutMs?: number;
}

export interface PickerCallOptions {
  signal?: AbortSignal;
}

export class PickerClient {
  readonly baseUrl: string;
  readonly #http: HttpClient;
  readonly #auth: AccessTokenSource;
  readonly #timeoutMs: number | undefined;

  constructor(options: PickerClientOptions) {
    this.#http = options.http;
    this.#auth = options.auth;
    this.baseUrl = (options.baseUrl ?? DEFAULT_PICKER_API).replace(/\/+$/, "");
    this.#timeoutMs = options.timeoutMs;
  }

  /** sessions.create, asking for at most `maxItemCount` items. */
  async createSession(
    maxItemCount: number | undefined,
    options: PickerCallOptions = {},
  ): Promise<PickingSession> {
    const body = maxItemCount === undefined
      ? {}
      : { pickingConfig: { maxItemCount: String(maxItemCount) } };
    const json = await this.#call(
      "sessions.create",
      undefined,
      () =>
        this.#http.json(`${this.baseUrl}/v1/sessions`, {
          method: "POST",
          json: body,
          signal: options.signal,
          auth: this.#auth,
          timeoutMs: this.#timeoutMs,
          label: "sessions.create",
          maxRetries: Math.min(CREATE_RETRIES, this.#http.maxRetries),
        }),
    );
    return parseSession(new JsonReader("sessions.create"), json, "response");
  }

  /** sessions.get: what the poll loop reads. */
  async getSession(
    id: string,
    options: PickerCallOptions = {},
  ): Promise<PickingSession> {
    const json = await this.#call("sessions.get", id, () =>
      this.#http.json(
        `${this.baseUrl}/v1/sessions/${encodeURIComponent(id)}`,
        {
          signal: options.signal,
          auth: this.#auth,
          timeoutMs: this.#timeoutMs,
          label: "sessions.get",
        },
      ));
    return parseSession(new JsonReader("sessions.get"), json, "response");
  }

  /** sessions.delete; a session already gone counts as deleted. */
  async deleteSession(
    id: string,
    options: PickerCallOptions = {},
  ): Promise<void> {
    try {
      await this.#call("sessions.delete", id, () =>
        this.#http.text(
          `${this.baseUrl}/v1/sessions/${encodeURIComponent(id)}`,
          {
            method: "DELETE",
            signal: options.signal,
            auth: this.#auth,
            timeoutMs: this.#timeoutMs,
            label: "sessions.delete",
          },
        ));
    } catch (e) {
      if (e instanceof PickerSessionGoneError) return;
      throw e;
    }
  }

  /** mediaItems.list of a session whose items are set, every page. */
  async *listMediaItems(
    sessionId: string,
    options: PickerCallOptions & { pageSize?: number } = {},
  ): AsyncGenerator<PickedPage> {
    const pageSize = Math.min(
      Math.max(1, Math.floor(options.pageSize ?? MAX_PICKER_PAGE_SIZE)),
      MAX_PICKER_PAGE_SIZE,
    );
    const seen = new Set<string>();
    let token: string | undefined;
    for (;;) {
      const query = new URLSearchParams({
        sessionId,
        pageSize: String(pageSize),
      });
      if (token) query.set("pageToken", token);
      const json = await this.#call(
        "mediaItems.list",
        sessionId,
        () =>
          this.#http.json(`${this.baseUrl}/v1/mediaItems?${query}`, {
            signal: options.signal,
            auth: this.#auth,
            timeoutMs: this.#timeoutMs,
            label: "mediaItems.list",
          }),
      );
      const page = parsePickedPage(new JsonReader("mediaItems.list"), json);
      yield page;
      const next = page.nextPageToken;
      if (next === undefined) return;
      if (seen.has(next)) {
        throw new ApiError(
          "Google sent the same page token twice while listing the picked " +
            "items; stopped so the listing does not go round forever. Run " +
            "`gphotos-sync pick --resume ROOT` to try again.",
          200,
          REPEATED_TOKEN,
        );
      }
      seen.add(next);
      token = next;
    }
  }

  /** Every picked item of the session, in the order Google lists them. */
  async listAll(
    sessionId: string,
    options: PickerCallOptions = {},
  ): Promise<PickedMediaItem[]> {
    const out: PickedMediaItem[] = [];
    for await (const page of this.listMediaItems(sessionId, options)) {
      // One by one: a spread of a huge page overflows the call stack.
      for (const item of page.items) out.push(item);
    }
    return out;
  }

  /** Runs a call, turning the Picker's failures into their typed errors. */
  async #call<T>(
    call: string,
    sessionId: string | undefined,
    run: () => Promise<T>,
  ): Promise<T> {
    try {
      return await run();
    } catch (e) {
      throw translate(e, call, sessionId);
    }
  }
}

function translate(
  e: unknown,
  call: string,
  sessionId: string | undefined,
): unknown {
  if (!(e instanceof ApiError)) return e;
  if (e instanceof ScopeError) {
    return new PickerScopeError(
      `Google refused ${call}: the sign-in does not grant the Picker scope ` +
        "(photospicker.mediaitems.readonly). Run `" + LOGIN_HINT + "` and " +
        "leave the Google Photos picker permission ticked on the consent " +
        "page; the token file keeps the scopes already granted.",
      e.status,
      e.code,
      { cause: e },
    );
  }
  if (e instanceof QuotaError && call === "sessions.create") {
    return new PickerSessionLimitError(
      "Google refused a new picker session: this account has too many " +
        `open sessions (${e.code || "RESOURCE_EXHAUSTED"}). A session ends ` +
        "when it is deleted or expires. gphotos-sync deletes its sessions " +
        "when a pick is done; one left by a stopped run stays open until it " +
        "expires: finish it with `gphotos-sync pick --resume ROOT`, or wait " +
        "for it to expire and run again.",
      e.status,
      e.code,
      { cause: e },
    );
  }
  if (sessionId !== undefined && e.status === 404) {
    return new PickerSessionGoneError(
      sessionId,
      "not-found",
      `The picker session ${sessionId} no longer exists at Google (${call} ` +
        "answered NOT_FOUND): it was deleted, or it belongs to another " +
        "account. Run `gphotos-sync pick ROOT` to start a new one.",
      e.status,
      e.code,
    );
  }
  if (
    sessionId !== undefined && e.status === 403 &&
    e.code === "PERMISSION_DENIED"
  ) {
    return new PickerSessionGoneError(
      sessionId,
      "expired",
      `The picker session ${sessionId} has expired (${call} answered ` +
        "PERMISSION_DENIED): Google no longer gives access to it or to the " +
        "items picked in it. Run `gphotos-sync pick ROOT` and pick them again.",
      e.status,
      e.code,
    );
  }
  if (e.code === "FAILED_PRECONDITION" && call === "mediaItems.list") {
    return new PickerNotReadyError(
      `Google has no picked items for session ${sessionId} yet ` +
        "(FAILED_PRECONDITION): the user has not pressed Done in the picker.",
      e.status,
      e.code,
    );
  }
  return e;
}

const RFC3339 =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * The normalized record of a picked item. A picked item has no description,
 * album, location or productUrl. A missing createTime gives gphotos-sync's
 * 1900-01-01, as for Library items.
 */
export function pickedToMediaRecord(item: PickedMediaItem): MediaRecord {
  const file = item.mediaFile ?? {};
  const meta = file.mediaFileMetadata ?? {};
  const mimeType = file.mimeType ?? "";
  const isVideo = item.type === "VIDEO" || mimeType.startsWith("video/") ||
    (item.type !== "PHOTO" && meta.videoMetadata !== undefined);
  const created = item.createTime?.trim();
  const parsed = created && RFC3339.test(created) ? Date.parse(created) : NaN;
  const record: MediaRecord = {
    remoteId: item.id,
    source: "picker",
    filename: file.filename ?? "",
    mimeType,
    description: "",
    createTime: new Date(
      Number.isNaN(parsed) ? Date.parse(MISSING_DATE_FALLBACK) : parsed,
    ),
    isVideo,
  };
  const status = meta.videoMetadata?.processingStatus;
  if (isVideo && status) record.videoStatus = status;
  if (meta.width !== undefined && meta.width > 0) record.width = meta.width;
  if (meta.height !== undefined && meta.height > 0) record.height = meta.height;
  if (meta.cameraMake) record.cameraMake = meta.cameraMake;
  if (meta.cameraModel) record.cameraModel = meta.cameraModel;
  return record;
}
