import { join } from 'node:path';
import type { Verdict } from './classify.js';
import { judge, type Expectation } from './classify.js';
import { FIXTURES } from './model-mutants.js';
import type { Random } from './random.js';
import { exists, messageLines, runCli, temporaryFiles, type CliRun } from './run-cli.js';

const MODEL = join(FIXTURES, 'models', 'vit-tiny-hf', 'model.onnx');
const VAL = join(FIXTURES, 'data', 'fashion-mnist', 'val');

export interface SignalCase {
  readonly name: string;
  readonly args: string[];
  readonly outputs: string[];
  readonly signal: 'SIGINT' | 'SIGTERM';
  readonly delayMs: number;
}

/** A command that writes, a signal, and a moment to send it (0–2.5 s after the start). */
export function signalCase(out: string, externalModel: string, shard: string, random: Random): SignalCase {
  const signal = random.pick(['SIGINT', 'SIGTERM'] as const);
  const delayMs = random.int(0, 2500);
  const pick = random.pick([
    ['simplify', [MODEL, '-o', join(out, 'model.onnx')], [join(out, 'model.onnx')]],
    ['simplify with side file', [externalModel, '-o', join(out, 'model.onnx'), '--no-fold'], [join(out, 'model.onnx')]],
    ['quantize', [MODEL, '-o', join(out, 'model.onnx'), '--mode', 'dynamic'], [join(out, 'model.onnx')]],
    ['eval', [MODEL, '--data', VAL, '--limit', '96', '--batch', '8', '-o', join(out, 'results.json')], [join(out, 'results.json')]],
    ['bench', [MODEL, '--runs', '300', '--batch', '1', '--threads', '1', '-o', join(out, 'bench.json')], [join(out, 'bench.json')]],
    ['merge', [shard, '-o', join(out, 'merged.json')], [join(out, 'merged.json')]],
  ] as const);
  const [name, args, outputs] = pick;
  const command = name.split(' ')[0]!;
  return { name: `${name} + ${signal} at ${delayMs} ms`, args: [command, ...args], outputs: [...outputs], signal, delayMs };
}

/**
 * Sends the signal at its moment. Fine: 130 (SIGINT) or 143 (SIGTERM) with one line and nothing
 * written; or exit 0 with every output complete, when the signal came after the outputs were
 * committed; or, for a signal during Node's own start-up before any handler, the process ended by
 * it with nothing written; or, for one during Node's own exit after the run, ended by it with every
 * output complete and valid. Never a temp file.
 */
export async function runSignalCase(
  c: SignalCase,
  out: string,
  timeoutMs: number,
  validate: Expectation['validate'],
): Promise<Verdict & { run: CliRun }> {
  const run = await runCli(c.args, {
    timeoutMs,
    cwd: out,
    onStart: (child) => {
      setTimeout(() => child.kill(c.signal), c.delayMs);
    },
  });
  const temps = temporaryFiles([out]);
  const written = c.outputs.filter(exists);
  if (run.timedOut) return { outcome: 'hang', run };
  if (temps.length > 0) return { outcome: 'leftover file', detail: temps.join(', '), run };
  if (run.signal !== null) {
    if (run.signal === c.signal && written.length === 0) return { outcome: 'clean error', run };
    if (run.signal === c.signal && written.length === c.outputs.length) {
      // The run had finished and committed: the signal came while Node itself was exiting, after
      // its handlers were gone (measured: 3 of 60 SIGTERMs sent near the end of a 0.44 s simplify,
      // each after the summary was printed). Fine if what it wrote is whole.
      const problem = await validate?.(run);
      if (problem === undefined) return { outcome: 'success with valid output', run };
      return { outcome: 'invalid output', detail: `ended by ${run.signal} after writing: ${problem}`, run };
    }
    return { outcome: 'crash', detail: `ended by ${run.signal}, wrote ${written.join(', ')}`, run };
  }
  const expected = c.signal === 'SIGINT' ? 130 : 143;
  if (run.code === expected) {
    if (written.length > 0) return { outcome: 'leftover file', detail: `exit ${expected} but wrote ${written.join(', ')}`, run };
    const lines = messageLines(run.stderr);
    const line = `interrupted (${c.signal === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM'}): no results written`;
    return lines.length === 1 && lines[0] === line
      ? { outcome: 'clean error', run }
      : { outcome: 'messy error', detail: run.stderr.slice(0, 300), run };
  }
  const verdict = await judge(run, { outputs: c.outputs, folders: [out], ...(validate ? { validate } : {}), errorCodes: [] });
  return { ...verdict, run };
}
