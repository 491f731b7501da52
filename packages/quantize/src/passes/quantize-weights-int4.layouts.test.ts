// One initializer read as two matrices (a transB Gemm's Wᵀ and a MatMul's W) gets 4-bit blocks
// per layout: blocks run along K, which is the other axis for each node.
import { describe, expect, it } from 'vitest';
import type { Model } from '@vit-opt/graph';
import { cosineSimilarity, createSession, runLogits } from '../testing/onnxruntime.js';
import { gemmModel, seededValues, setOutput } from '../testing/small-models.js';
import { quantizeWeightsInt4 } from './quantize-weights-int4.js';

/** y = Gemm(x, W[8, 16]ᵀ · 0.5) + 2C, then z = MatMul(y, W) with W read as [8, 16]; z alone is output. */
function sharedWeightModel(): Model {
  const model = gemmModel({ transB: 1 });
  const g = model.graph;
  const product = g.addNode({ opType: 'MatMul', name: '/back/MatMul', inputs: [g.value('y')!, g.value('fc.weight')!], outputs: ['z'] });
  g.outputs.length = 0;
  setOutput(model, product.output(0), ['batch', 16]);
  return model;
}

async function outputZ(model: Model): Promise<Float32Array> {
  return runLogits(await createSession(model), seededValues(3 * 16, 7), [3, 16]);
}

describe('quantizeWeightsInt4 with a weight read in two layouts', () => {
  it('packs it once per layout, each along its node’s K', async () => {
    const float = sharedWeightModel();
    const quantized = float.clone();
    quantizeWeightsInt4(quantized, { blockSize: 32 });
    const kn = quantized.graph.nodes
      .filter((node) => node.opType === 'MatMulNBits')
      .map((node) => [node.int('K'), node.int('N'), node.inputs[1]!.initializer!.dims]);
    expect(kn).toEqual([
      [16, 8, [8, 1, 16]],
      [8, 16, [16, 1, 16]],
    ]);
    expect(cosineSimilarity(await outputZ(float), await outputZ(quantized))).toBeGreaterThan(0.98);
  });
});
