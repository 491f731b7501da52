/**
 * The `p`-quantile (0 <= p <= 1) of values sorted ascending, by linear interpolation between the
 * two closest ranks: with h = (n - 1)·p, the result is x[⌊h⌋] + (h - ⌊h⌋)·(x[⌊h⌋+1] - x[⌊h⌋]).
 * This is NumPy's default (`method="linear"`, Hyndman & Fan type 7), so figures can be checked
 * against `numpy.percentile`. Latency percentiles and bootstrap intervals both use it.
 */
export function quantileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) throw new RangeError('the quantile of no values is undefined');
  if (!(p >= 0 && p <= 1)) throw new RangeError(`a quantile needs 0 <= p <= 1; got ${p}`);
  const h = (sorted.length - 1) * p;
  const below = Math.floor(h);
  const low = sorted[below] as number;
  if (below === sorted.length - 1) return low;
  const high = sorted[below + 1] as number;
  return low + (h - below) * (high - low);
}
