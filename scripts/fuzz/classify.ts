import { exists, hasStackTrace, messageLines, temporaryFiles, type CliRun } from './run-cli.js';

/** What a run came to. The first two are fine; anything else fails the suite. */
export const OUTCOMES = [
  'clean error',
  'success with valid output',
  'crash',
  'hang',
  'stack trace',
  'leftover file',
  'invalid output',
  'messy error',
  'invalid value accepted',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const GOOD_OUTCOMES: ReadonlySet<Outcome> = new Set(['clean error', 'success with valid output']);

export interface Verdict {
  readonly outcome: Outcome;
  /** Why, for a bad outcome: what to look at first. */
  readonly detail?: string;
}

export interface Expectation {
  /** Files the run writes on success, none of which may exist after a failure. */
  readonly outputs: readonly string[];
  /** Whether a success must have written every one of `outputs` (default true). */
  readonly requireOutputs?: boolean;
  /** Folders to search for temp files left behind (the inputs' and the outputs'). */
  readonly folders: readonly string[];
  /** Checks a success: undefined when the outputs are what they should be, else why not. */
  readonly validate?: (run: CliRun) => Promise<string | undefined>;
  /** Exit codes of a clean error (default 1 and 2). */
  readonly errorCodes?: readonly number[];
}

const firstLines = (text: string): string => text.trim().split('\n').slice(0, 3).join(' ⏎ ').slice(0, 400);

/**
 * Clean error: a non-zero exit among `errorCodes`, one message line (plus the usage line after a
 * usage error), no stack trace, no output and no temp file left. Success: exit 0, every output
 * there and valid, no temp file left.
 */
export async function judge(run: CliRun, expect: Expectation): Promise<Verdict> {
  if (run.timedOut) return { outcome: 'hang', detail: `killed after ${Math.round(run.ms)} ms` };
  if (run.signal !== null) return { outcome: 'crash', detail: `ended by ${run.signal}` };
  if (hasStackTrace(run.stderr) || hasStackTrace(run.stdout)) {
    return { outcome: 'stack trace', detail: firstLines(run.stderr) };
  }
  if (run.code === 70 || /^internal error/m.test(run.stderr)) {
    return { outcome: 'crash', detail: firstLines(run.stderr) };
  }
  const temps = temporaryFiles(expect.folders);
  if (temps.length > 0) return { outcome: 'leftover file', detail: `temp files: ${temps.join(', ')}` };
  if (run.code !== 0) {
    if (!(expect.errorCodes ?? [1, 2]).includes(run.code!)) {
      return { outcome: 'crash', detail: `exit ${run.code}: ${firstLines(run.stderr)}` };
    }
    const partial = expect.outputs.filter(exists);
    if (partial.length > 0) {
      return { outcome: 'leftover file', detail: `exit ${run.code} but wrote ${partial.join(', ')}` };
    }
    const lines = messageLines(run.stderr);
    const usage = run.code === 2 && lines.length === 2 && lines[1]!.startsWith('Usage: ');
    if ((lines.length === 1 || usage) && /^(error: |interrupted )/.test(lines[0]!)) {
      return { outcome: 'clean error' };
    }
    return { outcome: 'messy error', detail: `exit ${run.code}: ${firstLines(run.stderr)}` };
  }
  const missing = (expect.requireOutputs ?? true) ? expect.outputs.filter((path) => !exists(path)) : [];
  if (missing.length > 0) return { outcome: 'invalid output', detail: `exit 0 but no ${missing.join(', ')}` };
  const problem = await expect.validate?.(run);
  if (problem !== undefined) return { outcome: 'invalid output', detail: problem };
  return { outcome: 'success with valid output' };
}
