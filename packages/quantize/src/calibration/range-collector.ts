import type { TensorRange } from './activation-ranges.js';

/**
 * Streams one tensor's values, batch by batch, into a fixed-size state (a min/max pair, or one
 * histogram): calibration memory does not grow with the number of samples.
 */
export interface RangeCollector {
  /** How many numbers of state the collector keeps: fixed at construction. */
  readonly stateSize: number;
  add(values: Float32Array): void;
  /** The range to quantize over; undefined when no finite value was seen. */
  range(): TensorRange | undefined;
}
