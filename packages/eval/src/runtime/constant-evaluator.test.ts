import { describe, expect, it } from 'vitest';
import {
  DataType,
  Model,
  Tensor,
  VitOptError,
  attr,
  encodeText,
  simplify,
  validateModel,
} from '@vit-opt/graph';
import { createOnnxRuntimeEvaluator } from './constant-evaluator.js';

const f32 = (values: number[], dims = [values.length]) =>
  Tensor.fromNumbers({ dtype: DataType.FLOAT, dims }, values);
const i64 = (values: number[], dims = [values.length]) =>
  Tensor.fromNumbers({ dtype: DataType.INT64, dims }, values.map(BigInt));

function constantsModel(): Model {
  return new Model({ opsetImports: new Map([['', 21]]) });
}

describe('createOnnxRuntimeEvaluator', () => {
  it('computes requested values, intermediate ones included, without feeds', async () => {
    const model = constantsModel();
    const g = model.graph;
    const a = g.addInitializer(f32([1, 2, 3, 4], [2, 2]), 'a');
    const b = g.addInitializer(f32([10], [1]), 'b');
    const sum = g.addNode({ opType: 'Add', inputs: [a, b], outputs: ['sum'] });
    const shape = g.addNode({ opType: 'Shape', inputs: [sum.output(0)], outputs: ['shape'] });
    g.outputs.push(shape.output(0));

    const results = await createOnnxRuntimeEvaluator()(model, ['sum', 'shape']);

    expect(Array.from(results.get('sum')!.float32())).toEqual([11, 12, 13, 14]);
    expect(results.get('sum')!.dims).toEqual([2, 2]);
    expect(results.get('sum')!.name).toBe('sum');
    expect(Array.from(results.get('shape')!.typed(DataType.INT64))).toEqual([2n, 2n]);
    // The model's own outputs are left as they were.
    expect(g.outputs.map((v) => v.name)).toEqual(['shape']);
  });

  it('returns bool, float16 and string values', async () => {
    const model = constantsModel();
    const g = model.graph;
    const x = g.addInitializer(f32([1, -1]), 'x');
    g.addNode({
      opType: 'Less',
      inputs: [x, g.addInitializer(f32([0], []))],
      outputs: ['negative'],
    });
    g.addNode({
      opType: 'Cast',
      inputs: [x],
      attributes: [attr.int('to', DataType.FLOAT16)],
      outputs: ['half'],
    });
    const words = g.addInitializer(
      Tensor.fromStrings({ dims: [2] }, [encodeText('vit'), encodeText('opt')]),
      'words',
    );
    g.addNode({ opType: 'Identity', inputs: [words], outputs: ['copied'] });

    const results = await createOnnxRuntimeEvaluator()(model, ['negative', 'half', 'copied']);

    expect(results.get('negative')!.dtype).toBe(DataType.BOOL);
    expect(Array.from(results.get('negative')!.bytes())).toEqual([0, 1]);
    expect(results.get('half')!.dtype).toBe(DataType.FLOAT16);
    expect(Array.from(results.get('half')!.typed(DataType.FLOAT16))).toEqual([0x3c00, 0xbc00]);
    expect(results.get('copied')!.strings()).toEqual([encodeText('vit'), encodeText('opt')]);
  });

  it('leaves out values onnxruntime-node cannot return, instead of crashing on them', async () => {
    const model = constantsModel();
    const g = model.graph;
    const x = g.addInitializer(
      Tensor.fromNumbers({ dtype: DataType.INT32, dims: [3] }, [1, -2, 3]),
      'x',
    );
    g.addNode({
      opType: 'Cast',
      inputs: [x],
      attributes: [attr.int('to', DataType.INT4)],
      outputs: ['packed'],
    });
    g.addNode({ opType: 'Neg', inputs: [x], outputs: ['negated'] });
    g.addNode({
      opType: 'Cast',
      inputs: [x],
      attributes: [attr.int('to', DataType.BFLOAT16)],
      outputs: ['brain'],
    });
    g.addNode({ opType: 'Abs', inputs: [x], outputs: ['absolute'] });

    const results = await createOnnxRuntimeEvaluator()(model, [
      'packed',
      'negated',
      'brain',
      'absolute',
    ]);

    expect([...results.keys()]).toEqual(['negated', 'absolute']);
    expect(results.get('absolute')!.toNumbers()).toEqual([1, 2, 3]);
  });

  it('leaves out values larger than maxOutputBytes', async () => {
    const model = constantsModel();
    const g = model.graph;
    const shape = g.addInitializer(i64([256, 256]), 'shape');
    g.addNode({ opType: 'ConstantOfShape', inputs: [shape], outputs: ['big'] });
    g.addNode({ opType: 'Shape', inputs: [shape], outputs: ['small'] });

    const results = await createOnnxRuntimeEvaluator({ maxOutputBytes: 1024 })(model, [
      'big',
      'small',
    ]);

    expect([...results.keys()]).toEqual(['small']);
  });

  it('refuses a model with a graph input to feed, naming it', async () => {
    const model = constantsModel();
    const x = model.graph.createValue('pixels');
    x.type = { kind: 'tensor', elemType: DataType.FLOAT, shape: [1] };
    model.graph.inputs.push(x);
    model.graph.addNode({ opType: 'Relu', inputs: [x], outputs: ['y'] });

    await expect(createOnnxRuntimeEvaluator()(model, ['y'])).rejects.toThrow(
      /graph input 'pixels'/,
    );
  });

  it('refuses a name the model does not have', async () => {
    const model = constantsModel();
    model.graph.addInitializer(f32([1]), 'a');
    await expect(createOnnxRuntimeEvaluator()(model, ['missing'])).rejects.toThrow(
      /no value named 'missing'/,
    );
  });

  it("reports onnxruntime's reason when it cannot compute the subgraph", async () => {
    const model = constantsModel();
    const g = model.graph;
    const a = g.addInitializer(f32([1, 2, 3]), 'a');
    g.addNode({ opType: 'Reshape', inputs: [a, g.addInitializer(i64([2, 2]))], outputs: ['r'] });

    const evaluation = createOnnxRuntimeEvaluator()(model, ['r']);

    await expect(evaluation).rejects.toBeInstanceOf(VitOptError);
    await expect(evaluation).rejects.toThrow(
      /^onnxruntime failed computing the constant subgraph: .*reshape/i,
    );
  });

  it('rejects a negative byte limit', () => {
    expect(() => createOnnxRuntimeEvaluator({ maxOutputBytes: -1 })).toThrow(
      /must be a byte count/,
    );
  });

  it('lets simplify fold constant subgraphs', async () => {
    const model = new Model({ opsetImports: new Map([['', 17]]) });
    const g = model.graph;
    const x = g.createValue('x');
    x.type = { kind: 'tensor', elemType: DataType.FLOAT, shape: ['batch', 4] };
    g.inputs.push(x);
    const scale = g.addNode({
      opType: 'Sqrt',
      inputs: [g.addInitializer(f32([4, 16, 64, 256]), 'variance')],
      outputs: ['std'],
    });
    const y = g.addNode({ opType: 'Div', inputs: [x, scale.output(0)], outputs: ['y'] });
    g.outputs.push(y.output(0));

    const report = await simplify(model, {
      evaluator: createOnnxRuntimeEvaluator(),
      validate: true,
    });

    expect(report.nodesBefore).toBe(2);
    expect(report.nodesAfter).toBe(1);
    expect(validateModel(model)).toEqual([]);
    const divisor = g.nodes[0]!.inputs[1]!;
    expect(Array.from(divisor.initializer!.float32())).toEqual([2, 4, 8, 16]);
  });
});
