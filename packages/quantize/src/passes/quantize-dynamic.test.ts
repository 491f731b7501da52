import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DataType,
  Tensor,
  encodeModel,
  runPasses,
  saveModel,
  type Model,
} from '@vit-opt/graph';
import { readRecipe } from '../recipe.js';
import { FIXTURE_NAMES, fixtureDir, fixtureTestData, loadFixture } from '../testing/fixtures.js';
import {
  argmaxRows,
  cosineSimilarity,
  createSession,
  opCounts,
  runLogits,
} from '../testing/onnxruntime.js';
import { convModel, gemmModel, projectionsModel, seededValues, setOutput } from '../testing/small-models.js';
import { resolveQuantizationTarget } from '../targets/quantization-target.js';
import { quantizeDynamic, quantizeDynamicPass } from './quantize-dynamic.js';

const scratch = mkdtempSync(join(tmpdir(), 'vit-opt-quantize-dynamic-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A copy of the model, through the wire format, so the original can be run as the reference. */
function copy(model: Model): Model {
  return model.clone();
}

/** Outputs of the float model and of its rewritten copy on the same seeded input. */
async function compare(
  float: Model,
  rewritten: Model,
  dims: number[],
): Promise<{ expected: Float32Array; got: Float32Array }> {
  const input = seededValues(
    dims.reduce((a, b) => a * b, 1),
    99,
  );
  const expected = await runLogits(await createSession(float), input, dims);
  const got = await runLogits(await createSession(rewritten), input, dims);
  return { expected, got };
}

function opTypes(model: Model): string[] {
  return model.graph.nodes.map((n) => n.opType);
}

describe('quantizeDynamic on small graphs', () => {
  it('rewrites a MatMul with a constant weight into the chain onnxruntime fuses, under the same output name', () => {
    const model = projectionsModel();
    const report = quantizeDynamic(model, { includeNodes: '^/query/', perChannel: false });
    expect(opTypes(model).slice(0, 6)).toEqual([
      'DynamicQuantizeLinear',
      'MatMulInteger',
      'Cast',
      'Mul',
      'Mul',
      'Add',
    ]);
    const [quantize, integer, cast, scales, rescale, add] = model.graph.nodes;
    expect(integer!.inputs.map((v) => v!.name)).toEqual([
      'x_quantized',
      'query.weight_quantized',
      'x_zero_point',
      'query.weight_zero_point',
    ]);
    expect(integer!.inputs[0]).toBe(quantize!.output(0));
    expect(cast!.int('to')).toBe(DataType.FLOAT);
    expect(scales!.inputs).toEqual([quantize!.output(1), model.graph.value('query.weight_scale')]);
    expect(rescale!.inputs).toEqual([cast!.output(0), scales!.output(0)]);
    expect(rescale!.output(0).name).toBe('/query/MatMul_output_0');
    // The bias Add now reads the product first and the bias second, as the fusion wants.
    expect(add!.inputs.map((v) => v!.name)).toEqual(['/query/MatMul_output_0', 'query.bias']);

    const weight = model.graph.value('query.weight_quantized')!.initializer!;
    expect(weight.dtype).toBe(DataType.INT8);
    expect(weight.dims).toEqual([16, 16]);
    expect(model.graph.value('query.weight_scale')!.initializer!.dims).toEqual([]);
    expect(model.graph.value('query.weight')).toBeUndefined();
    expect(report.quantizedNodes).toEqual([
      {
        name: '/query/MatMul',
        opType: 'MatMul',
        weightName: 'query.weight',
        weightShape: [16, 16],
        perChannel: false,
        weightSqnrDb: expect.any(Number),
      },
    ]);
    expect(report.quantizedNodes[0]!.weightSqnrDb).toBeGreaterThan(35);
  });

  it('lists every other MatMul it left float, with the reason', () => {
    const report = quantizeDynamic(projectionsModel(), {
      excludeNodes: [/^\/value\//],
      minimumWeightElements: 100,
    });
    expect(report.quantizedNodes.map((n) => n.name)).toEqual(['/query/MatMul', '/key/MatMul']);
    expect(report.skipped).toEqual([
      {
        name: '/value/MatMul',
        opType: 'MatMul',
        reason: 'excluded by excludeNodes /^\\/value\\//',
      },
      {
        name: '/scores/MatMul',
        opType: 'MatMul',
        reason: 'its weight (input B) is computed at run time, not a constant',
      },
      {
        name: '/mix/MatMul',
        opType: 'MatMul',
        reason: 'its weight (input B) is computed at run time, not a constant',
      },
    ]);
    const onlyQuery = quantizeDynamic(projectionsModel(), { includeNodes: 'query' });
    expect(onlyQuery.skipped.find((s) => s.name === '/key/MatMul')!.reason).toBe(
      'matches no includeNodes pattern',
    );
  });

  it('keeps the outputs of the float model within int8 error', async () => {
    const float = projectionsModel();
    const quantized = copy(float);
    quantizeDynamic(quantized);
    const { expected, got } = await compare(float, quantized, [2, 8, 16]);
    expect(cosineSimilarity(expected, got)).toBeGreaterThan(0.999);
  });

  it('keeps per-tensor weight scales distinct, so onnxruntime cannot merge two MatMuls’ scale products', async () => {
    // q and k get the same largest |w|, hence the same scale: onnxruntime would share the two
    // scalars, merge Mul(A_scale, W_scale) of both and fuse neither MatMul.
    const model = projectionsModel();
    const query = model.graph.value('query.weight')!;
    const key = model.graph.value('key.weight')!;
    const same = key.initializer!.float32().slice();
    same[0] = 0.75;
    const queryData = query.initializer!.float32().slice();
    queryData[5] = -0.75;
    model.graph.setInitializer(
      key,
      Tensor.fromArray({ dtype: DataType.FLOAT, dims: [16, 16] }, same),
    );
    model.graph.setInitializer(
      query,
      Tensor.fromArray({ dtype: DataType.FLOAT, dims: [16, 16] }, queryData),
    );
    quantizeDynamic(model, { perChannel: false });
    const scaleOf = (name: string): number => model.graph.value(name)!.initializer!.float32()[0]!;
    expect(scaleOf('key.weight_scale')).not.toBe(scaleOf('query.weight_scale'));
    expect(scaleOf('key.weight_scale') / scaleOf('query.weight_scale')).toBeCloseTo(1, 6);
    const optimizedPath = join(scratch, 'equal-scales.optimized.onnx');
    await createSession(model, { optimizedModelPath: optimizedPath });
    expect(opCounts(optimizedPath).get('MatMulInteger')).toBeUndefined();
  });

  it('gives one DynamicQuantizeLinear per MatMul by default, one per activation when shared', () => {
    const count = (model: Model): number =>
      opTypes(model).filter((t) => t === 'DynamicQuantizeLinear').length;
    const separate = projectionsModel();
    quantizeDynamic(separate);
    expect(count(separate)).toBe(3);
    const shared = projectionsModel();
    quantizeDynamic(shared, { shareActivationQuantization: true });
    expect(count(shared)).toBe(1);
  });

  it('per channel: one scale and zero point per output column', () => {
    const model = projectionsModel();
    const report = quantizeDynamic(model, { perChannel: true, includeNodes: 'key' });
    expect(report.quantizedNodes[0]!.perChannel).toBe(true);
    expect(model.graph.value('key.weight_scale')!.initializer!.dims).toEqual([16]);
    expect(model.graph.value('key.weight_zero_point')!.initializer!.dims).toEqual([16]);
  });

  it('folds Gemm alpha and transB into the weight and beta into C, then adds C', async () => {
    for (const transB of [0, 1] as const) {
      const float = gemmModel({ transB });
      const quantized = copy(float);
      quantizeDynamic(quantized);
      expect(opTypes(quantized)).toEqual([
        'DynamicQuantizeLinear',
        'MatMulInteger',
        'Cast',
        'Mul',
        'Mul',
        'Add',
      ]);
      expect(quantized.graph.value('fc.weight_quantized')!.initializer!.dims).toEqual([16, 8]);
      expect(quantized.graph.outputs[0]!.name).toBe('y');
      const { expected, got } = await compare(float, quantized, [3, 16]);
      expect(cosineSimilarity(expected, got)).toBeGreaterThan(0.999);
    }
  });

  it('quantizes a weight shared by two MatMuls once', () => {
    const model = projectionsModel();
    const shared = model.graph.value('query.weight')!;
    model.graph.nodes.find((n) => n.name === '/key/MatMul')!.setInput(1, shared);
    model.graph.removeInitializer(model.graph.value('key.weight')!);
    quantizeDynamic(model);
    const int8 = model.graph.initializers.filter(
      (v) => v.initializer!.dtype === DataType.INT8 && v.initializer!.dims.length === 2,
    );
    expect(int8.map((v) => v.name)).toEqual(['query.weight_quantized', 'value.weight_quantized']);
  });

  it('quantizes a weight read in two layouts once per layout: a Gemm’s transB·alpha and a MatMul’s plain', async () => {
    // y = Gemm(x, Wᵀ · 0.5) + 2C, then z = MatMul(y, W): one initializer, two ways of reading it.
    const float = gemmModel({ transB: 1 });
    const g = float.graph;
    const product = g.addNode({ opType: 'MatMul', name: '/back/MatMul', inputs: [g.value('y')!, g.value('fc.weight')!], outputs: ['z'] });
    setOutput(float, product.output(0), ['batch', 16]);
    const quantized = copy(float);
    const report = quantizeDynamic(quantized, { target: 'portable' });
    expect(report.quantizedNodes.map((node) => [node.name, node.weightShape])).toEqual([
      ['/fc/Gemm', [8, 16]],
      ['/back/MatMul', [8, 16]],
    ]);
    const int8Dims = quantized.graph.initializers.filter((v) => v.initializer!.dtype === DataType.INT8 && v.initializer!.dims.length === 2).map((v) => v.initializer!.dims);
    expect(int8Dims).toEqual([[16, 8], [8, 16]]);
    const { expected, got } = await compare(float, quantized, [3, 16]);
    expect(cosineSimilarity(expected, got)).toBeGreaterThan(0.999);
  });

  it('takes a weight held by a Constant node, and drops the node', () => {
    const model = projectionsModel();
    const g = model.graph;
    const matmul = g.nodes.find((n) => n.name === '/value/MatMul')!;
    const data = g.value('value.weight')!.initializer!;
    const constant = g.addNode(
      { opType: 'Constant', inputs: [], outputs: ['value.weight.constant'], attributes: [] },
      { before: matmul },
    );
    constant.setAttribute({ name: 'value', kind: 4, value: data });
    matmul.setInput(1, constant.output(0));
    g.removeInitializer(g.value('value.weight')!);
    quantizeDynamic(model);
    expect(opTypes(model)).not.toContain('Constant');
    expect(g.value('value.weight.constant_quantized')!.initializer!.dtype).toBe(DataType.INT8);
  });

  it('leaves Conv float unless asked; asked, it becomes a per-tensor ConvInteger', async () => {
    expect(() => quantizeDynamic(convModel())).toThrow(/nothing to quantize/);
    const float = convModel();
    const quantized = copy(float);
    const report = quantizeDynamic(quantized, { opTypes: ['Conv'], perChannel: true });
    expect(opTypes(quantized)).toEqual([
      'DynamicQuantizeLinear',
      'ConvInteger',
      'Cast',
      'Mul',
      'Mul',
      'Add',
    ]);
    expect(report.quantizedNodes[0]!.perChannel).toBe(false);
    expect(quantized.graph.value('conv.bias_channels')!.initializer!.dims).toEqual([4, 1, 1]);
    const { expected, got } = await compare(float, quantized, [2, 3, 8, 8]);
    expect(cosineSimilarity(expected, got)).toBeGreaterThan(0.999);
  });

  it('composes as a pass with the graph package’s pass manager', async () => {
    const model = projectionsModel();
    const result = await runPasses(model, [quantizeDynamicPass({ perChannel: true })], {
      validate: true,
      untilStable: true,
    });
    // Run until stable, it quantizes once and then leaves its own output alone.
    expect(result.steps.map((step) => [step.iteration, step.modified])).toEqual([
      [1, true],
      [2, false],
    ]);
    expect(result.steps[0]!.notes[0]).toMatch(
      /^quantized 3 nodes, left 2 float; initializers 0\.00 MiB → 0\.00 MiB$/,
    );
    expect(readRecipe(model)?.mode).toBe('dynamic');
  });

  it('rejects bad options when the pass is made, not when it runs', () => {
    expect(() => quantizeDynamicPass({ perChannel: 1 as unknown as boolean })).toThrow(
      /'perChannel' must be true or false/,
    );
  });
});

describe.each(FIXTURE_NAMES)('quantizeDynamic on the %s fixture', (name) => {
  it('makes a model onnxruntime runs, fuses into its integer kernels, and that keeps the logits', async () => {
    const model = loadFixture(name);
    const report = quantizeDynamic(model, { sourceSha256: 'f'.repeat(64) });
    const optimizedPath = join(scratch, `${name}.optimized.onnx`);
    const session = await createSession(model, { optimizedModelPath: optimizedPath });

    const ops = opCounts(optimizedPath);
    const fused = (ops.get('DynamicQuantizeMatMul') ?? 0) + (ops.get('MatMulIntegerToFloat') ?? 0);
    expect(fused).toBe(report.quantizedNodes.length);
    expect(ops.get('MatMulInteger')).toBeUndefined();

    const { pixels, dims, logits } = fixtureTestData(name);
    const got = await runLogits(session, pixels, dims);
    expect(cosineSimilarity(got, logits)).toBeGreaterThan(0.999);
    expect(argmaxRows(got, 10)).toEqual(argmaxRows(logits, 10));
  });

  it('quantizes every projection and the classifier, leaving the attention products float', () => {
    const report = quantizeDynamic(loadFixture(name));
    const projections = name === 'vit-tiny-hf' ? 4 * 6 + 1 : 4 * 4 + 1;
    expect(report.quantizedNodes).toHaveLength(projections);
    expect(report.skipped).toHaveLength(8);
    expect(new Set(report.skipped.map((s) => s.reason))).toEqual(
      new Set(['its weight (input B) is computed at run time, not a constant']),
    );
    expect(report.quantizedNodes.every((n) => n.weightSqnrDb > 30)).toBe(true);
  });

  it('leaves weights below minimumWeightElements float: here the 64 × 10 classifier', () => {
    const report = quantizeDynamic(loadFixture(name), { minimumWeightElements: 1000 });
    expect(report.skipped.filter((s) => s.reason.includes('minimumWeightElements'))).toEqual([
      {
        name: expect.any(String),
        opType: 'Gemm',
        reason: 'its weight has 640 elements, fewer than minimumWeightElements 1000',
      },
    ]);
  });

  it('writes a smaller file that carries its recipe', () => {
    const model = loadFixture(name);
    const report = quantizeDynamic(model, { sourceSha256: 'f'.repeat(64) });
    const path = join(scratch, `${name}.int8.onnx`);
    saveModel(model, path);
    expect(report.sizeBytesAfter).toBeLessThan(report.sizeBytesBefore * 0.35);
    // The graph itself (some 600 nodes) weighs as much as the weights of so small a model.
    expect(statSync(path).size).toBeLessThan(
      statSync(join(fixtureDir(name), 'model.onnx')).size * 0.5,
    );
    const recipe = readRecipe(model.clone());
    // The default target is this machine's: the recipe names it.
    const { preset } = resolveQuantizationTarget('auto');
    expect(recipe).toMatchObject({
      tool: 'vit-opt',
      mode: 'dynamic',
      options: { target: preset.target, perChannel: true, reduceRange: preset.reduceRange, weightSymmetric: true, opTypes: ['MatMul', 'Gemm', 'Attention'] },
      source: { producer: 'pytorch 1.13.0', sha256: 'f'.repeat(64) },
      target: { requested: 'auto', resolved: preset.target },
    });
  });
});

it('refuses a weight with NaN before changing anything', () => {
  const model = projectionsModel();
  const weight = model.graph.value('key.weight')!;
  const poisoned = weight.initializer!.float32().slice();
  poisoned[3] = Number.NaN;
  model.graph.setInitializer(
    weight,
    Tensor.fromArray({ dtype: DataType.FLOAT, dims: [16, 16] }, poisoned),
  );
  const before = encodeModel(model);
  expect(() => quantizeDynamic(model)).toThrow(/NaN or infinite/);
  expect(encodeModel(model)).toEqual(before);
});
