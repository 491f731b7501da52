import { describe, expect, it } from 'vitest';
import { summarizeLatencies } from './latency-summary.js';

describe('summarizeLatencies', () => {
  it('gives percentiles by linear interpolation, like numpy.percentile', () => {
    // numpy.percentile([1, 2, 3, 4, 10], [50, 90, 99]) → 3, 7.6, 9.76
    const summary = summarizeLatencies([10, 3, 1, 4, 2]);
    expect(summary.p50_ms).toBe(3);
    expect(summary.p90_ms).toBeCloseTo(7.6, 12);
    expect(summary.p99_ms).toBeCloseTo(9.76, 12);
  });

  it('gives the mean, extremes and sample standard deviation', () => {
    const summary = summarizeLatencies([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(summary).toMatchObject({ mean_ms: 5, min_ms: 2, max_ms: 9 });
    expect(summary.stddev_ms).toBeCloseTo(Math.sqrt(32 / 7), 12);
  });

  it('reports a single run as every statistic, with no spread', () => {
    expect(summarizeLatencies([1.5])).toEqual({
      p50_ms: 1.5,
      p90_ms: 1.5,
      p99_ms: 1.5,
      mean_ms: 1.5,
      min_ms: 1.5,
      max_ms: 1.5,
      stddev_ms: 0,
    });
  });
});
