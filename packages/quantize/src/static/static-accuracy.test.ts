import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imageBatches, imageFolderFeeds, loadPreprocessConfig, openDataset, type ImageBatch } from '@vit-opt/eval/data';
import { calibrate } from '../calibration/calibrate.js';
import { fuseTransformer } from '../fusion/fuse-transformer.js';
import { FIXTURE_NAMES, REPO_ROOT, fixtureDir, loadFixture, probe } from '../testing/fixtures.js';
import { argmaxRows, createSession, runLogits } from '../testing/onnxruntime.js';
import { quantizeStatic } from './quantize-static.js';

const DATA = join(REPO_ROOT, 'fixtures/data/fashion-mnist');

describe.each(FIXTURE_NAMES)('static int8 accuracy on %s', (name) => {
  it.each([
    ['', false],
    [', attention fused into QAttention first', true],
  ])('keeps top-1 on the 1,000 validation images within 0.5 points of fp32 (per-channel, minmax on the 200 calibration images%s)', async (_, fused) => {
    const float = loadFixture(name);
    const preprocess = await loadPreprocessConfig(join(fixtureDir(name), 'preprocessor_config.json'));
    const quantized = float.clone();
    if (fused) expect(fuseTransformer(quantized).attention).toHaveLength(4);
    const calibration = await imageFolderFeeds(quantized, join(DATA, 'calib'), { preprocess, batchSize: 50, workers: 1 });
    expect(calibration.imageCount).toBe(200);
    const ranges = await calibrate(quantized, calibration.feeds, { probe, method: 'minmax' });
    expect(ranges.sampleCount).toBe(200);
    const report = quantizeStatic(quantized, ranges, { perChannel: true });
    expect(report.quantizedNodes.filter((node) => node.opType === 'Attention')).toHaveLength(fused ? 4 : 0);

    const { id2label } = JSON.parse(readFileSync(join(fixtureDir(name), 'config.json'), 'utf8')) as { id2label: Record<string, string> };
    const validation = await openDataset(join(DATA, 'val'), { id2label });
    const batches: ImageBatch[] = [];
    for await (const batch of imageBatches(validation.items, preprocess, { batchSize: 250, workers: 1 })) batches.push(batch);
    const labels = batches.flatMap((batch) => batch.labels);
    expect(labels).toHaveLength(1000);

    const top1 = async (session: Awaited<ReturnType<typeof createSession>>): Promise<number[]> => {
      const predicted: number[] = [];
      for (const batch of batches) predicted.push(...argmaxRows(await runLogits(session, batch.pixels, batch.dims), 10));
      return predicted;
    };
    const floatPredictions = await top1(await createSession(float));
    const int8Predictions = await top1(await createSession(quantized));
    const accuracy = (predicted: number[]): number => (100 * predicted.filter((p, i) => p === labels[i]).length) / labels.length;
    const floatTop1 = accuracy(floatPredictions);
    const int8Top1 = accuracy(int8Predictions);
    expect(floatTop1).toBeGreaterThan(85);
    expect(Math.abs(int8Top1 - floatTop1)).toBeLessThanOrEqual(0.5);
  });
});
