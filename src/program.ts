// The program: argv -> main(args, deps) -> exit code. It runs in the
// sandboxed worker (src/cli/sandbox.ts) under the least permissions the
// command line needs; the supervisor (src/main.ts, the only place the
// process exits) loads it itself only to answer help, version and usage
// errors.

import type { Options } from "./options.ts";
import { join } from "node:path";
import { shellWord } from "./text/shell_word.ts";
import { safeText } from "./cli/safe_text.ts";
import { parseArgs } from "./cli/args.ts";
import { splitArgs, wantsJson } from "./cli/command_line.ts";
import { EXIT_CODES, helpText, VERSION } from "./cli/help.ts";
import type { Logger } from "./log.ts";
import { createLogger, openAppendFile } from "./cli/logger.ts";
import { ExitCode, GphotosError, InterruptedError } from "./errors.ts";
import { logFilePath } from "./cli/permissions.ts";
import { pingHealthcheck } from "./cli/healthcheck.ts";
import { rotateLog } from "./cli/log_rotation.ts";
import { LOGIN_HINT } from "./google/oauth.ts";
import type { RunContext } from "./backup/context.ts";
import { beforeRun, runCommand } from "./commands/mod.ts";
import { fixedFile } from "./fs/confine.ts";

const LOG_FILE = "gphotos.log";

export interface MainDeps {
  cwd: string;
  env: (name: string) => string | undefined;
  fetch: typeof fetch;
  now: () => Date;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  signal: AbortSignal;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTty: boolean;
  /** The log file's own name, when the supervisor resolved it already. */
  logfile?: string;
}

export async function main(argv: string[], deps: MainDeps): Promise<number> {
  const parsed = parseOrAnswer(argv, deps);
  return typeof parsed === "number" ? parsed : await run(parsed, deps);
}

/**
 * The command line as options, or the exit code of what was answered
 * without a run: a bad command line, `version`, `help`.
 */
function parseOrAnswer(argv: string[], deps: MainDeps): Options | number {
  const tell = (line: string) => deps.stderr(safeText(line) + "\n");
  let parsed;
  try {
    parsed = parseArgs(argv, {
      cwd: deps.cwd,
      env: deps.env,
      readTextFile: (p) => Deno.readTextFileSync(p),
    });
  } catch (e) {
    let message = "";
    const code = report(e, (line) => {
      message = line;
      tell(line);
    }, undefined);
    if (wantsJson(argv)) {
      writeFinalJson(deps.stdout, commandWord(argv), code, message);
    }
    return code;
  }
  if ("version" in parsed) {
    const text = `gphotos-sync ${VERSION}`;
    if (wantsJson(argv)) {
      writeFinalJson(deps.stdout, "version", ExitCode.ok, text, {
        version: VERSION,
      });
    } else deps.stdout(text + "\n");
    return ExitCode.ok;
  }
  if ("help" in parsed) {
    const text = helpText(parsed.topic);
    if (wantsJson(argv)) {
      writeFinalJson(deps.stdout, "help", ExitCode.ok, text);
    } else deps.stdout(text + "\n");
    return ExitCode.ok;
  }
  return parsed;
}

/**
 * What a run says to the person. The last lines said make the failure
 * paragraph: with --quiet the only thing shown, and only if the run fails
 * (cron mails only then); quiet or not, the body of the /fail ping, so the
 * monitor shows why.
 */
class SaidToPerson {
  /** The last 20 lines said. */
  readonly held: string[] = [];
  /** The last thing said: the message of --json's last object. */
  last = "";
  /**
   * The log file, once open: what the person is told (results, errors)
   * goes there too, so a quiet scheduled run leaves its summary in it.
   */
  record: ((line: string) => void) | undefined;
  readonly #quiet: boolean;
  readonly #deps: Pick<MainDeps, "stderr" | "now">;

  constructor(quiet: boolean, deps: Pick<MainDeps, "stderr" | "now">) {
    this.#quiet = quiet;
    this.#deps = deps;
  }

