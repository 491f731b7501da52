/**
 * x̂ = (q − zero point) · scale, per tensor, or per index of `axis` when the scale has several
 * values (DequantizeLinear's semantics).
 */
export function dequantize(
  values: Int8Array | Uint8Array | Int32Array,
  dims: readonly number[],
  scales: Float32Array,
  zeroPoints: ArrayLike<number> | undefined,
  axis: number,
): Float32Array {
  const out = new Float32Array(values.length);
  if (scales.length === 1) {
    const scale = scales[0]!;
    const zeroPoint = zeroPoints?.[0] ?? 0;
    for (let i = 0; i < values.length; i++) out[i] = (values[i]! - zeroPoint) * scale;
    return out;
  }
  const at = axis < 0 ? axis + dims.length : axis;
  const inner = dims.slice(at + 1).reduce((a, b) => a * b, 1);
  const channels = dims[at]!;
  for (let i = 0; i < values.length; i++) {
    const channel = Math.floor(i / inner) % channels;
    out[i] = (values[i]! - (zeroPoints?.[channel] ?? 0)) * scales[channel]!;
  }
  return out;
}

/** Running sums for 20·log10(‖x‖ / ‖x − x̂‖) over any number of chunks. */
export class ErrorEnergy {
  signal = 0;
  noise = 0;

  add(reference: ArrayLike<number>, approximation: ArrayLike<number>): void {
    for (let i = 0; i < reference.length; i++) {
      const x = reference[i]!;
      const error = x - approximation[i]!;
      this.signal += x * x;
      this.noise += error * error;
    }
  }
}
