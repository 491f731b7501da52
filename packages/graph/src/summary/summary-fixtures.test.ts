import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../io/model-file.js';
import { simplify } from '../passes/simplify.js';
import { formatSummary } from './format-summary.js';
import { summarizeModel } from './model-summary.js';

const fixtureDir = (name: string): string =>
  fileURLToPath(new URL(`../../../../fixtures/models/${name}/`, import.meta.url));

/** The Hugging Face config.json fields the graph must reproduce. */
interface VitConfig {
  image_size: number;
  patch_size: number;
  num_channels: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  id2label: Record<string, string>;
}

const fixtures = [
  { name: 'vit-tiny-hf', attentionStyle: 'separate_qkv', layerNormStyle: 'decomposed' },
  { name: 'vit-tiny-tv', attentionStyle: 'fused_qkv', layerNormStyle: 'fused' },
] as const;

describe.each(fixtures)(
  'summary of the $name fixture',
  ({ name, attentionStyle, layerNormStyle }) => {
    const config = JSON.parse(readFileSync(`${fixtureDir(name)}config.json`, 'utf8')) as VitConfig;
    const headDim = config.hidden_size / config.num_attention_heads;

    it('matches config.json', () => {
      const vit = summarizeModel(loadModel(`${fixtureDir(name)}model.onnx`)).vit!;
      expect(vit).toMatchObject({
        layerCount: config.num_hidden_layers,
        hiddenSize: config.hidden_size,
        heads: config.num_attention_heads,
        headDim,
        intermediateSize: config.intermediate_size,
        attentionStyle,
        classCount: Object.keys(config.id2label).length,
        patchEmbedding: {
          inChannels: config.num_channels,
          hiddenSize: config.hidden_size,
          patchSize: config.patch_size,
          imageSize: { height: config.image_size, width: config.image_size },
          patchCount: (config.image_size / config.patch_size) ** 2,
        },
        positionEmbedding: { tokenCount: (config.image_size / config.patch_size) ** 2 + 1 },
      });
      expect(vit.clsToken).not.toBeNull();
      for (const layer of vit.layers) {
        expect(layer.mlp).not.toBeNull();
        expect(layer.attention.output).not.toBeNull();
        expect(layer.layerNormBeforeAttention?.style).toBe(layerNormStyle);
        expect(layer.layerNormBeforeMlp?.style).toBe(layerNormStyle);
      }
      expect(vit.finalLayerNorm?.style).toBe(layerNormStyle);
    });

    it('is recognised the same after simplify', async () => {
      const model = loadModel(`${fixtureDir(name)}model.onnx`);
      const before = summarizeModel(model).vit;
      await simplify(model);
      const after = summarizeModel(model).vit!;
      expect(
        after.layers.map((l) => [l.heads, l.headDim, l.hiddenSize, l.intermediateSize]),
      ).toEqual(before!.layers.map((l) => [l.heads, l.headDim, l.hiddenSize, l.intermediateSize]));
      expect(after.classCount).toBe(before!.classCount);
    });

    it('leads the text form with a one-line ViT headline', () => {
      const text = formatSummary(summarizeModel(loadModel(`${fixtureDir(name)}model.onnx`)));
      const style = attentionStyle === 'separate_qkv' ? 'separate q/k/v' : 'fused qkv';
      expect(text.split('\n')[0]).toBe(
        `ViT: 4 layers × 4 heads, hidden 64, MLP 128, patch 7 (28×28 → 16 patches + CLS), 10 classes, attention: ${style}`,
      );
    });
  },
);

describe('summary of the vit-tiny-tv-tied fixture (identical initializers tied through Identity)', () => {
  const name = 'vit-tiny-tv-tied';
  const config = JSON.parse(readFileSync(`${fixtureDir(name)}config.json`, 'utf8')) as VitConfig;
  const load = () => loadModel(`${fixtureDir(name)}model.onnx`);

  it('really ties initializers: Identity nodes copy them to layers after the first', () => {
    const graph = load().graph;
    const tied = graph.nodes.filter(
      (n) => n.opType === 'Identity' && n.inputs[0]?.initializer !== undefined,
    );
    expect(tied.map((n) => n.output(0).name)).toContain(
      'encoder.layers.encoder_layer_3.self_attention.in_proj_bias',
    );
    expect(tied).toHaveLength(24);
  });

  it('reports every layer, with the heads, hidden and MLP sizes of config.json', () => {
    const vit = summarizeModel(load()).vit!;
    expect(vit).toMatchObject({
      layerCount: config.num_hidden_layers,
      hiddenSize: config.hidden_size,
      heads: config.num_attention_heads,
      headDim: config.hidden_size / config.num_attention_heads,
      intermediateSize: config.intermediate_size,
      attentionStyle: 'fused_qkv',
      classCount: Object.keys(config.id2label).length,
      patchEmbedding: { inChannels: config.num_channels, patchSize: config.patch_size },
      positionEmbedding: { tokenCount: (config.image_size / config.patch_size) ** 2 + 1 },
    });
    expect(vit.layers).toHaveLength(4);
    for (const layer of vit.layers) {
      expect(layer.attention.qkv?.bias).not.toBeNull();
      expect(layer.attention.output?.bias).not.toBeNull();
      expect(layer.mlp).not.toBeNull();
      expect(layer.layerNormBeforeAttention?.style).toBe('fused');
      expect(layer.layerNormBeforeMlp?.style).toBe('fused');
    }
    expect(vit.finalLayerNorm?.style).toBe('fused');
    expect(formatSummary(summarizeModel(load())).split('\n')[0]).toBe(
      'ViT: 4 layers × 2 heads, hidden 32, MLP 64, patch 7 (28×28 → 16 patches + CLS), 10 classes, attention: fused qkv',
    );
  });
});
