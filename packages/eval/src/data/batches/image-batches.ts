import { availableParallelism } from 'node:os';
import { VitOptError } from '@vit-opt/graph';
import type { DatasetItem } from '../datasets/dataset.js';
import type { ImageSize, PreprocessConfig } from '../preprocess/config.js';
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
  /**
   * A second preprocessing of the same images (a baseline that takes another input size): each
   * image is decoded once and preprocessed both ways, and every batch carries both as `paired`.
   */
  readonly pairedConfig?: PreprocessConfig;
}

/** Images as one NCHW float32 input. */
export interface PixelBatch {
  /** [images, 3, height, width] of `pixels`. */
  readonly dims: readonly [number, number, number, number];
  readonly pixels: Float32Array;
}

/**
 * Up to `batchSize` preprocessed images. `count` images were decoded; `pixels` holds them first,
 * then zero padding when padding was asked for. Images that failed are in `failures` instead;
 * a batch whose images all failed has `count` 0 and should not be run.
 */
export interface ImageBatch extends PixelBatch {
  readonly indices: readonly number[];
  readonly paths: readonly string[];
  readonly labels: readonly number[];
  readonly count: number;
  /** The same images preprocessed as `pairedConfig` says, in the same order; only with it. */
  readonly paired?: PixelBatch;
  readonly failures: readonly ImageFailure[];
}

/**
 * The items as batches of NCHW float32 pixels, in item order (and as `pairedConfig` says, when
 * given: an image that cannot be read is missing from both). Decoding and preprocessing run in
 * worker threads and stay up to `prefetch` batches ahead of the consumer, so inference is not
 * kept waiting while memory stays bounded. Leaving the loop early stops the workers.
 */
export async function* imageBatches(
  items: readonly DatasetItem[],
  config: PreprocessConfig,
  options: ImageBatchOptions,
): AsyncGenerator<ImageBatch, void, undefined> {
  const configs = options.pairedConfig === undefined ? [config] : [config, options.pairedConfig];
  const sizes = configs.map((c) => preprocessedSize(c));
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
    configs,
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
      yield toImageBatch(next.items, result, sizes);
    }
  } finally {
    await pool.close();
  }
}

function toImageBatch(
  items: readonly DatasetItem[],
  { decoded, failures, pixels }: BatchTaskResult,
  sizes: readonly ImageSize[],
): ImageBatch {
  const decodedItems = decoded.map((position) => items[position] as DatasetItem);
  const [first, paired] = pixels.map((data, at) => pixelBatch(data, sizes[at]!));
  return {
    indices: decodedItems.map((item) => item.index),
    paths: decodedItems.map((item) => item.path),
    labels: decodedItems.map((item) => item.label),
    count: decodedItems.length,
    ...first!,
    ...(paired === undefined ? {} : { paired }),
    failures,
  };
}

function pixelBatch(pixels: Float32Array, { height, width }: ImageSize): PixelBatch {
  return { dims: [pixels.length / (CHANNELS * height * width), CHANNELS, height, width], pixels };
}

function positiveInteger(value: number, option: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new VitOptError('INVALID_ARGUMENT', `${option} must be an integer >= 1; got ${value}`, {
      subject: option,
    });
  }
  return value;
}
