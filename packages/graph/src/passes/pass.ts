import type { Model } from '../ir/model.js';
import type { Tensor } from '../ir/tensor.js';

/**
 * Evaluates a model that has no graph inputs (only constants) and returns the named values.
 * Passes that need a runtime take one of these, so the graph package itself depends on none.
 */
export type ConstantEvaluator = (
  model: Model,
  outputNames: readonly string[],
) => Promise<Map<string, Tensor>>;

export interface PassContext {
  /** Needed by constant folding; passes that need it do nothing without it. */
  evaluator?: ConstantEvaluator;
}

export interface PassResult {
  modified: boolean;
  /** Human-readable notes on what changed ("removed 12 Identity nodes"). */
  notes?: string[];
}

/** A named rewrite of the model that reports whether it changed anything. */
export interface Pass {
  readonly name: string;
  run(model: Model, context: PassContext): PassResult | Promise<PassResult>;
}

export function definePass(
  name: string,
  run: (model: Model, context: PassContext) => PassResult | Promise<PassResult>,
): Pass {
  return { name, run };
}

/** A result from a count of changes, with a note when there were any. */
export function changed(count: number, note: (count: number) => string): PassResult {
  return count === 0 ? { modified: false } : { modified: true, notes: [note(count)] };
}
