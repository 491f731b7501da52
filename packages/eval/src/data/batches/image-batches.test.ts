import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetItem } from '../datasets/dataset.js';
import type { PreprocessConfig } from '../preprocess/config.js';
import { decodeImage } from '../preprocess/decode.js';
import { preprocessImage } from '../preprocess/preprocess-image.js';
import { imageBatches, type ImageBatch, type ImageBatchOptions } from './image-batches.js';
import { batchesToFeeds } from './input-feeds.js';

const CONFIG: PreprocessConfig = {
  size: { height: 6, width: 8 },
  resample: 'bilinear',
  cropSize: null,
  rescaleFactor: 1 / 255,
  normalize: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
};
const IMAGE_LENGTH = 3 * 6 * 8;

let root: string;
let items: DatasetItem[];

/** Ten small images of different sizes and kinds, a corrupt one at 3 and a missing one at 7. */
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vit-opt-batches-'));
  items = [];
  for (let index = 0; index < 10; index++) {
    const path = join(root, `image-${index}.${index % 2 === 0 ? 'png' : 'jpg'}`);
    if (index === 3) {
      await writeFile(path, 'this is not a PNG');
    } else if (index !== 7) {
      const width = 9 + index * 3;
      const height = 7 + index;
      const pixels = Uint8Array.from(
        { length: width * height * 3 },
        (_, i) => (i * (index + 5)) % 256,
      );
      const image = sharp(pixels, { raw: { width, height, channels: 3 } });
      await (index % 2 === 0 ? image.png() : image.jpeg()).toFile(path);
    }
    items.push({ index, path, label: index % 4 });
  }
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function collect(options: ImageBatchOptions, selected = items): Promise<ImageBatch[]> {
  const batches: ImageBatch[] = [];
  for await (const batch of imageBatches(selected, CONFIG, options)) batches.push(batch);
  return batches;
}

async function expectedPixels(item: DatasetItem): Promise<Float32Array> {
  return preprocessImage(await decodeImage(readFileSync(item.path), item.path), CONFIG);
}

