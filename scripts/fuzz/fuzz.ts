/**
 * The fuzz suite (`npm run test:fuzz`): seeded mutants of the committed fixtures, made at run time
 * in a temp folder, each run through the built `vit-opt` with a time limit and classified. Models
 * (truncated, flipped, overwritten, wrong message, bad dims, dangling inputs, cycles, odd opsets,
 * unknown operators, hostile external data) go through inspect, simplify, quantize --mode
 * dynamic, prune --heads 1 and resize; broken image folders and manifests through eval; invalid values through every flag of
 * every command; SIGINT/SIGTERM at random moments through the commands that write; two writers
 * at once through one output path. Passes when every run is a clean error (non-zero exit, one
 * line, no stack trace, nothing written) or a success whose outputs are valid (a model loads in
 * onnxruntime-node, results read back). FUZZ_CASES (default 40 model mutants; the other groups
 * scale with it) and FUZZ_SEED (default 1) change the cases; FUZZ_JOBS the runs at a time (2).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readResults } from '../../packages/eval/src/results/results-file.js';
import { InferenceSession } from 'onnxruntime-node';
import { GOOD_OUTCOMES, OUTCOMES, judge, type Outcome, type Verdict } from './classify.js';
import { writeImageCase } from './image-mutants.js';
import { FIXTURES, writeModelMutant } from './model-mutants.js';
import { optionCases } from './option-cases.js';
import { Random } from './random.js';
import { BIN, exists, runCli, type CliRun } from './run-cli.js';
import { runSignalCase, signalCase } from './signal-cases.js';
import { runWriterCase, setUpWriters } from './writer-cases.js';
import { loadModel, saveModel } from '@vit-opt/graph';

const CASES = positive('FUZZ_CASES', 40);
const SEED = positive('FUZZ_SEED', 1, 0);
const JOBS = positive('FUZZ_JOBS', 2);
const TIMEOUT_MS = positive('FUZZ_TIMEOUT_MS', 60_000);

function positive(name: string, fallback: number, min = 1): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text) || Number(text) < min) {
    console.error(`${name}=${text}: must be a whole number ≥ ${min}`);
    process.exit(2);
  }
  return Number(text);
}

interface Result extends Verdict {
  readonly group: string;
  readonly name: string;
  readonly command: string;
}

/** Loads a model written by a run in onnxruntime-node: a success must be a model it runs. */
async function modelLoads(path: string): Promise<string | undefined> {
  try {
    const session = await InferenceSession.create(path, { graphOptimizationLevel: 'disabled', logSeverityLevel: 4 });
    await session.release();
    return undefined;
  } catch (error) {
    return `onnxruntime cannot load ${path}: ${(error as Error).message.split('\n')[0]}`;
  }
}

async function resultsRead(path: string): Promise<string | undefined> {
  try {
    await readResults(path);
    return undefined;
  } catch (error) {
    return `${path}: ${(error as Error).message}`;
  }
}

/** Runs `jobs` with at most JOBS at a time, in order of start. */
async function pool<T>(jobs: Array<() => Promise<T>>, onDone: (done: number) => void): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
      onDone(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(JOBS, jobs.length) }, worker));
  return results;
}

function caseDir(root: string, name: string): { dir: string; input: string; out: string } {
  const dir = join(root, name);
  const input = join(dir, 'in');
  const out = join(dir, 'out');
  mkdirSync(input, { recursive: true });
  mkdirSync(out, { recursive: true });
  return { dir, input, out };
}

