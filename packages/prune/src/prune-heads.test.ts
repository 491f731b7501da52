import { describe, expect, it } from 'vitest';
import {
  DataType,
  Tensor,
  attr,
  constantTensorOf,
  encodeModel,
  findAttentionBlocks,
  type Model,
  type Value,
} from '@vit-opt/graph';
import { HF, TINY, TORCHVISION, buildVit } from '@vit-opt/graph/testing';
import { calibrate, fuseTransformer, quantizeDynamic, quantizeStatic } from '@vit-opt/quantize';
import { findAttentionLayers } from './attention-layers.js';
import { maskHeads } from './mask-heads.js';
import { pruneHeads } from './prune-heads.js';
import { readPruneRecipe } from './recipe.js';
import {
  FIXTURE_NAMES,
  fixtureFeeds,
  loadFixture,
  logits,
  maxAbsDiff,
  probe,
  randomFeeds,
} from './testing/models.js';
import type { HeadPlan } from './head-plan.js';

const PLAN: HeadPlan = { 0: [1], 1: [0, 2], 2: [0, 1, 3], 3: [3] };

function masked(model: Model, plan: HeadPlan): Model {
  const copy = model.clone();
  maskHeads(copy, plan);
  return copy;
}

describe.each(FIXTURE_NAMES)('pruneHeads on %s', (name) => {
  const feeds = fixtureFeeds(name);

  it('leaves the model as it was for a plan that removes nothing: bit-equal outputs', async () => {
    const model = loadFixture(name);
    const before = encodeModel(model);
    const result = await pruneHeads(model, { 2: [] });
    expect(result.headsAfter).toBe(result.headsBefore);
    expect(encodeModel(model)).toEqual(before);
    const original = await logits(loadFixture(name), feeds);
    expect(await logits(model, feeds)).toEqual(original);
  });

  it('removes heads structurally, computing what the original computes with them masked', async () => {
    const original = loadFixture(name);
    const model = original.clone();
    const result = await pruneHeads(model, PLAN);
    expect(result.layers.map((l) => l.headsAfter)).toEqual([3, 2, 1, 3]);
    expect(result.headsAfter).toBe(9);
    expect(result.layers[1]!.parametersAfter).toBeLessThan(result.layers[1]!.parametersBefore);
    // 17 tokens (16 patches and the class token), hidden 64, 4 heads of 16.
    expect(result.layers[2]).toMatchObject({
      multiplyAddsBefore: 17 * 64 * 192 + 2 * 17 * 17 * 64 + 17 * 64 * 64,
      multiplyAddsAfter: 17 * 64 * 48 + 2 * 17 * 17 * 16 + 17 * 16 * 64,
    });
    expect(findAttentionLayers(model).map((l) => [l.heads, l.headDim, l.width])).toEqual([
      [3, 16, 48],
      [2, 16, 32],
      [1, 16, 16],
      [3, 16, 48],
    ]);
    // Recognised the same once saved and loaded.
    expect(findAttentionLayers(model.clone()).map((l) => l.heads)).toEqual([3, 2, 1, 3]);
    expect(encodeModel(model).byteLength).toBeLessThan(encodeModel(original).byteLength);
    const expected = await logits(masked(original, PLAN), feeds);
    expect(maxAbsDiff(await logits(model, feeds), expected)).toBeLessThanOrEqual(1e-4);
    expect(readPruneRecipe(model)).toMatchObject([
      {
        tool: 'vit-opt',
        pass: 'pruneHeads',
        removedHeads: { 0: [1], 1: [0, 2], 2: [0, 1, 3], 3: [3] },
        recover: 'none',
      },
    ]);
  });

  it('still quantizes dynamically, and the int8 model runs and agrees', async () => {
    const model = loadFixture(name);
    await pruneHeads(model, PLAN);
    const float = await logits(model, feeds);
    quantizeDynamic(model, { target: 'portable' });
    const int8 = await logits(model, feeds);
    const argmax = (x: Float32Array, s: number): number => {
      const row = x.subarray(s * 10, s * 10 + 10);
      return row.indexOf(Math.max(...row));
    };
    for (let s = 0; s < 4; s++) expect(argmax(int8, s)).toBe(argmax(float, s));
  });

  it('still fuses attention (with the pruned head counts) and quantizes statically', async () => {
    const model = loadFixture(name);
    await pruneHeads(model, PLAN);
    const float = await logits(model, feeds);
    const fused = model.clone();
    expect(fuseTransformer(fused).attention).toHaveLength(4);
    expect(
      fused.graph.nodes.filter((n) => n.opType === 'Attention').map((n) => n.int('num_heads')),
    ).toEqual([3, 2, 1, 3]);
    expect(maxAbsDiff(await logits(fused, feeds), float)).toBeLessThanOrEqual(1e-4);
    const feedsOf = [
      {
        [Object.keys(feeds)[0]!]: {
          data: Object.values(feeds)[0]!.data as Float32Array,
          dims: Object.values(feeds)[0]!.dims,
        },
      },
    ];
    const ranges = await calibrate(model, feedsOf, { probe });
    quantizeStatic(model, ranges, { target: 'portable' });
    const int8 = await logits(model, feeds);
    const argmax = (x: Float32Array, s: number): number => {
      const row = x.subarray(s * 10, s * 10 + 10);
      return row.indexOf(Math.max(...row));
    };
    let same = 0;
    for (let s = 0; s < 4; s++) same += argmax(int8, s) === argmax(float, s) ? 1 : 0;
    expect(same).toBeGreaterThanOrEqual(3);
  });

  it('with bias recovery keeps the mean output of a pruned layer on the calibration feeds', async () => {
    const original = loadFixture(name);
    const layer = findAttentionLayers(original)[0]!;
    const outputName = (layer.output.biasAdd ?? layer.output.node).output(0).name;
    const mean = async (model: Model): Promise<number[]> => {
      const session = await probe(model, [outputName]);
      try {
        const { data, dims } = (await session.run(feeds)).get(outputName)!;
        const values = data as Float32Array;
        const features = dims.at(-1)!;
        const sums = new Array<number>(features).fill(0);
        values.forEach((v, i) => (sums[i % features]! += v));
        return sums.map((s) => s / (values.length / features));
      } finally {
        await session.dispose();
      }
    };
    const recovered = original.clone();
    await pruneHeads(recovered, { 0: [0, 2] }, { recover: 'bias', feeds: [feeds], probe });
    const plain = original.clone();
    await pruneHeads(plain, { 0: [0, 2] });
    const target = await mean(original);
    const error = (m: number[]): number => Math.max(...m.map((v, i) => Math.abs(v - target[i]!)));
    expect(error(await mean(recovered))).toBeLessThan(1e-4);
    expect(error(await mean(plain))).toBeGreaterThan(1e-3);
    expect(readPruneRecipe(recovered)[0]).toMatchObject({ recover: 'bias' });
  });
});

