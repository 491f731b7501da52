import type { ProbeFeed } from '@vit-opt/graph';

/** One batch of model inputs by name. */
export type FeedBatch = Readonly<Record<string, ProbeFeed>>;

/** Batches of inputs: calibration images, as @vit-opt/eval's data readers make them. */
export type FeedBatches = Iterable<FeedBatch> | AsyncIterable<FeedBatch>;

/** The batches, read once into memory: scoring runs the model on them many times. */
export async function collectBatches(feeds: FeedBatches, limit = Infinity): Promise<FeedBatch[]> {
  const batches: FeedBatch[] = [];
  let samples = 0;
  for await (const batch of feeds) {
    batches.push(batch);
    samples += Object.values(batch)[0]?.dims[0] ?? 1;
    if (samples >= limit) break;
  }
  return batches;
}