  /** A line of the log meant for the screen. */
  show = (line: string): void => {
    this.held.push(line);
    if (this.held.length > 20) this.held.shift();
    if (!this.#quiet) this.#deps.stderr(safeText(line) + "\n");
  };

  /** A result or an error, for the screen and the log file. */
  tell = (line: string): void => {
    line = safeText(line);
    this.last = line;
    this.show(line);
    this.record?.(
      `${
        this.#deps.now().toISOString().replace("T", " ").slice(0, 19)
      } NOTE     ${line}`,
    );
  };
}

/** A run of a command: its log, its context, its outcome said and pinged. */
async function run(options: Options, deps: MainDeps): Promise<number> {
  const said = new SaidToPerson(options.quiet, deps);
  const closers: (() => void)[] = [];
  let logger: Logger | undefined;
  let code: number;
  let result: object | undefined;
  try {
    const { writesLog } = await beforeRun(options);
    const sinks = writesLog
      ? openLogSinks(options, deps, closers, said.tell)
      : {};
    said.record = sinks.file;
    logger = createLogger(options.logLevel, {
      stderr: said.show,
      file: sinks.file,
      trace: sinks.trace,
      now: deps.now,
    });
    for (const note of options.configNotes) logger.debug(note);
    if (options.healthcheckUrl) {
      await pingHealthcheck(options.healthcheckUrl, "start", {
        fetch: deps.fetch,
        logger,
      });
    }
    const ctx: RunContext = {
      logger,
      fetch: deps.fetch,
      now: deps.now,
      sleep: deps.sleep,
      random: deps.random,
      signal: deps.signal,
      env: deps.env,
      print: (line) => deps.stdout(safeText(line) + "\n"),
      tell: said.tell,
      stderr: options.quiet ? () => {} : deps.stderr,
      isTty: deps.isTty,
      result: (fields, message) => {
        result = fields;
        if (message !== undefined) said.last = message;
      },
    };
    code = await runCommand(options, ctx);
  } catch (e) {
    // What the command reported before failing is not its outcome.
    result = undefined;
    code = report(e, said.tell, logger, deps.signal, options.root);
  }
  try {
    await sayOutcome(options, deps, {
      code,
      message: said.last,
      result,
      held: said.held,
      logger,
    });
  } finally {
    for (const close of closers.reverse()) close();
  }
  return code;
}

/**
 * The end of a run, whatever it came to: --json's last object, the
 * failure paragraph of a quiet run, the health-check ping.
 */
async function sayOutcome(
  options: Options,
  deps: MainDeps,
  o: {
    code: number;
    message: string;
    result: object | undefined;
    /** The last lines said to the person. */
    held: string[];
    logger: Logger | undefined;
  },
): Promise<void> {
  const { code, held, logger } = o;
  const tell = (line: string) => deps.stderr(safeText(line) + "\n");
  if (options.json) {
    writeFinalJson(deps.stdout, options.command, code, o.message, o.result);
  }
  if (options.quiet && code !== ExitCode.ok) {
    tell(failureParagraph(options, code, held));
  }
  if (options.healthcheckUrl && logger) {
    await pingHealthcheck(
      options.healthcheckUrl,
      code === ExitCode.ok ? "success" : "fail",
      {
        fetch: deps.fetch,
        logger,
        body: code === ExitCode.ok
          ? undefined
          : failureParagraph(options, code, held),
      },
    );
  }
}

/**
 * --json's last object, on every exit (restic's exit_error is the model):
 * the command, its result fields if it finished, and always `exitCode` and
 * `message` (what the person was told last: the summary or the error), then
 * a newline. A field that is an iterable (not an array) is written an
 * element per line as it is read, so a long plan is never held as one
 * string.
 */
function writeFinalJson(
  write: (text: string) => void,
  command: string | null,
  code: number,
  message: string,
  fields: object = {},
): void {
  // In order of first appearance; a later value of a key takes its place.
  const head = new Map<string, unknown>([["command", command]]);
  const streamed: [string, Iterable<unknown>][] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (
      typeof value === "object" && value !== null && !Array.isArray(value) &&
      Symbol.iterator in value
    ) {
      streamed.push([key, value as Iterable<unknown>]);
    } else head.set(key, value);
  }
  head.set("exitCode", code);
  head.set("message", message || meaningOf(code));
  const members = [...head].flatMap(([key, value]) => {
    const json = JSON.stringify(value);
    // As JSON.stringify leaves out a member whose value is undefined.
    return json === undefined ? [] : [`${JSON.stringify(key)}:${json}`];
  });
  write(`{${members.join(",")}`);
  for (const [key, items] of streamed) {
    write(`,${JSON.stringify(key)}:[`);
    let first = true;
    for (const item of items) {
      write(`${first ? "\n" : ",\n"}${JSON.stringify(item)}`);
      first = false;
    }
    write("]");
  }
  write("}\n");
}

/** The command word of a command line that could not be parsed, if it can be told. */
function commandWord(argv: readonly string[]): string | null {
  try {
    const raw = splitArgs(argv);
    // Two words, the first no command: what was meant is unknown.
    if (!raw.named && !raw.info && raw.positionals.length > 1) return null;
    return raw.info ?? raw.command;
  } catch {
    return null;
  }
}

function meaningOf(code: number): string {
  return EXIT_CODES.find(([c]) => c === code)?.[1] ?? "failed";
}

