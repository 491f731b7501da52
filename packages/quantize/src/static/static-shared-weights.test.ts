// One initializer read by two nodes as two different matrices: a Gemm with transB reads W[N, K]
// as Wᵀ, a MatMul reads the same W as [K, N]; directly, or through an Identity as PyTorch's
// exporter ties identical initializers. Each node must get the weight in its own layout.
import { describe, expect, it } from 'vitest';
import { DataType, type Model, type Value } from '@vit-opt/graph';
import { createTensorProbe } from '@vit-opt/eval';
import { calibrate } from '../calibration/calibrate.js';
import { cosineSimilarity, createSession, runLogits } from '../testing/onnxruntime.js';
import { gemmModel, seededValues, setOutput } from '../testing/small-models.js';
import { quantizeStatic } from './quantize-static.js';

const INPUT_DIMS = [3, 16];

/** y = Gemm(x, W[8, 16]ᵀ · 0.5) + 2C, then z = MatMul(y, W) with W read as [8, 16]. */
function sharedWeightModel(tie: 'direct' | 'identity'): Model {
  const model = gemmModel({ transB: 1 });
  const g = model.graph;
  let weight: Value = g.value('fc.weight')!;
  if (tie === 'identity') {
    weight = g.addNode({ opType: 'Identity', name: '/tie/Identity', inputs: [weight], outputs: ['back.weight'] }).output(0);
  }
  const product = g.addNode({ opType: 'MatMul', name: '/back/MatMul', inputs: [g.value('y')!, weight], outputs: ['z'] });
  // z alone is the output: only a weight right in both layouts keeps it.
  model.graph.outputs.length = 0;
  setOutput(model, product.output(0), ['batch', 16]);
  return model;
}

function batches(count: number): { x: { data: Float32Array; dims: number[] } }[] {
  const size = INPUT_DIMS[0]! * INPUT_DIMS[1]!;
  return Array.from({ length: count }, (_, i) => ({ x: { data: seededValues(size, 70 + i), dims: INPUT_DIMS } }));
}

async function outputZ(model: Model): Promise<Float32Array> {
  return runLogits(await createSession(model), seededValues(INPUT_DIMS[0]! * INPUT_DIMS[1]!, 99), INPUT_DIMS);
}

describe('quantizeStatic with a weight read in two layouts', () => {
  for (const tie of ['direct', 'identity'] as const)
    for (const format of ['qdq', 'qoperator'] as const)
      it(`quantizes it once per layout (${tie}, ${format})`, async () => {
        const float = sharedWeightModel(tie);
        const ranges = await calibrate(float, batches(4), { format, probe: createTensorProbe() });
        const quantized = float.clone();
        const report = quantizeStatic(quantized, ranges, { format });
        expect(report.quantizedNodes.map((node) => [node.name, node.weightShape])).toEqual([
          ['/fc/Gemm', [8, 16]],
          ['/back/MatMul', [8, 16]],
        ]);
        // Stored as each node multiplies it: [K, N] = [16, 8] for the Gemm, [8, 16] for the MatMul.
        const eightBit = quantized.graph.initializers
          .map((value) => value.initializer!)
          .filter((t) => (t.dtype === DataType.INT8 || t.dtype === DataType.UINT8) && t.dims.length === 2);
        expect(eightBit.map((t) => t.dims).sort()).toEqual([
          [16, 8],
          [8, 16],
        ]);
        expect(cosineSimilarity(await outputZ(float), await outputZ(quantized))).toBeGreaterThan(0.999);
      });
});
