// The fake Google server: Deno.serve on 127.0.0.1 behind the TCP relay,
// routing to the Library API, Picker API (under /picker), media and OAuth
// modules, with fault injection and a request log in front of every route.

import type { Era } from "./access.ts";
import { type Fault, faultResponse, Faults } from "./faults.ts";
import { googleError } from "./google_errors.ts";
import { libraryRoutes } from "./library_routes.ts";
import { FakeLibrary } from "./library_state.ts";
import { mediaRoutes } from "./media_routes.ts";
import { MediaUrls } from "./media_urls.ts";
import { AUTH_PATH, oauthRoutes, TOKEN_PATH } from "./oauth_routes.ts";
import { OAuthState, type TokenGrant } from "./oauth_state.ts";
import { Signer } from "./opaque_ids.ts";
import { type EmptyPagesOptions, Pager } from "./paging.ts";
import { PICKER_PREFIX, pickerRoutes } from "./picker_routes.ts";
import { FakePicker } from "./picker_state.ts";
import { RequestLog } from "./request_log.ts";
import { type Route, Router } from "./router.ts";
import type {
  FakeGoogleSettings,
  MediaSettings,
  ServerDeps,
} from "./settings.ts";
import { TcpFront } from "./tcp_front.ts";
import { aborted, Bandwidth, sleep } from "./throttle.ts";

export interface FakeGoogleOptions {
  /** The user's library; default an empty one (fill it through `.library`). */
  library?: FakeLibrary;
  /** Default "2025" (Google's rules since 31 March 2025). */
  era?: Era;
  /** Server clock, epoch ms (token and baseUrl expiry); default Date.now. */
  now?: () => number;
  /** Seeds tokens, signatures and the fault PRNG; default 1. */
  seed?: number;
  clientId?: string;
  clientSecret?: string;
  /** Lifetime of issued access tokens; default 3599 s, as Google's. */
  accessTokenLifetimeSec?: number;
  /** Lifetime of baseUrls; default 3600 s (60 minutes). */
  baseUrlLifetimeSec?: number;
  media?: Partial<MediaSettings>;
  emptyPages?: EmptyPagesOptions;
  /** The most items a page of any listing holds (see FakeGoogleSettings). */
  maxPageItems?: number;
  /** More routes (e.g. the Picker API), matched after the built-in ones. */
  routes?: (deps: ServerDeps) => Route[];
}

/** Google's "installed app" client secret file. */
export interface ClientSecretJson {
  installed: {
    client_id: string;
    project_id: string;
    auth_uri: string;
    token_uri: string;
    auth_provider_x509_cert_url: string;
    client_secret: string;
    redirect_uris: string[];
  };
}

const DEFAULT_CLIENT_ID =
  "123456789012-fakegphotossynctestclient0000000.apps.googleusercontent.com";
const DEFAULT_CLIENT_SECRET = "GOCSPX-fake-client-secret-for-tests";

export class FakeGoogle implements AsyncDisposable {
  /** Base URL: the Library API root, OAuth and media hosts all live here. */
  readonly url: string;
  readonly library: FakeLibrary;
  readonly faults: Faults;
  readonly requests: RequestLog;
  /** Knobs that may change while the server runs. */
  readonly settings: FakeGoogleSettings;
  /** Consent answer, refresh failures, revocation, token lifetime. */
  readonly oauth: OAuthState;
  /** Picker sessions and the simulated person picking on a phone. */
  readonly picker: FakePicker;
  /** What route modules share (for extra routes added later). */
  readonly deps: ServerDeps;
  readonly #router: Router;
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #front: TcpFront;
  readonly #shutdown: AbortController;
  #closing: Promise<void> | undefined;

  constructor(parts: {
    deps: ServerDeps;
    picker: FakePicker;
    router: Router;
    server: Deno.HttpServer<Deno.NetAddr>;
    front: TcpFront;
    shutdown: AbortController;
    faults: Faults;
    requests: RequestLog;
  }) {
    this.deps = parts.deps;
    this.library = parts.deps.library;
    this.settings = parts.deps.settings;
    this.oauth = parts.deps.oauth;
    this.picker = parts.picker;
    this.faults = parts.faults;
    this.requests = parts.requests;
    this.#router = parts.router;
    this.#server = parts.server;
    this.#front = parts.front;
    this.#shutdown = parts.shutdown;
    this.url = `http://127.0.0.1:${parts.front.port}`;
  }

