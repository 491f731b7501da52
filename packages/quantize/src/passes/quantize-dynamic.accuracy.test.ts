import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { InferenceSession } from 'onnxruntime-node';
import {
  FIXTURE_NAMES,
  REPO_ROOT,
  fixtureDir,
  loadFixture,
  type FixtureName,
} from '../testing/fixtures.js';
import { argmaxRows, createSession, runLogits } from '../testing/onnxruntime.js';
import type { Model } from '@vit-opt/graph';
import { fuseTransformer } from '../fusion/fuse-transformer.js';
import { quantizeDynamic } from './quantize-dynamic.js';

interface Batch {
  readonly pixels: Float32Array;
  readonly dims: readonly number[];
  readonly labels: readonly number[];
}

const VALIDATION_DIR = join(REPO_ROOT, 'fixtures', 'data', 'fashion-mnist', 'val');
const SIDE = 28;

/**
 * The 1,000 Fashion-MNIST validation images as the fixtures' preprocessor_config.json describes
 * them: grayscale to RGB, × 1/255, (x − 0.5) / 0.5, NCHW. Decoded here with sharp because
 * @vit-opt/eval's image pipeline is not yet in its built output, which is what vitest resolves.
 */
async function validationBatches(name: FixtureName, batchSize: number): Promise<Batch[]> {
  const { id2label } = JSON.parse(readFileSync(join(fixtureDir(name), 'config.json'), 'utf8')) as {
    id2label: Record<string, string>;
  };
  const items = Object.entries(id2label).flatMap(([index, label]) =>
    readdirSync(join(VALIDATION_DIR, label))
      .filter((file) => file.endsWith('.png'))
      .sort()
      .map((file) => ({ path: join(VALIDATION_DIR, label, file), label: Number(index) })),
  );
  const batches: Batch[] = [];
  for (let start = 0; start < items.length; start += batchSize) {
    const slice = items.slice(start, start + batchSize);
    const pixels = new Float32Array(slice.length * 3 * SIDE * SIDE);
    await Promise.all(
      slice.map(async (item, i) => {
        const { data, info } = await sharp(item.path)
          .greyscale()
          .raw()
          .toBuffer({ resolveWithObject: true });
        expect([info.width, info.height, info.channels]).toEqual([SIDE, SIDE, 1]);
        for (let channel = 0; channel < 3; channel++) {
          const offset = (i * 3 + channel) * SIDE * SIDE;
          for (let p = 0; p < SIDE * SIDE; p++) pixels[offset + p] = (data[p]! / 255 - 0.5) / 0.5;
        }
      }),
    );
    batches.push({
      pixels,
      dims: [slice.length, 3, SIDE, SIDE],
      labels: slice.map((item) => item.label),
    });
  }
  return batches;
}

async function predictions(
  session: InferenceSession,
  batches: readonly Batch[],
): Promise<number[]> {
  const predicted: number[] = [];
  for (const batch of batches)
    predicted.push(...argmaxRows(await runLogits(session, batch.pixels, batch.dims), 10));
  return predicted;
}

const VARIANTS = {
  'dynamic int8': (model: Model) => quantizeDynamic(model),
  'transformer fusion + dynamic int8 (QAttention)': (model: Model) => {
    fuseTransformer(model);
    quantizeDynamic(model);
  },
} as const;

describe.each(FIXTURE_NAMES)('dynamic int8 accuracy on %s', (name) => {
  it.each(Object.keys(VARIANTS) as (keyof typeof VARIANTS)[])(
    '%s keeps top-1 on the 1,000 validation images within 0.3 points of fp32, agreeing on ≥ 99% of them',
    async (variant) => {
      const batches = await validationBatches(name, 125);
      const labels = batches.flatMap((b) => b.labels);
      expect(labels).toHaveLength(1000);
      const float = loadFixture(name);
      const quantized = loadFixture(name);
      VARIANTS[variant](quantized);
      const floatPredictions = await predictions(await createSession(float), batches);
      const int8Predictions = await predictions(await createSession(quantized), batches);

      const top1 = (predicted: number[]): number =>
        predicted.filter((p, i) => p === labels[i]).length / labels.length;
      const agreement =
        int8Predictions.filter((p, i) => p === floatPredictions[i]).length / labels.length;
      console.log(
        `${name}, ${variant}: top-1 fp32 ${(100 * top1(floatPredictions)).toFixed(1)}%, int8 ${(100 * top1(int8Predictions)).toFixed(1)}%, agreement ${(100 * agreement).toFixed(1)}%`,
      );
      // 3 of 1,000 images, with room for the float rounding of the two fractions.
      expect(Math.abs(top1(int8Predictions) - top1(floatPredictions))).toBeLessThanOrEqual(0.003 + 1e-9);
      expect(agreement).toBeGreaterThanOrEqual(0.99);
    },
  );
});
