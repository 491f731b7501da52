import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '@vit-opt/graph';
import { findAttentionLayers, findMlpLayers, readPruneRecipe } from '@vit-opt/prune';
import { readRecipe } from '@vit-opt/quantize';
import { describe, expect, it } from 'vitest';
import type { PipelineConfig } from '../config/pipeline-config.js';
import { runPipeline } from '../run/run-pipeline.js';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));

describe('the prune variant kind', () => {
  it('prunes by ablation with bias recovery, and a dynamic int8 variant made from it; both are reported', async () => {
    const out = mkdtempSync(join(tmpdir(), 'vit-opt-pipeline-prune-'));
    const config: PipelineConfig = {
      model: join(REPO, 'fixtures/models/vit-tiny-hf/model.onnx'),
      data: {
        validation: join(REPO, 'fixtures/data/fashion-mnist/val'),
        calibration: join(REPO, 'fixtures/data/fashion-mnist/calib'),
      },
      eval: { limit: 50, batchSize: 50 },
      bench: { runs: 3, warmupRuns: 1, threads: [1] },
      variants: [
        { name: 'baseline', kind: 'baseline', options: {} },
        {
          name: 'pruned',
          kind: 'prune',
          options: { heads: 0.25, score: 'ablation', recover: 'bias', 'calib-limit': 8 },
        },
        { name: 'pruned-int8', kind: 'dynamic', from: 'pruned', options: {} },
        { name: 'mlp', kind: 'prune', options: { mlp: 0.2 } },
      ],
    };
    const summary = await runPipeline(config, { outDir: out });
    expect(summary.variants.map((v) => [v.name, v.built, v.evaluated])).toEqual([
      ['baseline', true, true],
      ['pruned', true, true],
      ['pruned-int8', true, true],
      ['mlp', true, true],
    ]);
    expect(
      findMlpLayers(loadModel(join(out, 'variants/mlp/model.onnx'))).map((l) => l.neurons),
    ).not.toEqual([128, 128, 128, 128]);
    const pruned = loadModel(join(out, 'variants/pruned/model.onnx'));
    expect(findAttentionLayers(pruned).reduce((n, l) => n + l.heads, 0)).toBe(12);
    expect(readPruneRecipe(pruned)[0]).toMatchObject({ scoring: 'ablation', recover: 'bias' });
    const int8 = loadModel(join(out, 'variants/pruned-int8/model.onnx'));
    expect(readRecipe(int8)?.mode).toBe('dynamic');
    expect(readPruneRecipe(int8)).toEqual(readPruneRecipe(pruned));
    const markdown = readFileSync(join(out, 'report/summary.md'), 'utf8');
    expect(markdown).toContain('| pruned |');
    expect(markdown).toContain('| pruned-int8 |');
  });
});
