import { copyFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imageBatches } from '../data/batches/image-batches.js';
import { readManifest } from '../data/datasets/manifest.js';
import { loadPreprocessConfig } from '../data/preprocess/config-file.js';
import { klDivergence, logSoftmax } from '../metrics/kl-divergence.js';
import { mergeResults } from '../results/merge-results.js';
import type { EvalResults } from '../results/results-document.js';
import { ClassifierSession } from './classifier-session.js';
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

  it('runs a baseline preprocessed its own way on the same images, as if each ran alone', async () => {
    // The hf model, as a baseline with a preprocessor_config.json of its own: another mean.
    const dir = mkdtempSync(join(tmpdir(), 'vit-opt-eval-baseline-'));
    const baselinePath = join(dir, 'model.onnx');
    copyFileSync(fixture('vit-tiny-hf'), baselinePath);
    const config = JSON.parse(
      readFileSync(`${root}fixtures/models/vit-tiny-hf/preprocessor_config.json`, 'utf8'),
    ) as Record<string, unknown>;
    writeFileSync(
      join(dir, 'preprocessor_config.json'),
      JSON.stringify({ ...config, image_mean: [0.4, 0.45, 0.5] }),
    );
    // 60 images and, third, one that is missing: skipped for both, counted once.
    const rows = readdirSync(`${root}${VAL}/Bag`)
      .slice(0, 60)
      .map((file) => `${root}${VAL}/Bag/${file},8`);
    rows.splice(2, 0, `${dir}/missing.png,8`);
    const manifest = join(dir, 'manifest.csv');
    writeFileSync(manifest, ['path,label', ...rows].join('\n'));

    const common = { dataPath: manifest, batchSize: 16 };
    const paired = await evaluate({ ...common, modelPath: fixture('vit-tiny-tv'), baselinePath });
    const model = await evaluate({ ...common, modelPath: fixture('vit-tiny-tv') });
    const baseline = await evaluate({ ...common, modelPath: baselinePath });

    expect(paired.failures.map((f) => f.index)).toEqual([2]);
    expect(paired.baseline_preprocessing).toEqual(baseline.preprocessing);
    expect(paired.baseline_preprocessing?.normalize?.mean).toEqual([0.4, 0.45, 0.5]);
    expect(paired.preprocessing).toEqual(model.preprocessing);
    expect(paired.items.map(({ baseline_top1: _, kl: __, ...item }) => item)).toEqual(model.items);
    expect(paired.items.map((item) => item.baseline_top1)).toEqual(
      baseline.items.map((item) => item.top5[0]),
    );
    const n = model.items.length;
    const agree = model.items.filter((item, i) => item.top5[0] === baseline.items[i]!.top5[0]);
    const correct = (results: EvalResults) => results.items.filter((i) => i.top1_correct).length;
    const kls = await klOfSoloRuns(manifest, baselinePath, fixture('vit-tiny-tv'));
    expect(paired.items.map((item) => item.kl)).toEqual(kls);
    expect(paired.metrics).toMatchObject({
      agreement: agree.length / n,
      top1_delta: (correct(model) - correct(baseline)) / n,
      mean_kl: kls.reduce((sum, kl) => sum + kl, 0) / n,
    });
    expect('mean_kl' in paired.metrics && paired.metrics.mean_kl).toBeGreaterThan(0);

    // Shards of the paired run merge into exactly its metrics.
    const shards = await Promise.all(
      [0, 1, 2].map(async (index) => ({
        source: `shard-${index}.json`,
        results: await evaluate({
          ...common,
          modelPath: fixture('vit-tiny-tv'),
          baselinePath,
          shard: { index, count: 3 },
        }),
      })),
    );
    const merged = mergeResults(shards);
    expect(JSON.stringify(merged.metrics)).toBe(JSON.stringify(paired.metrics));
    expect(merged.baseline_preprocessing).toEqual(paired.baseline_preprocessing);
  });

  it('refuses a baseline whose own preprocessing does not fit its input, naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vit-opt-eval-baseline-'));
    const baselinePath = join(dir, 'model.onnx');
    copyFileSync(fixture('vit-tiny-hf'), baselinePath);
    writeFileSync(
      join(dir, 'preprocessor_config.json'),
      JSON.stringify({ size: { height: 35, width: 35 } }),
    );
    const run = evaluate({
      modelPath: fixture('vit-tiny-hf'),
      baselinePath,
      dataPath: `${root}${VAL}`,
      limit: 8,
    });
    await expect(run).rejects.toThrow(
      /^the baseline's model input "[^"]+" has shape \[.*, 3, 28, 28\] but preprocessing makes \[N, 3, 35, 35\]$/,
    );
    await expect(run).rejects.toMatchObject({ subject: baselinePath });
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

/** KL(baseline ‖ model) per image, each model run on its own preprocessing of the manifest. */
async function klOfSoloRuns(manifest: string, baselinePath: string, modelPath: string) {
  const items = (await readManifest(manifest)).items;
  const logits = async (path: string): Promise<Float32Array[]> => {
    const session = await ClassifierSession.create(path, {
      executionProvider: 'cpu',
      intraOpThreads: 0,
      interOpThreads: 0,
      graphOptimizationLevel: 'all',
      spinning: false,
    });
    const config = await loadPreprocessConfig(join(path, '../preprocessor_config.json'));
    const rows: Float32Array[] = [];
    for await (const batch of imageBatches(items, config, { batchSize: 16, workers: 1 })) {
      const { logits, classCount } = await session.run(batch.pixels, batch.dims);
      for (let i = 0; i < batch.count; i++) {
        rows.push(logits.slice(i * classCount, (i + 1) * classCount));
      }
    }
    await session.release();
    return rows;
  };
  const model = await logits(modelPath);
  const baseline = await logits(baselinePath);
  return model.map((row, i) =>
    klDivergence(logSoftmax(baseline[i]!, 0, row.length), logSoftmax(row, 0, row.length)),
  );
}
