import { describe, expect, it } from 'vitest';
import { quantileOfSorted } from './quantile.js';

describe('quantileOfSorted (linear interpolation, like numpy.percentile)', () => {
  const values = [1, 2, 3, 4, 10];

  it('matches numpy.percentile([1, 2, 3, 4, 10], [0, 25, 50, 90, 99, 100])', () => {
    const percentiles = [0, 0.25, 0.5, 0.9, 0.99, 1].map((p) => quantileOfSorted(values, p));
    expect(percentiles[0]).toBe(1);
    expect(percentiles[1]).toBe(2);
    expect(percentiles[2]).toBe(3);
    expect(percentiles[3]).toBeCloseTo(7.6, 12);
    expect(percentiles[4]).toBeCloseTo(9.76, 12);
    expect(percentiles[5]).toBe(10);
  });

  it('is the value itself for a single value', () => {
    expect(quantileOfSorted([3.5], 0.99)).toBe(3.5);
  });

  it('refuses no values and p outside [0, 1]', () => {
    expect(() => quantileOfSorted([], 0.5)).toThrow(/no values/);
    expect(() => quantileOfSorted(values, 1.5)).toThrow(/0 <= p <= 1/);
  });
});
