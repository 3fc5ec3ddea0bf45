// Small real HTTP servers on 127.0.0.1 for the Google client tests: a
// Deno.serve handler for well-formed answers, and a raw TCP server for the
// broken ones HTTP servers will not produce (resets, truncated bodies).

import { HttpClient, type HttpClientOptions } from "../../src/google/http.ts";

export interface TestServer {
  /** http://127.0.0.1:PORT (no trailing slash). */
  url: string;
  port: number;
  /** Every request seen, in order (method, path + query, body text). */
  seen: { method: string; url: URL; body: string; headers: Headers }[];
  /** Resolves when the test ends; stalling handlers wait on it. */
  released: Promise<void>;
  close(): Promise<void>;
}

export function serve(
  handler: (request: Request, body: string, index: number) =>
    | Response
    | Promise<Response>,
): TestServer {
  const seen: TestServer["seen"] = [];
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const body = await request.text();
      const index = seen.length;
      seen.push({
        method: request.method,
        url: new URL(request.url),
        body,
        headers: request.headers,
      });
      return await handler(request, body, index);
    },
  );
  const port = server.addr.port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    released,
    async close() {
      release();
      await server.shutdown();
    },
  };
}

/** Answers only when the test ends (the client has long given up by then). */
export async function stall(
  server: { released: Promise<void> },
): Promise<Response> {
  await server.released;
  return new Response("late", { status: 504 });
}

export function json(value: unknown, status = 200, headers = {}): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** Google's error envelope. */
export function googleError(
  code: number,
  status: string,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return json({ error: { code, message, status } }, code, headers);
}

export interface RawServer {
  url: string;
  port: number;
  connections: number;
  /** Resolves when the test ends; stalling connections wait on it. */
  released: Promise<void>;
  close(): Promise<void>;
}

/**
 * A TCP server that hands each connection (numbered from 0) to `onConn`
 * after reading the request head; `onConn` writes whatever bytes it likes.
 */
export function rawServer(
  onConn: (
    conn: Deno.Conn,
    index: number,
    released: Promise<void>,
  ) => Promise<void>,
): RawServer {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const state = { connections: 0 };
  const open = new Set<Deno.Conn>();
  const tasks: Promise<void>[] = [];
  const loop = (async () => {
    for await (const conn of listener) {
      const index = state.connections++;
      open.add(conn);
      tasks.push((async () => {
        try {
          await readHead(conn);
          await onConn(conn, index, released);
        } catch {
          // The client may hang up first; that is what some tests provoke.
        } finally {
          open.delete(conn);
          try {
            conn.close();
          } catch {
            // already closed by onConn
          }
        }
      })());
    }
  })();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get connections() {
      return state.connections;
    },
    released,
    async close() {
      release();
      listener.close();
      for (const conn of open) {
        try {
          conn.close();
        } catch {
          // already closed
        }
      }
      await loop.catch(() => {});
      await Promise.all(tasks);
    },
  };
}

async function readHead(conn: Deno.Conn): Promise<void> {
  const buffer = new Uint8Array(16_384);
  let text = "";
  while (!text.includes("\r\n\r\n")) {
    const n = await conn.read(buffer);
    if (n === null) return;
    text += new TextDecoder().decode(buffer.subarray(0, n));
  }
}

export async function writeText(conn: Deno.Conn, text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  let written = 0;
  while (written < bytes.length) {
    written += await conn.write(bytes.subarray(written));
  }
}

/** An HTTP/1.1 response head + body, closing the connection after. */
export function rawResponse(
  status: number,
  body: string,
  headers: Record<string, string> = {},
): string {
  const lines = [
    `HTTP/1.1 ${status} X`,
    "content-type: application/json",
    `content-length: ${new TextEncoder().encode(body).length}`,
    "connection: close",
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  return `${lines.join("\r\n")}\r\n\r\n${body}`;
}

/** Records every wait instead of waiting. */
export function recordingSleep(): {
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  waits: number[];
} {
  const waits: number[] = [];
  return {
    waits,
    sleep: (ms, signal) => {
      waits.push(ms);
      return signal?.aborted
        ? Promise.reject(signal.reason)
        : Promise.resolve();
    },
  };
}

/** An HttpClient that never really waits, with small retry settings. */
export function testClient(options: HttpClientOptions = {}): HttpClient {
  return new HttpClient({
    sleep: () => Promise.resolve(),
    random: () => 0.5,
    maxRetries: 3,
    backoffBaseMs: 10,
    maxBackoffMs: 100,
    timeoutMs: 2_000,
    ...options,
  });
}
