import { describe, expect, it } from 'vitest';
import { DataType, Model, Tensor, attr, linearMatchOf, type LinearMatch } from '@vit-opt/graph';
import { readBias, readWeight, writeLinear } from './linear-weights.js';

const WEIGHT = Float32Array.from({ length: 12 }, (_, i) => i - 5);

/** x[2, 4] → Gemm(x, W[3, 4]ᵀ · 0.5, C · 2) → y[2, 3]; C is a constant [3], or x's row sums. */
function gemm(c: 'constant' | 'computed'): LinearMatch {
  const model = new Model({ opsetImports: new Map([['', 17]]) });
  const g = model.graph;
  const x = g.createValue('x');
  x.type = { kind: 'tensor', elemType: DataType.FLOAT, shape: [2, 4] };
  g.inputs.push(x);
  const weight = g.addInitializer(
    Tensor.fromArray({ dtype: DataType.FLOAT, dims: [3, 4] }, WEIGHT),
    'fc.weight',
  );
  const bias =
    c === 'constant'
      ? g.addInitializer(
          Tensor.fromArray({ dtype: DataType.FLOAT, dims: [3] }, Float32Array.of(1, 2, 3)),
          'fc.bias',
        )
      : g
          .addNode({
            opType: 'ReduceSum',
            name: '/sum/ReduceSum',
            inputs: [x],
            outputs: ['row_sums'],
            attributes: [attr.ints('axes', [1]), attr.int('keepdims', 1)],
          })
          .output(0);
  const node = g.addNode({
    opType: 'Gemm',
    name: '/fc/Gemm',
    inputs: [x, weight, bias],
    outputs: ['y'],
    attributes: [attr.float('alpha', 0.5), attr.float('beta', 2), attr.int('transB', 1)],
  });
  g.outputs.push(node.output(0));
  return linearMatchOf(node)!;
}

describe('writeLinear', () => {
  it('stores the weight and bias the layer applies in its own layout and scales', () => {
    const linear = gemm('constant');
    const weight = Float32Array.from({ length: 12 }, (_, i) => i / 4); // [in 4, out 3]
    writeLinear(linear, weight, Float32Array.of(4, 6, 8));
    const written = linearMatchOf(linear.node)!;
    expect(written.weightTensor.dims).toEqual([3, 4]);
    // The layer multiplies by alpha · stored and adds beta · C.
    expect(Array.from(readWeight(written).data, (w) => w * written.alpha)).toEqual(
      Array.from(weight),
    );
    expect(Array.from(readBias(written)!, (b) => b * written.beta)).toEqual([4, 6, 8]);
  });

  it('refuses a Gemm whose C is computed at run time, leaving it as it was', () => {
    const linear = gemm('computed');
    const inputs = [...linear.node.inputs];
    expect(() => writeLinear(linear, new Float32Array(12), new Float32Array(3))).toThrow(
      /^the C of '\/fc\/Gemm' is computed at run time, not a constant bias: prune cannot change it$/,
    );
    expect(linear.node.inputs).toEqual(inputs);
    expect(linear.node.input(2).producer()?.opType).toBe('ReduceSum');
  });
});
