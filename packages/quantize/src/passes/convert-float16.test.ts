import { describe, expect, it } from 'vitest';
import {
  DataType,
  Tensor,
  attr,
  runPasses,
  type Model,
} from '@vit-opt/graph';
import * as ort from 'onnxruntime-node';
import { readRecipe } from '../recipe.js';
import { FIXTURE_NAMES, fixtureTestData, loadFixture } from '../testing/fixtures.js';
import { argmaxRows, cosineSimilarity, createSession, runLogits } from '../testing/onnxruntime.js';
import { floatTensor, modelWithInput, seededValues, setOutput } from '../testing/small-models.js';
import { convertFloat16, convertFloat16Pass } from './convert-float16.js';

/** (mean(x · w) + ones) / float(width of x): float and int64 (shape) paths side by side. */
function mixedModel(): Model {
  const { model, x } = modelWithInput(['batch', 4]);
  const g = model.graph;
  const scaled = g.addNode({
    opType: 'Mul',
    name: 'scale',
    inputs: [x, g.addInitializer(floatTensor([4], 1), 'w')],
    outputs: ['scaled'],
  });
  const mean = g.addNode({
    opType: 'ReduceMean',
    name: 'mean',
    inputs: [scaled.output(0)],
    outputs: ['mean'],
    attributes: [attr.ints('axes', [-1])],
  });
  const shape = g.addNode({ opType: 'Shape', inputs: [x], outputs: ['shape'] });
  const one = g.addInitializer(Tensor.fromNumbers({ dtype: DataType.INT64, dims: [] }, [1]), 'one');
  const columns = g.addNode({
    opType: 'Gather',
    inputs: [shape.output(0), one],
    outputs: ['columns'],
  });
  const width = g.addNode({
    opType: 'Cast',
    name: 'width',
    inputs: [columns.output(0)],
    outputs: ['width'],
    attributes: [attr.int('to', DataType.FLOAT)],
  });
  const filled = g.addNode({
    opType: 'ConstantOfShape',
    name: 'ones',
    inputs: [shape.output(0)],
    outputs: ['ones'],
  });
  filled.setAttribute(
    attr.tensor(
      'value',
      Tensor.fromArray({ dtype: DataType.FLOAT, dims: [1] }, Float32Array.of(1)),
    ),
  );
  const sum = g.addNode({
    opType: 'Add',
    name: 'sum',
    inputs: [mean.output(0), filled.output(0)],
    outputs: ['sum'],
  });
  const out = g.addNode({
    opType: 'Div',
    name: 'per_width',
    inputs: [sum.output(0), width.output(0)],
    outputs: ['y'],
  });
  setOutput(model, out.output(0), ['batch', 4]);
  return model;
}

