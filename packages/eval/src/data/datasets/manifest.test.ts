import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from './csv.js';
import { readManifest } from './manifest.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vit-opt-manifest-'));
  await mkdir(join(root, 'lists'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function manifest(name: string, text: string): Promise<string> {
  const path = join(root, 'lists', name);
  await writeFile(path, text);
  return path;
}

const ID2LABEL = { '0': 'cat', '1': 'dog', '2': '7' };

describe('readManifest', () => {
  it('reads a CSV manifest in its own order, resolving paths against its folder', async () => {
    const path = await manifest(
      'val.csv',
      'id,path,label\n1,b/dog.png,dog\n2,"/data/a, b.png",0\n',
    );
    const dataset = await readManifest(path, { id2label: ID2LABEL });
    expect(dataset.source).toBe(path);
    expect(dataset.items).toEqual([
      { index: 0, path: join(root, 'lists', 'b/dog.png'), label: 1 },
      { index: 1, path: '/data/a, b.png', label: 0 },
    ]);
  });

  it('reads JSON Lines, labels by name or index', async () => {
    const path = await manifest(
      'val.jsonl',
      '{"path": "x.png", "label": "dog"}\n\n{"path": "y.png", "label": 0}\n',
    );
    const { items } = await readManifest(path, { id2label: ID2LABEL });
    expect(items.map((item) => item.label)).toEqual([1, 0]);
  });

  it('reads a label that is a label name as that name, other digits as an index', async () => {
    const path = await manifest('digits.csv', 'path,label\na.png,7\nb.png,1\n');
    const { items } = await readManifest(path, { id2label: ID2LABEL });
    expect(items.map((item) => item.label)).toEqual([2, 1]);
  });

  it('takes integer labels as they are when no labels are given', async () => {
    const path = await manifest('plain.csv', 'path,label\na.png,5\n');
    expect((await readManifest(path)).items[0]?.label).toBe(5);
  });

  it('names the line of a bad row', async () => {
    const unknown = await manifest('unknown.csv', 'path,label\na.png,cat\nb.png,horse\n');
    await expect(readManifest(unknown, { id2label: ID2LABEL })).rejects.toMatchObject({
      subject: `${unknown}:3`,
      message: 'label "horse" is not a known label (known labels: cat, dog, 7)',
    });
    const outOfRange = await manifest('range.jsonl', '{"path": "a.png", "label": 3}\n');
    await expect(readManifest(outOfRange, { id2label: ID2LABEL })).rejects.toMatchObject({
      subject: `${outOfRange}:1`,
      message: 'label 3 is not a label index of the model',
    });
    const broken = await manifest('broken.jsonl', '{"path": "a.png", "label": 0}\n{"path": \n');
    await expect(readManifest(broken)).rejects.toMatchObject({
      code: 'CORRUPT',
      message: expect.stringMatching(/^line 2 /),
    });
  });

  it('refuses an image listed twice, or with two labels, naming both lines', async () => {
    const twice = await manifest('twice.csv', 'path,label\na.png,cat\nb.png,dog\n./a.png,cat\n');
    await expect(readManifest(twice, { id2label: ID2LABEL })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      subject: twice,
      message: 'lines 2 and 4 list the same image (./a.png) twice',
    });
    const contradictory = await manifest(
      'contradictory.jsonl',
      '{"path": "a.png", "label": "cat"}\n{"path": "a.png", "label": 1}\n',
    );
    await expect(readManifest(contradictory, { id2label: ID2LABEL })).rejects.toMatchObject({
      subject: contradictory,
      message: 'lines 1 and 2 give the same image (a.png) different labels (cat and 1)',
    });
  });

  it('reads only a regular file: a FIFO is refused, not waited on', async () => {
    const fifo = join(root, 'lists', 'fifo.csv');
    execFileSync('mkfifo', [fifo]);
    await expect(readManifest(fifo)).rejects.toMatchObject({
      code: 'FILE_UNREADABLE',
      subject: fifo,
      message: 'cannot read manifest: is a FIFO (named pipe), not a manifest',
    });
  });

  it('refuses a CSV without path and label columns, and an empty manifest', async () => {
    await expect(
      readManifest(await manifest('header.csv', 'file,class\na.png,0\n')),
    ).rejects.toThrow('the CSV header must name a "path" and a "label" column');
    await expect(readManifest(await manifest('empty.csv', 'path,label\n'))).rejects.toThrow(
      'the manifest lists no images',
    );
    await expect(readManifest(join(root, 'missing.csv'))).rejects.toMatchObject({
      code: 'FILE_NOT_FOUND',
    });
  });
});

describe('parseCsv', () => {
  it('handles quotes, doubled quotes, newlines in quotes, CRLF and blank lines', () => {
    expect(parseCsv('a,"b ""q"", c"\r\n\r\n"multi\nline",x\n')).toEqual([
      { fields: ['a', 'b "q", c'], line: 1 },
      { fields: ['multi\nline', 'x'], line: 3 },
    ]);
  });

  it('reports a quote that is never closed', () => {
    expect(parseCsv('path,label\n"a.png,0\n')).toEqual({
      error: 'line 2: a quoted field is never closed',
    });
  });
});
