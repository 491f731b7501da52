/**
 * 1.5 × 2^52: adding it to a double pushes the fraction bits out, so the FPU's default rounding
 * (to nearest, ties to even) does the rounding; subtracting it gives the integer back. Exact for
 * |x| < 2^51, far beyond any quantized value.
 */
const ROUND_MAGIC = 6755399441055744;

/**
 * Rounds to the nearest integer, ties to even, as numpy's `round` and onnxruntime's quantizers do
 * (Math.round sends ties towards +∞, which would bias every .5 the same way).
 */
export function roundHalfToEven(x: number): number {
  return x + ROUND_MAGIC - ROUND_MAGIC;
}

/** 20·log10(‖w‖ / ‖w − ŵ‖) from the two sums of squares; +∞ when the error is zero. */
export function sqnrDb(signalSumSquares: number, noiseSumSquares: number): number {
  if (noiseSumSquares === 0) return Number.POSITIVE_INFINITY;
  if (signalSumSquares === 0) return Number.NEGATIVE_INFINITY;
  return 10 * Math.log10(signalSumSquares / noiseSumSquares);
}
