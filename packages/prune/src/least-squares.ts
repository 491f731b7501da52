import { VitOptError } from '@vit-opt/graph';

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
