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

/** Where a weight's 4-bit blocks are and how they are cut (MatMulNBits' layout, see quantizeInt4Blocks). */
export interface Int4Blocks {
  /** [N, blocks per column, blockSize / 2]: two values a byte, low nibble first. */
  readonly packed: Uint8Array;
  /** [N, blocks per column]. */
  readonly scales: Float32Array;
  /** [N, ceil(blocks per column / 2)], packed like the values; 8 for every block when undefined. */
  readonly zeroPoints: Uint8Array | undefined;
  readonly k: number;
  readonly n: number;
  readonly blockSize: number;
}

/** A MatMulNBits weight as the row-major float32 [K, N] it stands for: ŵ = (q − zero point) · block scale. */
export function dequantizeInt4Blocks(blocks: Int4Blocks): Float32Array {
  const { packed, scales, zeroPoints, k, n, blockSize } = blocks;
  const blocksPerColumn = Math.ceil(k / blockSize);
  const zeroPointBytesPerColumn = Math.ceil(blocksPerColumn / 2);
  const nibble = (bytes: Uint8Array, index: number): number => (bytes[index >> 1]! >> ((index & 1) * 4)) & 0xf;
  const out = new Float32Array(k * n);
  for (let column = 0; column < n; column++) {
    for (let block = 0; block < blocksPerColumn; block++) {
      const blockIndex = column * blocksPerColumn + block;
      const scale = scales[blockIndex]!;
      const zeroPoint = zeroPoints === undefined ? 8 : nibble(zeroPoints, 2 * column * zeroPointBytesPerColumn + block);
      const rows = Math.min(blockSize, k - block * blockSize);
      for (let j = 0; j < rows; j++) {
        out[(block * blockSize + j) * n + column] = (nibble(packed, blockIndex * blockSize + j) - zeroPoint) * scale;
      }
    }
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
