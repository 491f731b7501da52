import type { Model } from '../ir/model.js';
import { constantsToInitializers } from './constant-to-initializer.js';
import { eliminateDeadCode } from './dead-code.js';
import { foldConstants } from './fold-constants.js';
import { foldStaticShapes } from './fold-static-shapes.js';
import { runPasses, type PassStep } from './manager.js';
import type { ConstantEvaluator, Pass } from './pass.js';
import { removeIdentityNodes } from './remove-identity.js';
import { shareIdenticalInitializers } from './share-initializers.js';

/** The clean-up every PyTorch export needs before quantization, in the order they run. */
export function simplifyPasses(): Pass[] {
  return [
    constantsToInitializers,
    removeIdentityNodes,
    foldStaticShapes,
    foldConstants,
    eliminateDeadCode,
    shareIdenticalInitializers,
  ];
}

export interface SimplifyOptions {
  /** Evaluates constant subgraphs; without one, general constant folding is skipped. */
  evaluator?: ConstantEvaluator;
  /** Validate the model after every pass (default true). */
  validate?: boolean;
  /** Refuse a model that is broken before any pass ran (default true; see runPasses). */
  validateInput?: boolean;
  /** Checked between passes: once aborted, simplify stops with the signal's reason. */
  signal?: AbortSignal;
}

export interface SimplifyReport {
  modified: boolean;
  nodesBefore: number;
  nodesAfter: number;
  initializersBefore: number;
  initializersAfter: number;
  steps: PassStep[];
}

/** Runs the simplify passes until nothing changes. */
export async function simplify(model: Model, options: SimplifyOptions = {}): Promise<SimplifyReport> {
  const nodesBefore = countNodes(model);
  const initializersBefore = countInitializers(model);
  const report = await runPasses(model, simplifyPasses(), {
    context: options.evaluator === undefined ? {} : { evaluator: options.evaluator },
    validate: options.validate ?? true,
    ...(options.validateInput === undefined ? {} : { validateInput: options.validateInput }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    untilStable: true,
  });
  return {
    modified: report.modified,
    nodesBefore,
    nodesAfter: countNodes(model),
    initializersBefore,
    initializersAfter: countInitializers(model),
    steps: report.steps,
  };
}

function countNodes(model: Model): number {
  let count = 0;
  for (const _ of model.graph.allNodes()) count += 1;
  return count;
}

function countInitializers(model: Model): number {
  let count = 0;
  for (const graph of model.graph.allGraphs()) count += graph.initializers.length;
  return count;
}
