import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pngClaiming } from '@vit-opt/eval/testing';
import { FIXTURES } from './model-mutants.js';
import type { Random } from './random.js';

const VAL = join(FIXTURES, 'data', 'fashion-mnist', 'val');
const CLASSES = ['Bag', 'Coat', 'Dress'] as const;

const goodImages = (label: string): string[] =>
  readdirSync(join(VAL, label)).map((name) => join(VAL, label, name));

type BrokenImage = (path: string, random: Random) => void;

const BROKEN: ReadonlyArray<readonly [string, BrokenImage]> = [
  ['truncated PNG', (path, r) => {
    const good = readFileSync(r.pick(goodImages('Bag')));
    writeFileSync(path, good.subarray(0, r.int(0, good.length - 1)));
  }],
  ['corrupt PNG', (path, r) => {
    const bytes = Uint8Array.from(readFileSync(r.pick(goodImages('Coat'))));
    for (let i = 0; i < r.int(1, 20); i++) bytes[r.int(8, bytes.length - 1)] = r.int(0, 255);
    writeFileSync(path, bytes);
  }],
  ['huge-dimension PNG', (path, r) => {
    writeFileSync(path, pngClaiming(r.pick([100_000, 65_535, 2 ** 31 - 1]), r.pick([100_000, 50_000, 1])));
  }],
  ['0×0 PNG', (path) => writeFileSync(path, pngClaiming(0, 0))],
  ['FIFO', (path) => execFileSync('mkfifo', [path])],
  ['link to /dev/zero', (path) => symlinkSync('/dev/zero', path)],
  ['link to nothing', (path) => symlinkSync('nowhere.png', path)],
  ['link loop', (path) => {
    symlinkSync(`${path}.b.png`, path);
    symlinkSync(path, `${path}.b.png`);
  }],
  ['directory', (path) => mkdirSync(path)],
  ['empty file', (path) => writeFileSync(path, '')],
  ['text', (path) => writeFileSync(path, 'these are not the pixels you are looking for\n')],
];

export interface ImageCase {
  /** --data: the folder, or a manifest in it. */
  readonly data: string;
  /** What is broken, for the report. */
  readonly detail: string;
  /** Extra eval flags. */
  readonly flags: string[];
}

/**
 * An image folder under `dir`: a few good images of three classes and 1–4 broken entries; or a
 * CSV manifest of them, sometimes with a row repeated or contradicted, or the manifest a FIFO.
 */
export function writeImageCase(dir: string, random: Random): ImageCase {
  const root = join(dir, 'images');
  const rows: string[] = [];
  for (const label of CLASSES) {
    mkdirSync(join(root, label), { recursive: true });
    for (const source of goodImages(label).slice(0, random.int(0, 2))) {
      const name = source.split('/').pop()!;
      copyFileSync(source, join(root, label, name));
      rows.push(`${label}/${name},${label}`);
    }
  }
  const broken: string[] = [];
  for (let i = random.int(1, 4); i > 0; i--) {
    const [kind, make] = random.pick(BROKEN);
    const label = random.pick(CLASSES);
    const name = `broken-${i}.png`;
    make(join(root, label, name), random);
    rows.push(`${label}/${name},${label}`);
    broken.push(kind);
  }
  const flags = random.next() < 0.2 ? ['--max-image-pixels', String(random.pick([1, 783, 784, 10_000]))] : [];
  if (random.next() < 0.7) return { data: root, detail: broken.join(', '), flags };
  const manifest = join(root, 'list.csv');
  const twist = random.pick(['plain', 'row repeated', 'row contradicted', 'missing file', 'FIFO manifest'] as const);
  if (twist === 'row repeated') rows.push(random.pick(rows));
  if (twist === 'row contradicted') rows.push(`${random.pick(rows).split(',')[0]},${random.pick(CLASSES)}`);
  if (twist === 'missing file') rows.push('Bag/never-there.png,Bag');
  if (twist === 'FIFO manifest') execFileSync('mkfifo', [manifest]);
  else writeFileSync(manifest, `path,label\n${rows.join('\n')}\n`);
  return { data: manifest, detail: `${broken.join(', ')}; manifest ${twist}`, flags };
}
