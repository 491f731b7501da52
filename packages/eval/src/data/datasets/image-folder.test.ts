import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readImageFolder } from './image-folder.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'vit-opt-folder-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Listing never decodes, so empty files stand in for images here. */
async function touch(...paths: string[]): Promise<void> {
  for (const path of paths) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), '');
  }
}

const ID2LABEL = { '0': 'cat', '1': 'dog', '2': 'Éclair', '3': 'bird' };

describe('readImageFolder', () => {
  it('labels each class folder through id2label, ordered by class then file, byte-wise', async () => {
    await touch(
      'dog/b.png',
      'dog/B.jpg',
      'dog/a10.png',
      'dog/a9.webp',
      'cat/x.JPEG',
      'Éclair/1.png',
      'bird/deep/z.png',
    );
    const { items } = await readImageFolder(root, { id2label: ID2LABEL });
    expect(items.map((item) => [item.index, relative(root, item.path), item.label])).toEqual([
      [0, 'bird/deep/z.png', 3],
      [1, 'cat/x.JPEG', 0],
      [2, 'dog/B.jpg', 1],
      [3, 'dog/a10.png', 1],
      [4, 'dog/a9.webp', 1],
      [5, 'dog/b.png', 1],
      [6, 'Éclair/1.png', 2],
    ]);
  });

  it('gives absolute paths and skips hidden entries and files that are not images', async () => {
    await touch('cat/a.png', 'cat/.hidden.png', 'cat/notes.txt', '.cache/cat/b.png', 'README.md');
    const dataset = await readImageFolder(root, { id2label: ID2LABEL });
    expect(dataset.source).toBe(root);
    expect(dataset.items.map((item) => item.path)).toEqual([join(root, 'cat/a.png')]);
  });

  it('lists a link to nothing and a loop of links as images (each then fails alone), and follows a folder loop once', async () => {
    await touch('cat/a.png', 'dog/b.png');
    await symlink('missing.png', join(root, 'cat', 'dangling.png'));
    await symlink('loop-b.png', join(root, 'cat', 'loop-a.png'));
    await symlink('loop-a.png', join(root, 'cat', 'loop-b.png'));
    await symlink('..', join(root, 'dog', 'up'));
    await symlink('nowhere', join(root, 'ghost'));
    const { items } = await readImageFolder(root, { id2label: ID2LABEL });
    expect(items.map((item) => relative(root, item.path))).toEqual([
      'cat/a.png',
      'cat/dangling.png',
      'cat/loop-a.png',
      'cat/loop-b.png',
      'dog/b.png',
      'dog/up/cat/a.png',
      'dog/up/cat/dangling.png',
      'dog/up/cat/loop-a.png',
      'dog/up/cat/loop-b.png',
    ]);
  });

  it('takes labels from a labels file instead when one is given', async () => {
    await touch('n02085620/a.png', 'n01440764/b.png');
    const labelsFile = join(root, 'synsets.txt');
    await writeFile(labelsFile, 'n01440764\nn02085620\n');
    const { items } = await readImageFolder(root, { id2label: ID2LABEL, labelsFile });
    expect(items.map((item) => item.label)).toEqual([0, 1]);
  });

  it('refuses a class folder that is not a label, listing the known ones', async () => {
    await touch('cat/a.png', 'horse/b.png');
    await expect(readImageFolder(root, { id2label: ID2LABEL })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      subject: join(root, 'horse'),
      message: 'class folder "horse" is not one of the labels (cat, dog, Éclair, bird)',
    });
  });

  it('refuses an empty dataset, a missing folder, and a folder without labels', async () => {
    await mkdir(join(root, 'cat'));
    await expect(readImageFolder(root, { id2label: ID2LABEL })).rejects.toMatchObject({
      message: 'no images found (expected <root>/<class>/<image>)',
    });
    await expect(
      readImageFolder(join(root, 'missing'), { id2label: ID2LABEL }),
    ).rejects.toMatchObject({
      code: 'FILE_NOT_FOUND',
    });
    await expect(readImageFolder(root, {})).rejects.toThrow(/needs labels/);
  });

  const fashionMnist = new URL('../../../../../fixtures/data/fashion-mnist/val/', import.meta.url);
  const tinyConfig = new URL(
    '../../../../../fixtures/models/vit-tiny-hf/config.json',
    import.meta.url,
  );
  it.skipIf(!existsSync(fashionMnist) || !existsSync(tinyConfig))(
    "reads the committed Fashion-MNIST validation set with the tiny model's id2label",
    async () => {
      const { id2label } = JSON.parse(readFileSync(tinyConfig, 'utf8')) as {
        id2label: Record<string, string>;
      };
      const { items } = await readImageFolder(fashionMnist.pathname, { id2label });
      expect(items).toHaveLength(1000);
      const perLabel = new Map<number, number>();
      for (const item of items) perLabel.set(item.label, (perLabel.get(item.label) ?? 0) + 1);
      expect([...perLabel.values()]).toEqual(new Array(10).fill(100));
    },
  );
});
