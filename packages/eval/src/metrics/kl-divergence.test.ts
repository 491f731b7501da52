import { describe, expect, it } from 'vitest';
import { seededRandom } from '../data/seeded-random.js';
import { klDivergence, logSoftmax } from './kl-divergence.js';

const kl = (p: number[], q: number[]): number =>
  klDivergence(
    logSoftmax(new Float32Array(p), 0, p.length),
    logSoftmax(new Float32Array(q), 0, q.length),
  );

describe('logSoftmax', () => {
  it('gives log-probabilities that sum to 1', () => {
    const logProbabilities = logSoftmax(new Float32Array([1, 2, 3]), 0, 3);
    const total = [...logProbabilities].reduce((sum, lp) => sum + Math.exp(lp), 0);
    expect(total).toBeCloseTo(1, 15);
  });

  it('stays finite for logits whose exp() would overflow', () => {
    const logProbabilities = logSoftmax(new Float32Array([1000, 0]), 0, 2);
    expect(logProbabilities[0]).toBe(0);
    expect(logProbabilities[1]).toBe(-1000);
  });
});

describe('klDivergence', () => {
  it('is 0 for identical logits', () => {
    expect(kl([0.3, -2, 5, 1], [0.3, -2, 5, 1])).toBe(0);
    expect(kl([1000, 0], [1000, 0])).toBe(0);
  });

  it('is 0 for logits that differ by a constant (softmax ignores shifts)', () => {
    expect(kl([1, 2, 3], [11, 12, 13])).toBeCloseTo(0, 14);
  });

  it('matches a hand computation: KL([½, ½] ‖ [¼, ¾]) = ½·ln(4/3)', () => {
    expect(kl([0, 0], [0, Math.log(3)])).toBeCloseTo(0.5 * Math.log(4 / 3), 7);
  });

  it('is never negative', () => {
    const random = seededRandom(7);
    for (let trial = 0; trial < 200; trial++) {
      const p = Array.from({ length: 10 }, () => (random() - 0.5) * 20);
      const q = p.map((x) => x + (random() - 0.5) * 1e-6);
      expect(kl(p, q)).toBeGreaterThanOrEqual(0);
    }
  });

  it('stays finite when the models are confidently opposite', () => {
    expect(kl([1000, 0], [0, 1000])).toBeCloseTo(1000, 6);
  });
});
