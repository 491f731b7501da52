import type { ItemRecord } from './item-record.js';
import { mcnemarMidP } from './mcnemar.js';
import { pairedBootstrapDeltaCi95, type BootstrapOptions } from './paired-bootstrap.js';

/** How a candidate model compares with a baseline model on the same images. */
export interface BaselineComparison {
  /** Top-1 accuracy of the baseline model, a fraction. */
  readonly baseline_top1: number;
  /** Fraction of images where both models predict the same class. */
  readonly agreement: number;
  /** Mean over images of KL(softmax(baseline) ‖ softmax(candidate)), in nats. */
  readonly mean_kl: number;
  /** top-1(candidate) − top-1(baseline), a fraction (negative: the candidate lost accuracy). */
  readonly top1_delta: number;
  /** 95% paired-bootstrap interval of top1_delta: [low, high]. */
  readonly top1_delta_ci95: readonly [number, number];
  /** Two-sided mid-p McNemar test of "both models are equally accurate". */
  readonly mcnemar_p: number;
  /** Images exactly one of the two models got right: what top1_delta and the tests rest on. */
  readonly discordant_pairs: {
    readonly candidate_only_correct: number;
    readonly baseline_only_correct: number;
  };
  /** The resampling that produced top1_delta_ci95, so it can be reproduced. */
  readonly bootstrap: BootstrapOptions;
}

/**
 * Compares from index-sorted records that all carry `baseline_top1` and `kl`. The KL mean adds the
 * per-image float64 values in index order, so the same records always give the same bits.
 */
export function compareWithBaseline(
  records: readonly ItemRecord[],
  bootstrap: BootstrapOptions,
): BaselineComparison {
  const n = records.length;
  let baselineCorrect = 0;
  let candidateCorrect = 0;
  let agreeing = 0;
  let candidateOnly = 0;
  let baselineOnly = 0;
  let klSum = 0;
  for (const record of records) {
    const baselineRight = record.baseline_top1 === record.label;
    if (baselineRight) baselineCorrect++;
    if (record.top1_correct) candidateCorrect++;
    if (record.baseline_top1 === record.top5[0]) agreeing++;
    if (record.top1_correct && !baselineRight) candidateOnly++;
    if (baselineRight && !record.top1_correct) baselineOnly++;
    klSum += record.kl as number;
  }
  return {
    baseline_top1: baselineCorrect / n,
    agreement: agreeing / n,
    mean_kl: klSum / n,
    // From counts, not top1 − baseline_top1, which could add a rounding error to an exact zero.
    top1_delta: (candidateCorrect - baselineCorrect) / n,
    top1_delta_ci95: pairedBootstrapDeltaCi95(
      { itemCount: n, candidateOnlyCorrect: candidateOnly, baselineOnlyCorrect: baselineOnly },
      bootstrap,
    ),
    mcnemar_p: mcnemarMidP(candidateOnly, baselineOnly),
    discordant_pairs: {
      candidate_only_correct: candidateOnly,
      baseline_only_correct: baselineOnly,
    },
    bootstrap: { resamples: bootstrap.resamples, seed: bootstrap.seed },
  };
}
