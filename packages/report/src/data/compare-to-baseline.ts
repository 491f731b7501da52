import type { EvalResults } from '@vit-opt/eval/results';
import type { BaselineComparison, Significance, Variant } from './report-data.js';

/** p below this, or a 95% interval that excludes 0, marks a change as more than chance. */
export const SIGNIFICANCE_LEVEL = 0.05;

/**
 * The variant's top-1 against the baseline's. When eval ran the two on the same batches
 * (`vit-opt eval --baseline`), its paired figures are used as they are: delta, bootstrap CI,
 * agreement, McNemar's p. Otherwise, when both have eval results, the delta and the agreement
 * come from their per-image records, without a CI or test. Null when either has no accuracy.
 */
export function compareToBaseline(variant: Variant, baseline: Variant): BaselineComparison | null {
  const results = variant.eval?.results;
  if (results === undefined) return null;
  const metrics = results.metrics;
  if (results.baseline_model?.sha256 === baseline.model.sha256 && 'top1_delta' in metrics) {
    const ci: readonly [number, number] = metrics.top1_delta_ci95;
    return {
      top1Delta: metrics.top1_delta,
      top1DeltaCi95: ci,
      agreement: metrics.agreement,
      mcnemarP: metrics.mcnemar_p,
      significance: significanceOf(metrics.top1_delta, ci, metrics.mcnemar_p),
      method: 'paired',
    };
  }
  const base = baseline.eval?.results;
  if (base === undefined) return null;
  return {
    top1Delta: metrics.top1 - base.metrics.top1,
    top1DeltaCi95: null,
    agreement: agreementOf(results, base),
    mcnemarP: null,
    significance: 'unknown',
    method: 'separate',
  };
}

/** A real change: the interval excludes 0 or McNemar's p is below the level. */
export function significanceOf(
  delta: number,
  ci: readonly [number, number] | null,
  p: number | null,
): Significance {
  if (ci === null && p === null) return 'unknown';
  const excludesZero = ci !== null && (ci[0] > 0 || ci[1] < 0);
  const rejected = p !== null && p < SIGNIFICANCE_LEVEL;
  if (!(excludesZero || rejected) || delta === 0) return 'none';
  return delta < 0 ? 'drop' : 'gain';
}

/** Fraction of the images both runs evaluated on which their top-1 classes agree. */
function agreementOf(a: EvalResults, b: EvalResults): number | null {
  const theirs = new Map(b.items.map((item) => [item.index, item.top5[0]]));
  let common = 0;
  let agreeing = 0;
  for (const item of a.items) {
    if (!theirs.has(item.index)) continue;
    common++;
    if (theirs.get(item.index) === item.top5[0]) agreeing++;
  }
  return common === 0 ? null : agreeing / common;
}
