import { VitOptError, type LinearMatch } from '@vit-opt/graph';
import { readBias, readWeight } from './linear-weights.js';

/**
 * Solves (A + λI) X = B for symmetric positive semi-definite A (n × n) and B (n × m), row-major,
 * by Cholesky; λ is a small ridge relative to A's mean diagonal, so constant or duplicate
 * features (a head that is always zero) do not break it.
 */
export function solveRidge(a: Float64Array, b: Float64Array, n: number, m: number): Float64Array {
  let trace = 0;
  for (let i = 0; i < n; i++) trace += a[i * n + i]!;
  const ridge = Math.max((trace / n) * 1e-6, 1e-12);
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j]! + (i === j ? ridge : 0);
      for (let k = 0; k < j; k++) sum -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        if (!(sum > 0))
          throw new VitOptError(
            'PASS_FAILED',
            'least-squares refit: the calibration activations are degenerate',
          );
        l[i * n + i] = Math.sqrt(sum);
      } else {
        l[i * n + j] = sum / l[j * n + j]!;
      }
    }
  }
  const x = new Float64Array(n * m);
  const y = new Float64Array(n);
  for (let c = 0; c < m; c++) {
    for (let i = 0; i < n; i++) {
      let sum = b[i * m + c]!;
      for (let k = 0; k < i; k++) sum -= l[i * n + k]! * y[k]!;
      y[i] = sum / l[i * n + i]!;
    }
    for (let i = n - 1; i >= 0; i--) {
      let sum = y[i]!;
      for (let k = i + 1; k < n; k++) sum -= l[k * n + i]! * x[k * m + c]!;
      x[i * m + c] = sum / l[i * n + i]!;
    }
  }
  return x;
}

/**
 * A Linear layer's new weight rows for the `kept` input features and its bias, fitted by least
 * squares so that [x_kept, 1]·[W'; b'] ≈ x·W + b over the calibration rows, from the augmented
 * Gram matrix of x: A = G[S, S] and B = G[S, ·]·[W; b] with S the kept features and the ones
 * column. Weight and bias are as the layer applies them (after Gemm's alpha and beta).
 */
export function refitLinear(
  linear: LinearMatch,
  kept: readonly number[],
  { gram, size }: { gram: Float64Array; size: number },
): { weight: Float32Array; bias: Float32Array } {
  const weight = readWeight(linear);
  const bias = readBias(linear)!;
  const { alpha, beta } = linear;
  const out = weight.outFeatures;
  const full = new Float64Array(size * out);
  for (let f = 0; f < size - 1; f++)
    for (let o = 0; o < out; o++) full[f * out + o] = alpha * weight.data[f * out + o]!;
  for (let o = 0; o < out; o++) full[(size - 1) * out + o] = beta * bias[o]!;
  const rows = [...kept, size - 1];
  const n = rows.length;
  const a = new Float64Array(n * n);
  const b = new Float64Array(n * out);
  rows.forEach((r, i) => {
    rows.forEach((c, j) => (a[i * n + j] = gram[r * size + c]!));
    for (let k = 0; k < size; k++) {
      const g = gram[r * size + k]!;
      if (g === 0) continue;
      for (let o = 0; o < out; o++) b[i * out + o]! += g * full[k * out + o]!;
    }
  });
  const x = solveRidge(a, b, n, out);
  return {
    weight: Float32Array.from(x.subarray(0, (n - 1) * out)),
    bias: Float32Array.from(x.subarray((n - 1) * out)),
  };
}