describe.each(FIXTURE_NAMES)('least-squares recovery on %s', (name) => {
  it('refits the output projection: closer to the unpruned layer than bias recovery, on the calibration feeds', async () => {
    const feeds = fixtureFeeds(name);
    const original = loadFixture(name);
    const layer = findAttentionLayers(original)[1]!;
    const outputName = (layer.output.biasAdd ?? layer.output.node).output(0).name;
    const layerOutput = async (model: Model): Promise<Float32Array> => {
      const session = await probe(model, [outputName]);
      try {
        return (await session.run(feeds)).get(outputName)!.data as Float32Array;
      } finally {
        await session.dispose();
      }
    };
    const meanSquare = (a: Float32Array, b: Float32Array): number =>
      a.reduce((sum, v, i) => sum + (v - b[i]!) ** 2, 0) / a.length;
    const target = await layerOutput(original);
    const errors: Record<string, number> = {};
    for (const recover of ['none', 'bias', 'lstsq'] as const) {
      const model = original.clone();
      await pruneHeads(model, { 1: [0, 3] }, { recover, feeds: [feeds], probe });
      errors[recover] = meanSquare(await layerOutput(model), target);
    }
    expect(errors.bias!).toBeLessThan(errors.none!);
    expect(errors.lstsq!).toBeLessThan(errors.bias! * 0.9);
  });
});

describe('pruneHeads on the test builder’s export styles', () => {
  const shape = { ...TINY, headsPerLayer: [4, 4, 4] };
  const plan: HeadPlan = { 0: [0], 1: [1, 2, 3], 2: [2] };
  it.each([
    ['Hugging Face, Shape→Gather→Concat head shapes', { ...HF }],
    ['Hugging Face, constant head shapes', { ...HF, headShape: 'constant' }],
    ['Hugging Face, tied constants', { ...HF, constants: 'tied' }],
    ['torchvision, Slice cuts', { ...TORCHVISION, qkvCut: 'slice' }],
    ['torchvision, Split cut', { ...TORCHVISION, qkvCut: 'split' }],
    [
      'torchvision (PyTorch 2.x), unflatten → Gather cut',
      { ...TORCHVISION, qkvCut: 'unflatten-gather' },
    ],
    [
      'torchvision (PyTorch 2.x), tied constants',
      { ...TORCHVISION, qkvCut: 'unflatten-gather', constants: 'tied' },
    ],
  ] as const)('%s: the same logits as masking', async (_name, style) => {
    const original = buildVit(style, shape, { seed: 7 });
    // The builder's torchvision unflatten reshapes to [-1, 1, hidden]: one image per batch.
    const feeds = randomFeeds(1, 16, 3);
    const model = original.clone();
    await pruneHeads(model, plan);
    expect(findAttentionBlocks(model.graph).map((b) => b.layout?.heads)).toEqual([3, 1, 3]);
    const expected = await logits(masked(original, plan), feeds);
    expect(maxAbsDiff(await logits(model, feeds), expected)).toBeLessThanOrEqual(1e-4);
  });
});

