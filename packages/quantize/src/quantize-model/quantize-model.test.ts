import { join } from 'node:path';
import { encodeModel } from '@vit-opt/graph';
import { calibrationImages, sha256File } from '@vit-opt/eval';
import { describe, expect, it } from 'vitest';
import { readRecipe } from '../recipe.js';
import { REPO_ROOT, fixtureDir, loadFixture, probe } from '../testing/fixtures.js';
import { quantizeModel } from './quantize-model.js';

const MODEL_PATH = join(fixtureDir('vit-tiny-hf'), 'model.onnx');
const CALIB = join(REPO_ROOT, 'fixtures', 'data', 'fashion-mnist', 'calib');

describe('quantizeModel', () => {
  it('quantizes a copy, leaving the caller’s model as it was, and records the source file', async () => {
    const model = loadFixture('vit-tiny-hf');
    const before = encodeModel(model);
    const sourceSha256 = await sha256File(MODEL_PATH);
    const result = await quantizeModel(model, {
      mode: 'dynamic',
      sourceSha256,
      fuseTransformer: true,
      modeOptions: { target: 'portable' },
    });
    expect(result.model).not.toBe(model);
    expect(Buffer.from(encodeModel(model)).equals(Buffer.from(before))).toBe(true);
    const recipe = readRecipe(result.model)!;
    expect(recipe.mode).toBe('dynamic');
    expect(recipe.source).toMatchObject({ sha256: sourceSha256 });
    expect(recipe.fusion).toBeDefined();
    expect(result.model.graph.nodes.some((n) => n.opType === 'QAttention')).toBe(true);
  });

  it('static: calibrates on the images given, with progress, and compares on others', async () => {
    const progress: number[] = [];
    const model = loadFixture('vit-tiny-hf');
    const read = (limit: number) =>
      calibrationImages(model, { modelPath: MODEL_PATH, folder: CALIB, limit });
    const result = await quantizeModel(model, {
      mode: 'static',
      images: await read(8),
      errorReport: { images: await read(4), samples: 4 },
      probe,
      onProgress: (p) => progress.push(p.done),
    });
    expect(result.ranges).toMatchObject({ source: 'images', path: CALIB });
    expect(result.ranges!.values.sampleCount).toBe(8);
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(8);
    expect(result.errorReport!.sampleCount).toBe(4);
    // The same ranges given as values quantize the same nodes, and need no probe.
    const again = await quantizeModel(loadFixture('vit-tiny-hf'), {
      mode: 'static',
      ranges: result.ranges!.values,
    });
    expect(again.ranges!.source).toBe('given');
    expect(again.report).toEqual(result.report);
  });

  it('refuses, before any work, to calibrate or report without a probe, and static without ranges or images', async () => {
    const images = { feeds: [], imageCount: 0 };
    const noProbe = { code: 'INVALID_ARGUMENT', subject: 'probe' };
    await expect(
      quantizeModel(loadFixture('vit-tiny-hf'), { mode: 'static', images }),
    ).rejects.toMatchObject({
      ...noProbe,
      message:
        "static calibration runs the model: give a probe (a TensorProbe, e.g. @vit-opt/eval's createTensorProbe())",
    });
    await expect(
      quantizeModel(loadFixture('vit-tiny-hf'), { mode: 'int4', errorReport: { images } }),
    ).rejects.toMatchObject({
      ...noProbe,
      message: expect.stringMatching(/^the error report runs the model: give a probe/),
    });
    await expect(
      quantizeModel(loadFixture('vit-tiny-hf'), { mode: 'static', probe }),
    ).rejects.toMatchObject({
      subject: 'images',
    });
  });
});
