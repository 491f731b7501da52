import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel, saveModel } from '@vit-opt/graph';
import { RECIPE_METADATA_KEY, describeModel } from './describe-model.js';
import { sha256File } from './sha256-file.js';

const TINY_VIT = new URL('../../../../fixtures/models/vit-tiny-hf/model.onnx', import.meta.url)
  .pathname;
const scratch = mkdtempSync(join(tmpdir(), 'vit-opt-describe-model-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('describeModel', () => {
  it('identifies the file by SHA-256 and size', async () => {
    const description = await describeModel(TINY_VIT);
    expect(description.path).toBe(TINY_VIT);
    expect(description.sha256).toBe(
      createHash('sha256').update(readFileSync(TINY_VIT)).digest('hex'),
    );
    expect(description.size_bytes).toBe(statSync(TINY_VIT).size);
    expect(description.external_data).toEqual([]);
  });

  it('counts the weights of the tiny ViT', async () => {
    // hidden 64, 4 layers, MLP 128, 7×7 patches of 3 channels, 17 tokens, 10 classes:
    // patch conv 9,472 + cls 64 + positions 1,088 + 4 × 33,472 per layer + final norm 128
    // + classifier 650.
    expect((await describeModel(TINY_VIT)).parameter_count).toBe(145_290);
  });

  it('reads the vit-opt recipe a variant carries, and null when there is none', async () => {
    expect((await describeModel(TINY_VIT)).recipe).toBeNull();
    const model = loadModel(TINY_VIT);
    model.metadataProps.set(RECIPE_METADATA_KEY, JSON.stringify({ quantize: { mode: 'dynamic' } }));
    const path = join(scratch, 'with-recipe.onnx');
    saveModel(model, path);
    expect((await describeModel(path)).recipe).toEqual({ quantize: { mode: 'dynamic' } });
  });

  it('names the file when the recipe is not JSON', async () => {
    const model = loadModel(TINY_VIT);
    model.metadataProps.set(RECIPE_METADATA_KEY, '{not json');
    const path = join(scratch, 'broken-recipe.onnx');
    saveModel(model, path);
    await expect(describeModel(path)).rejects.toMatchObject({
      subject: path,
      message: expect.stringMatching(/"vit-opt.recipe" is not valid JSON/),
    });
  });

  it('includes external-data files in the size and lists their hashes', async () => {
    const path = join(scratch, 'external.onnx');
    saveModel(loadModel(TINY_VIT), path, { externalData: true, externalDataLocation: 'external.onnx.data' });
    const dataPath = join(scratch, 'external.onnx.data');
    const description = await describeModel(path);
    expect(description.external_data).toEqual([
      {
        location: 'external.onnx.data',
        sha256: await sha256File(dataPath),
        size_bytes: statSync(dataPath).size,
      },
    ]);
    expect(description.size_bytes).toBe(statSync(path).size + statSync(dataPath).size);
    expect(description.parameter_count).toBe(145_290);
  });
});

describe('sha256File', () => {
  it('names the file that is missing', async () => {
    await expect(sha256File(join(scratch, 'absent.onnx'))).rejects.toMatchObject({
      code: 'FILE_NOT_FOUND',
      subject: join(scratch, 'absent.onnx'),
    });
  });
});
