import { VitOptError } from '@vit-opt/graph';
import { roundHalfToEven, sqnrDb } from './rounding.js';

export interface Int4BlockScheme {
  /** Weights per block along K; a power of two ≥ 16, as MatMulNBits requires. */
  readonly blockSize: number;
  /**
   * Symmetric blocks store no zero point (MatMulNBits then uses 8). Asymmetric blocks spread
   * [min(w, 0), max(w, 0)] over all 16 levels with a 4-bit zero point per block.
   */
  readonly symmetric: boolean;
}

/** A [K, N] weight in MatMulNBits layout. */
export interface Int4BlockWeight {
  /** [N, blocksPerColumn, blockSize / 2]: per column, per block, two values a byte, low nibble first. */
  readonly packed: Uint8Array;
  /** [N, blocksPerColumn]. */
  readonly scales: Float32Array;
  /** [N, ceil(blocksPerColumn / 2)], packed like the weights; undefined when symmetric. */
  readonly zeroPoints: Uint8Array | undefined;
  readonly blocksPerColumn: number;
  readonly sqnrDb: number;
}

/**
 * Quantizes a row-major [K, N] float32 weight (MatMul's B) to 4-bit blocks along K, per output
 * column. The weight is read column by column through a transposed copy so each block is
 * contiguous; a last partial block is padded with the zero point, which dequantizes to 0.
 */
export function quantizeInt4Blocks(
  weights: Float32Array,
  k: number,
  n: number,
  scheme: Int4BlockScheme,
): Int4BlockWeight {
  const { blockSize, symmetric } = scheme;
  if (k * n !== weights.length)
    throw new RangeError(`weights hold ${weights.length} values, [${k},${n}] needs ${k * n}`);
  if (!(blockSize >= 16 && (blockSize & (blockSize - 1)) === 0)) {
    throw new RangeError(`block size ${blockSize} is not a power of two ≥ 16`);
  }
  const columns = transpose(weights, k, n);
  const blocksPerColumn = Math.ceil(k / blockSize);
  const bytesPerBlock = blockSize / 2;
  const packed = new Uint8Array(n * blocksPerColumn * bytesPerBlock);
  const scales = new Float32Array(n * blocksPerColumn);
  const zeroPointBytesPerColumn = Math.ceil(blocksPerColumn / 2);
  const zeroPoints = symmetric ? undefined : new Uint8Array(n * zeroPointBytesPerColumn);
  const levels = new Uint8Array(blockSize);
  let signal = 0;
  let noise = 0;

  for (let column = 0; column < n; column++) {
    for (let block = 0; block < blocksPerColumn; block++) {
      const start = column * k + block * blockSize;
      const count = Math.min(blockSize, k - block * blockSize);
      const { scale, zeroPoint } = symmetric
        ? symmetricBlockScale(columns, start, count)
        : asymmetricBlockScale(columns, start, count);
      for (let j = 0; j < count; j++) {
        const w = columns[start + j]!;
        let q = roundHalfToEven(Math.fround(w / scale)) + zeroPoint;
        q = q < 0 ? 0 : q > 15 ? 15 : q;
        levels[j] = q;
        const error = w - (q - zeroPoint) * scale;
        signal += w * w;
        noise += error * error;
      }
      levels.fill(zeroPoint, count);
      const blockIndex = column * blocksPerColumn + block;
      const out = blockIndex * bytesPerBlock;
      for (let j = 0; j < bytesPerBlock; j++)
        packed[out + j] = levels[2 * j]! | (levels[2 * j + 1]! << 4);
      scales[blockIndex] = scale;
      if (zeroPoints !== undefined) {
        const at = column * zeroPointBytesPerColumn + (block >> 1);
        zeroPoints[at] = zeroPoints[at]! | (zeroPoint << ((block & 1) * 4));
      }
    }
  }
  if (!Number.isFinite(signal)) {
    throw new VitOptError(
      'UNSUPPORTED',
      'the weights hold NaN or infinite values, which cannot be quantized',
    );
  }
  return { packed, scales, zeroPoints, blocksPerColumn, sqnrDb: sqnrDb(signal, noise) };
}

/**
 * The value of largest magnitude maps exactly to −8 (its sign folded into the scale), so all 16
 * levels are used instead of ±7; the opposite extreme may clip to +7 by less than one step.
 * This is how onnxruntime's blockwise quantizer does it.
 */
function symmetricBlockScale(
  values: Float32Array,
  start: number,
  count: number,
): { scale: number; zeroPoint: number } {
  let extreme = 0;
  for (let j = start; j < start + count; j++) {
    const w = values[j]!;
    if (Math.abs(w) > Math.abs(extreme)) extreme = w;
  }
  const scale = Math.fround(extreme / -8);
  return { scale: scale !== 0 ? scale : 1, zeroPoint: 8 };
}

function asymmetricBlockScale(
  values: Float32Array,
  start: number,
  count: number,
): { scale: number; zeroPoint: number } {
  let lo = 0;
  let hi = 0;
  for (let j = start; j < start + count; j++) {
    const w = values[j]!;
    if (w < lo) lo = w;
    if (w > hi) hi = w;
  }
  const scale = Math.fround((hi - lo) / 15);
  if (!(scale > 0)) return { scale: 1, zeroPoint: 0 };
  return { scale, zeroPoint: Math.min(Math.max(roundHalfToEven(Math.fround(-lo / scale)), 0), 15) };
}

function transpose(weights: Float32Array, rows: number, columns: number): Float32Array {
  const out = new Float32Array(weights.length);
  for (let r = 0; r < rows; r++) {
    const row = r * columns;
    for (let c = 0; c < columns; c++) out[c * rows + r] = weights[row + c]!;
  }
  return out;
}
