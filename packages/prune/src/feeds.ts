import type { FeedBatch, FeedBatches } from '@vit-opt/graph';

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