describe('imageBatches', () => {
  it('yields batches in item order, each image preprocessed as preprocessImage does', async () => {
    const batches = await collect({ batchSize: 4, workers: 1 });
    expect(batches.map((batch) => batch.indices)).toEqual([
      [0, 1, 2],
      [4, 5, 6],
      [8, 9],
    ]);
    expect(batches[0]?.labels).toEqual([0, 1, 2]);
    expect(batches[1]?.paths).toEqual([items[4]?.path, items[5]?.path, items[6]?.path]);
    for (const batch of batches) {
      expect(batch.dims).toEqual([batch.count, 3, 6, 8]);
      expect(batch.pixels).toHaveLength(batch.count * IMAGE_LENGTH);
      for (const [slot, index] of batch.indices.entries()) {
        const image = batch.pixels.subarray(slot * IMAGE_LENGTH, (slot + 1) * IMAGE_LENGTH);
        expect(image).toEqual(await expectedPixels(items[index] as DatasetItem));
      }
    }
  });

  it('reports unreadable and corrupt images on their batch and goes on without them', async () => {
    const batches = await collect({ batchSize: 4, workers: 1 });
    expect(batches.map((batch) => batch.failures)).toEqual([
      [
        {
          index: 3,
          path: items[3]?.path,
          code: 'CORRUPT',
          reason: expect.stringMatching(/^cannot decode image: /),
        },
      ],
      [
        {
          index: 7,
          path: items[7]?.path,
          code: 'FILE_NOT_FOUND',
          reason: 'cannot read file: no such file',
        },
      ],
      [],
    ]);
  });

  it('pads every batch to the batch size on request, count saying how many images are real', async () => {
    const batches = await collect({ batchSize: 4, workers: 1, padToBatchSize: true });
    expect(batches.map((batch) => [batch.count, batch.dims[0]])).toEqual([
      [3, 4],
      [3, 4],
      [2, 4],
    ]);
    const last = batches[2] as ImageBatch;
    expect(last.pixels).toHaveLength(4 * IMAGE_LENGTH);
    expect(last.pixels.subarray(2 * IMAGE_LENGTH).every((value) => value === 0)).toBe(true);
  });

  it('gives the same batches with several workers and a deep prefetch', async () => {
    const one = await collect({ batchSize: 2, workers: 1, prefetch: 1 });
    const three = await collect({ batchSize: 2, workers: 3, prefetch: 5 });
    expect(three).toEqual(one);
  });

  it('carries a second preprocessing of the same images in lockstep, padded alike, failures once', async () => {
    const other: PreprocessConfig = {
      size: { height: 10, width: 10 },
      resample: 'bicubic',
      cropSize: { height: 9, width: 7 },
      rescaleFactor: 1 / 255,
      normalize: null,
    };
    const alone = await collect({ batchSize: 4, workers: 2, padToBatchSize: true });
    const paired = await collect({
      batchSize: 4,
      workers: 2,
      padToBatchSize: true,
      pairedConfig: other,
    });
    // The first preprocessing is exactly what it is without a paired one.
    expect(paired.map(({ paired: _, ...batch }) => batch)).toEqual(alone);
    for (const batch of paired) {
      expect(batch.paired?.dims).toEqual([4, 3, 9, 7]);
      const length = 3 * 9 * 7;
      for (const [slot, index] of batch.indices.entries()) {
        const item = items[index] as DatasetItem;
        const expected = preprocessImage(
          await decodeImage(readFileSync(item.path), item.path),
          other,
        );
        expect(batch.paired?.pixels.subarray(slot * length, (slot + 1) * length)).toEqual(expected);
      }
      expect(batch.paired?.pixels.subarray(batch.count * length).every((v) => v === 0)).toBe(true);
    }
    expect(paired.flatMap((batch) => batch.failures.map((f) => f.index))).toEqual([3, 7]);
  });

  it('yields a batch whose images all failed with count 0', async () => {
    const failing = [items[3], items[7]] as DatasetItem[];
    const [batch] = await collect({ batchSize: 2, workers: 1 }, failing);
    expect(batch?.count).toBe(0);
    expect(batch?.pixels).toHaveLength(0);
    expect(batch?.failures.map((failure) => failure.index)).toEqual([3, 7]);
  });

  it('stops cleanly when the consumer leaves early', async () => {
    let seen = 0;
    for await (const batch of imageBatches(items, CONFIG, { batchSize: 1, workers: 2 })) {
      seen += batch.count;
      if (seen === 2) break;
    }
    expect(seen).toBe(2);
  });

  it('yields nothing for no items, and refuses bad options or a per-image output size', async () => {
    expect(await collect({ batchSize: 4 }, [])).toEqual([]);
    await expect(collect({ batchSize: 0 })).rejects.toThrow(
      'batchSize must be an integer >= 1; got 0',
    );
    await expect(collect({ batchSize: 2, workers: 1.5 })).rejects.toThrow(/^workers must be/);
    const varying = { ...CONFIG, size: { shortestEdge: 8 } };
    await expect(imageBatches(items, varying, { batchSize: 2 }).next()).rejects.toThrow(
      /same size/,
    );
  });
});

describe('batchesToFeeds', () => {
  it('feeds each batch with images to the named input, skipping batches without any', async () => {
    const selected = [items[3], items[7], items[0], items[1]] as DatasetItem[];
    const feeds = [];
    for await (const feed of batchesToFeeds(
      imageBatches(selected, CONFIG, { batchSize: 2, workers: 1 }),
      'pixel_values',
    )) {
      feeds.push(feed);
    }
    expect(feeds).toHaveLength(1);
    expect(feeds[0]?.pixel_values?.dims).toEqual([2, 3, 6, 8]);
    expect(feeds[0]?.pixel_values?.data.subarray(IMAGE_LENGTH)).toEqual(
      await expectedPixels(items[1] as DatasetItem),
    );
  });
});
