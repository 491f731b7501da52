import { describe, expect, it } from 'vitest';
import { DataType } from '../ir/dtype.js';
import type { Model } from '../ir/model.js';
import { Tensor } from '../ir/tensor.js';
import { simplify } from '../passes/simplify.js';
import { validateModel } from '../passes/validate.js';
import { formatSummary } from './format-summary.js';
import { summarizeModel } from './model-summary.js';
import {
  HF,
  TINY,
  TORCHVISION,
  VitBuilder,
  buildVit as buildVitGraph,
  type ExportStyle,
  type VitShape,
} from '../testing/vit-builder.js';
import { findVitStructure } from './vit-structure.js';

function buildVit(style: ExportStyle, shape: VitShape = TINY): Model {
  const model = buildVitGraph(style, shape);
  expect(validateModel(model)).toEqual([]);
  return model;
}

describe('findVitStructure on Hugging Face-style attention', () => {
  it('recognises every part of a ViT with decomposed LayerNorm and Erf GELU', () => {
    const vit = findVitStructure(buildVit(HF).graph)!;
    expect(vit).toMatchObject({
      layerCount: 2,
      hiddenSize: 32,
      heads: 4,
      headDim: 8,
      intermediateSize: 64,
      attentionStyle: 'separate_qkv',
      clsToken: 'cls_token',
      positionEmbedding: { initializer: 'position_embeddings', tokenCount: 17 },
      classCount: 5,
      classifier: { node: 'classifier', op: 'Gemm', inFeatures: 32, outFeatures: 5 },
      patchEmbedding: {
        node: 'patch_embed',
        inChannels: 3,
        hiddenSize: 32,
        patchSize: 4,
        imageSize: { height: 16, width: 16 },
        patchCount: 16,
      },
    });
    const layer = vit.layers[1]!;
    expect(layer.attention).toMatchObject({
      style: 'separate_qkv',
      softmax: 'layer1.softmax',
      query: {
        node: 'layer1.query.matmul',
        biasNode: 'layer1.query.bias_add',
        weight: 'layer1.query.weight',
        outFeatures: 32,
      },
      key: { node: 'layer1.key.matmul' },
      value: { node: 'layer1.value.matmul' },
      qkv: null,
      output: { node: 'layer1.output.matmul', inFeatures: 32, outFeatures: 32 },
    });
    expect(layer.mlp).toMatchObject({
      fc1: { node: 'layer1.fc1.matmul', outFeatures: 64 },
      fc2: { node: 'layer1.fc2.matmul' },
    });
    expect(layer.layerNormBeforeAttention).toEqual({
      style: 'decomposed',
      nodes: [
        'mean',
        'center',
        'square',
        'variance',
        'epsilon',
        'std',
        'normalize',
        'gamma',
        'beta',
      ].map((n) => `layer1.norm1.${n}`),
    });
    expect(layer.layerNormBeforeMlp?.nodes.at(-1)).toBe('layer1.norm2.beta');
    expect(vit.finalLayerNorm?.nodes.at(-1)).toBe('final_norm.beta');
  });

  it('is indifferent to Constant nodes, fused LayerNorm, a Gelu op, Gemm layers and a Mul scale', () => {
    const style: ExportStyle = {
      ...HF,
      constants: 'node',
      layerNorm: 'fused',
      gelu: 'op',
      linear: 'gemm',
      headShape: 'constant',
      scale: 'mul',
    };
    const vit = findVitStructure(buildVit(style).graph)!;
    expect(vit).toMatchObject({
      layerCount: 2,
      heads: 4,
      headDim: 8,
      hiddenSize: 32,
      intermediateSize: 64,
      classCount: 5,
    });
    expect(vit.layers[0]!.attention.query).toMatchObject({
      node: 'layer0.query',
      op: 'Gemm',
      biasNode: null,
      bias: 'layer0.query.bias',
    });
    expect(vit.layers[0]!.layerNormBeforeAttention).toEqual({
      style: 'fused',
      nodes: ['layer0.norm1'],
    });
    expect(vit.layers[0]!.mlp?.fc1.node).toBe('layer0.fc1');
  });

  it('recognises GELU in its tanh form', () => {
    const vit = findVitStructure(buildVit({ ...HF, gelu: 'tanh' }).graph)!;
    expect(vit.layers.map((l) => l.intermediateSize)).toEqual([64, 64]);
  });

  it.each([
    ['heads-only' as const, 'the heads constant'],
    ['head-dim-only' as const, 'the head_dim constant'],
  ])(
    'finds heads from %s in the split shape (%s, the other dim -1, no scale)',
    (headShape, _clue) => {
      const vit = findVitStructure(
        buildVit({ ...HF, headShape, scale: 'none' }, { ...TINY, headsPerLayer: [2] }).graph,
      )!;
      expect(vit).toMatchObject({ heads: 2, headDim: 8 });
    },
  );

  it('falls back on the softmax scale when the split shapes hold no head constants', () => {
    const model = buildVit({ ...HF, headShape: 'constant' }, { ...TINY, headsPerLayer: [2] });
    const unresolved = model.graph.addInitializer(
      Tensor.fromNumbers({ dtype: DataType.INT64, dims: [4] }, [0n, 0n, -1n, -1n]),
      'unresolved_shape',
    );
    for (const role of ['q', 'k', 'v']) {
      model.graph.nodes.find((n) => n.name === `layer0.${role}_split`)!.setInput(1, unresolved);
    }
    expect(findVitStructure(model.graph)).toMatchObject({ heads: 2, headDim: 8 });
  });

  it('reports heads per layer after head pruning, and null for the model-wide count', () => {
    const model = buildVit({ ...HF, headShape: 'constant' }, { ...TINY, headsPerLayer: [4, 3, 1] });
    const vit = findVitStructure(model.graph)!;
    expect(vit.layers.map((l) => [l.heads, l.headDim, l.hiddenSize])).toEqual([
      [4, 8, 32],
      [3, 8, 32],
      [1, 8, 32],
    ]);
    expect(vit).toMatchObject({ heads: null, headDim: 8, hiddenSize: 32 });
    expect(formatSummary(summarizeModel(model))).toContain(
      'ViT: 3 layers × 1–4 heads, hidden 32, MLP 64',
    );
  });

  it('counts patches from the position table when the image size is symbolic', () => {
    const vit = findVitStructure(buildVit({ ...HF, image: 'dynamic' }).graph)!;
    expect(vit.patchEmbedding).toMatchObject({ imageSize: null, patchCount: 16, patchSize: 4 });
  });
});

