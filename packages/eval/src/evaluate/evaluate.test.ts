import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mergeResults } from '../results/merge-results.js';
import { evaluate } from './evaluate.js';

const VAL = 'fixtures/data/fashion-mnist/val';
const root = new URL('../../../../', import.meta.url).pathname;
const fixture = (name: string) => `${root}fixtures/models/${name}/model.onnx`;
const pytorchTop1 = (name: string): number =>
  JSON.parse(readFileSync(`${root}fixtures/models/${name}/pytorch_metrics.json`, 'utf8'))
    .top1_val_1000;

describe('evaluate', () => {
  for (const name of ['vit-tiny-hf', 'vit-tiny-tv']) {
    it(`reproduces PyTorch's top-1 of ${name} on the 1,000 validation images`, async () => {
      const results = await evaluate({
        modelPath: fixture(name),
        dataPath: `${root}${VAL}`,
        batchSize: 64,
      });
      expect(results.metrics.item_count).toBe(1000);
      expect(results.failures).toEqual([]);
      expect(Math.abs(results.metrics.top1 - pytorchTop1(name))).toBeLessThanOrEqual(0.002);
      expect(results.metrics.top5).toBeGreaterThanOrEqual(results.metrics.top1);
    });
  }

  it('gives, through shards and a merge, exactly the metrics of a single run', async () => {
    const options = {
      modelPath: fixture('vit-tiny-hf'),
      dataPath: `${root}${VAL}`,
      batchSize: 16,
      sample: { count: 300, seed: 7 },
    };
    const single = await evaluate(options);
    const shards = await Promise.all(
      [0, 1, 2].map(async (index) => ({
        source: `shard-${index}.json`,
        results: await evaluate({ ...options, shard: { index, count: 3 } }),
      })),
    );
    expect(JSON.stringify(mergeResults(shards).metrics)).toBe(JSON.stringify(single.metrics));
  });

  it('compares against a baseline in the same pass', async () => {
    const results = await evaluate({
      modelPath: fixture('vit-tiny-hf'),
      baselinePath: fixture('vit-tiny-hf'),
      dataPath: `${root}${VAL}`,
      limit: 64,
    });
    expect(results.metrics).toMatchObject({ agreement: 1, top1_delta: 0, mean_kl: 0 });
  });

  it('stops cleanly when aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('interrupted'));
    await expect(
      evaluate({
        modelPath: fixture('vit-tiny-hf'),
        dataPath: `${root}${VAL}`,
        signal: controller.signal,
      }),
    ).rejects.toThrow('interrupted');
  });
});
