import type { TensorRange } from '../calibration/activation-ranges.js';
import { roundHalfToEven } from '../weights/rounding.js';
import type { ActivationElementType } from './static-options.js';

export interface ActivationParams {
  readonly elementType: ActivationElementType;
  /** float32-representable. */
  readonly scale: number;
  readonly zeroPoint: number;
}

/**
 * Scale and zero point for an activation observed in [min, max]. The range is widened to include
 * 0 so that 0 (padding, ReLU-like outputs, masked positions) is exact. Asymmetric spreads the range
 * over all 256 levels; symmetric centres it on the middle level (0 for int8, 128 for uint8). A
 * range of only zeros gets scale 1.
 */
export function activationParams(
  range: TensorRange,
  elementType: ActivationElementType,
  symmetric: boolean,
): ActivationParams {
  const low = elementType === 'uint8' ? 0 : -128;
  const high = low + 255;
  const rmin = Math.min(range.min, 0);
  const rmax = Math.max(range.max, 0);
  if (symmetric) {
    const scale = Math.fround(Math.max(-rmin, rmax) / 127.5);
    return { elementType, scale: scale > 0 ? scale : 1, zeroPoint: elementType === 'uint8' ? 128 : 0 };
  }
  const scale = Math.fround((rmax - rmin) / 255);
  if (!(scale > 0)) return { elementType, scale: 1, zeroPoint: 0 };
  const zeroPoint = Math.min(Math.max(roundHalfToEven(low - rmin / scale), low), high);
  return { elementType, scale, zeroPoint };
}
