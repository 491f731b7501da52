import { describe, expect, it } from 'vitest';
import { attr } from '../ir/attribute.js';
import { DataType } from '../ir/dtype.js';
import { Model } from '../ir/model.js';
import { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { convMatchOf, matchConv } from './conv-layer.js';
import { linearMatchOf, linearProducing, matchLinear } from './linear-layer.js';

function modelWithInput(): { model: Model; x: Value } {
  const model = new Model({ opsetImports: new Map([['', 17]]) });
  const x = model.graph.createValue('x');
  model.graph.inputs.push(x);
  return { model, x };
}

function constant(model: Model, dims: number[], name: string): Value {
  const count = dims.reduce((a, b) => a * b, 1);
  return model.graph.addInitializer(
    Tensor.fromArray({ dtype: DataType.FLOAT, dims }, new Float32Array(count).fill(0.5)),
    name,
  );
}

describe('matchLinear', () => {
  it('takes a MatMul with its bias Add, and a [out, 1] Add is no bias', () => {
    const { model, x } = modelWithInput();
    const g = model.graph;
    const weight = constant(model, [4, 3], 'w');
    const product = g.addNode({ opType: 'MatMul', inputs: [x, weight] }).output(0);
    const add = g.addNode({ opType: 'Add', inputs: [constant(model, [1, 3], 'b'), product] });
    const linear = linearMatchOf(product.producer());
    expect(linear).toMatchObject({ input: x, weight, transposed: false, alpha: 1, beta: 1 });
    expect(linear).toMatchObject({ biasAdd: add, bias: g.value('b'), inFeatures: 4, outFeatures: 3 });
    expect(linearProducing(add.output(0))?.node).toBe(product.producer());

    const column = g.addNode({ opType: 'MatMul', inputs: [x, weight] }).output(0);
    g.addNode({ opType: 'Add', inputs: [column, constant(model, [3, 1], 'c')] });
    expect(linearMatchOf(column.producer())).toMatchObject({ biasAdd: undefined, output: column });
  });

  it('reads a Gemm’s transB, alpha and beta, and a weight tied through Identity as the copy', () => {
    const { model, x } = modelWithInput();
    const g = model.graph;
    const stored = constant(model, [3, 4], 'w');
    const tied = g.addNode({ opType: 'Identity', inputs: [stored] }).output(0);
    const c = g.addNode({ opType: 'Relu', inputs: [x] }).output(0);
    const gemm = g.addNode({
      opType: 'Gemm',
      inputs: [x, tied, c],
      attributes: [attr.int('transB', 1), attr.float('alpha', 0.5), attr.float('beta', 2)],
    });
    const linear = matchLinear(gemm);
    expect(linear).toMatchObject({ weight: tied, transposed: true, alpha: 0.5, beta: 2 });
    expect(linear).toMatchObject({ bias: c, inFeatures: 4, outFeatures: 3, biasAdd: undefined });
    expect(typeof linear !== 'string' && linear.weightTensor).toBe(stored.initializer);
    gemm.setAttribute(attr.float('beta', 0));
    expect(linearMatchOf(gemm)?.bias).toBeUndefined();
  });

  it('says why a node is not a Linear layer', () => {
    const { model, x } = modelWithInput();
    const g = model.graph;
    const weight = constant(model, [4, 3], 'w');
    const matmul = (a: Value, b: Value) => g.addNode({ opType: 'MatMul', inputs: [a, b] });
    expect(matchLinear(matmul(x, x))).toBe('its weight (input B) is computed at run time, not a constant');
    expect(matchLinear(matmul(x, constant(model, [2, 4, 3], 'w3')))).toBe('its weight has shape [2,4,3], not 2-D');
    expect(matchLinear(matmul(constant(model, [2, 4], 'a'), weight))).toMatch(/constant folding/);
    const transA = g.addNode({ opType: 'Gemm', inputs: [x, weight], attributes: [attr.int('transA', 1)] });
    expect(matchLinear(transA)).toMatch(/transA=1/);
    expect(matchLinear(g.addNode({ opType: 'Relu', inputs: [x] }))).toBe('it is a Relu, not a MatMul or Gemm');
  });
});

describe('matchConv', () => {
  it('takes a Conv by constant weight and bias, and says why it leaves others', () => {
    const { model, x } = modelWithInput();
    const g = model.graph;
    const weight = constant(model, [8, 3, 2, 2], 'w');
    const bias = constant(model, [8], 'b');
    const conv = g.addNode({ opType: 'Conv', inputs: [x, weight, bias] });
    expect(convMatchOf(conv)).toMatchObject({ input: x, weight, bias, weightTensor: weight.initializer });
    const relu = g.addNode({ opType: 'Relu', inputs: [x] }).output(0);
    expect(matchConv(g.addNode({ opType: 'Conv', inputs: [x, weight, relu] }))).toBe(
      'its bias is computed at run time, not a constant',
    );
    expect(matchConv(g.addNode({ opType: 'Conv', inputs: [x, relu] }))).toBe(
      'its weight is computed at run time, not a constant',
    );
  });
});