  /** The Picker API root (what GPHOTOS_PICKER_API names). */
  get pickerUrl(): string {
    return this.url + PICKER_PREFIX;
  }

  get authUri(): string {
    return this.url + AUTH_PATH;
  }

  get tokenUri(): string {
    return this.url + TOKEN_PATH;
  }

  /** TCP connections clients opened so far (keep-alive reuse shows here). */
  get connections(): number {
    return this.#front.connections;
  }

  /** The client_secret.json a user downloads, pointing at this server. */
  clientSecretJson(): ClientSecretJson {
    return {
      installed: {
        client_id: this.oauth.clientId,
        project_id: "fake-gphotos-sync",
        auth_uri: this.authUri,
        token_uri: this.tokenUri,
        auth_provider_x509_cert_url:
          "https://www.googleapis.com/oauth2/v1/certs",
        client_secret: this.oauth.clientSecret,
        redirect_uris: ["http://localhost"],
      },
    };
  }

  /** A token as if the user had signed in (scopes may be short names). */
  issueToken(
    scopes: string | readonly string[],
    options: { expiresInSec?: number } = {},
  ): TokenGrant {
    return this.oauth.issueToken(scopes, options);
  }

  addRoutes(...routes: Route[]): void {
    this.#router.add(...routes);
  }

  /** Stops everything: stalled requests end, connections close. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#shutdown.abort();
      await this.#front.close();
      await this.#server.shutdown();
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Starts the server on 127.0.0.1 (a free port); close it when done. */
export function startFakeGoogle(
  options: FakeGoogleOptions = {},
): Promise<FakeGoogle> {
  // The Promise constructor turns a failure to listen into a rejection.
  return new Promise((resolve) => resolve(build(options)));
}

function build(options: FakeGoogleOptions): FakeGoogle {
  const now = options.now ?? Date.now;
  const seed = options.seed ?? 1;
  const settings: FakeGoogleSettings = {
    era: options.era ?? "2025",
    baseUrlLifetimeSec: options.baseUrlLifetimeSec ?? 3600,
    media: {
      latencyMs: options.media?.latencyMs ?? 0,
      bytesPerSecond: options.media?.bytesPerSecond ?? 0,
      requireBearer: options.media?.requireBearer ?? false,
    },
    emptyPages: options.emptyPages ?? {},
    maxPageItems: options.maxPageItems,
  };
  const signer = new Signer(`fake-google-${seed}`);
  let base = "";
  const deps: ServerDeps = {
    library: options.library ?? new FakeLibrary(),
    oauth: new OAuthState({
      now,
      clientId: options.clientId ?? DEFAULT_CLIENT_ID,
      clientSecret: options.clientSecret ?? DEFAULT_CLIENT_SECRET,
      seed: String(seed),
      accessTokenLifetimeSec: options.accessTokenLifetimeSec ?? 3599,
    }),
    settings,
    mediaUrls: new MediaUrls(() => base, signer, now),
    pager: new Pager(
      signer,
      () => settings.emptyPages,
      () => settings.maxPageItems,
    ),
    signer,
    bandwidth: new Bandwidth(() => settings.media.bytesPerSecond),
    now,
    baseUrl: () => base,
  };
  const picker = new FakePicker({
    library: deps.library,
    now,
    seed: String(seed),
  });
  const router = new Router();
  router.add(
    ...libraryRoutes(deps),
    ...mediaRoutes(deps),
    ...oauthRoutes(deps),
    ...pickerRoutes(deps, picker),
  );
  if (options.routes) router.add(...options.routes(deps));

  const faults = new Faults(seed);
  const requests = new RequestLog();
  const shutdown = new AbortController();
  const retryTraps = new RetryTraps();
  const front = TcpFront.listen();

  const handler = async (
    req: Request,
    info: Deno.ServeHandlerInfo<Deno.NetAddr>,
  ) => {
    const url = new URL(req.url);
    const found = router.find(req.method, url.pathname);
    const requestClass = found?.route.requestClass ?? "unknown";
    const entry = requests.record({
      method: req.method,
      path: url.pathname,
      query: url.search.slice(1),
      requestClass,
      status: 0,
      time: now(),
      hasAuth: req.headers.has("authorization"),
    });
    const peer = info.remoteAddr.port;
    const pooled = front.beginRequest(peer) > 0;
    const retryKey = `${req.method} ${url.pathname}${url.search}`;
    if (retryTraps.spring(retryKey)) {
      entry.fault = "reset";
      entry.transparentRetry = true;
      front.reset(peer);
      return new Response(null, { status: 500 });
    }
    const clientGone = front.closedSignal(peer);
    const signal = clientGone
      ? AbortSignal.any([clientGone, shutdown.signal])
      : shutdown.signal;
    const fault: Fault | undefined = faults.pick(requestClass);
    if (fault !== undefined) entry.fault = fault.kind;
    switch (fault?.kind) {
      case "status":
      case "insufficientScope": {
        const res = faultResponse(fault, requestClass);
        entry.status = res.status;
        return res;
      }
      case "reset":
        // Deno's fetch silently retries once when a pooled connection drops
        // before the answer (denoland/deno#35610); fail that retry too, so
        // the client sees the reset as a real one would reach it.
        if (pooled) retryTraps.arm(retryKey);
        front.reset(peer);
        // Nobody receives this: the connection is gone.
        return new Response(null, { status: 500 });
      case "stall":
        await aborted(signal);
        return new Response(null, { status: 503 });
      case "delay":
        await sleep(fault.ms, signal);
        break;
    }
    let res: Response;
    try {
      res = found === undefined
        ? googleError(404, `No such method: ${req.method} ${url.pathname}`)
        : await found.route.handle(req, { url, match: found.match, signal });
    } catch (e) {
      // A bug in the fake itself: say so loudly to whoever reads the answer.
      res = googleError(
        500,
        `fake Google internal error: ${e instanceof Error ? e.stack : e}`,
      );
    }
    entry.status = res.status;
    return fault?.kind === "truncate" ? await truncated(res, fault.bytes) : res;
  };

  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: () => {},
    onError: (e) =>
      googleError(
        500,
        `fake Google internal error: ${e instanceof Error ? e.stack : e}`,
      ),
  }, handler);
  front.connectTo(server.addr.port);
  base = `http://127.0.0.1:${front.port}`;
  return new FakeGoogle({
    deps,
    picker,
    router,
    server,
    front,
    shutdown,
    faults,
    requests,
  });
}

