/**
 * log softmax of one row of logits, in float64: x - max - log Σ exp(x - max). Subtracting the max
 * keeps exp() from overflowing, and working in logs keeps tiny probabilities from flushing to 0.
 */
export function logSoftmax(
  logits: Float32Array,
  rowStart: number,
  classCount: number,
): Float64Array {
  let max = -Infinity;
  for (let c = 0; c < classCount; c++) max = Math.max(max, logits[rowStart + c] as number);
  let sumExp = 0;
  for (let c = 0; c < classCount; c++) sumExp += Math.exp((logits[rowStart + c] as number) - max);
  const logSumExp = max + Math.log(sumExp);
  const out = new Float64Array(classCount);
  for (let c = 0; c < classCount; c++) out[c] = (logits[rowStart + c] as number) - logSumExp;
  return out;
}

/**
 * KL(P ‖ Q) = Σ p·(log p − log q) in nats, from log-probabilities. P is the reference (the
 * baseline model), Q the approximation (the candidate). Rounding can leave a true 0 as a tiny
 * negative number; KL is never negative, so that is clamped to 0.
 */
export function klDivergence(logP: Float64Array, logQ: Float64Array): number {
  let kl = 0;
  for (let c = 0; c < logP.length; c++) {
    const lp = logP[c] as number;
    kl += Math.exp(lp) * (lp - (logQ[c] as number));
  }
  return Math.max(kl, 0);
}
