// PyTorch's exporter ties identical initializers: it keeps one and feeds the other users through
// Identity nodes (vit-tiny-tv-tied, an untrained torchvision ViT, has 24). Weights read through
// such a copy must be found and quantized, and the tie's other users left working.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DataType,
  attr,
  loadModel,
  type Model,
  type Value,
} from '@vit-opt/graph';
import { fuseTransformer } from '../fusion/fuse-transformer.js';
import { findWeightedNodes } from '../graph/weighted-nodes.js';
import { normalizeDynamicOptions } from '../options/mode-options.js';
import { REPO_ROOT } from '../testing/fixtures.js';
import { cosineSimilarity, createSession, runLogits } from '../testing/onnxruntime.js';
import { floatTensor, modelWithInput, seededValues, setOutput } from '../testing/small-models.js';
import { quantizeDynamic } from './quantize-dynamic.js';

// u8×s8 kernels without VNNI saturate at full range (issue 9); with reduceRange int8 stays close
// to float on every CPU, so these tests hold on any machine.
const PORTABLE = { reduceRange: true } as const;

const loadTied = (): Model =>
  loadModel(join(REPO_ROOT, 'fixtures', 'models', 'vit-tiny-tv-tied', 'model.onnx'));

function copy(model: Model): Model {
  return model.clone();
}

async function outputs(model: Model, input: Float32Array, dims: number[]): Promise<Float32Array> {
  return runLogits(await createSession(model), input, dims);
}

/**
 * x[batch, 16] through three MatMuls that share one weight W [16, 16]: `/direct` reads W, `/tied`
 * and `/float` read it through Identity copies, as a tied export does. A Gemm's C is a copy of a
 * bias that an Add also reads. y = direct + tied + float + gemm.
 */
function tiedWeightsModel(): Model {
  const { model, x } = modelWithInput(['batch', 16]);
  const g = model.graph;
  const weight = g.addInitializer(floatTensor([16, 16], 7, 0.5), 'w');
  const bias = g.addInitializer(floatTensor([16], 8, 0.1), 'b');
  const copyOf = (value: Value, name: string): Value =>
    g.addNode({ opType: 'Identity', name, inputs: [value], outputs: [name] }).output(0);
  const matmul = (name: string, w: Value): Value =>
    g
      .addNode({ opType: 'MatMul', name: `/${name}/MatMul`, inputs: [x, w], outputs: [name] })
      .output(0);
  const direct = g
    .addNode({ opType: 'Add', inputs: [matmul('direct', weight), bias], outputs: ['direct_bias'] })
    .output(0);
  const tied = matmul('tied', copyOf(weight, 'w_tied'));
  const float = matmul('float', copyOf(weight, 'w_float'));
  const gemm = g
    .addNode({
      opType: 'Gemm',
      name: '/gemm/Gemm',
      inputs: [x, copyOf(weight, 'w_gemm'), copyOf(bias, 'b_gemm')],
      outputs: ['gemm'],
      attributes: [attr.int('transB', 1)],
    })
    .output(0);
  const sum = [tied, float, gemm].reduce(
    (acc, value, i) =>
      g.addNode({ opType: 'Add', inputs: [acc, value], outputs: [`sum${i}`] }).output(0),
    direct,
  );
  setOutput(model, sum, ['batch', 16]);
  return model;
}

describe('weights tied through Identity', () => {
  it('are found, their data read through the copy', () => {
    const model = tiedWeightsModel();
    const { found, skipped } = findWeightedNodes(model, normalizeDynamicOptions({}));
    expect(skipped).toEqual([]);
    expect(found.map((m) => [m.node.name, m.weightValue.name, m.weight.name])).toEqual([
      ['/direct/MatMul', 'w', 'w'],
      ['/tied/MatMul', 'w_tied', 'w'],
      ['/float/MatMul', 'w_float', 'w'],
      ['/gemm/Gemm', 'w_gemm', 'w'],
    ]);
  });

  it('are quantized, and the readers left float keep the float weight', async () => {
    const float = tiedWeightsModel();
    const quantized = copy(float);
    const report = quantizeDynamic(quantized, { ...PORTABLE, excludeNodes: '^/float/' });
    expect(report.quantizedNodes.map((n) => [n.name, n.weightName])).toEqual([
      ['/direct/MatMul', 'w'],
      ['/tied/MatMul', 'w_tied'],
      ['/gemm/Gemm', 'w_gemm'],
    ]);
    const g = quantized.graph;
    const int8 = g.initializers.filter((v) => v.initializer!.dtype === DataType.INT8);
    expect(int8.filter((v) => v.initializer!.dims.length === 2)).toHaveLength(3);
    const floatMatMul = g.nodes.find((n) => n.name === '/float/MatMul')!;
    expect(floatMatMul.inputs[1]!.name).toBe('w_float');
    expect(floatMatMul.inputs[1]!.producer()!.inputs[0]!.initializer!.float32()).toEqual(
      float.graph.value('w')!.initializer!.float32(),
    );

    const input = seededValues(3 * 16, 5);
    const expected = await outputs(float, input, [3, 16]);
    const got = await outputs(quantized, input, [3, 16]);
    expect(cosineSimilarity(expected, got)).toBeGreaterThan(0.999);
  });
});

describe('the vit-tiny-tv-tied fixture', () => {
  const dims = [2, 3, 28, 28];
  const input = seededValues(2 * 3 * 28 * 28, 11);

  it('has every linear layer quantized dynamically, and keeps the logits', async () => {
    const float = loadTied();
    const quantized = copy(float);
    const report = quantizeDynamic(quantized, PORTABLE);
    // Per layer the packed in-projection, out_proj and fc1/fc2; then the classifier.
    expect(report.quantizedNodes).toHaveLength(4 * 4 + 1);
    expect(new Set(report.skipped.map((s) => s.reason))).toEqual(
      new Set(['its weight (input B) is computed at run time, not a constant']),
    );
    expect(report.skipped).toHaveLength(8);

    const expected = await outputs(float, input, dims);
    const got = await outputs(quantized, input, dims);
    expect(cosineSimilarity(expected, got)).toBeGreaterThan(0.99);
  });

  it('has the attention of every layer fused, tied biases included, computing the same', async () => {
    const float = loadTied();
    const fused = copy(float);
    const report = fuseTransformer(fused);
    expect(report.attention).toHaveLength(4);
    expect(report.skipped).toEqual([]);
    const expected = await outputs(float, input, dims);
    const got = await outputs(fused, input, dims);
    expect(cosineSimilarity(expected, got)).toBeGreaterThan(0.9999);

    // Then int8: QAttention takes the packed weight and the (tied) packed bias.
    const int8 = quantizeDynamic(fused, PORTABLE);
    expect(int8.quantizedNodes.filter((n) => n.opType === 'Attention')).toHaveLength(4);
    expect(int8.quantizedNodes).toHaveLength(4 + 3 * 4 + 1);
    expect(cosineSimilarity(expected, await outputs(fused, input, dims))).toBeGreaterThan(0.99);
  });
});
