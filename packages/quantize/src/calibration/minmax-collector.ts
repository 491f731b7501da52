import type { TensorRange } from './activation-ranges.js';
import type { RangeCollector } from './range-collector.js';

/**
 * The smallest and largest value seen. With a moving average, each batch's extremes move the
 * range by `averagingConstant` of the difference (onnxruntime's CalibMovingAverage, constant 0.01
 * by default), so a few outlier batches do not stretch it.
 */
export class MinMaxCollector implements RangeCollector {
  readonly stateSize = 2;
  readonly #averagingConstant: number | undefined;
  #min = Number.POSITIVE_INFINITY;
  #max = Number.NEGATIVE_INFINITY;
  #seen = false;

  /** `averagingConstant` undefined: plain min/max over everything. */
  constructor(averagingConstant?: number) {
    this.#averagingConstant = averagingConstant;
  }

  add(values: Float32Array): void {
    const batch = finiteExtremes(values);
    if (batch === undefined) return;
    const c = this.#averagingConstant;
    if (!this.#seen || c === undefined) {
      this.#min = Math.min(this.#min, batch.min);
      this.#max = Math.max(this.#max, batch.max);
    } else {
      this.#min += c * (batch.min - this.#min);
      this.#max += c * (batch.max - this.#max);
    }
    this.#seen = true;
  }

  range(): TensorRange | undefined {
    return this.#seen ? { min: this.#min, max: this.#max } : undefined;
  }
}

/** Min and max of the finite values; undefined when there are none. NaN and ±∞ cannot be quantized. */
export function finiteExtremes(values: Float32Array): TensorRange | undefined {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < min && v !== Number.NEGATIVE_INFINITY) min = v;
    if (v > max && v !== Number.POSITIVE_INFINITY) max = v;
  }
  return min <= max ? { min, max } : undefined;
}
