import type { TensorRange } from './activation-ranges.js';
import type { RangeCollector } from './range-collector.js';
import { StreamingHistogram } from './streaming-histogram.js';

/**
 * The range between the (100 − p)th and the pth percentile of the values (p = 99.999 clips the
 * rarest 0.001% at each end), read from a streaming histogram; symmetric: [−t, t] with t the pth
 * percentile of |x|. Percentiles are interpolated linearly within a bin.
 */
export class PercentileCollector implements RangeCollector {
  readonly #histogram: StreamingHistogram;
  readonly #fraction: number;
  readonly #symmetric: boolean;

  constructor(binsPerSide: number, percentile: number, symmetric: boolean) {
    this.#histogram = new StreamingHistogram(binsPerSide);
    this.#fraction = percentile / 100;
    this.#symmetric = symmetric;
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
    if (this.#symmetric) {
      const t = quantile(h.magnitudes(), 0, h.binWidth, this.#fraction);
      return { min: -t, max: t };
    }
    const low = quantile(h.counts, -h.limit, h.binWidth, 1 - this.#fraction);
    const high = quantile(h.counts, -h.limit, h.binWidth, this.#fraction);
    return { min: Math.max(low, h.min), max: Math.min(high, h.max) };
  }
}

/** The value below which `fraction` of the histogram's mass lies; bins start at `start`. */
export function quantile(counts: Float64Array, start: number, binWidth: number, fraction: number): number {
  let total = 0;
  for (const count of counts) total += count;
  const target = fraction * total;
  let below = 0;
  for (let bin = 0; bin < counts.length; bin++) {
    const count = counts[bin]!;
    if (count > 0 && below + count >= target) {
      return start + (bin + (target - below) / count) * binWidth;
    }
    below += count;
  }
  return start + counts.length * binWidth;
}
