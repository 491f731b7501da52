import type { Model, Tensor } from '@vit-opt/graph';
import { readDataSetValues, type DataSetValues } from './data-set-values.js';
import { runOnDataSets } from './onnxruntime-run.js';
import { BACKEND_TOLERANCE, describeOutputsMismatch, type MatchOptions } from './output-match.js';
import type { TestCase } from './test-suite.js';

/** Why a model's outputs could not be held against the suite's expected outputs. */
export const NOT_CHECKED_CATEGORIES = {
  'no-data': 'the test has no data set',
  'not-tensors': 'inputs or outputs are not plain tensors',
  load: 'onnxruntime cannot load the original',
  feed: "onnxruntime-node cannot take an input's element type",
  fetch: "onnxruntime-node cannot return an output's type",
  run: 'onnxruntime fails running the original',
  random: 'outputs are random: only element types and shapes are compared',
  differs: "onnxruntime's outputs for the original differ from the expected ones",
} as const;

export type NotCheckedCategory = keyof typeof NOT_CHECKED_CATEGORIES;

export interface NotChecked {
  readonly category: NotCheckedCategory;
  readonly reason: string;
}

/**
 * What a saved or simplified model's outputs were held against: the suite's expected outputs,
 * onnxruntime's outputs for the original (when those differ from the expected ones), or nothing
 * (when onnxruntime cannot run the original at all).
 */
export interface Verdict {
  readonly comparedWith: 'expected' | 'original-on-onnxruntime' | 'nothing';
  readonly notChecked?: NotChecked;
  /** Set when the model failed; a failure of ours. */
  readonly failure?: string;
}

/** The yardstick for a test's saved and simplified models, from onnxruntime's run of the original. */
export type Reference =
  | {
      readonly kind: 'expected';
      readonly dataSets: readonly DataSetValues[];
      readonly match: MatchOptions;
    }
  | {
      readonly kind: 'original-on-onnxruntime';
      readonly dataSets: readonly DataSetValues[];
      readonly outputs: ReadonlyArray<ReadonlyMap<string, Tensor>>;
      readonly match: MatchOptions;
      readonly notChecked: NotChecked;
    }
  | { readonly kind: 'nothing'; readonly notChecked: NotChecked };

/**
 * Ops whose outputs are random: onnxruntime's generator is not numpy's, so even seeded ones cannot
 * reproduce the expected values, and unseeded ones differ from run to run. (Dropout in training
 * mode is random too, but every such test in the suite seeds it, and onnxruntime then repeats its
 * own values: those tests are compared like any other.)
 */
const RANDOM_OPS = new Set([
  'Bernoulli',
  'Multinomial',
  'RandomNormal',
  'RandomNormalLike',
  'RandomUniform',
  'RandomUniformLike',
]);

/** Runs the original model on its test data and decides what later runs are compared with. */
export async function establishReference(testCase: TestCase, model: Model): Promise<Reference> {
  if (testCase.dataSets.length === 0) {
    return nothing('no-data', 'no test_data_set folder');
  }
  const readings = testCase.dataSets.map((dataSet) => readDataSetValues(dataSet, model));
  const dataSets = readings.flatMap((reading) => (reading.tensors ? [reading.values] : []));
  if (dataSets.length === 0) {
    const reasons = readings.flatMap((reading) => (reading.tensors ? [] : [reading.reason]));
    return nothing('not-tensors', reasons[0]!);
  }
  const outcome = await runOnDataSets(testCase.modelPath, dataSets);
  if (!outcome.ran) return nothing(outcome.stage, outcome.reason);
  const originalOutputs = (notChecked: NotChecked, match: MatchOptions): Reference => ({
    kind: 'original-on-onnxruntime',
    dataSets,
    outputs: outcome.outputs,
    match,
    notChecked,
  });
  const randomOp = findRandomOp(model);
  if (randomOp !== undefined) {
    const reason = `${randomOp} draws random numbers`;
    return originalOutputs(
      { category: 'random', reason },
      { tolerance: BACKEND_TOLERANCE, compareValues: false },
    );
  }
  const match: MatchOptions = { tolerance: BACKEND_TOLERANCE, compareValues: true };
  const mismatch = firstMismatch(
    outcome.outputs,
    dataSets.map((set) => set.expected),
    match,
  );
  if (mismatch === undefined) return { kind: 'expected', dataSets, match };
  return originalOutputs({ category: 'differs', reason: mismatch }, match);
}

/** Runs a model derived from the original (saved, simplified) and holds it to the reference. */
export async function checkAgainstReference(
  modelPath: string,
  reference: Reference,
  what: string,
): Promise<Verdict> {
  if (reference.kind === 'nothing') {
    return { comparedWith: 'nothing', notChecked: reference.notChecked };
  }
  const outcome = await runOnDataSets(modelPath, reference.dataSets);
  const comparedWith = reference.kind;
  const notChecked = reference.kind === 'expected' ? undefined : reference.notChecked;
  if (!outcome.ran) {
    const failure = `onnxruntime ran the original but not the ${what} model (${outcome.stage}): ${outcome.reason}`;
    return { comparedWith, notChecked, failure };
  }
  const wanted =
    reference.kind === 'expected'
      ? reference.dataSets.map((set) => set.expected)
      : reference.outputs;
  const mismatch = firstMismatch(outcome.outputs, wanted, reference.match);
  if (mismatch === undefined) return { comparedWith, notChecked };
  const against =
    reference.kind === 'expected'
      ? 'the expected outputs'
      : "onnxruntime's outputs for the original";
  return {
    comparedWith,
    notChecked,
    failure: `the ${what} model differs from ${against}: ${mismatch}`,
  };
}

function firstMismatch(
  actual: ReadonlyArray<ReadonlyMap<string, Tensor>>,
  expected: ReadonlyArray<ReadonlyMap<string, Tensor>>,
  match: MatchOptions,
): string | undefined {
  for (const [i, want] of expected.entries()) {
    const mismatch = describeOutputsMismatch(actual[i]!, want, match);
    if (mismatch === undefined) continue;
    return expected.length > 1 ? `data set ${i}: ${mismatch}` : mismatch;
  }
  return undefined;
}

function findRandomOp(model: Model): string | undefined {
  for (const node of model.graph.allNodes()) if (RANDOM_OPS.has(node.opType)) return node.opType;
  return undefined;
}

function nothing(category: NotCheckedCategory, reason: string): Reference {
  return { kind: 'nothing', notChecked: { category, reason } };
}
