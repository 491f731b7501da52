import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeKnownLabels, readLabelsFile, resolveLabelIndex } from './labels.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vit-opt-labels-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function labelsFile(name: string, text: string): Promise<string> {
  const path = join(root, name);
  await writeFile(path, text);
  return path;
}

describe('readLabelsFile', () => {
  it('reads one label per line, the line number being the index', async () => {
    const labels = await readLabelsFile(await labelsFile('lines.txt', 'cat\r\ndog\n  bird \n'));
    expect([...labels]).toEqual([
      ['cat', 0],
      ['dog', 1],
      ['bird', 2],
    ]);
  });

  it('reads a JSON array, an id2label object or a label2id object', async () => {
    const expected = [
      ['cat', 0],
      ['dog', 1],
    ];
    expect([...(await readLabelsFile(await labelsFile('a.json', '["cat", "dog"]')))]).toEqual(
      expected,
    );
    expect([
      ...(await readLabelsFile(await labelsFile('b.json', '{"0": "cat", "1": "dog"}'))),
    ]).toEqual(expected);
    expect([...(await readLabelsFile(await labelsFile('c.json', '{"cat": 0, "dog": 1}')))]).toEqual(
      expected,
    );
  });

  it('refuses duplicate or empty labels and other JSON', async () => {
    await expect(readLabelsFile(await labelsFile('dup.txt', 'cat\ncat\n'))).rejects.toThrow(
      'label "cat" appears more than once',
    );
    await expect(readLabelsFile(await labelsFile('gap.txt', 'cat\n\ndog\n'))).rejects.toThrow(
      'label 1 is empty',
    );
    await expect(
      readLabelsFile(await labelsFile('mixed.json', '{"cat": 0, "dog": "x"}')),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(readLabelsFile(await labelsFile('bad.json', '{"cat": '))).rejects.toMatchObject({
      code: 'CORRUPT',
    });
    await expect(readLabelsFile(join(root, 'missing.txt'))).rejects.toMatchObject({
      code: 'FILE_NOT_FOUND',
    });
  });
});

describe('resolveLabelIndex', () => {
  it('prefers the labels file over id2label, and gives nothing without either', async () => {
    const path = await labelsFile('override.txt', 'x\ny\n');
    expect([
      ...((await resolveLabelIndex({ id2label: { '0': 'a' }, labelsFile: path })) ?? []),
    ]).toEqual([
      ['x', 0],
      ['y', 1],
    ]);
    expect(await resolveLabelIndex({})).toBeUndefined();
  });

  it('refuses id2label keys that are not indices', async () => {
    await expect(resolveLabelIndex({ id2label: { first: 'a' } })).rejects.toThrow(
      'label id "first" is not a non-negative integer',
    );
  });
});

describe('describeKnownLabels', () => {
  it('cuts a long list short', () => {
    const labels = new Map(Array.from({ length: 1000 }, (_, i) => [`class${i}`, i] as const));
    expect(describeKnownLabels(labels)).toMatch(
      /^class0, class1, .*class19, \.\.\. \(1000 in all\)$/,
    );
  });
});
