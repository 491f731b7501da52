import { VitOptError } from '@vit-opt/graph';
import { roundHalfToEven, sqnrDb } from './rounding.js';

export type Int8ElementType = 'int8' | 'uint8';

/** How float weights map to 8-bit integers. */
export interface Int8WeightScheme {
  /** int8 is what the integer MatMul kernels take for weights; uint8 suits ConvInteger and QDQ. */
  readonly elementType: Int8ElementType;
  /**
   * Symmetric: the zero point is the middle of the range (0 for int8, 128 for uint8) and the
   * scale comes from max |w|, so the kernels skip the zero-point correction. Asymmetric: the
   * range [min(w, 0), max(w, 0)] is spread over every level.
   */
  readonly symmetric: boolean;
  /**
   * 7-bit range (int8 ±63 or −64…63, uint8 0…127): on CPUs without VNNI, u8×s8 pairs are summed
   * in int16 (vpmaddubsw) and full-range weights can saturate it.
   */
  readonly reduceRange: boolean;
  /** The axis that gets one scale per index (per-channel); undefined for one scale per tensor. */
  readonly channelAxis?: number | undefined;
  /**
   * Per-tensor scales other weights already use. A per-tensor scale found among them is raised to
   * the next float32 until it is not (a change below 1e-6 of its value), then added. onnxruntime
   * shares equal scalar constants and then merges the identical A_scale × W_scale products of
   * MatMuls reading one activation, which leaves those MatMuls unfused; ViT weights often share
   * their largest magnitude.
   */
  readonly distinctScales?: Set<number> | undefined;
}

export interface QuantizedInt8Weight {
  readonly elementType: Int8ElementType;
  /** Same layout as the float weights. */
  readonly values: Int8Array | Uint8Array;
  /** One per channel, or one. Stored as float32, the type the runtime reads. */
  readonly scales: Float32Array;
  readonly zeroPoints: Int8Array | Uint8Array;
  readonly channelAxis: number | undefined;
  /** 20·log10(‖w‖ / ‖w − ŵ‖) over the whole tensor. */
  readonly sqnrDb: number;
}

export interface IntegerRange {
  readonly min: number;
  readonly max: number;
}

/** The integer levels a scheme uses. */
export function int8Range(scheme: Omit<Int8WeightScheme, 'channelAxis'>): IntegerRange {
  const half = scheme.reduceRange ? 63 : 127;
  const offset = scheme.elementType === 'uint8' ? (scheme.reduceRange ? 64 : 128) : 0;
  if (scheme.symmetric) return { min: offset - half, max: offset + half };
  return { min: offset - half - 1, max: offset + half };
}

/**
 * Quantizes float32 weights of shape `dims` in two passes over the data: one for the range of
 * each channel (and the signal energy), one that rounds, writes and measures the error. Rounds
 * half to even after a float32 division, as numpy does, so results match onnxruntime's tool.
 */
