export type CalibrationMethod = 'minmax' | 'percentile' | 'entropy';

/** The float range a tensor's values are quantized over. */
export interface TensorRange {
  readonly min: number;
  readonly max: number;
}

/** What calibration found: one range per tensor the static layout quantizes. Plain JSON. */
export interface ActivationRanges {
  readonly method: CalibrationMethod;
  /** The calibration settings (method parameters and layout options), as JSON. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** How many samples (images) the ranges were collected over. */
  readonly sampleCount: number;
  /** Tensor name → range. */
  readonly tensors: Readonly<Record<string, TensorRange>>;
}
