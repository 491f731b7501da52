import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  DataType,
  Model,
  Tensor,
  VitOptError,
  constantTensorOf,
  encodeModel,
  findVitStructure,
  type Value,
} from '@vit-opt/graph';
import { HF, TINY, TORCHVISION, VitBuilder } from '@vit-opt/graph/testing';
import { interpolateGridBicubic } from './interpolate-bicubic.js';
import { readPruneRecipe } from './recipe.js';
import { resizeInput } from './resize-input.js';
import { FIXTURE_NAMES, fixtureFeeds, loadFixture, logits, randomFeeds } from './testing/models.js';

/** PyTorch's F.interpolate(bicubic, align_corners=False) of the fixtures' position embeddings. */
interface Reference {
  torch: string;
  channels: number;
  fixtures: Record<string, { initializer: string; sizes: Record<string, number[][]> }>;
}
const reference = JSON.parse(
  readFileSync(
    fileURLToPath(new URL('../../../fixtures/resize/position-embeddings.json', import.meta.url)),
    'utf8',
  ),
) as Reference;

function positionTable(model: Model): Tensor {
  const name = findVitStructure(model.graph)!.positionEmbedding!.initializer;
  return constantTensorOf(model.graph.value(name))!;
}

describe.each(FIXTURE_NAMES)('resizeInput on %s', (name) => {
  it.each([21, 35, 42])(
    'makes a model that onnxruntime runs at size %i, its tokens and input resized',
    async (size) => {
      const model = loadFixture(name);
      const result = resizeInput(model, { size, sourceSha256: 'ab'.repeat(32) });
      const grid = size / 7;
      expect(result).toMatchObject({
        sizeBefore: 28,
        sizeAfter: size,
        patchSize: 7,
        gridBefore: 4,
        gridAfter: grid,
        tokensBefore: 17,
        tokensAfter: grid * grid + 1,
        prefixTokens: 1,
      });
      expect(result.multiplyAddsAfter! / result.multiplyAddsBefore!).toBeGreaterThan(
        size > 28 ? 1 : 0,
      );
      expect(model.graph.inputs[0]!.type).toMatchObject({ shape: ['batch_size', 3, size, size] });
      expect(positionTable(model).dims).toEqual([1, grid * grid + 1, 64]);
      expect(findVitStructure(model.clone().graph)?.positionEmbedding?.tokenCount).toBe(
        grid * grid + 1,
      );
      const out = await logits(model, randomFeeds(2, size, 7));
      expect(out.length).toBe(2 * 10);
      expect(out.every(Number.isFinite)).toBe(true);
      expect(readPruneRecipe(model)).toEqual([
        {
          tool: 'vit-opt',
          pass: 'resizeInput',
          kind: 'resize',
          from: 28,
          to: size,
          tokens: [17, grid * grid + 1],
          source: { sha256: 'ab'.repeat(32) },
        },
      ]);
      // The recipe eval results and the report link a variant to its source by.
      expect(JSON.parse(model.metadataProps.get('vit-opt.recipe')!)).toMatchObject({
        tool: 'vit-opt',
        mode: 'resize',
        options: { size, from: 28 },
        source: { sha256: 'ab'.repeat(32) },
      });
    },
  );

  it(`interpolates the position embedding as PyTorch ${reference.torch} does, to 1e-6`, () => {
    const expected = reference.fixtures[name]!;
    for (const [size, rows] of Object.entries(expected.sizes)) {
      const model = loadFixture(name);
      resizeInput(model, { size: Number(size) });
      const table = positionTable(model);
      const channels = table.dims.at(-1)!;
      const data = table.float32();
      expect(table.dims[1]).toBe(rows.length);
      let max = 0;
      rows.forEach((row, token) =>
        row.forEach((v, c) => (max = Math.max(max, Math.abs(data[token * channels + c]! - v)))),
      );
      expect(max, `size ${size}`).toBeLessThanOrEqual(1e-6);
    }
  });

  it('drops the shapes recorded for inner values, which hold the old token count', () => {
    const model = loadFixture(name);
    const inner = model.graph.nodes.find((n) => n.opType === 'Softmax')!.outputs[0]!;
    inner.type = { kind: 'tensor', elemType: DataType.FLOAT, shape: ['batch', 4, 17, 17] };
    inner.declared = true;
    resizeInput(model, { size: 35 });
    expect(inner.type).toBeUndefined();
    expect(inner.declared).toBe(false);
    expect(model.graph.outputs[0]!.type).toMatchObject({ shape: ['batch_size', 10] });
  });

  it('changes nothing at the current size: bit-equal outputs', async () => {
    const model = loadFixture(name);
    const before = encodeModel(model);
    const result = resizeInput(model, { size: 28 });
    expect(result).toMatchObject({ gridAfter: 4, tokensAfter: 17, rewritten: [] });
    expect(encodeModel(model)).toEqual(before);
    const feeds = fixtureFeeds(name);
    expect(await logits(model, feeds)).toEqual(await logits(loadFixture(name), feeds));
  });

  it.each([30, 3, 0, 10.5])('refuses size %s, naming size', (size) => {
    const model = loadFixture(name);
    const before = model.graph.nodes.length;
    expect(() => resizeInput(model, { size })).toThrow(
      expect.objectContaining({
        subject: 'size',
        message: expect.stringMatching(/^size must be a whole multiple of the patch size 7 .*got/),
      }),
    );
    expect(model.graph.nodes.length).toBe(before);
    expect(positionTable(model).dims).toEqual([1, 17, 64]);
  });
});

