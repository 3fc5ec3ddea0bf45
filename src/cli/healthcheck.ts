// --healthcheck-url: the pings healthchecks.io and Uptime Kuma's push
// monitors expect: URL/start when a run begins, URL on success, URL/fail
// with a short report as the body on failure. A ping that fails is logged
// and never changes the run's outcome.

import type { Logger } from "../log.ts";

export type PingKind = "start" | "success" | "fail";

/** How long one ping may take: a monitor must not hold up the backup. */
const PING_TIMEOUT_MS = 10_000;

export async function pingHealthcheck(
  baseUrl: string,
  kind: PingKind,
  deps: { fetch: typeof fetch; logger: Logger; body?: string },
): Promise<void> {
  const url = kind === "success" ? baseUrl : `${baseUrl}/${kind}`;
  try {
    const res = await deps.fetch(url, {
      method: deps.body === undefined ? "GET" : "POST",
      body: deps.body,
      headers: deps.body === undefined
        ? undefined
        : { "content-type": "text/plain; charset=utf-8" },
      signal: AbortSignal.timeout(PING_TIMEOUT_MS),
    });
    await res.body?.cancel();
    if (!res.ok) {
      deps.logger.warn(`Health check ping ${url} answered HTTP ${res.status}.`);
    }
  } catch (e) {
    deps.logger.warn(
      `Health check ping ${url} failed: ${(e as Error).message}`,
    );
  }
}
