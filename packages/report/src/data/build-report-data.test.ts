import { describe, expect, it } from 'vitest';
import type { EvalResults } from '@vit-opt/eval/results';
import type { ReportInput } from '../inputs/report-input.js';
import { readSample, sampleInputs } from '../testing/sample-results.js';
import { buildReportData } from './build-report-data.js';

// Tests reach into the documents' JSON to break them in one place or another.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type JsonObject = Record<string, any>;

/** A copy of a sample eval document with `change` applied to its JSON. */
function changedEval(input: ReportInput, change: (doc: JsonObject) => void): ReportInput {
  const results = structuredClone(input.results) as unknown as JsonObject;
  change(results);
  return { ...input, results: results as unknown as EvalResults };
}

function withoutBaselineFields(doc: JsonObject): void {
  doc.baseline_model = null;
  for (const key of [
    'baseline_top1',
    'agreement',
    'mean_kl',
    'top1_delta',
    'top1_delta_ci95',
    'mcnemar_p',
    'discordant_pairs',
    'bootstrap',
  ]) {
    delete doc.metrics[key];
  }
  for (const item of doc.items) {
    delete item.baseline_top1;
    delete item.kl;
  }
}

describe('buildReportData', () => {
  it('groups eval and bench results by model, baseline first, and compares with it', () => {
    const data = buildReportData(sampleInputs());
    expect(data.variants.map((v) => v.name)).toEqual([
      'vit-tiny-hf',
      'int8-dynamic',
      'int8-fused',
      'int4',
    ]);
    expect(data.baseline.name).toBe('vit-tiny-hf');
    expect(data.baselineReason).toMatch(/--baseline/);
    expect(data.variants.every((v) => v.eval !== null && v.bench.length === 1)).toBe(true);
    const int4 = data.comparisons.get('int4')!;
    const metrics = readSample('int4', 'eval').metrics as JsonObject;
    expect(int4).toEqual({
      top1Delta: metrics.top1_delta,
      top1DeltaCi95: metrics.top1_delta_ci95,
      agreement: metrics.agreement,
      mcnemarP: metrics.mcnemar_p,
      significance: 'none',
      method: 'paired',
    });
    expect(data.comparisons.has('vit-tiny-hf')).toBe(false);
    // Batch 1 is the smallest every variant has; 2 the most threads.
    expect(data.benchConfig).toEqual({ batchSize: 1, threads: 2 });
    expect(data.classNames).toHaveLength(10);
    expect(data.classNames[0]).toBe('T-shirt_top');
    expect(data.title).toBe('vit-tiny-hf on fashion-mnist/val');
    expect(data.environments).toHaveLength(1);
    expect(data.notes).toEqual([]);
  });

  it('refuses results of another model, naming both files', () => {
    const inputs = sampleInputs();
    const other = changedEval(inputs[6]!, (doc) => {
      doc.model.sha256 = 'f'.repeat(64);
      doc.model.recipe.source.sha256 = 'e'.repeat(64);
      doc.baseline_model.sha256 = 'e'.repeat(64);
    });
    expect(() => buildReportData([inputs[0]!, inputs[2]!, other])).toThrow(
      'results of a different model than fp32.eval.json (source model eeeeeeeeeeee, not a1b75a235226)',
    );
    expect(() => buildReportData([inputs[0]!, other])).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', subject: 'int4.eval.json' }),
    );
  });

  it('refuses eval results on another dataset or other images of it', () => {
    const inputs = sampleInputs();
    const otherData = changedEval(inputs[2]!, (doc) => {
      doc.dataset.content_hash = '0'.repeat(64);
      doc.dataset.path = 'other/val';
    });
    expect(() => buildReportData([inputs[0]!, otherData])).toThrow(
      /different dataset than fp32\.eval\.json \(other\/val, content hash 000000000000, not fixtures\/data\/fashion-mnist\/val/,
    );
    const fewer = changedEval(inputs[2]!, (doc) => {
      doc.dataset.selection.limit = 100;
    });
    expect(() => buildReportData([inputs[0]!, fewer])).toThrow(
      'evaluated other images of the dataset than fp32.eval.json (limit 100, not all 1000 images)',
    );
  });

  it('refuses two eval results of one model', () => {
    const inputs = sampleInputs();
    expect(() => buildReportData([inputs[2]!, { ...inputs[2]!, source: 'again.json' }])).toThrow(
      /eval results of the same model as int8-dynamic\.eval\.json/,
    );
  });

  it('takes the baseline eval runs name even without its own results', () => {
    const inputs = sampleInputs().filter((i) => !i.source.startsWith('fp32'));
    const data = buildReportData(inputs);
    expect(data.baseline.name).toBe('vit-tiny-hf');
    expect(data.baseline.eval).toBeNull();
    expect(data.baseline.baselineTop1).toBe(0.897);
    expect(data.variants).toHaveLength(4);
    expect(data.comparisons.get('int8-fused')?.method).toBe('paired');
  });

  it('without a named baseline takes the model without a recipe, and compares runs per image', () => {
    const inputs = sampleInputs().map((i) =>
      i.results.kind === 'eval' ? changedEval(i, withoutBaselineFields) : i,
    );
    const data = buildReportData(inputs);
    expect(data.baseline.name).toBe('vit-tiny-hf');
    expect(data.baselineReason).toMatch(/without a vit-opt recipe/);
    const int4 = data.comparisons.get('int4')!;
    expect(int4.method).toBe('separate');
    expect(int4.top1DeltaCi95).toBeNull();
    expect(int4.significance).toBe('unknown');
    expect(int4.top1Delta).toBeCloseTo(-0.004, 12);
    // The same per-image predictions eval paired: the same agreement.
    expect(int4.agreement).toBeCloseTo(
      (readSample('int4', 'eval').metrics as JsonObject).agreement,
      12,
    );
  });

  it('takes the baseline the caller names, by name, path or hash prefix', () => {
    for (const wanted of [
      'int8-dynamic',
      'variants/int8-dynamic/model.onnx',
      readSample('int8-dynamic', 'eval').model.sha256.slice(0, 10),
    ]) {
      const data = buildReportData(sampleInputs(), { baseline: wanted });
      expect(data.baseline.name).toBe('int8-dynamic');
      expect(data.variants[0]!.name).toBe('int8-dynamic');
      // int4 ran against fp32, not int8-dynamic: its delta comes from the two runs' records.
      expect(data.comparisons.get('int4')?.method).toBe('separate');
    }
    expect(() => buildReportData(sampleInputs(), { baseline: 'int9' })).toThrow(
      'no variant "int9" among "vit-tiny-hf", "int8-dynamic", "int8-fused", "int4"',
    );
  });

  it('marks a drop whose interval excludes 0 as significant', () => {
    const inputs = sampleInputs().map((i) =>
      i.source === 'int4.eval.json'
        ? changedEval(i, (doc) => {
            doc.metrics.top1_delta_ci95 = [-0.011, -0.001];
          })
        : i,
    );
    expect(buildReportData(inputs).comparisons.get('int4')?.significance).toBe('drop');
  });

  it('shows latency in the configuration asked for, and names a file that lacks it', () => {
    expect(buildReportData(sampleInputs(), { benchThreads: 1 }).benchConfig).toEqual({
      batchSize: 1,
      threads: 1,
    });
    expect(buildReportData(sampleInputs(), { benchBatchSize: 8 }).benchConfig).toEqual({
      batchSize: 8,
      threads: 2,
    });
    expect(() => buildReportData(sampleInputs(), { benchThreads: 4 })).toThrow(
      'has no bench measurement at 4 threads; it measured batch 1 × 1 threads, batch 1 × 2 threads, batch 8 × 1 threads, batch 8 × 2 threads',
    );
  });

  it('passes on the warnings eval wrote about a run, and notes results from other machines', () => {
    const inputs = sampleInputs().map((i) =>
      i.source === 'int4.eval.json'
        ? changedEval(i, (doc) => {
            doc.environment.warnings = ['this CPU clips int8 products.'];
          })
        : i.source === 'int4.bench.json'
          ? changedEval(i, (doc) => {
              doc.environment.cpu_model = 'Another CPU';
            })
          : i,
    );
    const data = buildReportData(inputs);
    expect(data.notes).toEqual([
      'this CPU clips int8 products (int4.eval.json)',
      'the results come from 2 different machines or onnxruntime versions (see Environment): compare their speed with care',
    ]);
    // A warning is about a run, not the machine: one environment besides the other CPU's.
    expect(data.environments.map((g) => g.sources.length)).toEqual([7, 1]);
  });

  it('reports on bench results alone', () => {
    const data = buildReportData(sampleInputs().filter((i) => i.results.kind === 'bench'));
    expect(data.dataset).toBeNull();
    expect(data.classNames).toEqual([]);
    expect(data.comparisons.size).toBe(0);
    expect(data.baseline.name).toBe('vit-tiny-hf');
    expect(data.title).toBe('vit-tiny-hf: variants compared');
  });
});
