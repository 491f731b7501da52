import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Dataset } from '../data/index.js';
import { describeDataset, hashDatasetContent } from './describe-dataset.js';

let root: string;
let dataset: Dataset;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'vit-opt-dataset-hash-'));
  const files = [
    ['cat/a.png', 0],
    ['cat/b.png', 0],
    ['dog/c.png', 1],
  ] as const;
  for (const [path] of files) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), `pixels of ${path}`);
  }
  dataset = {
    source: root,
    items: files.map(([path, label], index) => ({ index, path: join(root, path), label })),
  };
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('hashDatasetContent', () => {
  it('hashes file bytes for a small dataset, and is the same every time', async () => {
    const first = await hashDatasetContent(dataset);
    expect(first.method).toBe('file-bytes');
    expect(first.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(await hashDatasetContent(dataset)).toEqual(first);
  });

  it('ignores modification times, which a fresh checkout changes', async () => {
    const before = await hashDatasetContent(dataset);
    utimesSync(join(root, 'cat/a.png'), new Date(2001, 0, 1), new Date(2001, 0, 1));
    expect(await hashDatasetContent(dataset)).toEqual(before);
  });

  it('sees a changed image even at the same size', async () => {
    const before = await hashDatasetContent(dataset);
    writeFileSync(join(root, 'cat/a.png'), 'pixels of cat/A.png');
    expect((await hashDatasetContent(dataset)).contentHash).not.toBe(before.contentHash);
  });

  it('sees a changed label or order: an index must keep naming the same image', async () => {
    const before = (await hashDatasetContent(dataset)).contentHash;
    const relabelled = { ...dataset, items: dataset.items.map((item) => ({ ...item, label: 1 })) };
    const [a, b, c] = dataset.items;
    const reordered = {
      ...dataset,
      items: [b!, a!, c!].map((item, index) => ({ ...item, index })),
    };
    expect((await hashDatasetContent(relabelled)).contentHash).not.toBe(before);
    expect((await hashDatasetContent(reordered)).contentHash).not.toBe(before);
  });

  it('falls back to path, label and size above the byte-hashing limit', async () => {
    const bySize = await hashDatasetContent(dataset, { fileBytesHashLimitBytes: 10 });
    expect(bySize.method).toBe('file-sizes');
    writeFileSync(join(root, 'cat/a.png'), 'pixels of cat/A.png');
    expect(await hashDatasetContent(dataset, { fileBytesHashLimitBytes: 10 })).toEqual(bySize);
  });

  it('does not depend on where the dataset sits', async () => {
    const moved = mkdtempSync(join(tmpdir(), 'vit-opt-dataset-moved-'));
    try {
      const items = dataset.items.map((item) => ({
        ...item,
        path: item.path.replace(root, moved),
      }));
      for (const item of dataset.items) {
        mkdirSync(join(item.path.replace(root, moved), '..'), { recursive: true });
        writeFileSync(
          item.path.replace(root, moved),
          `pixels of ${item.path.slice(root.length + 1)}`,
        );
      }
      expect(await hashDatasetContent({ source: moved, items })).toEqual(
        await hashDatasetContent(dataset),
      );
    } finally {
      rmSync(moved, { recursive: true, force: true });
    }
  });

  it('hashes an unreadable image as missing instead of failing', async () => {
    rmSync(join(root, 'dog/c.png'));
    expect((await hashDatasetContent(dataset)).contentHash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('describeDataset', () => {
  it('records the path as given, the whole item count and the selection', async () => {
    const description = await describeDataset(dataset, {
      path: 'data/pets',
      selection: { sample: { count: 2, seed: 7 }, shard: { index: 1, count: 2 } },
      classNames: ['cat', 'dog'],
    });
    expect(description).toEqual({
      path: 'data/pets',
      content_hash: (await hashDatasetContent(dataset)).contentHash,
      content_hash_method: 'file-bytes',
      item_count: 3,
      class_names: ['cat', 'dog'],
      selection: { sample: { count: 2, seed: 7 }, limit: null, shard: { index: 1, count: 2 } },
    });
  });
});
