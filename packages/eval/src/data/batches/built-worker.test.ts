import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The other tests run the worker from TypeScript source. Built, the package starts the compiled
 * worker beside the compiled pool instead; this builds src/data the way tsc would lay it out and
 * runs a pipeline on it in a plain Node process. The built package resolves @vit-opt/graph to its
 * dist/, so this needs graph built.
 */
const DATA_SOURCE = fileURLToPath(new URL('..', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
const GRAPH_BUILT = existsSync(join(REPO_ROOT, 'packages/graph/dist/index.js'));
const FIXTURES = join(REPO_ROOT, 'fixtures/preprocess');

let root: string;

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vit-opt-built-'));
  await writeFile(join(root, 'package.json'), '{"type": "module"}');
  await symlink(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
  for (const file of sourceFiles(DATA_SOURCE)) {
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    const target = join(root, 'dist/data', relative(DATA_SOURCE, file)).replace(/\.ts$/, '.js');
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, outputText);
  }
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('the built package', () => {
  it.skipIf(!GRAPH_BUILT)('runs its compiled preprocessing worker', async () => {
    const script = `
      import { imageBatches, resolvePreprocessConfig } from './dist/data/index.js';
      const config = resolvePreprocessConfig({ size: { height: 28, width: 28 } });
      const items = ${JSON.stringify(['astronaut-400x400.jpg', 'coffee-400x267.webp'].map((name, index) => ({ index, path: join(FIXTURES, 'images', name), label: 0 })))};
      for await (const batch of imageBatches(items, config, { batchSize: 2, workers: 1 })) {
        const first = Array.from(batch.pixels.subarray(0, 3 * 28 * 28));
        console.log(JSON.stringify({ dims: batch.dims, first, failures: batch.failures }));
      }`;
    await writeFile(join(root, 'run.mjs'), script);
    const { stdout } = await promisify(execFile)(process.execPath, ['run.mjs'], { cwd: root });
    const batch = JSON.parse(stdout) as { dims: number[]; first: number[]; failures: unknown[] };
    expect(batch.dims).toEqual([2, 3, 28, 28]);
    expect(batch.failures).toEqual([]);
    // Within 1/255 of Hugging Face's tensor (std 0.5) for the first image: ViT's defaults at
    // 28 x 28 are the tiny config of the vectors.
    const bytes = readFileSync(join(FIXTURES, 'vectors/astronaut-400x400.tiny-28.f32'));
    const reference = new Float32Array(new Uint8Array(bytes).buffer);
    const maxError = Math.max(
      ...batch.first.map((value, i) => Math.abs(value - (reference[i] as number))),
    );
    expect(maxError).toBeLessThanOrEqual(2 / 255 + 1e-6);
  });
});
