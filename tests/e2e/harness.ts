// End-to-end harness: a fake Google on loopback, a temporary backup root and
// the real program run as a subprocess (`deno run src/main.ts ...`).

import { join } from "node:path";
import {
  type FakeGoogle,
  type FakeGoogleOptions,
  FakeLibrary,
  startFakeGoogle,
} from "../fake_google/mod.ts";
import { LocalData } from "../../src/db/local_data.ts";

export const MAIN = new URL("../../src/main.ts", import.meta.url).pathname;

/** Variables of the program that must not leak in from the test's own environment. */
const GPHOTOS_VARS = [
  "GPHOTOS_LIBRARY_API",
  "GPHOTOS_PICKER_API",
  "GPHOTOS_BACKOFF_MS",
  "GPHOTOS_API_TIMEOUT_MS",
];

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string>;
  /** Permission flags instead of --allow-all. */
  permissions?: string[];
  /** Kill with this signal after `ms` milliseconds. */
  killAfter?: { ms: number; signal: Deno.Signal };
  /** Sends `signal` when `promise` resolves (a moment the test server sees). */
  killOn?: { promise: Promise<unknown>; signal: Deno.Signal };
  /** Resolves when stderr contains this text; then sends `signal`. */
  killWhen?: { text: string; signal: Deno.Signal };
  /** Called with all of stderr so far, each time more arrives. */
  onStderr?: (soFar: string) => void;
  /** The folder the program starts in (relative paths mean what they mean there). */
  cwd?: string;
}

export class Backup implements AsyncDisposable {
  constructor(
    readonly google: FakeGoogle,
    readonly dir: string,
    readonly root: string,
    readonly secret: string,
  ) {}

  get library(): FakeLibrary {
    return this.google.library;
  }

  /** Stores a valid token the way gphotos-sync wrote it (scope as a list). */
  async signIn(
    scopes: string[] = ["photoslibrary.readonly"],
    expiresInSec?: number,
  ) {
    const grant = this.google.issueToken(scopes, { expiresInSec });
    await Deno.mkdir(this.root, { recursive: true });
    const token = {
      access_token: grant.access_token,
      refresh_token: grant.refresh_token,
      token_type: "Bearer",
      scope: grant.scope.split(" "),
      expires_in: grant.expires_in,
      expires_at: grant.expires_at + 0.5,
    };
    await Deno.writeTextFile(
      join(this.root, ".gphotos.token"),
      JSON.stringify(token),
      { mode: 0o600 },
    );
    return grant;
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      GPHOTOS_LIBRARY_API: this.google.url,
      GPHOTOS_BACKOFF_MS: "5",
      XDG_CONFIG_HOME: join(this.dir, "config"),
      NO_COLOR: "1",
      ...extra,
    };
  }

  /** Runs the program: `deno run src/main.ts ARGS` (ROOT and --secret added for sync). */
  run(args: string[], options: RunOptions = {}): Promise<RunResult> {
    return runProgram(args, this.env(options.env), options);
  }

  /** `gphotos-sync ROOT --secret FILE ARGS`. */
  sync(args: string[] = [], options: RunOptions = {}): Promise<RunResult> {
    return this.run([this.root, "--secret", this.secret, ...args], options);
  }

  /** Opens the index for inspection (close it before the next run). */
  db(): LocalData {
    return LocalData.open(this.root);
  }

  path(...parts: string[]): string {
    return join(this.root, ...parts);
  }

  async [Symbol.asyncDispose]() {
    await this.google.close();
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}

export async function runProgram(
  args: string[],
  env: Record<string, string>,
  options: RunOptions = {},
): Promise<RunResult> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...(options.permissions ?? ["--allow-all"]), MAIN, ...args],
    env: {
      ...env,
      ...Object.fromEntries(
        GPHOTOS_VARS.filter((v) => !(v in env)).map((v) => [v, ""]),
      ),
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    ...(options.cwd ? { cwd: options.cwd } : {}),
  }).spawn();
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (options.killAfter) {
    const { ms, signal } = options.killAfter;
    timer = setTimeout(() => {
      try {
        child.kill(signal);
      } catch {
        // Already finished.
      }
    }, ms);
  }
  options.killOn?.promise.then(() => {
    try {
      child.kill(options.killOn!.signal);
    } catch {
      // Already finished.
    }
  });
  const dec = new TextDecoder();
  let stderr = "";
  let killed = false;
  const errDone = (async () => {
    for await (const chunk of child.stderr) {
      stderr += dec.decode(chunk, { stream: true });
      options.onStderr?.(stderr);
      if (
        options.killWhen && !killed && stderr.includes(options.killWhen.text)
      ) {
        killed = true;
        try {
          child.kill(options.killWhen.signal);
        } catch {
          // Already finished.
        }
      }
    }
  })();
  const outDone = new Response(child.stdout).text();
  const [status, stdout] = await Promise.all([child.status, outDone, errDone])
    .then(([s, o]) => [s, o] as const);
  if (timer !== undefined) clearTimeout(timer);
  const code = status.signal
    ? 128 +
      (status.signal === "SIGKILL" ? 9 : status.signal === "SIGTERM" ? 15 : 2)
    : status.code;
  return { code, stdout, stderr };
}

/** A fake Google with `library`, a temp root and a client secret file. */
export async function backup(
  build: (lib: FakeLibrary) => void,
  options: Omit<FakeGoogleOptions, "library"> = {},
): Promise<Backup> {
  const library = new FakeLibrary({ seed: "e2e" });
  build(library);
  const google = await startFakeGoogle({ era: "2024", ...options, library });
  const dir = await Deno.makeTempDir({ prefix: "gphotos-e2e-" });
  const secret = join(dir, "client_secret.json");
  await Deno.writeTextFile(secret, JSON.stringify(google.clientSecretJson()));
  return new Backup(google, dir, join(dir, "backup"), secret);
}

/** Every file under `folder`, relative, sorted. */
export async function listFiles(
  folder: string,
  prefix = "",
): Promise<string[]> {
  const out: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(folder));
  } catch {
    return out;
  }
  for (const e of entries) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory) out.push(...await listFiles(join(folder, e.name), rel));
    else out.push(rel);
  }
  return out.sort();
}

export async function sha256(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest(
    "SHA-256",
    bytes as Uint8Array<ArrayBuffer>,
  );
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** A local health-check endpoint that records what it is sent. */
export function pingServer(): {
  pings: { path: string; body: string }[];
  url: string;
  close: () => Promise<void>;
} {
  const pings: { path: string; body: string }[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      pings.push({ path: new URL(req.url).pathname, body: await req.text() });
      return new Response("OK");
    },
  );
  return {
    pings,
    url: `http://127.0.0.1:${server.addr.port}/ping/abc`,
    close: () => server.shutdown(),
  };
}
