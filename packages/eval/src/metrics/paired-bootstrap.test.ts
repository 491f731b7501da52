import { describe, expect, it } from 'vitest';
import { pairedBootstrapDeltaCi95 } from './paired-bootstrap.js';

// 1,000 images: the candidate alone is right on 30, the baseline alone on 10 → delta +0.02.
const outcomes = { itemCount: 1000, candidateOnlyCorrect: 30, baselineOnlyCorrect: 10 };

describe('pairedBootstrapDeltaCi95', () => {
  it('gives the same interval for the same seed', () => {
    const options = { resamples: 2000, seed: 42 };
    expect(pairedBootstrapDeltaCi95(outcomes, options)).toEqual(
      pairedBootstrapDeltaCi95(outcomes, options),
    );
  });

  it('gives a different interval for another seed', () => {
    expect(pairedBootstrapDeltaCi95(outcomes, { resamples: 2000, seed: 1 })).not.toEqual(
      pairedBootstrapDeltaCi95(outcomes, { resamples: 2000, seed: 2 }),
    );
  });

  it('contains the point estimate and has the width the normal approximation predicts', () => {
    const [low, high] = pairedBootstrapDeltaCi95(outcomes, { resamples: 2000, seed: 0 });
    expect(low).toBeLessThan(0.02);
    expect(high).toBeGreaterThan(0.02);
    // sd of the mean of d ∈ {+1, −1, 0}: sqrt((b + c)/N² − (b − c)²/N³) ≈ 0.00629.
    const sd = Math.sqrt(40 / 1000 ** 2 - 20 ** 2 / 1000 ** 3);
    expect(low).toBeCloseTo(0.02 - 1.96 * sd, 2);
    expect(high).toBeCloseTo(0.02 + 1.96 * sd, 2);
  });

  it('is [0, 0] when the models never disagree on correctness', () => {
    const none = { itemCount: 50, candidateOnlyCorrect: 0, baselineOnlyCorrect: 0 };
    expect(pairedBootstrapDeltaCi95(none, { resamples: 100, seed: 0 })).toEqual([0, 0]);
  });

  it('names a wrong option', () => {
    expect(() => pairedBootstrapDeltaCi95(outcomes, { resamples: 0, seed: 0 })).toThrow(
      /resamples/,
    );
    expect(() => pairedBootstrapDeltaCi95(outcomes, { resamples: 10, seed: -1 })).toThrow(/seed/);
  });
});
