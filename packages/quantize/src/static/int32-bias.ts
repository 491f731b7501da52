import { roundHalfToEven } from '../weights/rounding.js';

export interface Int32Bias {
  readonly values: Int32Array;
  /** activation scale × weight scale, one per channel (or one): the scale of the integer product. */
  readonly scales: Float32Array;
}

const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN = -(2 ** 31);

/**
 * A float bias in the integer kernel's accumulator units: b / (s_activation · s_weight[c]), as
 * QLinearConv and QGemm add it to the int32 sums before rescaling. Values beyond int32 (only
 * with absurdly small scales) are clamped.
 */
export function quantizeBiasInt32(bias: Float32Array, activationScale: number, weightScales: Float32Array): Int32Bias {
  const perChannel = weightScales.length > 1;
  const scales = new Float32Array(weightScales.length);
  for (let c = 0; c < scales.length; c++) scales[c] = Math.fround(activationScale * weightScales[c]!);
  const values = new Int32Array(bias.length);
  for (let i = 0; i < bias.length; i++) {
    const scale = scales[perChannel ? i : 0]!;
    const q = roundHalfToEven(bias[i]! / scale);
    values[i] = q > INT32_MAX ? INT32_MAX : q < INT32_MIN ? INT32_MIN : q;
  }
  return { values, scales };
}
