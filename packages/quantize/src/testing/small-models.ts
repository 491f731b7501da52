/** Test support: small hand-built models with the patterns the modes rewrite. */
import { DataType, Model, Tensor, attr, type Value } from '@vit-opt/graph';

/** Deterministic pseudo-random values in [-scale, scale). */
export function seededValues(count: number, seed: number, scale = 1): Float32Array {
  let state = seed >>> 0 || 1;
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = (state / 2 ** 32 - 0.5) * 2 * scale;
  }
  return values;
}

export function floatTensor(dims: readonly number[], seed: number, scale = 1): Tensor {
  const count = dims.reduce((a, b) => a * b, 1);
  return Tensor.fromArray({ dtype: DataType.FLOAT, dims }, seededValues(count, seed, scale));
}

/** A model with one float32 input `x` of the given shape. */
export function modelWithInput(
  shape: readonly (number | string)[],
  opset = 14,
): { model: Model; x: Value } {
  const model = new Model({ opsetImports: new Map([['', opset]]) });
  model.producerName = 'test';
  const x = model.graph.createValue('x');
  x.type = { kind: 'tensor', elemType: DataType.FLOAT, shape };
  model.graph.inputs.push(x);
  return { model, x };
}

/** Marks `value` as the graph output `y`, float32 of the given shape. */
export function setOutput(model: Model, value: Value, shape: readonly (number | string)[]): void {
  value.type = { kind: 'tensor', elemType: DataType.FLOAT, shape };
  model.graph.outputs.push(value);
}

/**
 * x[batch, 8, 16] → LayerNorm-free "attention input" shared by three projections q, k, v
 * (MatMul [16, 16] + Add(bias, ·), the bias first as PyTorch exports it), their sum, and an
 * activation × activation MatMul that has no constant weight.
 */
export function projectionsModel(opset = 14): Model {
  const { model, x } = modelWithInput(['batch', 8, 16], opset);
  const g = model.graph;
  const outputs = ['query', 'key', 'value'].map((name, i) => {
    const weight = g.addInitializer(floatTensor([16, 16], 10 + i, 0.5), `${name}.weight`);
    const bias = g.addInitializer(floatTensor([16], 20 + i, 0.1), `${name}.bias`);
    const product = g.addNode({
      opType: 'MatMul',
      name: `/${name}/MatMul`,
      inputs: [x, weight],
      outputs: [`/${name}/MatMul_output_0`],
    });
    return g
      .addNode({
        opType: 'Add',
        name: `/${name}/Add`,
        inputs: [bias, product.output(0)],
        outputs: [`/${name}/Add_output_0`],
      })
      .output(0);
  });
  const keyT = g.addNode({
    opType: 'Transpose',
    inputs: [outputs[1]!],
    outputs: ['keyT'],
    attributes: [attr.ints('perm', [0, 2, 1])],
  });
  const scores = g.addNode({
    opType: 'MatMul',
    name: '/scores/MatMul',
    inputs: [outputs[0]!, keyT.output(0)],
    outputs: ['scores'],
  });
  const mixed = g.addNode({
    opType: 'MatMul',
    name: '/mix/MatMul',
    inputs: [scores.output(0), outputs[2]!],
    outputs: ['y'],
  });
  setOutput(model, mixed.output(0), ['batch', 8, 16]);
  return model;
}

/** x[batch, 16] → Gemm(x, W[8, 16]ᵀ · alpha) + beta · C → y[batch, 8]. */
export function gemmModel(options: { alpha?: number; beta?: number; transB?: 0 | 1 } = {}): Model {
  const { alpha = 0.5, beta = 2, transB = 1 } = options;
  const { model, x } = modelWithInput(['batch', 16]);
  const g = model.graph;
  const weight = g.addInitializer(floatTensor(transB === 1 ? [8, 16] : [16, 8], 3), 'fc.weight');
  const c = g.addInitializer(floatTensor([8], 4, 0.2), 'fc.bias');
  const gemm = g.addNode({
    opType: 'Gemm',
    name: '/fc/Gemm',
    inputs: [x, weight, c],
    outputs: ['y'],
    attributes: [attr.float('alpha', alpha), attr.float('beta', beta), attr.int('transB', transB)],
  });
  setOutput(model, gemm.output(0), ['batch', 8]);
  return model;
}

/** x[batch, 3, 8, 8] → Conv(W[4, 3, 2, 2], bias, stride 2) → y[batch, 4, 4, 4]. */
export function convModel(): Model {
  const { model, x } = modelWithInput(['batch', 3, 8, 8]);
  const g = model.graph;
  const weight = g.addInitializer(floatTensor([4, 3, 2, 2], 5), 'conv.weight');
  const bias = g.addInitializer(floatTensor([4], 6, 0.1), 'conv.bias');
  const conv = g.addNode({
    opType: 'Conv',
    name: '/conv/Conv',
    inputs: [x, weight, bias],
    outputs: ['y'],
    attributes: [attr.ints('kernel_shape', [2, 2]), attr.ints('strides', [2, 2])],
  });
  setOutput(model, conv.output(0), ['batch', 4, 4, 4]);
  return model;
}
