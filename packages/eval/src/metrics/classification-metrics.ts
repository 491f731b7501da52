import { VitOptError } from '@vit-opt/graph';
import { compareWithBaseline, type BaselineComparison } from './baseline-comparison.js';
import type { ItemRecord } from './item-record.js';
import { DEFAULT_BOOTSTRAP, type BootstrapOptions } from './paired-bootstrap.js';
import { summarizePerClass, type ClassMetrics, type ConfusionCell } from './per-class.js';

/** Accuracy figures of one model, all fractions in [0, 1]. */
export interface ClassificationMetrics {
  /** Images the figures cover (images that failed to load are not among them). */
  readonly item_count: number;
  readonly class_count: number;
  readonly top1: number;
  readonly top5: number;
  /** See PerClassSummary.macroF1 for which classes it averages. */
  readonly macro_f1: number;
  readonly per_class: readonly ClassMetrics[];
  /** Non-zero cells [true class, predicted class, count], sorted; all other cells are 0. */
  readonly confusion_matrix: readonly ConfusionCell[];
}

/** With a baseline model, the comparison figures sit beside the candidate's own. */
export type EvalMetrics = ClassificationMetrics | (ClassificationMetrics & BaselineComparison);

export interface MetricsOptions {
  readonly classCount: number;
  /** Resampling for top1_delta_ci95; default 2,000 resamples, seed 0. */
  readonly bootstrap?: BootstrapOptions;
}

/**
 * Every metric of an evaluation, from its per-item records. A single run and a merge of shards
 * both come here with the same records: they are sorted by index first, so arrival order (batch,
 * worker, shard) cannot change a single bit of the result. Records carrying a baseline
 * prediction add the baseline comparison; records must all carry one or none.
 */
export function computeClassificationMetrics(
  records: readonly ItemRecord[],
  options: MetricsOptions,
): EvalMetrics {
  const { classCount } = options;
  const sorted = sortByIndex(records);
  checkRecords(sorted, classCount);
  const n = sorted.length;
  let top1Correct = 0;
  let top5Correct = 0;
  for (const record of sorted) {
    if (record.top1_correct) top1Correct++;
    if (record.top5_correct) top5Correct++;
  }
  const { perClass, confusionMatrix, macroF1 } = summarizePerClass(sorted, classCount);
  const metrics: ClassificationMetrics = {
    item_count: n,
    class_count: classCount,
    top1: top1Correct / n,
    top5: top5Correct / n,
    macro_f1: macroF1,
    per_class: perClass,
    confusion_matrix: confusionMatrix,
  };
  if ((sorted[0] as ItemRecord).baseline_top1 === undefined) return metrics;
  return { ...metrics, ...compareWithBaseline(sorted, options.bootstrap ?? DEFAULT_BOOTSTRAP) };
}

/** Records sorted by dataset index (a copy); a repeated index is an error. */
export function sortByIndex(records: readonly ItemRecord[]): ItemRecord[] {
  const sorted = [...records].sort((a, b) => a.index - b.index);
  for (let i = 1; i < sorted.length; i++) {
    if ((sorted[i] as ItemRecord).index === (sorted[i - 1] as ItemRecord).index) {
      throw new VitOptError(
        'INVALID_ARGUMENT',
        `item ${(sorted[i] as ItemRecord).index} appears more than once in the records`,
        { subject: 'items' },
      );
    }
  }
  return sorted;
}

function checkRecords(records: readonly ItemRecord[], classCount: number): void {
  if (records.length === 0) {
    throw new VitOptError(
      'INVALID_ARGUMENT',
      'no images were evaluated: there is nothing to measure',
      {
        subject: 'items',
      },
    );
  }
  const withBaseline = (records[0] as ItemRecord).baseline_top1 !== undefined;
  const inRange = (c: number | undefined): boolean => c !== undefined && c >= 0 && c < classCount;
  for (const record of records) {
    if (
      (record.baseline_top1 !== undefined) !== withBaseline ||
      (record.kl !== undefined) !== withBaseline
    ) {
      throw new VitOptError(
        'INVALID_ARGUMENT',
        `item ${record.index} ${withBaseline ? 'lacks' : 'has'} baseline fields (baseline_top1, kl) that item ${(records[0] as ItemRecord).index} ${withBaseline ? 'has' : 'lacks'}`,
        { subject: 'items' },
      );
    }
    const outOfRange = [
      record.label,
      ...record.top5,
      ...(withBaseline ? [record.baseline_top1] : []),
    ].find((c) => !inRange(c));
    if (record.top5.length === 0 || outOfRange !== undefined) {
      throw new VitOptError(
        'INVALID_ARGUMENT',
        `item ${record.index} names class ${outOfRange ?? '(none)'}, outside 0..${classCount - 1}`,
        { subject: 'items' },
      );
    }
  }
}