describe('pruneHeads on a PyTorch 2.x export whose unflatten reads E off the block input', () => {
  it('makes E the constant pruned width: the same logits as masking', async () => {
    const shape = { ...TINY, headsPerLayer: [4, 4] };
    const original = buildVit({ ...TORCHVISION, qkvCut: 'unflatten-gather' }, shape, { seed: 5 });
    const graph = original.graph;
    const int64 = (values: number[], dims = [values.length]): Value =>
      graph.addInitializer(
        Tensor.fromNumbers({ dtype: DataType.INT64, dims }, values.map(BigInt)),
        'test_shape',
      );
    // E = q.size(-1): Shape→Gather of the sequence-first input, as a dynamic-shape export spells it.
    for (const concat of graph.nodes.filter((n) => n.name.endsWith('.qkv_unflatten_shape'))) {
      const layer = concat.name.split('.')[0]!;
      const input = graph.nodes.find((n) => n.name === `${layer}.seq_first`)!.output(0);
      const add = (opType: string, inputs: Value[]): Value =>
        graph
          .addNode({ opType, name: `${layer}.e_${opType}`, inputs, outputs: 1 }, { before: concat })
          .output(0);
      const embedDim = add('Unsqueeze', [
        add('Gather', [add('Shape', [input]), int64([2], [])]),
        int64([0]),
      ]);
      concat.setInputs([concat.inputs[0], concat.inputs[1], int64([3]), embedDim]);
    }
    const plan: HeadPlan = { 0: [1], 1: [0, 3] };
    const feeds = randomFeeds(1, 16, 3);
    const model = original.clone();
    await pruneHeads(model, plan);
    expect(findAttentionBlocks(model.graph).map((b) => b.layout?.heads)).toEqual([3, 2]);
    const expected = await logits(masked(original, plan), feeds);
    expect(maxAbsDiff(await logits(model, feeds), expected)).toBeLessThanOrEqual(1e-4);
  });
});

describe('pruneHeads on an opset-12 export, whose Split gives its sizes as an attribute', () => {
  it('rewrites the attribute: the same logits as masking', async () => {
    const shape = { ...TINY, headsPerLayer: [4, 4] };
    const original = buildVit({ ...TORCHVISION, qkvCut: 'split', layerNorm: 'decomposed' }, shape, {
      seed: 3,
    });
    // Spelled as opset 12 spells it: Split's sizes and Unsqueeze's axes are attributes.
    original.opsetImports.set('', 12);
    const width = shape.headsPerLayer[0]! * shape.headDim;
    for (const node of original.graph.nodes) {
      if (node.opType === 'Split') node.setAttribute(attr.ints('split', [width, width, width]));
      if (node.opType === 'Unsqueeze') {
        const axes = [...constantTensorOf(node.inputs[1])!.toNumbers()];
        node.setInput(1, undefined);
        node.setAttribute(attr.ints('axes', axes));
      }
    }
    const plan: HeadPlan = { 0: [1], 1: [0, 3] };
    const feeds = randomFeeds(1, 16, 3);
    const model = original.clone();
    await pruneHeads(model, plan);
    const splits = model.graph.nodes.filter((n) => n.opType === 'Split');
    expect(splits.map((n) => n.ints('split'))).toEqual([
      [24, 24, 24],
      [16, 16, 16],
    ]);
    const expected = await logits(masked(original, plan), feeds);
    expect(maxAbsDiff(await logits(model, feeds), expected)).toBeLessThanOrEqual(1e-4);
  });
});

describe('pruneHeads refuses a bad plan and changes nothing', () => {
  it.each([
    [{ 4: [0] }, 'the head plan names layer 4, but the model has 4 attention layers (0–3)'],
    [{ 0: [4] }, 'the head plan layer 0 has heads 0–3; the plan names head 4'],
    [
      { 1: [0, 1, 2, 3] },
      'the head plan removes every head of layer 1 (4 of 4); at least one must stay',
    ],
  ])('%j', async (plan, message) => {
    const model = loadFixture('vit-tiny-hf');
    const before = encodeModel(model);
    await expect(pruneHeads(model, plan as HeadPlan)).rejects.toThrow(message);
    expect(encodeModel(model)).toEqual(before);
  });

  it('names what it looked for in a model without attention', async () => {
    const model = buildVit(HF);
    for (const node of model.graph.nodes.filter((n) => n.opType === 'Softmax'))
      node.opType = 'Sigmoid';
    await expect(pruneHeads(model, {})).rejects.toThrow(
      /no attention block recognised in the model; looked for a Softmax/,
    );
  });

  it('needs feeds and a probe for bias recovery', async () => {
    await expect(
      pruneHeads(loadFixture('vit-tiny-hf'), { 0: [1] }, { recover: 'bias' }),
    ).rejects.toThrow("recover 'bias' needs calibration feeds and a probe");
  });
});
