import { expect, it } from 'vitest';
import { DataType, Tensor, attr } from '@vit-opt/graph';
import { modelWithInput } from '../testing/small-models.js';
import { inferElementTypes } from './element-types.js';

it('tells float values from shape arithmetic without shape inference', () => {
  const { model, x } = modelWithInput(['batch', 4]);
  const g = model.graph;
  const shape = g.addNode({ opType: 'Shape', inputs: [x], outputs: ['shape'] });
  const index = g.addInitializer(
    Tensor.fromNumbers({ dtype: DataType.INT64, dims: [] }, [0]),
    'index',
  );
  const batch = g.addNode({
    opType: 'Gather',
    inputs: [shape.output(0), index],
    outputs: ['batch'],
  });
  const asFloat = g.addNode({
    opType: 'Cast',
    inputs: [batch.output(0)],
    outputs: ['batch_float'],
    attributes: [attr.int('to', DataType.FLOAT)],
  });
  const positive = g.addNode({
    opType: 'Greater',
    inputs: [x, asFloat.output(0)],
    outputs: ['positive'],
  });
  const picked = g.addNode({
    opType: 'Where',
    inputs: [positive.output(0), x, asFloat.output(0)],
    outputs: ['picked'],
  });
  g.addNode({
    opType: 'ConstantOfShape',
    inputs: [shape.output(0)],
    outputs: ['zeros'],
  });
  g.addNode({
    opType: 'Constant',
    inputs: [],
    outputs: ['half'],
    attributes: [attr.float('value_float', 0.5)],
  });
  g.addNode({
    opType: 'TopK',
    inputs: [picked.output(0), index],
    outputs: ['values', 'indices'],
  });
  const types = inferElementTypes(g);
  const typeOf = (name: string): DataType | undefined => types.get(g.value(name)!);
  expect(
    [
      'x',
      'shape',
      'batch',
      'batch_float',
      'positive',
      'picked',
      'zeros',
      'half',
      'values',
      'indices',
    ].map(typeOf),
  ).toEqual([
    DataType.FLOAT,
    DataType.INT64,
    DataType.INT64,
    DataType.FLOAT,
    DataType.BOOL,
    DataType.FLOAT,
    DataType.FLOAT,
    DataType.FLOAT,
    DataType.FLOAT,
    DataType.INT64,
  ]);
});
