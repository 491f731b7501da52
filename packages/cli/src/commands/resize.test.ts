import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findVitStructure, loadModel, saveModel } from '@vit-opt/graph';
import { HF, buildVit } from '@vit-opt/graph/testing';
import { evaluate } from '@vit-opt/eval';
import { readPruneRecipe } from '@vit-opt/prune';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../io.js';
import { run } from '../main.js';

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../../../../fixtures/models/${name}/model.onnx`, import.meta.url));
const validation = fileURLToPath(
  new URL('../../../../fixtures/data/fashion-mnist/val', import.meta.url),
);
const tempDir = (): string => mkdtempSync(join(tmpdir(), 'vit-opt-resize-'));

async function resizeCli(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIo();
  const code = await run(['resize', ...args], io);
  return { code, stdout: io.stdoutText(), stderr: io.stderrText() };
}

const readJson = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

describe.each(['vit-tiny-hf', 'vit-tiny-tv'])('vit-opt resize %s', (name) => {
  it('writes the model at 35×35 with its config files, and eval preprocesses for it', async () => {
    const dir = tempDir();
    const output = join(dir, 'model.onnx');
    const { code, stdout, stderr } = await resizeCli(fixture(name), '-o', output, '--size', '35');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^resized 28×28 → 35×35 \(patch 7: grid 4×4 → 5×5, tokens 17 → 26\); multiply-adds per image 2\.53 M → 3\.99 M, ideal speed-up 0\.633×: /,
    );
    expect(stdout).toContain('wrote preprocessor_config.json, config.json with the new size');
    const model = loadModel(output);
    expect(findVitStructure(model.graph)?.positionEmbedding?.tokenCount).toBe(26);
    expect(readPruneRecipe(model)[0]).toMatchObject({
      pass: 'resizeInput',
      kind: 'resize',
      from: 28,
      to: 35,
      source: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    expect(readJson(join(dir, 'preprocessor_config.json'))).toMatchObject({
      size: { height: 35, width: 35 },
      image_mean: [0.5, 0.5, 0.5],
    });
    expect(readJson(join(dir, 'config.json'))).toMatchObject({ image_size: 35, patch_size: 7 });
    // Without any preprocessing flag: the 35×35 config beside the model is what eval uses.
    const results = await evaluate({ modelPath: output, dataPath: validation, limit: 200 });
    expect(results.metrics.top1).toBeGreaterThan(0.5);
  });
});

describe('vit-opt resize', () => {
  it('prints the summary as JSON with --json', async () => {
    const output = join(tempDir(), 'model.onnx');
    const { code, stdout } = await resizeCli(
      fixture('vit-tiny-hf'),
      '-o',
      output,
      '--size',
      '21',
      '--json',
    );
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({
      output,
      sizeBefore: 28,
      sizeAfter: 21,
      gridAfter: 3,
      tokensAfter: 10,
      configs: ['preprocessor_config.json', 'config.json'],
    });
    expect(summary['idealSpeedup']).toBeGreaterThan(1);
  });

  it('refuses a model with no ViT recognised, as a bad input, in one line', async () => {
    const model = buildVit(HF);
    for (const node of model.graph.nodes.filter((n) => n.opType === 'Softmax'))
      node.opType = 'LogSoftmax';
    const input = join(tempDir(), 'not-vit.onnx');
    saveModel(model, input);
    const output = join(tempDir(), 'out.onnx');
    const { code, stderr } = await resizeCli(input, '-o', output, '--size', '192');
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^error: .*not-vit\.onnx: no ViT input recognised \(no position embedding, no attention block\); looked for a patch embedding/,
    );
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(output)).toBe(false);
  });

  it.each([
    [
      ['--size', '30'],
      "option '--size <pixels>': size must be a whole multiple of the patch size 7",
    ],
    [['--size', '0'], "option '--size <pixels>' argument '0' is invalid"],
    [
      ['--size', '3'],
      "option '--size <pixels>': size must be a whole multiple of the patch size 7",
    ],
    [['--size', 'big'], "option '--size <pixels>' argument 'big' is invalid"],
    [[], "required option '--size <pixels>' not specified"],
  ])('%j is a usage error that writes nothing', async (args, message) => {
    const dir = tempDir();
    const { code, stderr } = await resizeCli(
      fixture('vit-tiny-hf'),
      '-o',
      join(dir, 'model.onnx'),
      ...args,
    );
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses -o equal to the input, or beside it, before any work', async () => {
    const input = fixture('vit-tiny-hf');
    const same = await resizeCli(input, '-o', input, '--size', '35');
    expect(same.code).toBe(2);
    expect(same.stderr).toContain('is the input model; write the resized model elsewhere');
    const beside = await resizeCli(input, '-o', join(input, '..', 'resized.onnx'), '--size', '35');
    expect(beside.code).toBe(2);
    expect(beside.stderr).toContain(
      "is in the model's folder, whose preprocessor_config.json and config.json would have to change",
    );
    expect(existsSync(join(input, '..', 'resized.onnx'))).toBe(false);
  });
});