export function quantizeInt8Weight(
  weights: Float32Array,
  dims: readonly number[],
  scheme: Int8WeightScheme,
): QuantizedInt8Weight {
  const { outer, channels, inner } = channelLayout(dims, scheme.channelAxis);
  if (outer * channels * inner !== weights.length) {
    throw new RangeError(
      `weights hold ${weights.length} values, shape [${dims.join(',')}] needs ${outer * channels * inner}`,
    );
  }
  const minimum = new Float64Array(channels).fill(Number.POSITIVE_INFINITY);
  const maximum = new Float64Array(channels).fill(Number.NEGATIVE_INFINITY);
  let signal = 0;
  for (let o = 0, i = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      let lo = minimum[c]!;
      let hi = maximum[c]!;
      for (let end = i + inner; i < end; i++) {
        const w = weights[i]!;
        // Math.min/max compile to branch-free min/max; if-statements measured 2–3× slower here.
        lo = Math.min(lo, w);
        hi = Math.max(hi, w);
        signal += w * w;
      }
      minimum[c] = lo;
      maximum[c] = hi;
    }
  }
  if (!Number.isFinite(signal)) {
    throw new VitOptError(
      'UNSUPPORTED',
      'the weights hold NaN or infinite values, which cannot be quantized',
    );
  }

  const range = int8Range(scheme);
  const scales = new Float32Array(channels);
  const zeroPoints = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const { scale, zeroPoint } = scaleAndZeroPoint(
      minimum[c]!,
      maximum[c]!,
      range,
      scheme.symmetric,
    );
    scales[c] = scale;
    zeroPoints[c] = zeroPoint;
  }
  if (channels === 1 && scheme.distinctScales !== undefined) {
    while (scheme.distinctScales.has(scales[0]!)) scales[0] = nextFloat32Up(scales[0]!);
    scheme.distinctScales.add(scales[0]!);
  }

  const values =
    scheme.elementType === 'int8' ? new Int8Array(weights.length) : new Uint8Array(weights.length);
  let noise = 0;
  const { min: qmin, max: qmax } = range;
  for (let o = 0, i = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const scale = scales[c]!;
      const zeroPoint = zeroPoints[c]!;
      for (let end = i + inner; i < end; i++) {
        const w = weights[i]!;
        let q = roundHalfToEven(Math.fround(w / scale)) + zeroPoint;
        q = q < qmin ? qmin : q > qmax ? qmax : q;
        values[i] = q;
        const error = w - (q - zeroPoint) * scale;
        noise += error * error;
      }
    }
  }
  return {
    elementType: scheme.elementType,
    values,
    scales,
    zeroPoints:
      scheme.elementType === 'int8' ? Int8Array.from(zeroPoints) : Uint8Array.from(zeroPoints),
    channelAxis: scheme.channelAxis,
    sqnrDb: sqnrDb(signal, noise),
  };
}

/**
 * Scale and zero point for the float range [lo, hi] of one channel. The range always includes 0
 * so that 0 (padding, masked weights) is exact. A channel of zeros gets scale 1.
 */
function scaleAndZeroPoint(
  lo: number,
  hi: number,
  range: IntegerRange,
  symmetric: boolean,
): { scale: number; zeroPoint: number } {
  const rmin = Math.min(lo, 0);
  const rmax = Math.max(hi, 0);
  if (symmetric) {
    const absMax = Math.max(-rmin, rmax);
    const half = (range.max - range.min) / 2;
    const scale = Math.fround(absMax / half);
    return { scale: scale > 0 ? scale : 1, zeroPoint: (range.max + range.min) / 2 };
  }
  const scale = Math.fround((rmax - rmin) / (range.max - range.min));
  if (!(scale > 0)) return { scale: 1, zeroPoint: range.min };
  // float32 arithmetic, as numpy does it in onnxruntime's tool.
  const zeroPoint = roundHalfToEven(Math.fround(range.min - Math.fround(rmin / scale)));
  return { scale, zeroPoint: Math.min(Math.max(zeroPoint, range.min), range.max) };
}

const float32Bits = new Uint32Array(1);
const float32Value = new Float32Array(float32Bits.buffer);

/** The smallest float32 above a positive float32. */
function nextFloat32Up(x: number): number {
  float32Value[0] = x;
  float32Bits[0]! += 1;
  return float32Value[0]!;
}

/** The weights seen as [outer, channels, inner] around the channel axis. */
function channelLayout(
  dims: readonly number[],
  channelAxis: number | undefined,
): { outer: number; channels: number; inner: number } {
  const total = dims.reduce((a, b) => a * b, 1);
  if (channelAxis === undefined) return { outer: 1, channels: 1, inner: total };
  if (!Number.isInteger(channelAxis) || channelAxis < 0 || channelAxis >= dims.length) {
    throw new RangeError(`channel axis ${channelAxis} is outside shape [${dims.join(',')}]`);
  }
  const outer = dims.slice(0, channelAxis).reduce((a, b) => a * b, 1);
  const inner = dims.slice(channelAxis + 1).reduce((a, b) => a * b, 1);
  return { outer, channels: dims[channelAxis]!, inner };
}
