import { availableParallelism } from 'node:os';
import { VitOptError } from '@vit-opt/graph';
import type { DatasetItem } from '../datasets/dataset.js';
import type { PreprocessConfig } from '../preprocess/config.js';
import { resolveImageLimits, type ImageLimits } from '../preprocess/image-limits.js';
import { CHANNELS, preprocessedSize } from '../preprocess/preprocess-image.js';
import type { BatchTaskResult, ImageFailure } from './batch-protocol.js';
import { PreprocessWorkerPool } from './worker-pool.js';

export interface ImageBatchOptions extends ImageLimits {
  readonly batchSize: number;
  /** Worker threads that decode and preprocess; default one per core but one, at least 1. */
  readonly workers?: number;
  /** Batches prepared ahead of the consumer (bounds memory); default twice the workers. */
  readonly prefetch?: number;
  /** Pad every batch's pixels with zeros to `batchSize` images, for a fixed batch dimension. */
  readonly padToBatchSize?: boolean;
}

/**
 * Up to `batchSize` preprocessed images. `count` images were decoded; `pixels` holds them first,
 * then zero padding when padding was asked for. Images that failed are in `failures` instead;
 * a batch whose images all failed has `count` 0 and should not be run.
 */
export interface ImageBatch {
  readonly indices: readonly number[];
  readonly paths: readonly string[];
  readonly labels: readonly number[];
  readonly count: number;
  /** [images, 3, height, width] of `pixels`. */
  readonly dims: readonly [number, number, number, number];
  readonly pixels: Float32Array;
  readonly failures: readonly ImageFailure[];
}

/**
 * The items as batches of NCHW float32 pixels, in item order. Decoding and preprocessing run in
 * worker threads and stay up to `prefetch` batches ahead of the consumer, so inference is not
 * kept waiting while memory stays bounded. Leaving the loop early stops the workers.
 */
export async function* imageBatches(
  items: readonly DatasetItem[],
  config: PreprocessConfig,
  options: ImageBatchOptions,
): AsyncGenerator<ImageBatch, void, undefined> {
  const { height, width } = preprocessedSize(config);
  const batchSize = positiveInteger(options.batchSize, 'batchSize');
  const workers = positiveInteger(
    options.workers ?? Math.max(availableParallelism() - 1, 1),
    'workers',
  );
  const prefetch = positiveInteger(options.prefetch ?? 2 * workers, 'prefetch');
  const padTo = options.padToBatchSize === true ? batchSize : null;
  const limits = resolveImageLimits(options);
  if (items.length === 0) return;

  const pool = new PreprocessWorkerPool(
    config,
    Math.min(workers, Math.ceil(items.length / batchSize)),
    limits,
  );
  const pending: {
    readonly items: readonly DatasetItem[];
    readonly result: Promise<BatchTaskResult>;
  }[] = [];
  let nextStart = 0;
  const fill = (): void => {
    while (pending.length < prefetch && nextStart < items.length) {
      const batchItems = items.slice(nextStart, nextStart + batchSize);
      nextStart += batchItems.length;
      const result = pool.run(batchItems, padTo);
      // Awaited in order later; a failure of a later batch must not count as unhandled meanwhile.
      result.catch(() => undefined);
      pending.push({ items: batchItems, result });
    }
  };
  try {
    fill();
    for (let next = pending.shift(); next !== undefined; next = pending.shift()) {
      const result = await next.result;
      fill();
      yield toImageBatch(next.items, result, [height, width]);
    }
  } finally {
    await pool.close();
  }
}

function toImageBatch(
  items: readonly DatasetItem[],
  { decoded, failures, pixels }: BatchTaskResult,
  [height, width]: [number, number],
): ImageBatch {
  const decodedItems = decoded.map((position) => items[position] as DatasetItem);
  return {
    indices: decodedItems.map((item) => item.index),
    paths: decodedItems.map((item) => item.path),
    labels: decodedItems.map((item) => item.label),
    count: decodedItems.length,
    dims: [pixels.length / (CHANNELS * height * width), CHANNELS, height, width],
    pixels,
    failures,
  };
}

function positiveInteger(value: number, option: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new VitOptError('INVALID_ARGUMENT', `${option} must be an integer >= 1; got ${value}`, {
      subject: option,
    });
  }
  return value;
}
