import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel, type Model } from '@vit-opt/graph';
import { afterAll, describe, expect, it } from 'vitest';
import { resolvePreprocessConfig } from '../preprocess/config.js';
import { loadPreprocessConfig } from '../preprocess/config-file.js';
import { calibrationImages, imageFolderFeeds } from './image-folder-feeds.js';

const REPO_ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
const fixtureDir = (name: string): string => join(REPO_ROOT, 'fixtures/models', name);
const loadFixture = (name: string): Model => loadModel(join(fixtureDir(name), 'model.onnx'));

const scratch = mkdtempSync(join(tmpdir(), 'vit-opt-calib-folder-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const CALIB = join(REPO_ROOT, 'fixtures/data/fashion-mnist/calib');

async function drain(feeds: AsyncIterable<unknown>): Promise<number> {
  let batches = 0;
  for await (const _ of feeds) batches++;
  return batches;
}

describe('imageFolderFeeds', () => {
  it('yields preprocessed batches of the calibration images, whatever the class folders are called', async () => {
    const preprocess = await loadPreprocessConfig(join(fixtureDir('vit-tiny-hf'), 'preprocessor_config.json'));
    const images = await imageFolderFeeds(loadFixture('vit-tiny-hf'), CALIB, { preprocess, batchSize: 16, limit: 40, workers: 1 });
    expect(images.imageCount).toBe(40);
    const shapes: number[][] = [];
    for await (const feeds of images.feeds) shapes.push([...feeds.pixel_values!.dims]);
    expect(shapes).toEqual([
      [16, 3, 28, 28],
      [16, 3, 28, 28],
      [8, 3, 28, 28],
    ]);
  });

  it('refuses a missing, unreadable or empty folder in one line', async () => {
    const preprocess = await loadPreprocessConfig(join(fixtureDir('vit-tiny-hf'), 'preprocessor_config.json'));
    const model = loadFixture('vit-tiny-hf');
    const missing = join(scratch, 'missing');
    await expect(imageFolderFeeds(model, missing, { preprocess })).rejects.toMatchObject({
      code: 'FILE_NOT_FOUND',
      subject: missing,
      message: 'cannot read the calibration folder (no such file or directory)',
    });
    const empty = join(scratch, 'empty');
    mkdirSync(join(empty, 'some-class'), { recursive: true });
    await expect(imageFolderFeeds(model, empty, { preprocess })).rejects.toThrow('no images found (expected <root>/<class>/<image>)');
    if (process.getuid?.() !== 0) {
      const locked = join(scratch, 'locked');
      mkdirSync(locked);
      chmodSync(locked, 0o000);
      await expect(imageFolderFeeds(model, locked, { preprocess })).rejects.toMatchObject({ code: 'FILE_UNREADABLE', subject: locked });
    }
  });

  it('fails at the end when not one image decodes', async () => {
    const preprocess = await loadPreprocessConfig(join(fixtureDir('vit-tiny-hf'), 'preprocessor_config.json'));
    const broken = join(scratch, 'broken');
    mkdirSync(join(broken, 'a'), { recursive: true });
    writeFileSync(join(broken, 'a', 'one.png'), 'not a png');
    const images = await imageFolderFeeds(loadFixture('vit-tiny-hf'), broken, { preprocess, workers: 1 });
    await expect(drain(images.feeds)).rejects.toMatchObject({
      code: 'CORRUPT',
      subject: broken,
      message: expect.stringMatching(/^not one calibration image could be read \(first: .*one\.png: cannot decode image/),
    });
  });

  it('counts the images it skipped (corrupt, a FIFO, a link to nothing) and keeps the first, without waiting on the FIFO', async () => {
    const preprocess = await loadPreprocessConfig(join(fixtureDir('vit-tiny-hf'), 'preprocessor_config.json'));
    const folder = join(scratch, 'some-broken');
    mkdirSync(join(folder, 'a'), { recursive: true });
    copyFileSync(join(CALIB, 'Bag', readdirSync(join(CALIB, 'Bag'))[0]!), join(folder, 'a', 'good.png'));
    writeFileSync(join(folder, 'a', 'bad.png'), 'not a png');
    execFileSync('mkfifo', [join(folder, 'a', 'fifo.png')]);
    symlinkSync('nowhere.png', join(folder, 'a', 'dangling.png'));
    const images = await imageFolderFeeds(loadFixture('vit-tiny-hf'), folder, { preprocess, workers: 1 });
    expect(images.imageCount).toBe(4);
    expect(images.skipped.count).toBe(0);
    expect(await drain(images.feeds)).toBe(1);
    expect(images.skipped.count).toBe(3);
    expect(images.skipped.first).toMatchObject({
      path: join(folder, 'a', 'bad.png'),
      code: 'CORRUPT',
      reason: expect.stringMatching(/^cannot decode image: /),
    });
  });

  it('refuses images the model input does not take, naming both shapes', async () => {
    const preprocess = resolvePreprocessConfig({ image_processor_type: 'ViTImageProcessor', size: { height: 32, width: 32 } });
    await expect(imageFolderFeeds(loadFixture('vit-tiny-tv'), CALIB, { preprocess })).rejects.toThrow(
      'model input "pixel_values" has shape [batch_size, 3, 28, 28] but preprocessing makes [N, 3, 32, 32]',
    );
  });
});

describe('calibrationImages', () => {
  it('reads the folder preprocessed as the preprocessor_config.json beside the model says', async () => {
    const modelPath = join(fixtureDir('vit-tiny-hf'), 'model.onnx');
    const images = await calibrationImages(loadFixture('vit-tiny-hf'), { modelPath, folder: CALIB, limit: 6, workers: 1 });
    expect(images).toMatchObject({ path: CALIB, imageCount: 6, preprocess: { size: { height: 28, width: 28 } } });
    let count = 0;
    for await (const feeds of images.feeds) count += feeds.pixel_values!.dims[0]!;
    expect(count).toBe(6);
  });

  it('refuses, before reading any image, a model with no preprocessing to read them with', async () => {
    await expect(calibrationImages(loadFixture('vit-tiny-hf'), { folder: CALIB })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      subject: 'preprocess',
      message: expect.stringMatching(/^no model path to find preprocessor_config\.json beside: /),
    });
    const images = await calibrationImages(loadFixture('vit-tiny-hf'), {
      folder: CALIB,
      preprocessOverrides: { size: { height: 28, width: 28 } },
      limit: 2,
    });
    expect(images.preprocess.size).toMatchObject({ height: 28, width: 28 });
  });
});