async function main(): Promise<void> {
  if (!exists(BIN) || !exists(join(BIN, '..', '..', 'dist', 'main.js'))) {
    console.error('packages/cli is not built: run `npx tsc -b packages/cli` (npm ci does) first');
    process.exit(2);
  }
  const started = performance.now();
  const root = mkdtempSync(join(tmpdir(), 'vit-opt-fuzz-'));
  const random = new Random(SEED);
  // An eval shard for merge to take (signals, options).
  const shard = join(root, 'shard.json');
  const shardRun = await runCli(
    ['eval', join(FIXTURES, 'models', 'vit-tiny-hf', 'model.onnx'), '--data', join(FIXTURES, 'data', 'fashion-mnist', 'val'), '--limit', '8', '--shard', '1/1', '-o', shard],
    { timeoutMs: TIMEOUT_MS, cwd: root },
  );
  if (shardRun.code !== 0) throw new Error(`making a shard to merge failed: ${shardRun.stderr}`);
  const jobs: Array<() => Promise<Result>> = [];
  const judged = (group: string, name: string, run: CliRun, verdict: Verdict): Result => ({
    group,
    name,
    command: `vit-opt ${run.args.join(' ')}`,
    ...verdict,
  });

  // Models: each mutant through inspect, simplify, quantize --mode dynamic, prune and resize.
  for (let i = 0; i < CASES; i++) {
    const r = random.fork();
    const { dir, input } = caseDir(root, `model-${i}`);
    const mutant = writeModelMutant(input, r);
    const model = join(input, 'model.onnx');
    const name = `${mutant.fixture}: ${mutant.kind} (${mutant.detail})`;
    // The commands of a mutant may run at once: each writes in a folder of its own, and
    // is held to the temp files there and in the input's folder.
    const outOf = (command: string): string => {
      const out = join(dir, command);
      mkdirSync(out);
      return out;
    };
    const inspectOut = outOf('inspect');
    jobs.push(async () => {
      const run = await runCli(['inspect', model], { timeoutMs: TIMEOUT_MS, cwd: inspectOut });
      const validate = async (r: CliRun) => (r.stdout.trim() === '' ? 'exit 0 but printed nothing' : undefined);
      return judged('models', name, run, await judge(run, { outputs: [], folders: [input, inspectOut], validate }));
    });
    for (const [command, extra] of [
      ['simplify', []],
      ['quantize', ['--mode', 'dynamic']],
      ['prune', ['--heads', '1']],
      ['resize', ['--size', '35']],
    ] as const) {
      const out = outOf(command);
      const output = join(out, 'model.onnx');
      jobs.push(async () => {
        const run = await runCli([command, model, '-o', output, ...extra], { timeoutMs: TIMEOUT_MS, cwd: out });
        const expectation = { outputs: [output], folders: [input, out], validate: () => modelLoads(output) };
        return judged('models', name, run, await judge(run, expectation));
      });
    }
  }

  // Images: broken folders and manifests through eval.
  const model = join(FIXTURES, 'models', 'vit-tiny-hf', 'model.onnx');
  for (let i = 0; i < Math.ceil(CASES / 4); i++) {
    const r = random.fork();
    const { dir, out } = caseDir(root, `images-${i}`);
    const images = writeImageCase(dir, r);
    const output = join(out, 'results.json');
    jobs.push(async () => {
      const run = await runCli(['eval', model, '--data', images.data, '--batch', '2', '-o', output, ...images.flags], {
        timeoutMs: TIMEOUT_MS,
        cwd: out,
      });
      return judged('images', images.detail, run, await judge(run, { outputs: [output], folders: [dir, out], validate: () => resultsRead(output) }));
    });
  }

  // Options: every flag of every command, with values it must refuse.
  for (const c of optionCases(join(root, 'options'), random.fork(), Math.ceil(CASES / 40), shard)) {
    jobs.push(async () => {
      const folders = [join(c.outputs[0]!, '..')];
      // Run in the case's folder: whatever a run writes by a relative (or empty) path lands there.
      const run = await runCli(c.args, { timeoutMs: TIMEOUT_MS, cwd: folders[0]! });
      let verdict = await judge(run, {
        outputs: c.outputs,
        requireOutputs: false,
        folders,
        errorCodes: c.expect === 'usage' ? [2] : [1, 2],
      });
      if (c.expect === 'usage' && (run.code === 0 || run.code === 1) && GOOD_OUTCOMES.has(verdict.outcome)) {
        verdict = { outcome: 'invalid value accepted', detail: `exit ${run.code}` };
      } else if (c.expect === 'usage' && verdict.outcome === 'crash' && run.code === 1) {
        verdict = { outcome: 'invalid value accepted', detail: `exit 1: ${run.stderr.split('\n')[0]}` };
      }
      const value = c.value === undefined ? '=x' : JSON.stringify(c.value);
      return judged('options', `${c.command} ${c.flag} ${value}`, run, verdict);
    });
  }

  // Signals: SIGINT or SIGTERM at a random moment of a command that writes.
  const sideFileSource = join(root, 'side-file-source', 'model.onnx');
  saveModel(loadModel(model), sideFileSource, { externalData: true });
  for (let i = 0; i < Math.ceil(CASES / 5); i++) {
    const { out } = caseDir(root, `signal-${i}`);
    const c = signalCase(out, sideFileSource, shard, random.fork());
    jobs.push(async () => {
      const validate = (): Promise<string | undefined> =>
        c.outputs[0]!.endsWith('.onnx') ? modelLoads(c.outputs[0]!) : resultsRead(c.outputs[0]!);
      const { run, ...verdict } = await runSignalCase(c, out, TIMEOUT_MS, validate);
      return judged('signals', c.name, run, verdict);
    });
  }

  // Concurrent writers of one output path.
  const writerCount = Math.ceil(CASES / 10);
  const writers = writerCount > 0 ? await setUpWriters(join(root, 'writers'), TIMEOUT_MS) : undefined;
  for (let i = 0; i < writerCount; i++) {
    const { out } = caseDir(root, `writers-${i}`);
    const r = random.fork();
    jobs.push(async () => {
      const { runs, name, ...verdict } = await runWriterCase(writers!, out, r, TIMEOUT_MS);
      return { group: 'writers', name, command: runs.map((run) => `vit-opt ${run.args.join(' ')}`).join(' & '), ...verdict };
    });
  }

  const tty = process.stderr.isTTY;
  const results = await pool(jobs, (done) => {
    if (tty) process.stderr.write(`\rfuzz ${done}/${jobs.length}`);
  });
  if (tty) process.stderr.write('\r\x1b[K');
  report(results, (performance.now() - started) / 1000, root);
}

