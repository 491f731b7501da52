import { join } from 'node:path';
import { encodeModel } from '@vit-opt/graph';
import { describe, expect, it } from 'vitest';
import { readRecipe } from '../recipe.js';
import { REPO_ROOT, fixtureDir, loadFixture } from '../testing/fixtures.js';
import { quantizeModel } from './quantize-model.js';

const MODEL_PATH = join(fixtureDir('vit-tiny-hf'), 'model.onnx');
const CALIB = join(REPO_ROOT, 'fixtures', 'data', 'fashion-mnist', 'calib');

describe('quantizeModel', () => {
  it('quantizes a copy, leaving the caller’s model as it was, and records the source file', async () => {
    const model = loadFixture('vit-tiny-hf');
    const before = encodeModel(model);
    const result = await quantizeModel(model, {
      mode: 'dynamic',
      modelPath: MODEL_PATH,
      fuseTransformer: true,
      modeOptions: { target: 'portable' },
    });
    expect(result.model).not.toBe(model);
    expect(Buffer.from(encodeModel(model)).equals(Buffer.from(before))).toBe(true);
    const recipe = readRecipe(result.model)!;
    expect(recipe.mode).toBe('dynamic');
    expect(recipe.source).toMatchObject({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(recipe.fusion).toBeDefined();
    expect(result.model.graph.nodes.some((n) => n.opType === 'QAttention')).toBe(true);
  });

  it('static: calibrates on the images, preprocessed as the model’s preprocessor_config.json says, with progress', async () => {
    const progress: number[] = [];
    const result = await quantizeModel(loadFixture('vit-tiny-hf'), {
      mode: 'static',
      modelPath: MODEL_PATH,
      images: { folder: CALIB },
      calibration: { limit: 8 },
      errorReport: { samples: 4 },
      onProgress: (p) => progress.push(p.done),
    });
    expect(result.ranges).toMatchObject({ source: 'images', path: CALIB });
    expect(result.ranges!.values.sampleCount).toBe(8);
    expect(result.preprocess).toBeDefined();
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(8);
    expect(result.errorReport!.sampleCount).toBe(4);
    // The same ranges given as values quantize the same nodes.
    const again = await quantizeModel(loadFixture('vit-tiny-hf'), {
      mode: 'static',
      modelPath: MODEL_PATH,
      ranges: result.ranges!.values,
    });
    expect(again.ranges!.source).toBe('given');
    expect(again.report).toEqual(result.report);
  });

  it('refuses, before any work, images of a model with no preprocessing to read them with', async () => {
    await expect(
      quantizeModel(loadFixture('vit-tiny-hf'), { mode: 'static', images: { folder: CALIB } }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', subject: 'preprocess' });
    await expect(
      quantizeModel(loadFixture('vit-tiny-hf'), { mode: 'static', modelPath: MODEL_PATH }),
    ).rejects.toMatchObject({ subject: 'images' });
  });
});
