import { finiteExtremes } from './minmax-collector.js';

/**
 * A histogram over [−limit, limit), `binsPerSide` equal bins on each side of 0, that grows to fit
 * the data: when a batch goes beyond the limit, the limit is multiplied by a power of two and
 * groups of that many old bins merge into one. Bin edges stay multiples of the bin width from 0,
 * so merging is exact (no re-interpolation) and the state stays 2 × binsPerSide counts however many
 * batches arrive. Non-finite values are not counted.
 */
export class StreamingHistogram {
  readonly binsPerSide: number;
  /** Counts, bin 0 at −limit; bin binsPerSide starts at 0. */
  readonly counts: Float64Array;
  #limit = 0;
  /** Zeros seen while every value so far was 0, before the first limit could be set. */
  #pendingZeros = 0;
  #min = Number.POSITIVE_INFINITY;
  #max = Number.NEGATIVE_INFINITY;

  constructor(binsPerSide: number) {
    this.binsPerSide = binsPerSide;
    this.counts = new Float64Array(2 * binsPerSide);
  }

  get limit(): number {
    return this.#limit;
  }

  get binWidth(): number {
    return this.#limit / this.binsPerSide;
  }

  /** Observed extremes (finite values only); min > max while nothing was seen. */
  get min(): number {
    return this.#min;
  }

  get max(): number {
    return this.#max;
  }

  get total(): number {
    let total = this.#pendingZeros;
    for (const count of this.counts) total += count;
    return total;
  }

  add(values: Float32Array): void {
    const extremes = finiteExtremes(values);
    if (extremes === undefined) return;
    this.#min = Math.min(this.#min, extremes.min);
    this.#max = Math.max(this.#max, extremes.max);
    const absMax = Math.max(-extremes.min, extremes.max);
    if (absMax === 0 && this.#limit === 0) {
      for (const v of values) if (v === 0) this.#pendingZeros++;
      return;
    }
    if (this.#limit === 0) {
      this.#limit = absMax;
      this.counts[this.binsPerSide] = this.counts[this.binsPerSide]! + this.#pendingZeros;
      this.#pendingZeros = 0;
    } else if (absMax > this.#limit) {
      this.#grow(absMax);
    }
    this.#count(values);
  }

  #count(values: Float32Array): void {
    const counts = this.counts;
    const last = counts.length - 1;
    const limit = this.#limit;
    const perUnit = this.binsPerSide / limit;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isFinite(v)) continue;
      let bin = Math.floor((v + limit) * perUnit);
      bin = bin < 0 ? 0 : bin > last ? last : bin;
      counts[bin] = counts[bin]! + 1;
    }
  }

  /** The smallest limit × 2^k that covers absMax: each new bin takes 2^k old ones, outwards from 0. */
  #grow(absMax: number): void {
    let factor = 2 ** Math.max(1, Math.floor(Math.log2(absMax / this.#limit)));
    while (this.#limit * factor < absMax) factor *= 2;
    const half = this.binsPerSide;
    const old = Float64Array.from(this.counts);
    this.counts.fill(0);
    for (let offset = 0; offset < half; offset++) {
      const merged = Math.floor(offset / factor);
      this.counts[half + merged] = this.counts[half + merged]! + old[half + offset]!;
      this.counts[half - 1 - merged] = this.counts[half - 1 - merged]! + old[half - 1 - offset]!;
    }
    this.#limit *= factor;
  }

  /** Counts of |x| per bin of width binWidth from 0: the two sides folded together. */
  magnitudes(): Float64Array {
    const half = this.binsPerSide;
    const folded = new Float64Array(half);
    for (let offset = 0; offset < half; offset++) folded[offset] = this.counts[half + offset]! + this.counts[half - 1 - offset]!;
    folded[0] = folded[0]! + this.#pendingZeros;
    return folded;
  }
}
