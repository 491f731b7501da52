import { quantileOfSorted } from '../metrics/quantile.js';
import type { LatencySummary } from '../results/results-document.js';

/**
 * Percentiles (linear interpolation between ranks, like numpy.percentile), mean, extremes and
 * sample standard deviation of per-run latencies in milliseconds.
 */
export function summarizeLatencies(latenciesMs: readonly number[]): LatencySummary {
  if (latenciesMs.length === 0) throw new RangeError('no runs to summarize');
  const sorted = Float64Array.from(latenciesMs).sort();
  const n = sorted.length;
  let total = 0;
  for (const ms of sorted) total += ms;
  const mean = total / n;
  let squares = 0;
  for (const ms of sorted) squares += (ms - mean) ** 2;
  return {
    p50_ms: quantileOfSorted(sorted, 0.5),
    p90_ms: quantileOfSorted(sorted, 0.9),
    p99_ms: quantileOfSorted(sorted, 0.99),
    mean_ms: mean,
    min_ms: sorted[0] as number,
    max_ms: sorted[n - 1] as number,
    stddev_ms: n > 1 ? Math.sqrt(squares / (n - 1)) : 0,
  };
}
