import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pngClaiming } from '../../testing/png-claiming.js';
import type { PreprocessConfig } from '../preprocess/config.js';
import { imageBatches, type ImageBatch, type ImageBatchOptions } from './image-batches.js';

const CONFIG: PreprocessConfig = {
  size: { height: 4, width: 4 },
  resample: 'bilinear',
  cropSize: null,
  rescaleFactor: 1 / 255,
  normalize: null,
};

let root: string;
const path = (name: string) => join(root, name);

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'vit-opt-hostile-'));
  await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
    .png()
    .toFile(path('good.png'));
  execFileSync('mkfifo', [path('fifo.png')]);
  symlinkSync('/dev/zero', path('zero.png'));
  mkdirSync(path('folder.png'));
  symlinkSync('missing.png', path('dangling.png'));
  symlinkSync('loop-b.png', path('loop-a.png'));
  symlinkSync('loop-a.png', path('loop-b.png'));
  writeFileSync(path('bomb.png'), pngClaiming(100_000, 100_000));
  writeFileSync(path('wide.png'), pngClaiming(5000, 1));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

async function failures(names: string[], options: Partial<ImageBatchOptions> = {}) {
  const items = names.map((name, index) => ({ index, path: path(name), label: 0 }));
  const batches: ImageBatch[] = [];
  for await (const batch of imageBatches(items, CONFIG, { batchSize: 4, workers: 1, ...options })) {
    batches.push(batch);
  }
  return {
    decoded: batches.flatMap((b) => b.paths),
    failures: Object.fromEntries(
      batches.flatMap((b) => b.failures).map((f) => [f.path.slice(root.length + 1), `${f.code}: ${f.reason}`]),
    ),
  };
}

describe('images that are not image files, or too big', () => {
  it('fails each alone, with why, and never waits on a FIFO nor reads /dev/zero without end', async () => {
    const result = await failures([
      'good.png',
      'fifo.png',
      'zero.png',
      'folder.png',
      'dangling.png',
      'loop-a.png',
      'bomb.png',
    ]);
    expect(result.decoded).toEqual([path('good.png')]);
    expect(result.failures).toEqual({
      'fifo.png': 'FILE_UNREADABLE: cannot read file: is a FIFO (named pipe), not an image file',
      'zero.png': 'FILE_UNREADABLE: cannot read file: is a character device, not an image file',
      'folder.png': 'FILE_UNREADABLE: cannot read file: is a directory, not an image file',
      'dangling.png':
        'FILE_NOT_FOUND: cannot read file: a symbolic link to nothing (its target does not exist)',
      'loop-a.png': 'FILE_UNREADABLE: cannot read file: a loop of symbolic links',
      'bomb.png':
        'UNSUPPORTED: the image is 100000×100000 = 10000000000 pixels, more than the 178956970 allowed (a decompression bomb?)',
    });
  });

  it('takes a lower pixel limit and a file size limit', async () => {
    const result = await failures(['good.png', 'wide.png'], { maxImagePixels: 4096, maxImageBytes: 1_000_000 });
    expect(result.failures).toEqual({
      'wide.png':
        'UNSUPPORTED: the image is 5000×1 = 5000 pixels, more than the 4096 allowed (a decompression bomb?)',
    });
    const small = await failures(['good.png'], { maxImageBytes: 10 });
    expect(small.failures['good.png']).toMatch(
      /^FILE_UNREADABLE: cannot read file: is \d+ bytes, more than the 10 bytes an image file may have here$/,
    );
    await expect(failures(['good.png'], { maxImagePixels: 0 })).rejects.toThrow('must be a whole number ≥ 1; got 0');
  });
});
