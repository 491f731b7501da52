import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ConstantEvaluator } from '@vit-opt/graph';
import { errorLine } from './error-line.js';
import { checkRoundTrip } from './round-trip.js';
import { checkAgainstReference, establishReference, type Verdict } from './runtime-check.js';
import { checkSimplify, type SimplifyOutcome } from './simplify-check.js';
import type { TestCase } from './test-suite.js';

/** Everything the conformance run found out about one model of the suite. */
export interface ModelResult {
  readonly id: string;
  readonly group: string;
  /** Round trip faithful, and no runtime or simplify failure. */
  readonly passed: boolean;
  /** One line per failure, prefixed with the check that failed. */
  readonly failures: readonly string[];
  readonly roundTripEqual: boolean;
  /** The saved model's outputs. Absent when the model did not load. */
  readonly runtime?: Verdict;
  /** The simplified model's outputs. Absent when the model did not load. */
  readonly simplify?: Verdict & Omit<SimplifyOutcome, 'verdict'>;
  readonly durationMs: number;
}

/** Round trip (a), runtime (b) and simplify (c) of one test case, in a scratch folder of its own. */
export async function checkModel(
  testCase: TestCase,
  scratchDir: string,
  evaluator: ConstantEvaluator,
): Promise<ModelResult> {
  const started = performance.now();
  const workDir = join(scratchDir, testCase.id.replaceAll('/', '__'));
  mkdirSync(workDir, { recursive: true });
  const finish = (
    result: Omit<ModelResult, 'id' | 'group' | 'passed' | 'durationMs'>,
  ): ModelResult => ({
    id: testCase.id,
    group: testCase.group,
    passed: result.failures.length === 0,
    ...result,
    durationMs: performance.now() - started,
  });
  const failures: string[] = [];
  let roundTripEqual = false;
  try {
    const roundTrip = checkRoundTrip(testCase.modelPath, workDir);
    // A model that does not load fails as a whole; otherwise the round trip is one check of three.
    if (!roundTrip.loaded) return finish({ failures: [roundTrip.failure], roundTripEqual });
    roundTripEqual = roundTrip.failure === undefined;
    if (!roundTripEqual) failures.push(`round trip: ${roundTrip.failure}`);

    const reference = await establishReference(testCase, roundTrip.model);

    const runtime: Verdict =
      roundTrip.savedPath === undefined
        ? { comparedWith: 'nothing', failure: 'not run: the model could not be saved' }
        : await checkAgainstReference(roundTrip.savedPath, reference, 'saved');
    if (runtime.failure !== undefined) failures.push(`runtime: ${runtime.failure}`);

    const { verdict, ...simplified } = await checkSimplify(
      testCase.modelPath,
      workDir,
      reference,
      evaluator,
    );
    if (verdict.failure !== undefined) failures.push(`simplify: ${verdict.failure}`);
    return finish({ failures, roundTripEqual, runtime, simplify: { ...verdict, ...simplified } });
  } catch (error) {
    // Reading the test data, converting tensors: anything unforeseen is ours to fix.
    failures.push(`error: ${errorLine(error)}`);
    return finish({ failures, roundTripEqual });
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
