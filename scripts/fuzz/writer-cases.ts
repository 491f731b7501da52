import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataType, Tensor, decodeTensor, loadModel, saveModel } from '@vit-opt/graph';
import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import type { Verdict } from './classify.js';
import { judge } from './classify.js';
import { FIXTURES } from './model-mutants.js';
import type { Random } from './random.js';
import { runCli, type CliRun } from './run-cli.js';

const FIXTURE = join(FIXTURES, 'models', 'vit-tiny-hf');

/** The fixture's logits for its test input, as onnxruntime computes them from `modelPath`. */
export async function logitsOf(modelPath: string): Promise<Float32Array> {
  const input = decodeTensor(readFileSync(join(FIXTURE, 'test_data_set_0', 'input_0.pb')));
  const session = await InferenceSession.create(modelPath);
  try {
    const feeds = { [session.inputNames[0]!]: new OrtTensor('float32', input.float32(), [...input.dims]) };
    const output = (await session.run(feeds))[session.outputNames[0]!]!;
    return Float32Array.from(output.data as Float32Array);
  } finally {
    await session.release();
  }
}

export interface WriterSetup {
  /** Two models of the same shape and different weights, each with a side file. */
  readonly sources: readonly [string, string];
  /** For each command, the logits of its output for each source. */
  readonly expected: ReadonlyMap<string, readonly [Float32Array, Float32Array]>;
}

const COMMANDS: Record<string, (source: string, output: string) => string[]> = {
  simplify: (source, output) => ['simplify', source, '-o', output, '--no-fold'],
  quantize: (source, output) => ['quantize', source, '-o', output, '--mode', 'dynamic'],
};

/** Two sources (the fixture, and it with its classifier bias raised) and what each command makes of them. */
export async function setUpWriters(root: string, timeoutMs: number): Promise<WriterSetup> {
  const sources: [string, string] = [join(root, 'a', 'model.onnx'), join(root, 'b', 'model.onnx')];
  for (const [i, path] of sources.entries()) {
    mkdirSync(join(path, '..'), { recursive: true });
    const model = loadModel(join(FIXTURE, 'model.onnx'));
    if (i === 1) {
      const bias = model.graph.initializers.find((v) => v.name.includes('classifier') && v.name.endsWith('bias'))!;
      const values = Float32Array.from(bias.initializer!.float32(), (x, k) => x + (k % 2 === 0 ? 1 : -1));
      model.graph.setInitializer(bias, Tensor.fromArray({ dtype: DataType.FLOAT, dims: bias.initializer!.dims }, values));
    }
    saveModel(model, path, { externalData: true, externalDataThresholdBytes: 256 });
  }
  const expected = new Map<string, [Float32Array, Float32Array]>();
  for (const [name, args] of Object.entries(COMMANDS)) {
    const logits: Float32Array[] = [];
    for (const [i, source] of sources.entries()) {
      const output = join(root, `reference-${name}-${i}`, 'model.onnx');
      const run = await runCli(args(source, output), { timeoutMs, cwd: root });
      if (run.code !== 0) throw new Error(`setting up the writers: ${run.args.join(' ')} failed: ${run.stderr}`);
      logits.push(await logitsOf(output));
    }
    expected.set(name, logits as [Float32Array, Float32Array]);
  }
  return { sources, expected };
}

const same = (a: Float32Array, b: Float32Array): boolean =>
  a.length === b.length && a.every((x, i) => Math.abs(x - b[i]!) <= 1e-6 * Math.max(1, Math.abs(x)));

/**
 * Two runs of one command writing the same output path at once (the second started 0–300 ms
 * after the first): both must end well, and the model left must be one of the two complete
 * results, with that run's own side file (its logits are one run's, not a mix).
 */
export async function runWriterCase(
  setup: WriterSetup,
  out: string,
  random: Random,
  timeoutMs: number,
): Promise<Verdict & { name: string; runs: CliRun[] }> {
  const command = random.pick(Object.keys(COMMANDS));
  const stagger = random.int(0, 300);
  const output = join(out, 'model.onnx');
  const order = random.next() < 0.5 ? [0, 1] : [1, 0];
  const name = `${command} ×2, ${stagger} ms apart`;
  const runs = await Promise.all(
    order.map(async (source, k) => {
      if (k === 1) await new Promise((resolve) => setTimeout(resolve, stagger));
      return runCli(COMMANDS[command]!(setup.sources[source]!, output), { timeoutMs, cwd: out });
    }),
  );
  for (const run of runs) {
    const verdict = await judge(run, { outputs: [output], folders: [out] });
    if (verdict.outcome !== 'success with valid output') return { ...verdict, name, runs };
  }
  let logits: Float32Array;
  try {
    logits = await logitsOf(output);
  } catch (error) {
    return { outcome: 'invalid output', detail: `onnxruntime: ${(error as Error).message.slice(0, 200)}`, name, runs };
  }
  const [a, b] = setup.expected.get(command)!;
  if (!same(logits, a) && !same(logits, b)) {
    return { outcome: 'invalid output', detail: 'the model left computes neither run’s result: one run’s model with the other’s data?', name, runs };
  }
  return { outcome: 'success with valid output', name, runs };
}
