/** The largest finite float16. */
export const FLOAT16_MAX = 65504;

export interface Float16Clamp {
  /** Finite values beyond ±this become ±this instead of ±∞. */
  readonly maxFiniteValue: number;
  /** Non-zero values closer to 0 than this become ±this instead of a float16 subnormal or 0. */
  readonly minPositiveValue: number;
}

export interface Float16Conversion {
  /** IEEE binary16 bit patterns. */
  readonly bits: Uint16Array;
  /** How many values were clamped to ±maxFiniteValue or ±minPositiveValue. */
  readonly clampedCount: number;
}

const floatView = new Float32Array(1);
const bitsView = new Uint32Array(floatView.buffer);

/** The float16 bit pattern nearest to `value` (ties to even); overflow gives ±∞, NaN stays NaN. */
export function float16Bits(value: number): number {
  floatView[0] = value;
  return float32BitsToFloat16Bits(bitsView[0]!);
}

/**
 * Converts float32 values to float16, clamping as onnxconverter-common does so that a weight
 * never turns into ±∞ or silently into 0: NaN, ±∞ and 0 are kept as they are.
 */
export function convertToFloat16(values: Float32Array, clamp: Float16Clamp): Float16Conversion {
  const bits = new Uint16Array(values.length);
  const { maxFiniteValue, minPositiveValue } = clamp;
  let clampedCount = 0;
  for (let i = 0; i < values.length; i++) {
    let v = values[i]!;
    if (v > maxFiniteValue && v !== Number.POSITIVE_INFINITY) {
      v = maxFiniteValue;
      clampedCount++;
    } else if (v < -maxFiniteValue && v !== Number.NEGATIVE_INFINITY) {
      v = -maxFiniteValue;
      clampedCount++;
    } else if (v !== 0 && v > -minPositiveValue && v < minPositiveValue) {
      v = v > 0 ? minPositiveValue : -minPositiveValue;
      clampedCount++;
    }
    floatView[0] = v;
    bits[i] = float32BitsToFloat16Bits(bitsView[0]!);
  }
  return { bits, clampedCount };
}

/** float16 bit patterns as the float32 values they stand for: exact, every float16 is a float32. */
export function float16ToFloat32(bits: Uint16Array): Float32Array {
  const values = new Float32Array(bits.length);
  const valueBits = new Uint32Array(values.buffer);
  for (let i = 0; i < bits.length; i++) valueBits[i] = float16BitsToFloat32Bits(bits[i]!);
  return values;
}

function float16BitsToFloat32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exponent = (h >>> 10) & 0x1f;
  let mantissa = h & 0x3ff;
  if (exponent === 0x1f) return sign | 0x7f800000 | (mantissa << 13);
  if (exponent !== 0) return sign | ((exponent + 112) << 23) | (mantissa << 13); // rebias 15 → 127
  if (mantissa === 0) return sign;
  // A subnormal float16 is a normal float32: shift the leading 1 into the implicit bit.
  let floatExponent = 113;
  while ((mantissa & 0x400) === 0) {
    mantissa <<= 1;
    floatExponent--;
  }
  return sign | (floatExponent << 23) | ((mantissa & 0x3ff) << 13);
}

function float32BitsToFloat16Bits(f: number): number {
  const sign = (f >>> 16) & 0x8000;
  const exponent = (f >>> 23) & 0xff;
  const mantissa = f & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 | (mantissa >>> 13) : 0);
  const halfExponent = exponent - 112; // rebias 127 → 15
  if (halfExponent >= 31) return sign | 0x7c00;
  if (halfExponent <= 0) {
    // Subnormal float16: the 24-bit significand shifted down to units of 2^-24.
    const shift = 126 - exponent;
    if (shift > 24) return sign;
    const significand = mantissa | 0x800000;
    let half = significand >>> shift;
    const remainder = significand & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (remainder > halfway || (remainder === halfway && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (halfExponent << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent, up to ∞.
  if (remainder > 0x1000 || (remainder === 0x1000 && (half & 1) === 1)) half++;
  return sign | half;
}