describe('interpolateGridBicubic', () => {
  it('is the identity at the same size', () => {
    const grid = Float32Array.from({ length: 5 * 5 * 3 }, (_, i) => Math.sin(i * 1.7));
    expect(interpolateGridBicubic(grid, 5, 5, 3)).toEqual(grid);
  });

  it('keeps a constant grid constant, edges clamped', () => {
    const grid = new Float32Array(4 * 4).fill(0.25);
    for (const v of interpolateGridBicubic(grid, 4, 7, 1)) expect(v).toBeCloseTo(0.25, 6);
  });
});

describe('resizeInput on synthetic exports', () => {
  /** A ViT of 16×16 images (4×4 patches of 4: 17 tokens) with `extra` spliced in after the embedding. */
  function vitWith(style: typeof HF, extra: (builder: VitBuilder, tokens: Value) => Value): Model {
    const builder = new VitBuilder(style, { seed: 3 });
    const original = builder.embed.bind(builder);
    builder.embed = (pixels, shape) => extra(builder, original(pixels, shape));
    builder.build(TINY);
    return builder.model;
  }

  const int64 = (builder: VitBuilder, values: readonly (number | bigint)[]): Value =>
    builder.model.graph.addInitializer(
      Tensor.fromNumbers({ dtype: DataType.INT64, dims: [values.length] }, values.map(BigInt)),
      'test_shape',
    );

  it.each([
    ['hf', HF],
    ['torchvision', TORCHVISION],
    ['torchvision (PyTorch 2.x)', { ...TORCHVISION, qkvCut: 'unflatten-gather' as const }],
  ])('rewrites token counts in constant Reshape shapes and Slice bounds (%s)', async (_, style) => {
    const model = vitWith(style, (b, tokens) => {
      const reshaped = b.op('Reshape', 'test_tokens', [tokens, int64(b, [-1, 17, 32])]);
      // x[:, 0:17] with an INT64_MAX step bound elsewhere kept exactly.
      const sliced = b.op('Slice', 'test_slice', [
        reshaped,
        int64(b, [0, 0]),
        int64(b, [9223372036854775807n, 17]),
        int64(b, [0, 1]),
      ]);
      return sliced;
    });
    const result = resizeInput(model, { size: 24 });
    expect(result).toMatchObject({ gridAfter: 6, tokensAfter: 37 });
    expect(result.rewritten).toEqual(expect.arrayContaining(['test_tokens', 'test_slice']));
    const node = (n: string) => model.graph.nodes.find((x) => x.name === n)!;
    expect(constantTensorOf(node('test_tokens').inputs[1])!.toNumbers()).toEqual([-1, 37, 32]);
    const ends = constantTensorOf(node('test_slice').inputs[2])!.typed(DataType.INT64);
    expect([...ends]).toEqual([9223372036854775807n, 37n]);
    // The builder's torchvision layout runs batch 1 only.
    const out = await logits(model, randomFeeds(1, 24, 1));
    expect(out.length).toBe(TINY.classes);
  });

  it('refuses a constant that may be the grid side or the head count', () => {
    const model = vitWith(HF, (b, tokens) =>
      b.op('Reshape', 'test_grid', [tokens, int64(b, [-1, 17, 4, 8])]),
    );
    expect(() => resizeInput(model, { size: 24 })).toThrow(
      /Reshape 'test_grid' holds the constant 4, which may be the patch grid side or the head count/,
    );
  });

  it('refuses a model without a patch and position embedding, saying what it looked for', () => {
    const model = new Model({ opsetImports: new Map([['', 17]]) });
    const graph = model.graph;
    const x = graph.createValue('x');
    graph.inputs.push(x);
    const relu = graph.addNode({ opType: 'Relu', inputs: [x], outputs: 1 });
    graph.outputs.push(relu.output(0));
    const error = (() => {
      try {
        resizeInput(model, { size: 224 });
      } catch (e) {
        return e as VitOptError;
      }
    })();
    expect(error).toBeInstanceOf(VitOptError);
    expect(error!.message).toMatch(
      /^no ViT input recognised \(no patch embedding, no position embedding, no attention block\); looked for a patch embedding \(a Conv whose kernel equals its stride/,
    );
    expect(error!.message).not.toContain('\n');
  });
});
