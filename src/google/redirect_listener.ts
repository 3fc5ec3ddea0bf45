// The loopback listener the browser comes back to after consent. It listens
// on 127.0.0.1 only (the redirect URI names the address, so no other process
// can take the code on [::1]:PORT), takes the one answer that carries our
// state, shows a short page in the browser, and gives the code, or the
// user's refusal, to the consent flow waiting on it.

import { AuthError, UsageError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { interruption } from "./http_errors.ts";
import { rememberSecret } from "./redact.ts";

export interface RedirectListener {
  port: number;
  /** The authorization code, or an AuthError if the user declined. */
  code: Promise<string>;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:`port` for the browser's return with our `state`. */
export function listenForRedirect(
  port: number,
  state: string,
  logger: Logger,
): RedirectListener {
  let resolveCode: (code: string) => void = () => {};
  let rejectCode: (error: Error) => void = () => {};
  const code = new Promise<string>((resolve, reject) => {
    resolveCode = resolve;
    rejectCode = reject;
  });
  // The waiter may have gone (abort, timeout) when a late answer arrives.
  code.catch(() => {});
  const server = serveLoopback(
    port,
    redirectHandler(state, logger, resolveCode, rejectCode),
  );
  return {
    port: server.addr.port,
    code,
    close: () => server.shutdown(),
  };
}

/**
 * Answers the browser: settles the code once, with the code or with the
 * refusal the user gave, and turns away anything without our state.
 */
function redirectHandler(
  state: string,
  logger: Logger,
  resolveCode: (code: string) => void,
  rejectCode: (error: Error) => void,
): (request: Request) => Response {
  let settled = false;
  return (request: Request): Response => {
    const url = new URL(request.url);
    if (request.method !== "GET" || url.pathname !== "/") {
      return page(404, "Not found", "This address only takes the sign-in.");
    }
    const params = url.searchParams;
    // Only the browser we sent, carrying our state, may answer: anything
    // else (another tab, another program) is turned away and we keep waiting.
    if (params.get("state") !== state) {
      logger.warn(
        "A request reached the sign-in listener without the expected state; " +
          "refused it and still waiting.",
      );
      return page(
        400,
        "Not this sign-in",
        "This answer does not belong to the sign-in gphotos-sync is waiting " +
          "for. Use the link gphotos-sync printed last.",
      );
    }
    if (settled) {
      return page(200, "Already done", "You can close this tab.");
    }
    const error = params.get("error");
    if (error !== null) {
      settled = true;
      rejectCode(declined(error, params.get("error_description")));
      return page(
        200,
        "Sign-in not completed",
        "gphotos-sync did not get access. You can close this tab.",
      );
    }
    const value = params.get("code");
    if (!value) {
      return page(
        400,
        "No code",
        "The answer carries no authorization code. Use the link again.",
      );
    }
    settled = true;
    rememberSecret(value);
    resolveCode(value);
    return page(
      200,
      "Signed in",
      "gphotos-sync is signed in. You can close this tab.",
    );
  };
}

/** What the sign-in page's `error` answer means for the user. */
function declined(error: string, description: string | null): AuthError {
  return error === "access_denied"
    ? new AuthError(
      "The sign-in was declined in the browser (access_denied), so " +
        "gphotos-sync cannot read your Google Photos. Run " +
        "`gphotos-sync login ROOT` again and allow access.",
    )
    : new AuthError(
      `Google's sign-in page answered "${error}"${
        description ? ` (${description})` : ""
      }. Check the client secret file and run \`gphotos-sync login ROOT\` again.`,
    );
}

/** Serves `handler` on 127.0.0.1:`port`; a port that is taken or not ours is a UsageError. */
function serveLoopback(
  port: number,
  handler: (request: Request) => Response,
): Deno.HttpServer<Deno.NetAddr> {
  try {
    return Deno.serve(
      { hostname: "127.0.0.1", port, onListen: () => {} },
      handler,
    );
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new UsageError(
        `Cannot wait for the sign-in on port ${port}: another program is ` +
          "using it. Stop that program, or choose a free port with --port N.",
        { cause: error },
      );
    }
    if (
      error instanceof Deno.errors.PermissionDenied ||
      error instanceof Deno.errors.NotCapable
    ) {
      throw new UsageError(
        `Cannot wait for the sign-in on port ${port}: not allowed (${
          error instanceof Error ? error.message : String(error)
        }). Choose a port above 1023 with --port N.`,
        { cause: error },
      );
    }
    throw error;
  }
}

function page(status: number, title: string, text: string): Response {
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>` +
    `gphotos-sync: ${title}</title></head><body><h1>${title}</h1><p>${text}` +
    "</p></body></html>";
  return new Response(html, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "connection": "close",
    },
  });
}

/**
 * The code the browser brought back, or the user's refusal; an AuthError
 * after `timeoutMs`, the caller's InterruptedError on abort.
 */
export async function waitForCode(
  code: Promise<string>,
  signal: AbortSignal | undefined,
  timeoutMs: number,
): Promise<string> {
  const cleanups: (() => void)[] = [];
  const stop = new Promise<never>((_, reject) => {
    if (signal) {
      const onAbort = () => reject(interruption(signal, "the sign-in"));
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener("abort", onAbort, { once: true });
        cleanups.push(() => signal.removeEventListener("abort", onAbort));
      }
    }
    const timer = setTimeout(() =>
      reject(
        new AuthError(
          `No sign-in came back within ${
            Math.round(timeoutMs / 1000)
          } s. Run \`gphotos-sync login ROOT\` again and open the link it ` +
            "prints in a browser.",
        ),
      ), timeoutMs);
    cleanups.push(() => clearTimeout(timer));
  });
  try {
    return await Promise.race([code, stop]);
  } finally {
    for (const cleanup of cleanups) cleanup();
  }
}
