/**
 * The classes of the `k` largest logits of one row, best first (fewer when the row has fewer
 * than `k` classes). Ties go to the lower class index, so results do not depend on the sort
 * algorithm or on the order items arrive in.
 */
export function topKClasses(
  logits: Float32Array,
  rowStart: number,
  classCount: number,
  k: number,
): number[] {
  const best: number[] = [];
  const bestValues: number[] = [];
  for (let c = 0; c < classCount; c++) {
    const value = logits[rowStart + c] as number;
    if (best.length === k && !(value > (bestValues[k - 1] as number))) continue;
    // Strictly greater to move ahead: an equal value found later has a higher class index.
    let at = Math.min(best.length, k - 1);
    while (at > 0 && value > (bestValues[at - 1] as number)) at--;
    best.splice(at, 0, c);
    bestValues.splice(at, 0, value);
    if (best.length > k) {
      best.pop();
      bestValues.pop();
    }
  }
  return best;
}
