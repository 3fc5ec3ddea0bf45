// A man in the middle for the fake Google: an HTTP server on 127.0.0.1 that
// forwards every request to a FakeGoogle, rewriting the fake's address into
// its own in every text answer (so baseUrls and the OAuth endpoints come
// back through it too). Tests use it to
// - tamper with answers: rewrite a request class's JSON, break its text,
//   or answer instead of Google (hostile or poisoned responses), without
//   touching the fake's own routes;
// - collect every secret that crossed the wire (access and refresh tokens,
//   authorization codes, PKCE verifiers, the client secret), to look for
//   them where they must never appear.
//
//   await using google = await startFakeGoogle({ library });
//   await using mitm = startMitmFront(google);
//   mitm.tamper({ on: "list", json: (body) => ({ ...body, mediaItems: 3 }) });
//   // point the program at mitm.url and mitm.clientSecretJson()

import type { ClientSecretJson, FakeGoogle } from "./server.ts";
import type { RequestClass } from "./router.ts";
import { MEDIA_PREFIX } from "./media_urls.ts";
import { AUTH_PATH, TOKEN_PATH } from "./oauth_routes.ts";

export interface TamperRequest {
  method: string;
  /** Path and query as the client sent them. */
  path: string;
  url: URL;
  requestClass: RequestClass;
}

export interface TamperRule {
  on: RequestClass | readonly RequestClass[] | "any";
  /** Answer this instead of asking Google; undefined lets the request through. */
  respond?: (req: TamperRequest) => Response | undefined;
  /** A new JSON body for Google's answer (given parsed); undefined keeps it. */
  json?: (body: unknown, req: TamperRequest) => unknown;
  /** A new text for the answer (after `json`): e.g. broken JSON. */
  text?: (text: string, req: TamperRequest) => string;
  /** Only answers with this status are rewritten (default: 2xx). */
  status?: (status: number) => boolean;
  /** Apply to at most this many requests (default: all). */
  times?: number;
}

interface LiveRule extends TamperRule {
  hits: number;
}

/** The request class of a path, as the fake's router names it. */
export function classify(method: string, path: string): RequestClass {
  if (path.startsWith(MEDIA_PREFIX)) return "media";
  if (path === TOKEN_PATH) return "token";
  if (path === AUTH_PATH) return "auth";
  if (path === "/v1/mediaItems") return method === "GET" ? "list" : "unknown";
  if (path === "/v1/mediaItems:search") return "search";
  if (path === "/v1/mediaItems:batchGet") return "batchGet";
  if (path.startsWith("/v1/mediaItems/")) return "get";
  if (path.startsWith("/v1/albums")) return "albums";
  if (path.startsWith("/v1/sharedAlbums")) return "sharedAlbums";
  return "unknown";
}

const SECRET_FIELDS = [
  "access_token",
  "refresh_token",
  "id_token",
  "code",
  "code_verifier",
  "client_secret",
];

export class MitmFront implements AsyncDisposable {
  readonly url: string;
  readonly #google: FakeGoogle;
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  #rules: LiveRule[] = [];
  /** Every secret value seen in a request or an answer. */
  readonly secrets = new Set<string>();
  /** Requests that were tampered with, per class. */
  readonly tampered: Record<string, number> = {};

  constructor(google: FakeGoogle) {
    this.#google = google;
    this.secrets.add(google.oauth.clientSecret);
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (req) => this.#handle(req),
    );
    this.url = `http://127.0.0.1:${this.#server.addr.port}`;
  }

  tamper(rule: TamperRule): void {
    this.#rules.push({ ...rule, hits: 0 });
  }

  clear(): void {
    this.#rules = [];
  }

  /** The client secret file, with its endpoints pointing through here. */
  clientSecretJson(): ClientSecretJson {
    const json = this.#google.clientSecretJson();
    json.installed.auth_uri = json.installed.auth_uri.replace(
      this.#google.url,
      this.url,
    );
    json.installed.token_uri = json.installed.token_uri.replace(
      this.#google.url,
      this.url,
    );
    return json;
  }

  async #handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const path = url.pathname + url.search;
    const info: TamperRequest = {
      method: req.method,
      path,
      url,
      requestClass: classify(req.method, url.pathname),
    };
    const rules = this.#rules.filter((r) =>
      r.hits < (r.times ?? Infinity) && matches(r.on, info.requestClass)
    );
    const body = req.method === "GET" || req.method === "HEAD"
      ? undefined
      : await req.text();
    if (body !== undefined) this.#collectForm(body);
    this.#collectForm(url.search.slice(1));
    for (const rule of rules) {
      const answer = rule.respond?.(info);
      if (answer !== undefined) {
        rule.hits++;
        this.#count(info);
        return answer;
      }
    }
    const headers = new Headers(req.headers);
    headers.delete("host");
    let upstream: Response;
    try {
      upstream = await fetch(this.#google.url + path, {
        method: req.method,
        headers,
        body,
        redirect: "manual",
      });
    } catch {
      // The fake dropped the connection (a reset fault): answer as a
      // proxy in front of a dead backend would.
      return new Response("<html>Bad Gateway</html>", {
        status: 502,
        headers: { "content-type": "text/html" },
      });
    }
    const location = upstream.headers.get("location");
    if (location) this.#collectForm(location.split("?")[1] ?? "");
    const type = upstream.headers.get("content-type") ?? "";
    const out = new Headers(upstream.headers);
    if (!/json|text|html/.test(type) || upstream.body === null) {
      return new Response(upstream.body, {
        status: upstream.status,
        headers: out,
      });
    }
    let text = (await upstream.text()).replaceAll(this.#google.url, this.url);
    this.#collectJson(text);
    for (const rule of rules) {
      if (
        !(rule.status ?? ((s: number) => s >= 200 && s < 300))(upstream.status)
      ) {
        continue;
      }
      if (!rule.json && !rule.text) continue;
      rule.hits++;
      this.#count(info);
      if (rule.json) {
        const changed = rule.json(JSON.parse(text), info);
        if (changed !== undefined) text = JSON.stringify(changed);
      }
      if (rule.text) text = rule.text(text, info);
    }
    out.delete("content-length");
    out.delete("content-encoding");
    return new Response(text, { status: upstream.status, headers: out });
  }

  #count(info: TamperRequest): void {
    this.tampered[info.requestClass] = (this.tampered[info.requestClass] ?? 0) +
      1;
  }

  #collectForm(text: string): void {
    if (text === "") return;
    for (const [k, v] of new URLSearchParams(text)) {
      if (SECRET_FIELDS.includes(k) && v !== "") this.secrets.add(v);
    }
  }

  #collectJson(text: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof value !== "object" || value === null) return;
    for (const [k, v] of Object.entries(value)) {
      if (SECRET_FIELDS.includes(k) && typeof v === "string" && v !== "") {
        this.secrets.add(v);
      }
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#server.shutdown();
  }
}

function matches(on: TamperRule["on"], cls: RequestClass): boolean {
  if (on === "any") return true;
  return typeof on === "string" ? on === cls : on.includes(cls);
}

export function startMitmFront(google: FakeGoogle): MitmFront {
  return new MitmFront(google);
}
