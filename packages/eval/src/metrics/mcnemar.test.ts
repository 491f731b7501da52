import { describe, expect, it } from 'vitest';
import { mcnemarMidP } from './mcnemar.js';

describe('mcnemarMidP', () => {
  it('gives 0.039 for 1 vs 7 discordant pairs (exact test 0.070; Fagerland et al. 2013)', () => {
    // 2·P(X ≤ 1) − P(X = 1) for X ~ Bin(8, ½) = 18/256 − 8/256.
    expect(mcnemarMidP(1, 7)).toBeCloseTo(10 / 256, 15);
    expect(mcnemarMidP(7, 1)).toBeCloseTo(10 / 256, 15);
  });

  it('matches scipy for a large table (1,000 vs 1,200)', () => {
    // 2*binom.cdf(1000, 2200, .5) - binom.pmf(1000, 2200, .5)
    expect(mcnemarMidP(1000, 1200) / 1.991641656460151e-5).toBeCloseTo(1, 9);
  });

  it('is 1 when the discordant pairs split evenly or there are none', () => {
    expect(mcnemarMidP(3, 3)).toBe(1);
    expect(mcnemarMidP(0, 0)).toBe(1);
  });

  it('stays a number for tens of thousands of pairs', () => {
    const p = mcnemarMidP(20_000, 21_000);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1e-5);
  });
});
