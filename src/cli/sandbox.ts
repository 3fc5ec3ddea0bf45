// Least privilege at run time. The process (the `deno task sync` launcher's
// child, or the compiled binary) is the supervisor: it reads the command
// line, computes the run's grants (src/cli/permissions.ts), and runs the
// program in a worker that holds exactly those: files only under ROOT,
// --db-path, the log file, the parts, the config and the client secret;
// network only to Google's hosts, the sign-in listener and the
// --healthcheck-url host. Everything that talks to the network or reads an
// archive runs in that worker.
//
// The supervisor then gives up its own network, environment and system
// access. What it keeps: file access, unscoped only when the run makes
// symbolic links (Deno allows symlink() no other way), used for nothing but
// the links the worker asks for and src/cli/link_guard.ts accepts.
//
// Messages, worker -> supervisor: ready (its modules are loaded), links (the
// link requests made since the last message), done; supervisor -> worker:
// start, abort, linked (the answers to a links message).

import type { Grants, LinkScope } from "./permissions.ts";
import { guardedSymlinks } from "./link_guard.ts";
import { installSymlinkChannel, reviveError } from "../fs/symlink.ts";

export interface StartMessage {
  kind: "start";
  argv: string[];
  cwd: string;
  isTty: boolean;
  /** The log file's own name (a --logfile folder resolved to a file). */
  logfile: string;
  /** Whether link requests are served. */
  links: boolean;
}

type LinkAnswer = { id: number; error?: { name: string; message: string } };

type ToWorker =
  | StartMessage
  | { kind: "abort" }
  | { kind: "linked"; answers: LinkAnswer[] };

type FromWorker =
  | { kind: "ready" }
  | { kind: "links"; requests: { id: number; target: string; path: string }[] }
  | { kind: "done"; code: number };

/** True in the sandboxed worker, false in the supervisor. */
export function inWorker(): boolean {
  const scope = (globalThis as { WorkerGlobalScope?: unknown })
    .WorkerGlobalScope;
  return typeof scope === "function" && globalThis instanceof scope;
}

/** The Worker permission object for `grants`: nothing beyond them. */
export function workerPermissions(
  grants: Grants,
): Deno.PermissionOptionsObject {
  return {
    read: grants.read,
    write: grants.write,
    net: grants.net.length > 0 ? grants.net : false,
    env: grants.env,
    sys: grants.sys,
    run: false,
    ffi: false,
    import: false,
  };
}

/** The permissions the supervisor gives up once the worker runs. */
export function dropSupervisorPermissions(keepFiles: boolean): void {
  const names: Deno.PermissionName[] = ["net", "env", "sys", "run", "ffi"];
  if (!keepFiles) names.push("read", "write");
  for (const name of names) Deno.permissions.revokeSync({ name });
}

export interface SandboxRun {
  /** The module the worker runs (main.ts, which serves the worker side). */
  module: URL;
  grants: Grants;
  /** Where links may be made; undefined when the run makes none. */
  scope: LinkScope | undefined;
  start: Omit<StartMessage, "kind" | "links">;
  /** Told of an error the worker could not report itself. */
  stderr: (text: string) => void;
}

/**
 * Runs the worker to its end and returns its exit code. SIGINT and SIGTERM
 * reach it as an abort; it finishes what it must and reports 130.
 */
export function runSandboxed(run: SandboxRun): Promise<number> {
  let worker: Worker;
  try {
    worker = new Worker(run.module, {
      type: "module",
      name: "gphotos-sync",
      deno: { permissions: workerPermissions(run.grants) },
    } as WorkerOptions);
  } catch (e) {
    run.stderr(
      `Cannot start the program under its permissions: ${
        (e as Error).message
      }. Run it with \`deno task sync\`, the binary, or deno run ` +
        "--unstable-worker-options.\n",
    );
    return Promise.resolve(1);
  }
  const send = (m: ToWorker) => worker.postMessage(m);
  const abort = () => send({ kind: "abort" });
  const signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT"]
    : ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, abort);
  return new Promise<number>((resolve) => {
    const finish = (code: number) => {
      for (const s of signals) Deno.removeSignalListener(s, abort);
      worker.terminate();
      resolve(code);
    };
    worker.onmessage = (event: MessageEvent<FromWorker>) => {
      const m = event.data;
      if (m.kind === "done") return finish(m.code);
      if (m.kind === "ready") {
        // Deno loads the worker's modules with the supervisor's read
        // access too: only once they are in may the supervisor give up.
        dropSupervisorPermissions(run.scope !== undefined);
        send({ kind: "start", ...run.start, links: run.scope !== undefined });
        return;
      }
      if (m.kind !== "links") return;
      const requests = Array.isArray(m.requests) ? m.requests : [];
      const errors = run.scope
        ? guardedSymlinks(run.scope, requests)
        : requests.map(() =>
          new Deno.errors.NotCapable("This run makes no links.")
        );
      send({
        kind: "linked",
        answers: requests.map((r, i) => {
          const err = errors[i];
          return err
            ? { id: r.id, error: { name: err.name, message: err.message } }
            : { id: r.id };
        }),
      });
    };
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      run.stderr(
        `Unexpected error: ${event.message}. Nothing already backed up is ` +
          "lost; run again.\n",
      );
      finish(1);
    };
  });
}

/**
 * The worker side: waits for the start message, routes symbolic links to
 * the supervisor, runs `body` and reports its exit code.
 */
export function serveWorker(
  body: (start: StartMessage, signal: AbortSignal) => Promise<number>,
  abortReason: () => unknown,
): void {
  const port = globalThis as unknown as {
    postMessage(m: FromWorker): void;
    onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  };
  const controller = new AbortController();
  const waiting = new Map<
    number,
    { resolve: () => void; reject: (e: Error) => void }
  >();
  let next = 0;
  port.onmessage = (event) => {
    const m = event.data;
    if (m.kind === "abort") {
      controller.abort(abortReason());
    } else if (m.kind === "linked") {
      for (const answer of m.answers) {
        const w = waiting.get(answer.id);
        waiting.delete(answer.id);
        if (answer.error) w?.reject(reviveError(answer.error));
        else w?.resolve();
      }
    } else if (m.kind === "start") {
      if (m.links) {
        // Requests made together (an album's links) go in one message,
        // sent once the requesting code has run as far as it can.
        let batch: { id: number; target: string; path: string }[] = [];
        const send = () => {
          port.postMessage({ kind: "links", requests: batch });
          batch = [];
        };
        installSymlinkChannel((target, path) =>
          new Promise<void>((resolve, reject) => {
            const id = next++;
            waiting.set(id, { resolve, reject });
            if (batch.length === 0) setTimeout(send, 0);
            batch.push({ id, target, path });
          })
        );
      }
      body(m, controller.signal).then(
        (code) => port.postMessage({ kind: "done", code }),
        (e) => {
          // main() maps every error to a code; this is a last resort.
          throw e;
        },
      );
    }
  };
  port.postMessage({ kind: "ready" });
}
