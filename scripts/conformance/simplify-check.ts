import { join } from 'node:path';
import {
  loadModel,
  saveModel,
  simplify,
  validateModel,
  type ConstantEvaluator,
  type Model,
  type SimplifyReport,
} from '@vit-opt/graph';
import { errorLine } from './error-line.js';
import { checkAgainstReference, type Reference, type Verdict } from './runtime-check.js';

export interface SimplifyOutcome {
  readonly verdict: Verdict;
  readonly nodesBefore?: number;
  readonly nodesAfter?: number;
  /** The notes of the passes that changed the model ("folded 3 constant values"). */
  readonly changes?: readonly string[];
}

/**
 * Simplifies the original model with constant folding on onnxruntime, checks that the result is
 * a valid graph that saves and loads again, and holds its outputs to the same reference as the
 * saved model's.
 */
export async function checkSimplify(
  modelPath: string,
  workDir: string,
  reference: Reference,
  evaluator: ConstantEvaluator,
): Promise<SimplifyOutcome> {
  const failed = (failure: string): SimplifyOutcome => ({
    verdict: { comparedWith: 'nothing', failure },
  });
  let model: Model;
  let report: SimplifyReport;
  try {
    model = loadModel(modelPath);
    report = await simplify(model, { evaluator, validate: true });
  } catch (error) {
    return failed(errorLine(error));
  }
  const counts = {
    nodesBefore: report.nodesBefore,
    nodesAfter: report.nodesAfter,
    changes: report.steps.filter((step) => step.modified).flatMap((step) => step.notes),
  };
  const issues = validateModel(model);
  if (issues.length > 0) {
    const first = issues[0]!;
    return { ...counts, ...failed(`invalid after simplify: ${first.subject}: ${first.message}`) };
  }
  const simplifiedPath = join(workDir, 'simplified.onnx');
  try {
    saveModel(model, simplifiedPath);
    loadModel(simplifiedPath);
  } catch (error) {
    return { ...counts, ...failed(`save and reload: ${errorLine(error)}`) };
  }
  return {
    ...counts,
    verdict: await checkAgainstReference(simplifiedPath, reference, 'simplified'),
  };
}
