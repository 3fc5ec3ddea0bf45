// The kill loop, for any command: each trial builds its world from a seed,
// runs the command and SIGKILLs it at a random moment (once or twice in a
// row), checks what a kill may leave, then runs it to completion and checks
// the finished backup. A command plugs in through CrashSubject (see
// sync_subject.ts); takeout and pick need only their own subject.

import {
  type BackupProblems,
  type KillMoment,
  Rng,
  runAndKill,
} from "./kit.ts";
import type { RunHandle, TimedResult } from "./kit.ts";

export interface CrashScenario extends AsyncDisposable {
  /** Says what this trial is, for messages ("fresh, 31 items, 4 threads"). */
  readonly label: string;
  /** Starts one run of the command (killed or run to completion). */
  start(): RunHandle;
  /** A random moment to kill the run just started. */
  killMoment(rng: Rng, typicalRunMs: number): KillMoment;
  /** Where the program was when it was killed (e.g. the last request's class). */
  phase(): string;
  /**
   * The backup's invariants: `finished` false right after a kill, true
   * after a run that ended by itself.
   */
  check(finished: boolean): Promise<BackupProblems>;
  /** Items the finished backup holds (for the figures). */
  items(): number;
}

export interface CrashSubject {
  readonly name: string;
  prepare(rng: Rng, trial: number): Promise<CrashScenario>;
}

export interface CrashFigures {
  command: string;
  seed: number;
  trials: number;
  /** Kills that landed while the program was running. */
  kills: number;
  /** Runs that ended before their kill moment came. */
  endedFirst: number;
  /** Kills by the phase they hit. */
  phases: Record<string, number>;
  /** Items in the finished backups, summed over trials. */
  items: number;
  /** Rows marked downloaded whose bytes were verified, over every check. */
  verified: number;
  /** Problems found (each one a lost or corrupt item, or a leftover). */
  problems: string[];
  seconds: number;
}

/** Runs started for one kill before the trial goes on without it. */
const KILL_ATTEMPTS = 8;
/** The shortest run length kill moments are spread over. */
const MIN_TYPICAL_MS = 300;

/**
 * Runs `trials` kill trials of `subject`. Never throws for a problem in the
 * backup: every problem is collected into `problems`, with the trial's seed,
 * so one run of the loop reports all of them.
 */
export async function crashTrials(
  subject: CrashSubject,
  options: { trials: number; seed: number; maxKillsInARow?: number },
): Promise<CrashFigures> {
  const started = performance.now();
  const figures: CrashFigures = {
    command: subject.name,
    seed: options.seed,
    trials: options.trials,
    kills: 0,
    endedFirst: 0,
    phases: {},
    items: 0,
    verified: 0,
    problems: [],
    seconds: 0,
  };
  // Kill moments are spread over a typical run's length, learnt as we go.
  let typical = 1200;
  for (let trial = 0; trial < options.trials; trial++) {
    const trialSeed = options.seed * 1000 + trial;
    const rng = new Rng(trialSeed);
    await using scenario = await subject.prepare(rng, trial);
    const where = `trial ${trial} (seed ${trialSeed}, ${scenario.label})`;
    const note = (stage: string, found: BackupProblems) => {
      figures.verified += found.verified;
      for (const p of found.problems) {
        figures.problems.push(`${where}, ${stage}: ${p}`);
      }
    };
    const kills = rng.int(1, options.maxKillsInARow ?? 2);
    for (let k = 0; k < kills; k++) {
      // A run that ends before its kill moment is checked as a whole run,
      // and the kill is tried again on the next one (a few times): how fast
      // a run goes must not decide whether the trial kills anything.
      for (let attempt = 1; attempt <= KILL_ATTEMPTS; attempt++) {
        const handle = scenario.start();
        const moment = scenario.killMoment(rng, typical);
        const r = await runAndKill(handle, moment);
        if (r.killedWith) {
          figures.kills++;
          const phase = scenario.phase();
          figures.phases[phase] = (figures.phases[phase] ?? 0) + 1;
          note(
            `after kill ${k + 1} (${moment.what}, ${phase})`,
            await scenario.check(false),
          );
          break;
        }
        figures.endedFirst++;
        typical = Math.max(MIN_TYPICAL_MS, typical * 0.7 + r.ms * 0.3);
        expectClean(r, where, figures);
        note("run that ended before its kill", await scenario.check(true));
      }
    }
    const last = await scenario.start().done;
    typical = Math.max(MIN_TYPICAL_MS, typical * 0.7 + last.ms * 0.3);
    expectClean(last, where, figures);
    note("after the completing run", await scenario.check(true));
    figures.items += scenario.items();
  }
  figures.seconds = Math.round((performance.now() - started) / 100) / 10;
  return figures;
}

function expectClean(r: TimedResult, where: string, figures: CrashFigures) {
  if (r.code !== 0) {
    figures.problems.push(
      `${where}: the completing run exited ${r.code}: ${r.stderr.slice(-800)}`,
    );
  }
}
