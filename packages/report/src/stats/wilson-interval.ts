/** z for a two-sided 95% interval. */
const Z95 = 1.959963984540054;

/**
 * Wilson score 95% interval of a proportion (`correct` of `total`): the sampling uncertainty of
 * one model's accuracy on a test set of this size. Unlike the normal approximation it stays in
 * [0, 1] and is sensible near 0 and 1, where accuracies of good models sit.
 */
export function wilsonInterval95(correct: number, total: number): readonly [number, number] {
  if (total <= 0) return [0, 1];
  const p = correct / total;
  const z2 = Z95 * Z95;
  const denominator = 1 + z2 / total;
  const centre = (p + z2 / (2 * total)) / denominator;
  const half = (Z95 * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total))) / denominator;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}
