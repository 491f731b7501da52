/**
 * Two-sided mid-p McNemar test on the discordant pairs of a paired comparison: `b` items only
 * the first model got right, `c` only the second. Under "both models are equally accurate" each
 * discordant item is a fair coin, so min(b, c) ~ Binomial(b + c, 1/2) and
 *
 *   mid-p = 2·P(X ≤ min(b,c)) − P(X = min(b,c)),
 *
 * the exact conditional p-value less half the probability of the observed table. The exact test
 * is conservative (its real error rate sits well under the nominal level); the mid-p version
 * keeps close to it (Fagerland, Lydersen & Laake, BMC Med Res Methodol 2013). 1 when b = c = 0.
 *
 * Sums run in log space, so tables of tens of thousands of pairs do not underflow on the way.
 */
export function mcnemarMidP(b: number, c: number): number {
  const n = b + c;
  const k = Math.min(b, c);
  if (n === 0) return 1;
  const logTerms = binomialHalfLogPmfUpTo(n, k);
  // The terms grow up to n/2 and k ≤ n/2, so the last is the largest: scale by it.
  const largest = logTerms[k] as number;
  let scaledTail = 0.5;
  for (let i = 0; i < k; i++) scaledTail += Math.exp((logTerms[i] as number) - largest);
  return Math.min(1, 2 * Math.exp(largest) * scaledTail);
}

/** log P(X = i) for i = 0..k, X ~ Binomial(n, 1/2), by the ratio of successive terms. */
function binomialHalfLogPmfUpTo(n: number, k: number): number[] {
  const logs = [n * Math.log(0.5)];
  for (let i = 0; i < k; i++) {
    logs.push((logs[i] as number) + Math.log(n - i) - Math.log(i + 1));
  }
  return logs;
}
