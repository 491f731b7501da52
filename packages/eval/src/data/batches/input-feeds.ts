import type { Float32Feed } from '@vit-opt/graph';
import type { ImageBatch } from './image-batches.js';

/** A float32 tensor as plain data: what a runtime wraps (e.g. in an onnxruntime Tensor) to run. */
export type TensorFeed = Float32Feed;

/** One batch of float32 inputs by name: a FeedBatch (graph's) that probes and passes take. */
export type InputFeeds = Readonly<Record<string, TensorFeed>>;

/**
 * Each batch's pixels as the feeds of a model whose image input is `inputName`, for passes that
 * take an async iterable of feeds (quantization calibration). Batches whose images all failed
 * are skipped. Padding is passed through as is, so calibration should not ask for it.
 */
export async function* batchesToFeeds(
  batches: AsyncIterable<ImageBatch>,
  inputName: string,
): AsyncGenerator<InputFeeds, void, undefined> {
  for await (const batch of batches) {
    if (batch.count > 0) yield { [inputName]: { data: batch.pixels, dims: batch.dims } };
  }
}