describe('findVitStructure on torchvision-style attention', () => {
  it('recognises a packed in-projection cut by Slice, with heads from batch × heads', () => {
    const vit = findVitStructure(buildVit({ ...TORCHVISION, scale: 'none' }).graph)!;
    expect(vit).toMatchObject({
      layerCount: 2,
      heads: 4,
      headDim: 8,
      hiddenSize: 32,
      intermediateSize: 64,
      attentionStyle: 'fused_qkv',
    });
    expect(vit.layers[0]!.attention).toMatchObject({
      style: 'fused_qkv',
      query: null,
      qkv: { node: 'layer0.in_proj.matmul', inFeatures: 32, outFeatures: 96 },
      output: { node: 'layer0.out_proj', op: 'Gemm' },
    });
    expect(vit.layers[0]!.layerNormBeforeAttention).toEqual({
      style: 'fused',
      nodes: ['layer0.norm1'],
    });
  });

  it('recognises a packed in-projection cut by Split, with decomposed LayerNorm and Constant nodes', () => {
    const style: ExportStyle = {
      ...TORCHVISION,
      qkvCut: 'split',
      layerNorm: 'decomposed',
      constants: 'node',
    };
    const vit = findVitStructure(buildVit(style).graph)!;
    expect(vit).toMatchObject({
      layerCount: 2,
      heads: 4,
      headDim: 8,
      attentionStyle: 'fused_qkv',
      classCount: 5,
    });
    expect(vit.layers[1]!.layerNormBeforeMlp?.style).toBe('decomposed');
  });

  it('recognises a PyTorch 2.x export, its packed projection cut by unflatten → Gather', () => {
    const model = buildVit(
      { ...TORCHVISION, qkvCut: 'unflatten-gather' },
      { ...TINY, headsPerLayer: [4, 4, 4] },
    );
    const vit = findVitStructure(model.graph)!;
    expect(vit.layers.map((l) => [l.heads, l.headDim, l.attention.style])).toEqual([
      [4, 8, 'fused_qkv'],
      [4, 8, 'fused_qkv'],
      [4, 8, 'fused_qkv'],
    ]);
    expect(vit).toMatchObject({ layerCount: 3, heads: 4, headDim: 8, hiddenSize: 32 });
    expect(formatSummary(summarizeModel(model))).toContain(
      'ViT: 3 layers × 4 heads, hidden 32, MLP 64, patch 4 (16×16 → 16 patches + CLS), 5 classes, attention: fused qkv',
    );
  });

  it('still recognises both styles after the simplify passes', async () => {
    for (const style of [HF, TORCHVISION]) {
      const model = buildVit({ ...style, constants: 'node' });
      await simplify(model);
      expect(findVitStructure(model.graph)).toMatchObject({
        layerCount: 2,
        heads: 4,
        headDim: 8,
        intermediateSize: 64,
      });
    }
  });
});