describe('convertFloat16 on a small graph', () => {
  it('stores float constants as float16 and retypes Casts and fills, leaving int64 shape arithmetic alone', () => {
    const model = mixedModel();
    const report = convertFloat16(model);
    const g = model.graph;
    expect(g.value('w')!.initializer!.dtype).toBe(DataType.FLOAT16);
    expect(g.nodes.find((n) => n.name === 'width')!.int('to')).toBe(DataType.FLOAT16);
    expect(g.nodes.find((n) => n.name === 'ones')!.tensor('value')!.dtype).toBe(DataType.FLOAT16);
    expect(g.nodes.find((n) => n.opType === 'Shape')!.inputs[0]!.name).toBe('x');
    expect(report.float32Nodes).toEqual([{ name: 'mean', opType: 'ReduceMean' }]);
    expect(report.convertedConstants).toBe(2);
    expect(report.sizeBytesBefore - report.sizeBytesAfter).toBe(4 * 2); // w: 4 values, 2 bytes saved each
  });

  it('keeps float32 graph inputs and outputs, converting just inside, under the same names', () => {
    const model = mixedModel();
    convertFloat16(model);
    const g = model.graph;
    expect(g.inputs.map((v) => [v.name, v.tensorType!.elemType])).toEqual([['x', DataType.FLOAT]]);
    expect(g.outputs.map((v) => [v.name, v.tensorType!.elemType])).toEqual([['y', DataType.FLOAT]]);
    expect(g.outputs[0]!.producer()!.opType).toBe('Cast');
    const toHalf = g.nodes.find((n) => n.opType === 'Cast' && n.inputs[0]!.name === 'x')!;
    expect(toHalf.int('to')).toBe(DataType.FLOAT16);
  });

  it('puts Casts around the ops kept float32, one per value', () => {
    const model = mixedModel();
    const report = convertFloat16(model);
    const mean = model.graph.nodes.find((n) => n.name === 'mean')!;
    const toFloat = mean.inputs[0]!.producer()!;
    expect([toFloat.opType, toFloat.int('to')]).toEqual(['Cast', DataType.FLOAT]);
    const consumer = mean.output(0).uses()[0]!.node;
    expect([consumer.opType, consumer.int('to')]).toEqual(['Cast', DataType.FLOAT16]);
    // input → half, mean in and out, half → output
    expect(report.castsInserted).toBe(4);
  });

  it('computes what the float32 model computes, also with float16 inputs and outputs', async () => {
    const float = mixedModel();
    const input = seededValues(8, 3);
    const expected = await runLogits(await createSession(float), input, [2, 4]);
    const keep = float.clone();
    convertFloat16(keep);
    expect(
      cosineSimilarity(await runLogits(await createSession(keep), input, [2, 4]), expected),
    ).toBeGreaterThan(0.9999);

    const half = float.clone();
    convertFloat16(half, { keepIoTypes: false, opBlockList: [] });
    expect(half.graph.inputs[0]!.tensorType!.elemType).toBe(DataType.FLOAT16);
    expect(half.graph.outputs[0]!.name).toBe('y');
    const session = await createSession(half);
    const { convertToFloat16 } = await import('../weights/float16.js');
    const feed = new ort.Tensor(
      'float16',
      convertToFloat16(input, { maxFiniteValue: 65504, minPositiveValue: 1e-7 }).bits,
      [2, 4],
    );
    const result = (await session.run({ x: feed })).y!;
    expect(result.type).toBe('float16');
  });

  it('keeps nodes named in nodeBlockList float32', () => {
    const model = mixedModel();
    const report = convertFloat16(model, { nodeBlockList: ['^scale$'], opBlockList: [] });
    expect(report.float32Nodes).toEqual([{ name: 'scale', opType: 'Mul' }]);
    // w is read only by the float32 Mul, so it stays float32.
    expect(model.graph.value('w')!.initializer!.dtype).toBe(DataType.FLOAT);
  });
});

it('composes as a pass, run once', async () => {
  const model = mixedModel();
  const result = await runPasses(model, [convertFloat16Pass()], {
    validate: true,
    untilStable: true,
  });
  expect(result.steps.map((step) => step.notes)).toEqual([
    ['converted 2 constants to float16 (0 values clamped), kept 1 nodes float32 with 4 Casts'],
    [],
  ]);
});

describe.each(FIXTURE_NAMES)('convertFloat16 on the %s fixture', (name) => {
  it('halves the weights and keeps the logits (cosine ≥ 0.999, same predictions)', async () => {
    const model = loadFixture(name);
    const report = convertFloat16(model);
    expect(report.sizeBytesAfter).toBeLessThan(report.sizeBytesBefore * 0.52);
    const { pixels, dims, logits } = fixtureTestData(name);
    const got = await runLogits(await createSession(model.clone()), pixels, dims);
    expect(cosineSimilarity(got, logits)).toBeGreaterThanOrEqual(0.999);
    expect(argmaxRows(got, 10)).toEqual(argmaxRows(logits, 10));
    expect(readRecipe(model)).toMatchObject({ mode: 'fp16', options: { keepIoTypes: true } });
  });
});
