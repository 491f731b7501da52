import type { ModelResult } from './check-model.js';
import type { NotCheckedCategory } from './runtime-check.js';

/** Counts over a set of models (a group of the suite, or all of it). */
export interface Counts {
  models: number;
  passed: number;
  roundTripEqual: number;
  /** Saved models held against the expected outputs, and how many matched them. */
  runtimeChecked: number;
  runtimeMatched: number;
  runtimeNotChecked: number;
  /** Simplified models held against the expected outputs, and how many matched them. */
  simplifyChecked: number;
  simplifyMatched: number;
  /** Nodes simplify removed, summed over the models it ran on. */
  nodesRemoved: number;
  nodesBefore: number;
}

export interface Summary {
  readonly total: Counts;
  readonly groups: ReadonlyMap<string, Counts>;
  /** Why saved models could not be held against the expected outputs, with how many each. */
  readonly notCheckedByCategory: ReadonlyMap<NotCheckedCategory, number>;
  /** passed / models, 0..1. */
  readonly passRate: number;
}

export function summarize(results: readonly ModelResult[]): Summary {
  const total = emptyCounts();
  const groups = new Map<string, Counts>();
  const notCheckedByCategory = new Map<NotCheckedCategory, number>();
  for (const result of results) {
    let group = groups.get(result.group);
    if (group === undefined) groups.set(result.group, (group = emptyCounts()));
    add(total, result);
    add(group, result);
    const category = result.runtime?.notChecked?.category;
    if (category !== undefined) {
      notCheckedByCategory.set(category, (notCheckedByCategory.get(category) ?? 0) + 1);
    }
  }
  return {
    total,
    groups,
    notCheckedByCategory,
    passRate: total.models === 0 ? 0 : total.passed / total.models,
  };
}

function add(counts: Counts, result: ModelResult): void {
  counts.models += 1;
  if (result.passed) counts.passed += 1;
  if (result.roundTripEqual) counts.roundTripEqual += 1;
  const { runtime, simplify } = result;
  if (runtime?.comparedWith === 'expected') {
    counts.runtimeChecked += 1;
    if (runtime.failure === undefined) counts.runtimeMatched += 1;
  }
  if (runtime?.notChecked !== undefined) counts.runtimeNotChecked += 1;
  if (simplify?.comparedWith === 'expected') {
    counts.simplifyChecked += 1;
    if (simplify.failure === undefined) counts.simplifyMatched += 1;
  }
  if (simplify?.nodesBefore !== undefined && simplify.nodesAfter !== undefined) {
    counts.nodesBefore += simplify.nodesBefore;
    counts.nodesRemoved += simplify.nodesBefore - simplify.nodesAfter;
  }
}

function emptyCounts(): Counts {
  return {
    models: 0,
    passed: 0,
    roundTripEqual: 0,
    runtimeChecked: 0,
    runtimeMatched: 0,
    runtimeNotChecked: 0,
    simplifyChecked: 0,
    simplifyMatched: 0,
    nodesRemoved: 0,
    nodesBefore: 0,
  };
}
