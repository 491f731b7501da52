import type { ItemRecord } from './item-record.js';

/** Top-1 figures of one class. */
export interface ClassMetrics {
  readonly class_index: number;
  /** Evaluated images whose label is this class. */
  readonly support: number;
  /** Images the model predicted (top-1) as this class. */
  readonly predicted: number;
  /** Images of this class predicted as this class. */
  readonly correct: number;
  /** correct / support (the class's recall); null when the class has no images. */
  readonly accuracy: number | null;
  /** correct / predicted; null when nothing was predicted as this class. */
  readonly precision: number | null;
  /**
   * 2·correct / (support + predicted), the harmonic mean of precision and recall written with
   * counts so it is defined whenever the class has images: 0 when the class is never predicted
   * (or never predicted right). null when the class has no images.
   */
  readonly f1: number | null;
}

/** A non-zero cell of the confusion matrix: [true class, predicted class, count]. */
export type ConfusionCell = readonly [trueClass: number, predictedClass: number, count: number];

export interface PerClassSummary {
  /** One entry per class 0 .. classCount-1. */
  readonly perClass: ClassMetrics[];
  /** Non-zero cells sorted by true class, then predicted class; every other cell is 0. */
  readonly confusionMatrix: ConfusionCell[];
  /**
   * The mean F1 over the classes that have images, in class order. Classes without images are
   * left out: which classes a sample or shard contains is chance, and their false positives
   * already count, as misses, against the recall of the classes those images belong to. Equals
   * scikit-learn's f1_score(y, ŷ, labels=sorted(set(y)), average="macro", zero_division=0).
   */
  readonly macroF1: number;
}

/**
 * Per-class accuracy, precision and F1, the confusion matrix and macro F1 from top-1 predictions.
 * The matrix is sparse because a dense one for 1,000 classes would be a million mostly-zero
 * numbers in every results document.
 */
export function summarizePerClass(
  records: readonly ItemRecord[],
  classCount: number,
): PerClassSummary {
  const support = new Array<number>(classCount).fill(0);
  const predicted = new Array<number>(classCount).fill(0);
  const correct = new Array<number>(classCount).fill(0);
  const cells = new Map<number, number>();
  for (const record of records) {
    const prediction = record.top5[0] as number;
    increment(support, record.label);
    increment(predicted, prediction);
    if (record.top1_correct) increment(correct, record.label);
    const cell = record.label * classCount + prediction;
    cells.set(cell, (cells.get(cell) ?? 0) + 1);
  }

  const perClass: ClassMetrics[] = [];
  let f1Sum = 0;
  let classesWithImages = 0;
  for (let c = 0; c < classCount; c++) {
    const s = support[c] as number;
    const p = predicted[c] as number;
    const k = correct[c] as number;
    const f1 = s === 0 ? null : (2 * k) / (s + p);
    if (f1 !== null) {
      f1Sum += f1;
      classesWithImages++;
    }
    perClass.push({
      class_index: c,
      support: s,
      predicted: p,
      correct: k,
      accuracy: s === 0 ? null : k / s,
      precision: p === 0 ? null : k / p,
      f1,
    });
  }

  const confusionMatrix: ConfusionCell[] = [...cells.keys()]
    .sort((a, b) => a - b)
    .map((cell) => [Math.floor(cell / classCount), cell % classCount, cells.get(cell) as number]);
  return { perClass, confusionMatrix, macroF1: f1Sum / classesWithImages };
}

function increment(counts: number[], at: number): void {
  counts[at] = (counts[at] as number) + 1;
}
