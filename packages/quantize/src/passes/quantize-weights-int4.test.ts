import { describe, expect, it } from 'vitest';
import { DataType, runPasses, type Model } from '@vit-opt/graph';
import { readRecipe } from '../recipe.js';
import { FIXTURE_NAMES, fixtureTestData, loadFixture } from '../testing/fixtures.js';
import { argmaxRows, cosineSimilarity, createSession, runLogits } from '../testing/onnxruntime.js';
import { gemmModel, projectionsModel, seededValues } from '../testing/small-models.js';
import { quantizeWeightsInt4, quantizeWeightsInt4Pass } from './quantize-weights-int4.js';

async function outputsOf(model: Model, dims: number[]): Promise<Float32Array> {
  return runLogits(
    await createSession(model),
    seededValues(
      dims.reduce((a, b) => a * b, 1),
      7,
    ),
    dims,
  );
}

describe('quantizeWeightsInt4 on small graphs', () => {
  it('replaces each MatMul with a com.microsoft MatMulNBits holding packed 4-bit blocks', () => {
    const model = projectionsModel();
    const report = quantizeWeightsInt4(model, { includeNodes: 'query', blockSize: 32 });
    expect(model.opset('com.microsoft')).toBe(1);
    const node = model.graph.nodes.find((n) => n.opType === 'MatMulNBits')!;
    expect(node.domain).toBe('com.microsoft');
    expect([
      node.int('K'),
      node.int('N'),
      node.int('bits'),
      node.int('block_size'),
      node.int('accuracy_level'),
    ]).toEqual([16, 16, 4, 32, 4]);
    // K = 16 < block size 32: one padded block per column.
    expect(node.inputs[1]!.initializer!.dims).toEqual([16, 1, 16]);
    expect(node.inputs[1]!.initializer!.dtype).toBe(DataType.UINT8);
    expect(node.inputs[2]!.initializer!.dims).toEqual([16, 1]);
    expect(node.inputs).toHaveLength(3); // symmetric: no zero points
    expect(node.output(0).name).toBe('/query/MatMul_output_0');
    expect(report.quantizedNodes[0]).toMatchObject({
      name: '/query/MatMul',
      blockSize: 32,
      perChannel: false,
    });
  });

  it('adds packed zero points when asymmetric', () => {
    const model = projectionsModel();
    quantizeWeightsInt4(model, { symmetric: false });
    const node = model.graph.nodes.find((n) => n.opType === 'MatMulNBits')!;
    expect(node.inputs[3]!.initializer!.dims).toEqual([16, 1]);
  });

  it('keeps the outputs of the float model within int4 error, for MatMul and folded Gemm', async () => {
    for (const [float, dims] of [
      [projectionsModel(), [2, 8, 16]],
      [gemmModel({ transB: 1 }), [3, 16]],
    ] as const) {
      const expected = await outputsOf(float, [...dims]);
      for (const symmetric of [true, false]) {
        for (const accuracyLevel of [0, 4] as const) {
          const quantized = float.clone();
          quantizeWeightsInt4(quantized, { symmetric, accuracyLevel });
          expect(cosineSimilarity(await outputsOf(quantized, [...dims]), expected)).toBeGreaterThan(
            0.98,
          );
        }
      }
    }
  });
});

it('composes as a pass, run once', async () => {
  const model = projectionsModel();
  const result = await runPasses(model, [quantizeWeightsInt4Pass({ blockSize: 64 })], {
    validate: true,
    untilStable: true,
  });
  expect(result.steps.map((step) => step.modified)).toEqual([true, false]);
  expect(result.steps[0]!.notes[0]).toMatch(/^quantized 3 nodes, left 2 float;/);
});

describe.each(FIXTURE_NAMES)('quantizeWeightsInt4 on the %s fixture', (name) => {
  it('runs in onnxruntime and keeps the logits close (cosine ≥ 0.995, same predictions)', async () => {
    const model = loadFixture(name);
    const report = quantizeWeightsInt4(model);
    // Weights an eighth of float32, plus one float32 scale per 32 weights.
    expect(report.sizeBytesAfter).toBeLessThan(report.sizeBytesBefore * 0.3);
    const { pixels, dims, logits } = fixtureTestData(name);
    const got = await runLogits(await createSession(model.clone()), pixels, dims);
    expect(cosineSimilarity(got, logits)).toBeGreaterThanOrEqual(0.995);
    expect(argmaxRows(got, 10)).toEqual(argmaxRows(logits, 10));
    expect(readRecipe(model)).toMatchObject({
      mode: 'int4',
      options: { blockSize: 32, symmetric: true, accuracyLevel: 4 },
    });
  });
});
