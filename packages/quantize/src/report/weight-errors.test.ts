import { describe, expect, it } from 'vitest';
import { attr, type Model } from '@vit-opt/graph';
import { calibrate } from '../calibration/calibrate.js';
import { convertFloat16 } from '../passes/convert-float16.js';
import { quantizeDynamic } from '../passes/quantize-dynamic.js';
import { quantizeWeightsInt4 } from '../passes/quantize-weights-int4.js';
import type { QuantizationReport } from '../quantization-report.js';
import { quantizeStatic } from '../static/quantize-static.js';
import { probe } from '../testing/fixtures.js';
import { gemmModel, seededValues, setOutput } from '../testing/small-models.js';
import { weightErrors } from './weight-errors.js';

/**
 * fc.weight W[8, 16] read in three layouts: y = Gemm(x, Wᵀ · 0.5) + 2C, then
 * out = MatMul(y, W) + Gemm(y, W · 2), each of the last two reading W as [8, 16].
 */
function threeLayoutModel(): Model {
  const model = gemmModel({ transB: 1 });
  const g = model.graph;
  const [y, weight] = [g.value('y')!, g.value('fc.weight')!];
  const plain = g.addNode({
    opType: 'MatMul',
    name: '/plain/MatMul',
    inputs: [y, weight],
    outputs: ['plain'],
  });
  const doubled = g.addNode({
    opType: 'Gemm',
    name: '/doubled/Gemm',
    inputs: [y, weight],
    outputs: ['doubled'],
    attributes: [attr.float('alpha', 2)],
  });
  const sum = g.addNode({
    opType: 'Add',
    name: '/sum/Add',
    inputs: [plain.output(0), doubled.output(0)],
    outputs: ['out'],
  });
  g.outputs.length = 0;
  setOutput(model, sum.output(0), ['batch', 16]);
  return model;
}

const samples = Array.from({ length: 4 }, (_, i) => ({
  x: { data: seededValues(3 * 16, 40 + i), dims: [3, 16] },
}));

async function quantized(
  mode: 'dynamic' | 'qdq' | 'qoperator' | 'int4',
): Promise<{ float: Model; model: Model; report: QuantizationReport }> {
  const float = threeLayoutModel();
  const model = float.clone();
  if (mode === 'dynamic')
    return { float, model, report: quantizeDynamic(model, { perChannel: true }) };
  if (mode === 'int4') return { float, model, report: quantizeWeightsInt4(model) };
  const ranges = await calibrate(float, samples, { format: mode, probe });
  return {
    float,
    model,
    report: quantizeStatic(model, ranges, { format: mode, perChannel: true }),
  };
}

describe('weightErrors with one initializer quantized in three layouts', () => {
  it.each(['dynamic', 'qdq', 'qoperator', 'int4'] as const)(
    '%s: each node’s weight is compared with the copy it reads',
    async (mode) => {
      const { float, model, report } = await quantized(mode);
      expect(report.quantizedNodes).toHaveLength(3);
      const errors = weightErrors(float, model);
      expect(errors.map((entry) => entry.nodes)).toEqual([
        ['/fc/Gemm'],
        ['/plain/MatMul'],
        ['/doubled/Gemm'],
      ]);
      for (const node of report.quantizedNodes) {
        const entry = errors.find((e) => e.nodes.includes(node.name))!;
        expect(entry).toMatchObject({
          tensor: 'fc.weight',
          kind: 'weight',
          consumers: [node.name],
        });
        // The SQNR the quantizer measured on the weight it wrote for this node.
        expect(entry.sqnrDb).toBeCloseTo(node.weightSqnrDb, 3);
      }
    },
  );

  it('float16: the one converted initializer serves all three nodes', () => {
    const float = threeLayoutModel();
    const model = float.clone();
    convertFloat16(model);
    const errors = weightErrors(float, model);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      tensor: 'fc.weight',
      nodes: ['/fc/Gemm', '/plain/MatMul', '/doubled/Gemm'],
    });
    expect(errors[0]!.sqnrDb).toBeGreaterThan(60);
  });
});
