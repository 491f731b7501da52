import { VitOptError } from '@vit-opt/graph';
import { seededRandom } from '../seeded-random.js';
import type { DatasetItem } from './dataset.js';

export interface ItemSelection {
  /** Keep N items drawn at random, reproducibly from `seed`, in dataset order. */
  readonly sample?: { readonly count: number; readonly seed: number };
  /** Keep the first N items (after sampling, if both are given). */
  readonly limit?: number;
  /**
   * Keep one of `count` slices (0 <= index < count), after sample and limit. Items go to shards
   * in blocks of `blockSize` (default 1): pass the batch size, so every shard runs exactly the
   * batches a single run would (dynamically quantized models compute their activation scales
   * over the whole batch, so a different batch mix would change the logits).
   */
  readonly shard?: { readonly index: number; readonly count: number; readonly blockSize?: number };
}

/**
 * Sample, then limit, then shard. Each step is deterministic, so every shard of a run sees the
 * same selection and the shards together hold exactly the items one unsharded run would.
 *
 * Sampling: a Fisher-Yates shuffle driven by mulberry32 seeded with `seed` (a 32-bit integer)
 * picks `count` positions, which are then put back in dataset order.
 *
 * Sharding is strided by blocks: the k-th selected item goes to shard floor(k / blockSize) mod
 * count. Every shard then has about the same share of each class (datasets are ordered by
 * class), and sizes differ by at most one block. Items keep their dataset `index`, which is what
 * merging results goes by.
 */
export function selectItems(
  items: readonly DatasetItem[],
  selection: ItemSelection,
): DatasetItem[] {
  let selected = [...items];
  if (selection.sample !== undefined) {
    const { count, seed } = selection.sample;
    requireInteger(count, 1, Number.MAX_SAFE_INTEGER, 'sample');
    requireInteger(seed, 0, 0xffffffff, 'seed');
    selected = sample(selected, count, seed);
  }
  if (selection.limit !== undefined) {
    requireInteger(selection.limit, 1, Number.MAX_SAFE_INTEGER, 'limit');
    selected = selected.slice(0, selection.limit);
  }
  if (selection.shard !== undefined) {
    const { index, count, blockSize = 1 } = selection.shard;
    requireInteger(count, 1, Number.MAX_SAFE_INTEGER, 'shard count');
    requireInteger(index, 0, count - 1, 'shard index');
    requireInteger(blockSize, 1, Number.MAX_SAFE_INTEGER, 'shard block size');
    selected = selected.filter((_, position) => Math.floor(position / blockSize) % count === index);
  }
  return selected;
}

function sample(items: DatasetItem[], count: number, seed: number): DatasetItem[] {
  if (count >= items.length) return items;
  const random = seededRandom(seed);
  const positions = Array.from(items.keys());
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (positions.length - i));
    [positions[i], positions[j]] = [positions[j] as number, positions[i] as number];
  }
  return positions
    .slice(0, count)
    .sort((a, b) => a - b)
    .map((position) => items[position] as DatasetItem);
}

function requireInteger(value: number, min: number, max: number, option: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range =
      max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    throw new VitOptError('INVALID_ARGUMENT', `${option} must be ${range}; got ${value}`, {
      subject: option,
    });
  }
}
