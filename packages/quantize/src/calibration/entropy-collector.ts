import type { TensorRange } from './activation-ranges.js';
import type { RangeCollector } from './range-collector.js';
import { StreamingHistogram } from './streaming-histogram.js';

/**
 * Levels the candidate distributions are quantized to: the magnitudes of int8 (TensorRT's
 * entropy calibrator and onnxruntime's use 128 too).
 */
const QUANTIZED_LEVELS = 128;

/**
 * TensorRT-style entropy calibration: the clipping threshold t on |x| that minimises the KL
 * divergence between the histogram of |x| clipped at t (outliers piled into the last bin) and
 * the same distribution quantized to 128 levels. The range is the observed [min, max] clipped to
 * [−t, t].
 */
export class EntropyCollector implements RangeCollector {
  readonly #histogram: StreamingHistogram;

  constructor(binsPerSide: number) {
    this.#histogram = new StreamingHistogram(binsPerSide);
  }

  get stateSize(): number {
    return this.#histogram.counts.length + 4;
  }

  add(values: Float32Array): void {
    this.#histogram.add(values);
  }

  range(): TensorRange | undefined {
    const h = this.#histogram;
    if (h.min > h.max) return undefined;
    if (h.limit === 0) return { min: 0, max: 0 };
    const t = entropyThreshold(h.magnitudes(), h.binWidth);
    return { min: Math.max(h.min, -t), max: Math.min(h.max, t) };
  }
}

/**
 * Probability a candidate distribution gives an outlier bin it has no mass for (P got the
 * clipped tail, Q did not), instead of 0, which would make the divergence infinite; as
 * onnxruntime's smoothing (1e-4).
 */
const EMPTY_BIN_PROBABILITY = 1e-4;

/**
 * For every candidate count i of bins kept (from 128 to the last non-empty bin): P is the
 * histogram clipped at bin i, the tail piled into its last bin; Q is the first i bins quantized
 * to 128 levels, each level's mass T spread evenly over its nz non-empty bins, the tail not
 * included. Clipping too little wastes levels on empty range, clipping too much moves the tail
 * where Q has nothing: the minimum of KL(P‖Q) balances the two. With both normalized,
 *
 *   KL = Σ p log p − Σ_levels (M/S) · log(T / (nz · S_Q))
 *
 * (M: P's mass on the level's non-empty bins, S and S_Q: P's and Q's totals), so prefix sums
 * make each candidate cost O(levels) instead of O(i).
 */
export function entropyThreshold(magnitudes: Float64Array, binWidth: number): number {
  let used = magnitudes.length;
  while (used > 0 && magnitudes[used - 1] === 0) used--;
  if (used <= QUANTIZED_LEVELS) return used * binWidth;
  const mass = new Float64Array(used + 1);
  const nonEmpty = new Float64Array(used + 1);
  const plogp = new Float64Array(used + 1);
  for (let j = 0; j < used; j++) {
    const count = magnitudes[j]!;
    mass[j + 1] = mass[j]! + count;
    nonEmpty[j + 1] = nonEmpty[j]! + (count > 0 ? 1 : 0);
    plogp[j + 1] = plogp[j]! + (count > 0 ? count * Math.log(count) : 0);
  }
  const total = mass[used]!;
  let best = used;
  let bestDivergence = Number.POSITIVE_INFINITY;
  for (let kept = QUANTIZED_LEVELS; kept <= used; kept++) {
    const outliers = total - mass[kept]!;
    const lastCount = magnitudes[kept - 1]!;
    const lastBin = lastCount + outliers;
    const candidateTotal = mass[kept]!;
    // Σ P log P over the kept bins, the last one holding the tail.
    let sum = plogp[kept - 1]! + (lastBin > 0 ? lastBin * Math.log(lastBin) : 0) - total * Math.log(total);
    for (let level = 0; level < QUANTIZED_LEVELS; level++) {
      const from = Math.floor((level * kept) / QUANTIZED_LEVELS);
      const to = Math.floor(((level + 1) * kept) / QUANTIZED_LEVELS);
      const levelMass = mass[to]! - mass[from]!;
      if (levelMass === 0) continue;
      const q = levelMass / ((nonEmpty[to]! - nonEmpty[from]!) * candidateTotal);
      const lastLevel = to === kept;
      const pMass = levelMass + (lastLevel && lastCount > 0 ? outliers : 0);
      sum -= pMass * Math.log(q);
    }
    if (lastCount === 0 && outliers > 0) sum -= outliers * Math.log(EMPTY_BIN_PROBABILITY);
    const divergence = sum / total;
    if (divergence < bestDivergence) {
      bestDivergence = divergence;
      best = kept;
    }
  }
  return best * binWidth;
}
