import { describe, expect, it } from 'vitest';
import { paretoFront } from './pareto-front.js';
import { wilsonInterval95 } from './wilson-interval.js';

describe('wilsonInterval95', () => {
  it('matches the textbook value and stays inside [0, 1]', () => {
    // 897 of 1000; statsmodels' proportion_confint(897, 1000, method='wilson') gives the same.
    const [low, high] = wilsonInterval95(897, 1000);
    expect(low).toBeCloseTo(0.87662, 4);
    expect(high).toBeCloseTo(0.91435, 4);
    expect(wilsonInterval95(10, 10)[1]).toBeCloseTo(1, 12);
    expect(wilsonInterval95(0, 10)[0]).toBe(0);
  });
});

describe('paretoFront', () => {
  it('keeps the points nothing beats, fastest first', () => {
    const points = [
      { latencyMs: 2, accuracy: 0.9 }, // front: most accurate
      { latencyMs: 1, accuracy: 0.85 }, // front: fastest
      { latencyMs: 1.5, accuracy: 0.84 }, // beaten by the fastest
      { latencyMs: 1.2, accuracy: 0.88 }, // front
      { latencyMs: 2, accuracy: 0.9 }, // a tie with the first: both stay
    ];
    expect(paretoFront(points)).toEqual([1, 3, 0, 4]);
  });
});
