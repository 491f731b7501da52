/** A candidate for the accuracy/latency trade-off. */
export interface TradeOffPoint {
  readonly latencyMs: number;
  readonly accuracy: number;
}

/**
 * Indices of the points no other point beats: none is at least as fast and at least as accurate
 * while strictly better in one of the two. Sorted by latency, fastest first.
 */
export function paretoFront(points: readonly TradeOffPoint[]): number[] {
  const front: number[] = [];
  points.forEach((p, i) => {
    const dominated = points.some(
      (q, j) =>
        j !== i &&
        q.latencyMs <= p.latencyMs &&
        q.accuracy >= p.accuracy &&
        (q.latencyMs < p.latencyMs || q.accuracy > p.accuracy),
    );
    if (!dominated) front.push(i);
  });
  return front.sort(
    (a, b) =>
      points[a]!.latencyMs - points[b]!.latencyMs || points[b]!.accuracy - points[a]!.accuracy,
  );
}