function report(results: readonly Result[], seconds: number, root: string): void {
  const groups = [...new Set(results.map((r) => r.group))];
  const count = (group: string | undefined, outcome: Outcome) =>
    results.filter((r) => (group === undefined || r.group === group) && r.outcome === outcome).length;
  const width = Math.max(...OUTCOMES.map((o) => o.length));
  console.log(`fuzz: seed ${SEED}, ${CASES} cases, ${results.length} runs in ${seconds.toFixed(0)} s (${JOBS} at a time)`);
  console.log(`${''.padEnd(width)}  ${groups.map((g) => g.padStart(8)).join('')}     total`);
  for (const outcome of OUTCOMES) {
    const total = count(undefined, outcome);
    if (total === 0 && !GOOD_OUTCOMES.has(outcome)) continue;
    console.log(`${outcome.padEnd(width)}  ${groups.map((g) => String(count(g, outcome)).padStart(8)).join('')}${String(total).padStart(10)}`);
  }
  const bad = results.filter((r) => !GOOD_OUTCOMES.has(r.outcome));
  for (const r of bad.slice(0, 40)) {
    console.log(`\n${r.outcome}: [${r.group}] ${r.name}\n  ${r.command}\n  ${r.detail ?? ''}`);
  }
  if (bad.length > 40) console.log(`\n… and ${bad.length - 40} more`);
  if (bad.length === 0) {
    rmSync(root, { recursive: true, force: true });
    console.log('\nPASS: every run ended in a clean error or a valid success');
  } else {
    console.log(`\nFAIL: ${bad.length} of ${results.length} runs (the cases are kept in ${root})`);
    process.exitCode = 1;
  }
}

await main();
