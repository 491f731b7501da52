import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataType, Model, encodeModel, runPasses } from '@vit-opt/graph';
import type { InputFeeds } from '@vit-opt/eval/data';
import { calibrate } from '../calibration/calibrate.js';
import type { ActivationRanges } from '../calibration/activation-ranges.js';
import { quantizeDynamic } from '../passes/quantize-dynamic.js';
import { readRecipe } from '../recipe.js';
import { FIXTURE_NAMES, fixtureTestData, loadFixture, probe } from '../testing/fixtures.js';
import { argmaxRows, cosineSimilarity, createSession, opCounts, runLogits } from '../testing/onnxruntime.js';
import { convModel, gemmModel, projectionsModel, seededValues } from '../testing/small-models.js';
import { quantizeStatic, quantizeStaticPass } from './quantize-static.js';

const scratch = mkdtempSync(join(tmpdir(), 'vit-opt-quantize-static-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function copy(model: Model): Model {
  return model.clone();
}

function* seededBatches(dims: readonly number[], count: number): Generator<InputFeeds> {
  const size = dims.reduce((a, b) => a * b, 1);
  for (let i = 0; i < count; i++) yield { x: { data: seededValues(size, 50 + i), dims } };
}

async function outputs(model: Model, dims: readonly number[]): Promise<Float32Array> {
  return runLogits(await createSession(model), seededValues(dims.reduce((a, b) => a * b, 1), 99), dims);
}

function opTypes(model: Model): Map<string, number> {
  const counts = new Map<string, number>();
  for (const node of model.graph.nodes) counts.set(node.opType, (counts.get(node.opType) ?? 0) + 1);
  return counts;
}

describe('quantizeStatic on small graphs', () => {
  it('writes the projections as Gemm units, the attention MatMuls with 8-bit inputs, and keeps the outputs', async () => {
    const float = projectionsModel();
    const ranges = await calibrate(float, seededBatches([2, 8, 16], 4), { probe, quantizeActivationMatMuls: true });
    const quantized = copy(float);
    const report = quantizeStatic(quantized, ranges, { quantizeActivationMatMuls: true });
    expect(report.quantizedNodes.map((n) => [n.name, n.perChannel])).toEqual([
      ['/query/MatMul', true],
      ['/key/MatMul', true],
      ['/value/MatMul', true],
    ]);
    expect(report.activationMatMuls).toEqual(['/scores/MatMul', '/mix/MatMul']);
    expect(report.skipped).toEqual([]);
    // The key feeds the second operand of /scores: int8, from a MatMul + float bias Add.
    const key = report.activations.find((a) => a.name === '/key/Add_output_0')!;
    expect(key.elementType).toBe('int8');
    expect(report.activations.find((a) => a.name === 'x')!.elementType).toBe('uint8');
    // The query (uint8 like its input) is a Gemm with an int32 bias; key and value stay MatMuls
    // whose float bias Add feeds their int8 QuantizeLinear.
    const ops = opTypes(quantized);
    expect(ops.get('Gemm')).toBe(1);
    expect(ops.get('MatMul')).toBe(4);
    expect(quantized.graph.value('query.weight')).toBeUndefined();
    expect(cosineSimilarity(await outputs(float, [2, 8, 16]), await outputs(quantized, [2, 8, 16]))).toBeGreaterThan(0.995);
    expect(readRecipe(quantized)).toMatchObject({ mode: 'static', options: { perChannel: true, calibration: { method: 'minmax' } } });
  });

  it('quantizes a Gemm with transB and alpha, and a Conv with a per-channel int32 bias', async () => {
    for (const [float, dims] of [
      [gemmModel(), [3, 16]],
      [convModel(), [2, 3, 8, 8]],
    ] as const) {
      const ranges = await calibrate(float, seededBatches(dims, 3), { probe });
      const quantized = copy(float);
      quantizeStatic(quantized, ranges);
      const bias = quantized.graph.initializers.find((v) => v.initializer!.dtype === DataType.INT32);
      expect(bias).toBeDefined();
      expect(cosineSimilarity(await outputs(float, dims), await outputs(quantized, dims))).toBeGreaterThan(0.995);
    }
  });

  it('per-tensor weights have one scale; int8 activations use int8 zero points', async () => {
    const float = projectionsModel();
    const ranges = await calibrate(float, seededBatches([2, 8, 16], 2), { probe });
    const quantized = copy(float);
    const report = quantizeStatic(quantized, ranges, { perChannel: false, activationType: 'int8' });
    expect(report.quantizedNodes.every((n) => !n.perChannel)).toBe(true);
    expect(quantized.graph.value('query.weight_scale')!.initializer!.dims).toEqual([]);
    expect(report.activations.every((a) => a.elementType === 'int8')).toBe(true);
    expect(cosineSimilarity(await outputs(float, [2, 8, 16]), await outputs(quantized, [2, 8, 16]))).toBeGreaterThan(0.99);
  });

  it('selects nodes by op type and name, and runs as a pass', async () => {
    const float = projectionsModel();
    const ranges = await calibrate(float, seededBatches([2, 8, 16], 2), { probe, excludeNodes: '^/value/' });
    const quantized = copy(float);
    const run = await runPasses(quantized, [quantizeStaticPass(ranges, { excludeNodes: '^/value/' })]);
    expect(run.steps[0]!.notes[0]).toMatch(/^quantized 2 nodes/);
    const value = quantized.graph.nodes.find((n) => n.name === '/value/MatMul')!;
    expect(value.inputs[1]!.name).toBe('value.weight');
  });

  it('refuses ranges that miss a tensor, naming it, and leaves the model untouched', async () => {
    const model = projectionsModel();
    const ranges = await calibrate(model, seededBatches([2, 8, 16], 1), { probe });
    const before = encodeModel(model);
    expect(() => quantizeStatic(model, ranges, { quantizeActivationMatMuls: true })).toThrow(
      /^the ranges lack 4 of the 5 tensors this layout quantizes \('\/query\/Add_output_0', '\/key\/Add_output_0', '\/value\/Add_output_0', …\); calibrate this model with the same layout options/,
    );
    expect(encodeModel(model)).toEqual(before);
    const full = await calibrate(model, seededBatches([2, 8, 16], 1), { probe });
    const broken = { ...full, tensors: { ...full.tensors, x: { min: Number.NaN, max: 1 } } };
    expect(() => quantizeStatic(model, broken)).toThrow("the range of tensor 'x' is not finite min ≤ max: [NaN, 1]");
    expect(encodeModel(model)).toEqual(before);
  });

  it('refuses a model with nothing to quantize, an already quantized one, an old opset and bad options', async () => {
    const ranges: ActivationRanges = { method: 'minmax', settings: {}, sampleCount: 1, tensors: {} };
    expect(() => quantizeStatic(projectionsModel(), ranges, { opTypes: 'Conv' })).toThrow(
      'nothing to quantize: no node matched (looked for op types Conv with a constant float32 weight)',
    );
    const dynamic = projectionsModel();
    quantizeDynamic(dynamic);
    expect(() => quantizeStatic(dynamic, ranges)).toThrow(/^cannot quantize statically: the model is already quantized/);
    expect(() => quantizeStatic(projectionsModel(12), ranges)).toThrow(
      'static quantization (per-axis QuantizeLinear/DequantizeLinear) needs opset ≥ 13, the model imports 12; re-export it with a newer opset',
    );
    expect(() => quantizeStatic(projectionsModel(), ranges, { activationType: 'int16' as never })).toThrow(
      "quantizeStatic option 'activationType' must be one of uint8, int8, got \"int16\"",
    );
    expect(() => quantizeStatic(projectionsModel(), ranges, { activationType: 'int8', weightType: 'uint8' })).toThrow(
      /option 'weightType' must be int8 when activationType is int8/,
    );
    expect(() => quantizeStatic(projectionsModel(), undefined as never)).toThrow('quantizeStatic needs the activation ranges');
  });
});

describe.each(FIXTURE_NAMES)('quantizeStatic on %s', (name) => {
  it('runs in onnxruntime in both formats, predicting the test images as the float model does', async () => {
    const { pixels, dims } = fixtureTestData(name);
    const float = loadFixture(name);
    const expected = await runLogits(await createSession(float), pixels, dims);
    for (const format of ['qdq', 'qoperator'] as const) {
      const ranges = await calibrate(float, [{ pixel_values: { data: pixels, dims } }], { probe, format });
      const quantized = copy(float);
      const report = quantizeStatic(quantized, ranges, { format });
      expect(report.format).toBe(format);
      // Tiny models keep a larger float share (embeddings, norms) than ViT-B's 26%.
      expect(report.sizeBytesAfter).toBeLessThan(0.35 * report.sizeBytesBefore);
      const got = await runLogits(await createSession(quantized), pixels, dims);
      expect(cosineSimilarity(expected, got)).toBeGreaterThan(0.99);
      expect(argmaxRows(got, 10)).toEqual(argmaxRows(expected, 10));
      const path = join(scratch, `${name}-${format}.onnx`);
      await createSession(quantized, { optimizedModelPath: path });
      const ops = opCounts(path);
      if (format === 'qoperator') {
        // Standard integer ops written out; nothing left for onnxruntime's QDQ fusion to find.
        expect(quantized.graph.nodes.filter((n) => n.domain !== '')).toEqual([]);
        expect(opTypes(quantized).get('QLinearMatMul')).toBeGreaterThan(0);
        expect(opTypes(quantized).get('QLinearConv')).toBe(1);
        // Float MatMuls are left only between two activations (attention), which stay float by default.
        const floatMatMuls = quantized.graph.nodes.filter((n) => n.opType === 'MatMul');
        expect(floatMatMuls.every((n) => n.inputs.every((input) => input?.producer()?.opType !== 'DequantizeLinear' && !input?.isConstant))).toBe(true);
        expect(ops.get('MatMul') ?? 0).toBeLessThanOrEqual(floatMatMuls.length);
      }
    }
  });
});

