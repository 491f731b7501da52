import { describe, expect, it } from 'vitest';
import { DataType } from '../ir/dtype.js';
import { Model } from '../ir/model.js';
import { Tensor } from '../ir/tensor.js';
import { formatBytes, formatSummary } from './format-summary.js';
import { summarizeModel } from './model-summary.js';

/** A small non-ViT model with weights of several element types, one kept in external data. */
function mixedModel(): Model {
  const model = new Model({
    irVersion: 9,
    opsetImports: new Map([
      ['', 17],
      ['com.microsoft', 1],
    ]),
  });
  model.producerName = 'unit-test';
  model.producerVersion = '1.0';
  model.metadataProps.set('vit-opt.recipe', '{"mode":"dynamic"}');
  const g = model.graph;
  const x = g.createValue('x');
  x.type = { kind: 'tensor', elemType: DataType.FLOAT, shape: ['batch', 8, null] };
  g.inputs.push(x);
  const w = g.addInitializer(
    Tensor.fromNumbers({ dtype: DataType.FLOAT, dims: [8, 4] }, new Array(32).fill(0.5)),
    'w',
  );
  const q = g.addInitializer(
    Tensor.fromNumbers({ dtype: DataType.INT8, dims: [4, 4] }, new Array(16).fill(1)),
    'q',
  );
  const shape = g.addInitializer(
    Tensor.fromNumbers({ dtype: DataType.INT64, dims: [2] }, [0n, -1n]),
    'shape',
  );
  const big = g.addInitializer(
    Tensor.external(
      { dtype: DataType.FLOAT, dims: [1000] },
      {
        path: '/nonexistent/weights.bin',
        location: 'weights.bin',
        offset: 0,
        length: 4000,
        extra: [],
      },
    ),
    'big',
  );
  // Older exporters list initializers among the graph inputs too.
  g.inputs.push(w);
  const mm = g.addNode({ opType: 'MatMul', inputs: [x, w] }).output(0);
  const gelu = g.addNode({ opType: 'Gelu', domain: 'com.microsoft', inputs: [mm] }).output(0);
  const r = g.addNode({ opType: 'Reshape', inputs: [gelu, shape] }).output(0);
  const y = g.addNode({ opType: 'MatMulInteger', inputs: [r, q] }).output(0);
  const z = g.addNode({
    opType: 'Add',
    inputs: [g.addNode({ opType: 'Cast', inputs: [y] }).output(0), big],
  });
  const out = z.output(0);
  out.type = { kind: 'tensor', elemType: DataType.FLOAT, shape: ['batch', 4] };
  g.outputs.push(out);
  // A dead duplicate, so that one op is counted twice.
  g.addNode({ opType: 'MatMul', inputs: [x, w] });
  return model;
}

describe('summarizeModel', () => {
  it('counts ops (other domains qualified), most frequent first', () => {
    const summary = summarizeModel(mixedModel());
    expect(summary.nodeCount).toBe(7);
    expect(summary.opCounts).toEqual({
      MatMul: 2,
      Add: 1,
      Cast: 1,
      'com.microsoft.Gelu': 1,
      MatMulInteger: 1,
      Reshape: 1,
    });
    expect(Object.keys(summary.opCounts)[0]).toBe('MatMul');
  });

  it('counts parameters and bytes by element type without reading external data', () => {
    const summary = summarizeModel(mixedModel());
    expect(summary.parameterCount).toBe(32 + 1000);
    expect(summary.initializers).toMatchObject({
      count: 4,
      elementCount: 32 + 16 + 2 + 1000,
      sizeBytes: 128 + 16 + 16 + 4000,
      inlineSizeBytes: 160,
      externalSizeBytes: 4000,
    });
    expect(Object.keys(summary.initializers.byDtype)).toEqual(['float32', 'int64', 'int8']);
    expect(summary.initializers.byDtype.float32).toEqual({
      count: 2,
      elementCount: 1032,
      sizeBytes: 4128,
      inlineSizeBytes: 128,
      externalSizeBytes: 4000,
    });
  });

  it('lists inputs (not initializers), outputs, opsets, producer and metadata', () => {
    const summary = summarizeModel(mixedModel());
    expect(summary.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: ['batch', 8, null] }]);
    expect(summary.outputs).toEqual([
      { name: summary.outputs[0]!.name, dtype: 'float32', shape: ['batch', 4] },
    ]);
    expect(summary).toMatchObject({
      irVersion: 9,
      opsets: { 'ai.onnx': 17, 'com.microsoft': 1 },
      producerName: 'unit-test',
      producerVersion: '1.0',
      metadataProps: { 'vit-opt.recipe': '{"mode":"dynamic"}' },
      vit: null,
    });
  });

  it('says a float graph without self-attention is no ViT', () => {
    const model = new Model({ opsetImports: new Map([['', 17]]) });
    const x = model.graph.createValue('x');
    model.graph.inputs.push(x);
    model.graph.outputs.push(model.graph.addNode({ opType: 'Relu', inputs: [x] }).output(0));
    expect(formatSummary(summarizeModel(model)).split('\n')[0]).toBe(
      'ViT: not recognised (no self-attention block in the graph)',
    );
  });

  it('is plain JSON: it survives a round trip unchanged', () => {
    const summary = summarizeModel(mixedModel());
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
  });
});

describe('formatSummary', () => {
  it('says when no ViT was found, then lists the model, its I/O, metadata and ops', () => {
    const text = formatSummary(summarizeModel(mixedModel()));
    // Its MatMulInteger says the graph was rewritten, which the ViT finders do not follow.
    expect(text.split('\n')[0]).toBe(
      'ViT: not recognised (the graph is quantized or fused: it has MatMulInteger; inspect the float model it was made from)',
    );
    expect(text).toMatch(/^ {2}opsets +ai\.onnx 17, com\.microsoft 1$/m);
    expect(text).toMatch(
      /^ {2}initializers +4 tensors, 1,050 elements, 4\.2 kB, 4\.0 kB external$/m,
    );
    expect(text).toMatch(/^ {2}x +float32 +\[batch, 8, \?\]$/m);
    expect(text).toMatch(/^ {2}vit-opt\.recipe +\{"mode":"dynamic"\}$/m);
    expect(text).toMatch(/^ {2}MatMul {14}2$/m);
  });

  it('formats sizes in decimal units', () => {
    expect([0, 999, 1000, 581_160, 346_537_188, 2.5e9].map(formatBytes)).toEqual([
      '0 B',
      '999 B',
      '1.0 kB',
      '581.2 kB',
      '346.5 MB',
      '2.5 GB',
    ]);
  });
});
