import { describe, expect, it } from 'vitest';
import type { DatasetItem } from './dataset.js';
import { selectItems } from './selection.js';

const ITEMS: DatasetItem[] = Array.from({ length: 100 }, (_, index) => ({
  index,
  path: `/data/${index}.png`,
  label: Math.floor(index / 10),
}));

const indices = (items: readonly DatasetItem[]): number[] => items.map((item) => item.index);

describe('selectItems', () => {
  it('keeps everything when nothing is asked', () => {
    expect(selectItems(ITEMS, {})).toEqual(ITEMS);
  });

  it('limits to the first N items', () => {
    expect(indices(selectItems(ITEMS, { limit: 3 }))).toEqual([0, 1, 2]);
    expect(selectItems(ITEMS, { limit: 1000 })).toHaveLength(100);
  });

  it('samples N items reproducibly from a seed, kept in dataset order', () => {
    const first = indices(selectItems(ITEMS, { sample: { count: 10, seed: 42 } }));
    expect(first).toHaveLength(10);
    expect(new Set(first).size).toBe(10);
    expect(first).toEqual([...first].sort((a, b) => a - b));
    expect(indices(selectItems(ITEMS, { sample: { count: 10, seed: 42 } }))).toEqual(first);
    expect(indices(selectItems(ITEMS, { sample: { count: 10, seed: 43 } }))).not.toEqual(first);
  });

  it('pins the sample of a given seed, so it stays the same across versions', () => {
    expect(indices(selectItems(ITEMS, { sample: { count: 5, seed: 1 } }))).toMatchInlineSnapshot(`
      [
        1,
        53,
        62,
        96,
        98,
      ]
    `);
  });

  it('splits into strided shards that together are exactly the unsharded selection', () => {
    const selection = { sample: { count: 37, seed: 7 }, limit: 30 };
    const whole = indices(selectItems(ITEMS, selection));
    const shards = [0, 1, 2, 3].map((index) =>
      indices(selectItems(ITEMS, { ...selection, shard: { index, count: 4 } })),
    );
    expect(shards.map((shard) => shard.length)).toEqual([8, 8, 7, 7]);
    expect(shards[1]).toEqual([
      whole[1],
      whole[5],
      whole[9],
      whole[13],
      whole[17],
      whole[21],
      whole[25],
      whole[29],
    ]);
    expect(shards.flat().sort((a, b) => a - b)).toEqual(whole);
  });

  it('refuses options out of range, naming them', () => {
    expect(() => selectItems(ITEMS, { limit: 0 })).toThrow('limit must be an integer >= 1; got 0');
    expect(() => selectItems(ITEMS, { sample: { count: 5, seed: -1 } })).toThrow(
      'seed must be an integer from 0 to 4294967295; got -1',
    );
    expect(() => selectItems(ITEMS, { shard: { index: 4, count: 4 } })).toThrow(
      'shard index must be an integer from 0 to 3; got 4',
    );
  });
});
