import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '@vit-opt/graph';
import type { EvalResults } from '@vit-opt/eval';
import { readPruneRecipe } from '@vit-opt/prune';
import { readRecipe } from '@vit-opt/quantize';
import { describe, expect, it } from 'vitest';
import type { PipelineConfig } from '../config/pipeline-config.js';
import { runPipeline } from '../run/run-pipeline.js';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

function pipeline(variants: PipelineConfig['variants'], extra: Partial<PipelineConfig> = {}) {
  return {
    model: join(REPO, 'fixtures/models/vit-tiny-tv/model.onnx'),
    data: { validation: join(REPO, 'fixtures/data/fashion-mnist/val') },
    eval: { limit: 100, batchSize: 50 },
    bench: { runs: 3, warmupRuns: 1, threads: [1] },
    variants,
    ...extra,
  } satisfies PipelineConfig;
}

describe('the resize variant kind', () => {
  it('makes the model at 35×35 with its own config files, evaluated at that size, and an int8 variant from it; all are reported', async () => {
    const out = mkdtempSync(join(tmpdir(), 'vit-opt-pipeline-resize-'));
    const summary = await runPipeline(
      pipeline([
        { name: 'baseline', kind: 'baseline', options: {} },
        { name: 'resized', kind: 'resize', options: { size: 35 } },
        { name: 'resized-int8', kind: 'dynamic', from: 'resized', options: {} },
      ]),
      { outDir: out },
    );
    expect(summary.variants.map((v) => [v.name, v.built, v.evaluated])).toEqual([
      ['baseline', true, true],
      ['resized', true, true],
      ['resized-int8', true, true],
    ]);
    for (const name of ['resized', 'resized-int8']) {
      const folder = join(out, 'variants', name);
      const model = loadModel(join(folder, 'model.onnx'));
      expect(model.graph.inputs[0]!.type).toMatchObject({ shape: ['batch_size', 3, 35, 35] });
      expect(readPruneRecipe(model)[0]).toMatchObject({ pass: 'resizeInput', from: 28, to: 35 });
      expect(readJson(join(folder, 'preprocessor_config.json'))).toMatchObject({
        size: { height: 35, width: 35 },
      });
      expect(readJson(join(folder, 'config.json'))).toMatchObject({ image_size: 35 });
      // Compared with the model image for image, each preprocessed for its own input size.
      const results = readJson<EvalResults>(join(folder, 'eval.json'));
      expect(results.baseline_model?.path).toBe(
        join(REPO, 'fixtures/models/vit-tiny-tv/model.onnx'),
      );
      expect(results.preprocessing.size).toEqual({ height: 35, width: 35 });
      expect(results.baseline_preprocessing?.size).toEqual({ height: 28, width: 28 });
      expect(results.metrics).toMatchObject({
        item_count: 100,
        top1: expect.any(Number),
        agreement: expect.any(Number),
        mean_kl: expect.any(Number),
        top1_delta_ci95: [expect.any(Number), expect.any(Number)],
      });
      expect(results.metrics.top1).toBeGreaterThan(0.5);
    }
    expect(readRecipe(loadModel(join(out, 'variants/resized-int8/model.onnx')))?.mode).toBe(
      'dynamic',
    );
    // The model's own files are untouched.
    expect(readJson(join(REPO, 'fixtures/models/vit-tiny-tv/config.json'))).toMatchObject({
      image_size: 28,
    });
    expect(summary.variants[1]!.notes).toEqual(['input 28×28 → 35×35, tokens 17 → 26']);
    const markdown = readFileSync(join(out, 'report/summary.md'), 'utf8');
    // Each with its top-1 change, its interval, agreement and McNemar's p against the model.
    for (const name of ['resized', 'resized-int8']) {
      expect(markdown).toMatch(
        new RegExp(`^\\| ${name} \\|.* pp \\[.*\\] \\| \\d+\\.\\d+% \\| \\d\\.\\d+ \\|$`, 'm'),
      );
    }
  });

  it('refuses a pipeline whose preprocess fixes one size for every variant', async () => {
    const out = mkdtempSync(join(tmpdir(), 'vit-opt-pipeline-resize-'));
    await expect(
      runPipeline(
        pipeline([{ name: 'resized', kind: 'resize', options: { size: 35 } }], {
          preprocess: { size: { height: 28, width: 28 } },
        }),
        { outDir: out },
      ),
    ).rejects.toThrow(/resize variant is evaluated at its own size/);
  });
});