/**
 * The same answer, announcing its full Content-Length but sending only
 * `bytes` of the body (default half). Deno.serve then closes the connection,
 * so the client's body read fails as with a connection dropped mid-transfer.
 */
async function truncated(
  res: Response,
  bytes: number | undefined,
): Promise<Response> {
  const declared = Number(res.headers.get("content-length") ?? NaN);
  const headers = new Headers(res.headers);
  if (!Number.isFinite(declared) || res.body === null) {
    const all = new Uint8Array(await res.arrayBuffer());
    const total = Math.max(all.length, 1);
    const send = Math.min(bytes ?? Math.floor(all.length / 2), total - 1);
    headers.set("content-length", String(total));
    return new Response(
      new ReadableStream<Uint8Array>({
        start(c) {
          if (send > 0) c.enqueue(all.slice(0, send));
          c.close();
        },
      }),
      { status: res.status, headers },
    );
  }
  const limit = Math.min(
    bytes ?? Math.floor(declared / 2),
    Math.max(declared - 1, 0),
  );
  const reader = res.body.getReader();
  let sent = 0;
  return new Response(
    new ReadableStream<Uint8Array>({
      async pull(c) {
        const { done, value } = await reader.read();
        if (done || sent >= limit) {
          await reader.cancel();
          c.close();
          return;
        }
        const part = value.subarray(0, limit - sent);
        sent += part.length;
        if (part.length > 0) c.enqueue(part);
        if (sent >= limit) {
          await reader.cancel();
          c.close();
        }
      },
      cancel: (reason) => reader.cancel(reason),
    }),
    { status: res.status, headers },
  );
}

/** Requests to reset again when they come back within a second. */
class RetryTraps {
  #armed = new Map<string, number>();

  arm(key: string): void {
    this.#armed.set(key, performance.now() + 1000);
  }

  /** True (once) if this request is the retry of a reset one. */
  spring(key: string): boolean {
    const until = this.#armed.get(key);
    if (until === undefined) return false;
    this.#armed.delete(key);
    return performance.now() <= until;
  }
}
