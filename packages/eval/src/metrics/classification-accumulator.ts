import { VitOptError } from '@vit-opt/graph';
import type { ItemRecord } from './item-record.js';
import { TOP_K } from './item-record.js';
import { klDivergence, logSoftmax } from './kl-divergence.js';
import { topKClasses } from './top-k.js';

/** One batch of model outputs: row i of `logits` belongs to item `indices[i]`. */
export interface LogitsBatch {
  /** Dataset indices of the batch's images. */
  readonly indices: readonly number[];
  readonly labels: readonly number[];
  /**
   * rows × classCount logits of the candidate model. Rows after `indices.length` are the padding
   * of a fixed-size batch and are ignored.
   */
  readonly logits: Float32Array;
  /** The baseline model's logits for the same images, laid out like `logits`. */
  readonly baselineLogits?: Float32Array;
}

export interface ClassificationAccumulatorOptions {
  /** Width of a logits row (the model's number of classes). */
  readonly classCount: number;
  /** Whether batches carry a baseline model's logits. */
  readonly withBaseline: boolean;
}

/**
 * Reduces each batch of logits to per-item records as it arrives, so memory grows by one small
 * record per image, never by a logits row. Compute the metrics from `records()` with
 * `computeClassificationMetrics`.
 */
export class ClassificationAccumulator {
  readonly classCount: number;
  readonly withBaseline: boolean;
  readonly #records: ItemRecord[] = [];

  constructor(options: ClassificationAccumulatorOptions) {
    if (!Number.isInteger(options.classCount) || options.classCount < 1) {
      throw new VitOptError(
        'INVALID_ARGUMENT',
        `classCount must be an integer >= 1; got ${options.classCount}`,
        { subject: 'classCount' },
      );
    }
    this.classCount = options.classCount;
    this.withBaseline = options.withBaseline;
  }

  get itemCount(): number {
    return this.#records.length;
  }

  addBatch(batch: LogitsBatch): void {
    const { indices, labels, logits, baselineLogits } = batch;
    const classCount = this.classCount;
    if (labels.length !== indices.length) {
      throw invalid('labels', `has ${labels.length} entries for ${indices.length} indices`);
    }
    checkLogits(logits, 'logits', indices, classCount);
    if (this.withBaseline) {
      if (baselineLogits === undefined) {
        throw invalid(
          'baselineLogits',
          'are missing, and the accumulator was made with a baseline',
        );
      }
      checkLogits(baselineLogits, 'baselineLogits', indices, classCount);
    } else if (baselineLogits !== undefined) {
      throw invalid(
        'baselineLogits',
        'were given, but the accumulator was made without a baseline',
      );
    }
    for (let row = 0; row < indices.length; row++) {
      const index = indices[row] as number;
      const label = labels[row] as number;
      if (!Number.isSafeInteger(index) || index < 0) {
        throw invalid('indices', `must be integers >= 0; got ${index}`);
      }
      if (!Number.isInteger(label) || label < 0 || label >= classCount) {
        throw invalid('labels', `of item ${index} is ${label}, outside 0..${classCount - 1}`);
      }
      const rowStart = row * classCount;
      const top5 = topKClasses(logits, rowStart, classCount, TOP_K);
      const record: ItemRecord = {
        index,
        label,
        top5,
        top1_correct: top5[0] === label,
        top5_correct: top5.includes(label),
      };
      if (baselineLogits === undefined) {
        this.#records.push(record);
        continue;
      }
      const baselineTop1 = topKClasses(baselineLogits, rowStart, classCount, 1)[0] as number;
      const kl = klDivergence(
        logSoftmax(baselineLogits, rowStart, classCount),
        logSoftmax(logits, rowStart, classCount),
      );
      this.#records.push({ ...record, baseline_top1: baselineTop1, kl });
    }
  }

  /** The records so far, in arrival order (metrics sort them by index). */
  records(): readonly ItemRecord[] {
    return this.#records;
  }
}

/**
 * Non-finite logits mean a broken model (an fp16 overflow, say); their ranking and KL would be
 * meaningless, so they stop the run instead of quietly becoming a wrong figure.
 */
function checkLogits(
  logits: Float32Array,
  name: string,
  indices: readonly number[],
  classCount: number,
): void {
  const items = indices.length;
  if (logits.length % classCount !== 0 || logits.length < items * classCount) {
    throw invalid(
      name,
      `hold ${logits.length} values; ${items} items of ${classCount} classes need ${items * classCount} (plus whole padding rows)`,
    );
  }
  for (let i = 0; i < items * classCount; i++) {
    if (!Number.isFinite(logits[i])) {
      const index = indices[Math.floor(i / classCount)] as number;
      throw invalid(name, `of item ${index} hold ${logits[i]} at class ${i % classCount}`);
    }
  }
}

function invalid(argument: string, problem: string): VitOptError {
  return new VitOptError('INVALID_ARGUMENT', `${argument} ${problem}`, { subject: argument });
}
