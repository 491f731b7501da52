import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPreprocessorConfig, loadPreprocessConfig } from './config-file.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vit-opt-config-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('findPreprocessorConfig', () => {
  it('finds the config beside a model file, or inside a model folder', async () => {
    const model = join(root, 'beside');
    await mkdir(model);
    await writeFile(join(model, 'preprocessor_config.json'), '{}');
    expect(await findPreprocessorConfig(join(model, 'model.onnx'))).toBe(
      join(model, 'preprocessor_config.json'),
    );
    expect(await findPreprocessorConfig(model)).toBe(join(model, 'preprocessor_config.json'));
  });

  it('looks one level up for a model in an onnx/ folder (the Hub layout)', async () => {
    const repo = join(root, 'hub');
    await mkdir(join(repo, 'onnx'), { recursive: true });
    await writeFile(join(repo, 'preprocessor_config.json'), '{}');
    expect(await findPreprocessorConfig(join(repo, 'onnx', 'model_quantized.onnx'))).toBe(
      join(repo, 'preprocessor_config.json'),
    );
  });

  it('returns null when there is none', async () => {
    expect(await findPreprocessorConfig(join(root, 'nowhere', 'model.onnx'))).toBeNull();
  });
});

describe('loadPreprocessConfig', () => {
  it('reads the file and applies overrides', async () => {
    const path = join(root, 'vit.json');
    await writeFile(
      path,
      JSON.stringify({
        image_processor_type: 'ViTImageProcessor',
        size: { height: 28, width: 28 },
      }),
    );
    const config = await loadPreprocessConfig(path, { resample: 'nearest' });
    expect(config.size).toEqual({ height: 28, width: 28 });
    expect(config.resample).toBe('nearest');
  });

  it('says when the file is missing or not JSON, naming it', async () => {
    const missing = join(root, 'missing.json');
    await expect(loadPreprocessConfig(missing)).rejects.toMatchObject({
      code: 'FILE_NOT_FOUND',
      subject: missing,
    });
    const broken = join(root, 'broken.json');
    await writeFile(broken, '{"size": ');
    await expect(loadPreprocessConfig(broken)).rejects.toMatchObject({
      code: 'CORRUPT',
      subject: broken,
      message: expect.stringMatching(/^preprocessor config is not valid JSON/),
    });
  });
});
