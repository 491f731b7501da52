import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { PipelineConfig } from '../config/pipeline-config.js';
import { runPipeline, type PipelineProgress, type PipelineSummary } from './run-pipeline.js';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const MODEL = join(REPO, 'fixtures/models/vit-tiny-hf/model.onnx');
const VAL = join(REPO, 'fixtures/data/fashion-mnist/val');
const CALIB = join(REPO, 'fixtures/data/fashion-mnist/calib');

/** Three variants of the tiny fixture, measured briefly: 100 images, 5 runs on 1 and 2 threads. */
function pipeline(
  change: { int8?: Record<string, unknown>; evalLimit?: number } = {},
): PipelineConfig {
  return {
    model: MODEL,
    data: { validation: VAL, calibration: CALIB },
    eval: { limit: change.evalLimit ?? 100, batchSize: 50 },
    bench: { runs: 5, warmupRuns: 1, threads: [1, 2] },
    variants: [
      { name: 'baseline', kind: 'baseline', options: {} },
      { name: 'int8', kind: 'dynamic', options: change.int8 ?? {} },
      { name: 'int8-static', kind: 'static', options: { 'calib-limit': 8 } },
    ],
  };
}

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'vit-opt-pipeline-run-'));

/** [name, built, evaluated, benchmarked] of each variant. */
function did(summary: PipelineSummary): [string, boolean, boolean, boolean][] {
  return summary.variants.map((v) => [v.name, v.built, v.evaluated, v.benchmarked]);
}

describe('runPipeline', () => {
  const out = tempDir();
  let first: PipelineSummary;

  it('builds, evaluates against the model, benchmarks every variant and renders the report', async () => {
    const stages: string[] = [];
    first = await runPipeline(pipeline(), {
      outDir: out,
      onProgress: (p) => {
        if (p.state === 'start') stages.push(`${p.variant ?? 'report'} ${p.stage}`);
      },
    });
    expect(did(first)).toEqual([
      ['baseline', true, true, true],
      ['int8', true, true, true],
      ['int8-static', true, true, true],
    ]);
    expect(stages).toEqual([
      'baseline build',
      'baseline eval',
      'baseline bench',
      'int8 build',
      'int8 eval',
      'int8 bench',
      'int8-static build',
      'int8-static eval',
      'int8-static bench',
      'report report',
    ]);
    for (const name of ['baseline', 'int8', 'int8-static']) {
      expect(readdirSync(join(out, 'variants', name)).sort()).toEqual([
        'bench.json',
        'config.json',
        'eval.json',
        'manifest.json',
        'model.onnx',
        'preprocessor_config.json',
      ]);
    }
    // The baseline is the model, byte for byte; the others are measured against it.
    expect(readFileSync(join(out, 'variants/baseline/model.onnx'))).toEqual(readFileSync(MODEL));
    const int8 = JSON.parse(readFileSync(join(out, 'variants/int8/eval.json'), 'utf8'));
    expect(int8.model.path).toBe(join(out, 'variants/int8/model.onnx'));
    expect(int8.baseline_model.path).toBe(MODEL);
    expect(int8.metrics.item_count).toBe(100);
    expect(first.variants[1]!.top1Delta).toBeTypeOf('number');
    expect(first.variants[0]!.top1Delta).toBeNull();
    // The latency the summary gives is the one the report shows: batch 1 at the most threads.
    const bench = JSON.parse(readFileSync(join(out, 'variants/int8/bench.json'), 'utf8'));
    const twoThreads = bench.bench.measurements.find(
      (m: { intra_op_threads: number }) => m.intra_op_threads === 2,
    );
    expect(first.variants[1]!.latencyP50Ms).toBe(twoThreads.latency.p50_ms);
    expect(first.report.rendered).toBe(true);
    const html = readFileSync(join(out, 'report/report.html'), 'utf8');
    expect(html.match(/<tr class="variant/g)).toHaveLength(3);
    expect(readFileSync(join(out, 'report/summary.md'), 'utf8')).toContain('| int8-static |');
    expect(readdirSync(join(out, 'report/charts')).length).toBeGreaterThan(5);
  });

  it('a second run with nothing changed rebuilds, measures and renders nothing', async () => {
    const modelTime = statSync(join(out, 'variants/int8/model.onnx')).mtimeMs;
    const progress: PipelineProgress[] = [];
    const second = await runPipeline(pipeline(), {
      outDir: out,
      onProgress: (p) => progress.push(p),
    });
    expect(did(second)).toEqual([
      ['baseline', false, false, false],
      ['int8', false, false, false],
      ['int8-static', false, false, false],
    ]);
    expect(second.report.rendered).toBe(false);
    expect(progress.every((p) => p.state === 'skipped')).toBe(true);
    expect(statSync(join(out, 'variants/int8/model.onnx')).mtimeMs).toBe(modelTime);
    expect(second.variants.map((v) => v.top1)).toEqual(first.variants.map((v) => v.top1));
    expect(second.durationMs).toBeLessThan(first.durationMs / 5);
  });

  it('a changed recipe rebuilds that variant only, and the report', async () => {
    const third = await runPipeline(pipeline({ int8: { 'per-channel': true } }), { outDir: out });
    expect(did(third)).toEqual([
      ['baseline', false, false, false],
      ['int8', true, true, true],
      ['int8-static', false, false, false],
    ]);
    expect(third.variants[1]!.modelSha256).not.toBe(first.variants[1]!.modelSha256);
    expect(third.report.rendered).toBe(true);
    const recipe = JSON.parse(readFileSync(join(out, 'variants/int8/eval.json'), 'utf8')).model
      .recipe;
    expect(recipe.options.perChannel).toBe(true);
  });

  it('changed eval settings re-evaluate every variant and rebuild none', async () => {
    const fourth = await runPipeline(pipeline({ int8: { 'per-channel': true }, evalLimit: 50 }), {
      outDir: out,
    });
    expect(did(fourth)).toEqual([
      ['baseline', false, true, false],
      ['int8', false, true, false],
      ['int8-static', false, true, false],
    ]);
  });
});

describe('runPipeline stopped by its signal', () => {
  it('leaves the variants finished before whole, no part of the one it was making, and no report', async () => {
    const out = tempDir();
    const controller = new AbortController();
    const reason = new Error('stopped');
    const run = runPipeline(pipeline(), {
      outDir: out,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.variant === 'int8' && p.stage === 'eval' && p.state === 'progress') {
          controller.abort(reason);
        }
      },
    });
    await expect(run).rejects.toBe(reason);
    expect(readdirSync(join(out, 'variants'))).toEqual(['baseline']);
    expect(existsSync(join(out, 'variants/baseline/manifest.json'))).toBe(true);
    expect(existsSync(join(out, 'report'))).toBe(false);

    const resumed = await runPipeline(pipeline(), { outDir: out });
    expect(did(resumed)).toEqual([
      ['baseline', false, false, false],
      ['int8', true, true, true],
      ['int8-static', true, true, true],
    ]);
  });
});