/** One paragraph for a person reading a cron mail or a monitor's page. */
function failureParagraph(
  options: { command: string; root: string; logfile: string },
  code: number,
  lines: string[],
): string {
  const meaning: Record<number, string> = {
    [ExitCode.failed]: "failed",
    [ExitCode.usage]: "was given a bad command line or config file",
    [ExitCode.partial]: "finished, but some items failed",
    [ExitCode.signIn]: "needs a person to sign in again",
    [ExitCode.interrupted]: "was interrupted",
  };
  const said = lines.map((l) => l.replace(/^\S+ \S+ (ERROR|WARNING)\s+/, ""))
    .filter((l) => l.trim() !== "").slice(-6);
  return [
    `gphotos-sync ${options.command} ${options.root} ${
      meaning[code] ?? "failed"
    } (exit ${code}).`,
    ...said,
    `The log is ${options.logfile}.`,
  ].join(" ");
}

/** Turns an error into its message and exit code; never a stack trace on screen. */
function report(
  e: unknown,
  tell: (line: string) => void,
  logger: Logger | undefined,
  signal?: AbortSignal,
  root?: string,
): number {
  if (
    e instanceof InterruptedError ||
    (signal?.aborted && !(e instanceof GphotosError))
  ) {
    tell(
      "Interrupted: the index and the files on disk are consistent; run again to carry on.",
    );
    return ExitCode.interrupted;
  }
  if (e instanceof GphotosError) {
    const message = root === undefined ? e.message : e.message.replaceAll(
      LOGIN_HINT,
      `gphotos-sync login ${shellWord(root)}`,
    );
    logger?.debug(`${e.name}: ${message}${causeText(e)}`);
    tell(message);
    return e.exitCode;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  logger?.debug(err.stack ?? err.message);
  tell(
    `Unexpected error: ${err.message}. Nothing already backed up is lost; the log has the details.`,
  );
  return ExitCode.failed;
}

function causeText(e: Error): string {
  return e.cause instanceof Error ? ` (cause: ${e.cause.message})` : "";
}

function isDir(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

/**
 * Opens the log file (a directory gets a unique name, as in gphotos-sync) and,
 * at trace level, <ROOT>/gphotos.trace. Folders are created as needed; a log
 * that cannot be opened is reported and the run goes on without it.
 */
function openLogSinks(
  options: { root: string; logfile: string; logLevel: string },
  deps: Pick<MainDeps, "now" | "logfile">,
  closers: (() => void)[],
  tell: (line: string) => void,
): { file?: (line: string) => void; trace?: (line: string) => void } {
  const out: { file?: (line: string) => void; trace?: (line: string) => void } =
    {};
  const path = deps.logfile ?? logFilePath(options.logfile, deps.now(), isDir);
  try {
    Deno.mkdirSync(options.root, { recursive: true });
    // The default log's name is fixed: a link planted there is refused.
    if (path === join(options.root, LOG_FILE)) {
      fixedFile(options.root, LOG_FILE);
    }
    rotateLog(path);
    const log = openAppendFile(path);
    closers.push(log.close);
    out.file = log.write;
  } catch (e) {
    tell(`Cannot open the log file ${path}: ${(e as Error).message}`);
  }
  if (options.logLevel === "trace") {
    try {
      const tracePath = fixedFile(options.root, "gphotos.trace");
      rotateLog(tracePath);
      const trace = openAppendFile(tracePath);
      closers.push(trace.close);
      out.trace = trace.write;
    } catch (e) {
      tell(`Cannot open the trace file: ${(e as Error).message}`);
    }
  }
  return out;
}

const enc = new TextEncoder();

/** The real dependencies, in the worker (or in-process for help and usage errors). */
export function realDeps(
  cwd: string,
  isTty: boolean,
  signal: AbortSignal,
  logfile?: string,
): MainDeps {
  return {
    cwd,
    env: (name) => {
      try {
        return Deno.env.get(name);
      } catch {
        return undefined;
      }
    },
    fetch: globalThis.fetch,
    now: () => new Date(),
    sleep: (ms, signal) =>
      new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const t = setTimeout(() => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        }, ms);
        const onAbort = () => {
          clearTimeout(t);
          reject(signal!.reason);
        };
        signal?.addEventListener("abort", onAbort, { once: true });
      }),
    random: Math.random,
    signal,
    stdout: (t) => writeAll(Deno.stdout, enc.encode(t)),
    stderr: (t) => writeAll(Deno.stderr, enc.encode(t)),
    isTty,
    ...(logfile === undefined ? {} : { logfile }),
  };
}

export function writeAll(
  w: { writeSync(p: Uint8Array): number },
  bytes: Uint8Array,
) {
  let off = 0;
  while (off < bytes.length) off += w.writeSync(bytes.subarray(off));
}