describe('findVitStructure with identical constants tied through Identity', () => {
  // torch's exporter keeps one initializer per distinct tensor and feeds its other users through
  // Identity: here every bias, LayerNorm parameter, shape and scalar after the first of its kind.
  it.each([
    ['Hugging Face', HF],
    ['torchvision', TORCHVISION],
  ])('recognises every layer of the %s style', (_name, style) => {
    const model = buildVit({ ...style, constants: 'tied' }, { ...TINY, headsPerLayer: [4, 4, 4] });
    const identities = model.graph.nodes.filter((n) => n.opType === 'Identity');
    expect(identities.length).toBeGreaterThan(20);
    const vit = findVitStructure(model.graph)!;
    expect(vit).toMatchObject({
      layerCount: 3,
      hiddenSize: 32,
      heads: 4,
      headDim: 8,
      intermediateSize: 64,
      classCount: 5,
      positionEmbedding: { tokenCount: 17 },
      patchEmbedding: { imageSize: { height: 16, width: 16 }, patchCount: 16 },
    });
    expect(vit.clsToken).not.toBeNull();
    for (const layer of vit.layers) {
      expect(layer.mlp).not.toBeNull();
      expect(layer.attention.output).not.toBeNull();
      expect(layer.layerNormBeforeAttention?.style).toBe(style.layerNorm);
      expect(layer.layerNormBeforeMlp?.style).toBe(style.layerNorm);
    }
    expect(vit.finalLayerNorm?.style).toBe(style.layerNorm);
  });

  it('reports a tied bias by the value its layer reads', () => {
    const model = buildVit({ ...HF, constants: 'tied' });
    const query = findVitStructure(model.graph)!.layers[1]!.attention.query!;
    const bias = model.graph.value(query.bias!)!;
    expect(bias.producer()?.opType).toBe('Identity');
    expect(query).toMatchObject({ biasNode: 'layer1.query.bias_add', outFeatures: 32 });
  });
});

describe('findVitStructure on other models', () => {
  it('returns null for a model without self-attention', () => {
    const builder = new VitBuilder(HF);
    const x = builder.graph.createValue('x');
    builder.graph.inputs.push(x);
    builder.graph.outputs.push(
      builder.linearLayer('fc2', builder.gelu('act', builder.linearLayer('fc1', x, 8, 16)), 16, 8),
    );
    expect(findVitStructure(builder.graph)).toBeNull();
  });
});
