import { describe, expect, it } from 'vitest';
import { attr } from '../ir/attribute.js';
import { DataType } from '../ir/dtype.js';
import { Model } from '../ir/model.js';
import { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { constantTensorOf, producerOf, sourceOf } from './graph-walk.js';

function graphWithWeight(): { model: Model; weight: Value; x: Value } {
  const model = new Model({ opsetImports: new Map([['', 17]]) });
  const weight = model.graph.addInitializer(
    Tensor.fromNumbers({ dtype: DataType.FLOAT, dims: [2] }, [1, 2]),
    'weight',
  );
  const x = model.graph.createValue('x');
  model.graph.inputs.push(x);
  return { model, weight, x };
}

function apply(model: Model, opType: string, inputs: (Value | undefined)[], outputs = 1): Value {
  return model.graph.addNode({ opType, inputs, outputs }).output(0);
}

function boolean(model: Model, value: boolean): Value {
  return model.graph.addInitializer(
    Tensor.fromNumbers({ dtype: DataType.BOOL, dims: [] }, [value ? 1 : 0]),
    'training_mode',
  );
}

describe('sourceOf', () => {
  it('follows a chain of Identity and inference Dropout to the initializer', () => {
    const { model, weight } = graphWithWeight();
    const copied = apply(model, 'Identity', [weight]);
    const dropped = apply(model, 'Dropout', [copied], 2);
    const off = apply(model, 'Dropout', [dropped, undefined, boolean(model, false)], 2);
    const last = apply(model, 'Identity', [off]);
    expect(sourceOf(last)).toBe(weight);
    expect(constantTensorOf(last)?.float32()).toEqual(new Float32Array([1, 2]));
  });

  it('stops at ops that change the data: training-mode Dropout, Cast, Reshape', () => {
    const { model, weight } = graphWithWeight();
    const training = apply(model, 'Dropout', [weight, undefined, boolean(model, true)], 2);
    expect(sourceOf(training)).toBe(training);
    expect(constantTensorOf(training)).toBeUndefined();
    const cast = model.graph
      .addNode({ opType: 'Cast', inputs: [weight], attributes: [attr.int('to', DataType.FLOAT16)] })
      .output(0);
    expect(sourceOf(apply(model, 'Identity', [cast]))).toBe(cast);
    const shape = model.graph.addInitializer(
      Tensor.fromNumbers({ dtype: DataType.INT64, dims: [2] }, [1n, 2n]),
      'shape',
    );
    expect(constantTensorOf(apply(model, 'Reshape', [weight, shape]))).toBeUndefined();
  });

  it("stops at a Dropout's mask output and at a graph input", () => {
    const { model, weight, x } = graphWithWeight();
    const dropout = model.graph.addNode({ opType: 'Dropout', inputs: [weight], outputs: 2 });
    expect(sourceOf(dropout.output(1))).toBe(dropout.output(1));
    expect(sourceOf(apply(model, 'Identity', [x]))).toBe(x);
  });

  it('gives the producer past the copies', () => {
    const { model, x } = graphWithWeight();
    const relu = apply(model, 'Relu', [x]);
    expect(producerOf(apply(model, 'Identity', [apply(model, 'Identity', [relu])]))?.opType).toBe(
      'Relu',
    );
    expect(producerOf(undefined)).toBeUndefined();
  });
});
