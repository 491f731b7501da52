import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { attr, validateModel, type Model } from '@vit-opt/graph';
import { TORCHVISION, buildVit } from '@vit-opt/graph/testing';
import { quantizeDynamic } from '../passes/quantize-dynamic.js';
import { readRecipe } from '../recipe.js';
import { fixtureTestData, loadFixture, type FixtureName } from '../testing/fixtures.js';
import { cosineSimilarity, createSession, opCounts, runLogits } from '../testing/onnxruntime.js';
import { seededValues } from '../testing/small-models.js';
import {
  fuseTransformer,
  fuseTransformerPass,
  type TransformerFusionOptions,
} from './fuse-transformer.js';

const scratch = mkdtempSync(join(tmpdir(), 'vit-opt-fusion-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The model's logits on its four test images, from onnxruntime. */
async function logitsOf(model: Model, name: FixtureName): Promise<Float32Array> {
  const { pixels, dims } = fixtureTestData(name);
  return runLogits(await createSession(model), pixels, dims);
}

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

function opTypes(model: Model): Map<string, number> {
  const counts = new Map<string, number>();
  for (const node of model.graph.nodes) counts.set(node.opType, (counts.get(node.opType) ?? 0) + 1);
  return counts;
}

async function fusedLogits(name: FixtureName, options: TransformerFusionOptions = {}) {
  const model = loadFixture(name);
  const report = fuseTransformer(model, options);
  expect(validateModel(model)).toEqual([]);
  return { model, report, logits: await logitsOf(model, name) };
}

describe('fuseTransformer on the Hugging Face-style ViT (separate q/k/v)', () => {
  const name = 'vit-tiny-hf';

  it('fuses each of the 4 attention blocks into one com.microsoft Attention, computing the same logits', async () => {
    const reference = await logitsOf(loadFixture(name), name);
    const { model, report, logits } = await fusedLogits(name);
    expect(report.attention).toHaveLength(4);
    expect(report.gelu).toHaveLength(4);
    expect(report.skipLayerNorm).toHaveLength(0);
    const ops = opTypes(model);
    expect(ops.get('Attention')).toBe(4);
    expect(ops.get('Softmax')).toBeUndefined();
    // q, k and v (12 MatMuls) are packed into the Attention ops; out-projection and MLP remain.
    expect(ops.get('MatMul')).toBe(12);
    expect(model.opsetImports.get('com.microsoft')).toBe(1);
    expect(model.graph.nodes.find((n) => n.opType === 'Attention')!.domain).toBe('com.microsoft');
    expect(maxAbsDifference(logits, reference)).toBeLessThan(1e-4);
  });

  it('fuses into MultiHeadAttention over the q/k/v projections when asked', async () => {
    const reference = await logitsOf(loadFixture(name), name);
    const { model, report, logits } = await fusedLogits(name, { attention: 'multi-head' });
    expect(report.attention).toHaveLength(4);
    expect(opTypes(model).get('MultiHeadAttention')).toBe(4);
    expect(opTypes(model).get('MatMul')).toBe(24);
    expect(maxAbsDifference(logits, reference)).toBeLessThan(1e-4);
  });

  it('fuses residual Add + LayerNorm into SkipLayerNormalization when asked, the first LayerNorm (after a constant position embedding) excepted', async () => {
    const reference = await logitsOf(loadFixture(name), name);
    const { model, report, logits } = await fusedLogits(name, { skipLayerNorm: true });
    // Two per layer: before the MLP, and before the next layer's attention or the final norm.
    expect(report.skipLayerNorm).toHaveLength(8);
    expect(report.skipped.map((s) => s.reason)).toContain(
      'one summand is a constant (the position embedding), not a residual branch',
    );
    expect(opTypes(model).get('SkipLayerNormalization')).toBe(8);
    expect(maxAbsDifference(logits, reference)).toBeLessThan(1e-4);
  });

  it('takes the Linear bias into BiasGelu when asked', async () => {
    const reference = await logitsOf(loadFixture(name), name);
    const { model, report, logits } = await fusedLogits(name, { gelu: 'bias-gelu' });
    expect(report.biasGelu).toHaveLength(4);
    expect(report.gelu).toHaveLength(0);
    expect(opTypes(model).get('BiasGelu')).toBe(4);
    expect(opTypes(model).get('Erf')).toBeUndefined();
    expect(maxAbsDifference(logits, reference)).toBeLessThan(1e-4);
  });

  it('lets dynamic quantization turn the fused Attention into QAttention, which onnxruntime runs as such', async () => {
    const float = loadFixture(name);
    const model = loadFixture(name);
    fuseTransformer(model);
    const report = quantizeDynamic(model);
    expect(report.quantizedNodes.filter((n) => n.opType === 'Attention')).toHaveLength(4);
    expect(opTypes(model).get('QAttention')).toBe(4);
    expect(opTypes(model).get('Attention')).toBeUndefined();
    const optimizedPath = join(scratch, 'qattention.onnx');
    const { pixels, dims } = fixtureTestData(name);
    const logits = await runLogits(
      await createSession(model, { optimizedModelPath: optimizedPath }),
      pixels,
      dims,
    );
    expect(opCounts(optimizedPath).get('QAttention')).toBe(4);
    expect(cosineSimilarity(logits, await logitsOf(float, name))).toBeGreaterThan(0.999);
    // The recipe says the model was fused first, and how.
    expect(readRecipe(model)!.fusion).toEqual({
      options: { attention: 'packed', skipLayerNorm: false, gelu: 'gelu' },
      fused: { attention: 4, skipLayerNorm: 0, gelu: 4, biasGelu: 0 },
    });
  });

  it('quantizes the packed q/k/v weight per output column with perChannel', async () => {
    const model = loadFixture(name);
    fuseTransformer(model);
    const report = quantizeDynamic(model, { perChannel: true });
    const attention = report.quantizedNodes.filter((n) => n.opType === 'Attention');
    expect(attention.every((n) => n.perChannel)).toBe(true);
    const logits = await logitsOf(model, name);
    expect(cosineSimilarity(logits, await logitsOf(loadFixture(name), name))).toBeGreaterThan(
      0.999,
    );
  });

  it('leaves Attention float when excluded by name, quantizing the rest', async () => {
    const model = loadFixture(name);
    fuseTransformer(model);
    const report = quantizeDynamic(model, { excludeNodes: ['Attention$'] });
    expect(opTypes(model).get('Attention')).toBe(4);
    expect(report.skipped.filter((s) => s.opType === 'Attention')).toHaveLength(4);
    expect(opTypes(model).get('QAttention')).toBeUndefined();
    await logitsOf(model, name);
  });
});

describe('fuseTransformer on the torchvision-style ViT (packed in-projection, sequence-first)', () => {
  const name = 'vit-tiny-tv';

  it('fuses each attention block, between its Transpose(1, 0, 2)s, into Attention plus a batch-first output projection', async () => {
    const reference = await logitsOf(loadFixture(name), name);
    const { model, report, logits } = await fusedLogits(name);
    expect(report.attention).toHaveLength(4);
    expect(report.skipped).toEqual([]);
    expect(report.gelu).toHaveLength(4);
    const ops = opTypes(model);
    expect(ops.get('Attention')).toBe(4);
    // Only the patch embedding's Transpose is left: the sequence-first detour is gone.
    expect(ops.get('Transpose')).toBe(1);
    expect(ops.get('Softmax')).toBeUndefined();
    expect(maxAbsDifference(logits, reference)).toBeLessThan(1e-4);
  });

  it('quantizes to QAttention and quantized output projections that keep the predictions', async () => {
    const float = await logitsOf(loadFixture(name), name);
    const model = loadFixture(name);
    fuseTransformer(model);
    quantizeDynamic(model);
    expect(opTypes(model).get('QAttention')).toBe(4);
    const logits = await logitsOf(model, name);
    expect(cosineSimilarity(logits, float)).toBeGreaterThan(0.999);
  });

  it('says why it cannot make MultiHeadAttention of a packed in-projection', async () => {
    const { report } = await fusedLogits(name, { attention: 'multi-head' });
    expect(report.attention).toHaveLength(0);
    expect(report.skipped[0]!.reason).toBe(
      'MultiHeadAttention fusion takes separate q/k/v projections; this block packs them (use packed)',
    );
  });

  it('fuses its residual LayerNorms when asked', async () => {
    const reference = await logitsOf(loadFixture(name), name);
    const { report, logits } = await fusedLogits(name, { skipLayerNorm: true, gelu: 'bias-gelu' });
    expect(report.skipLayerNorm).toHaveLength(8);
    expect(report.biasGelu).toHaveLength(4);
    expect(maxAbsDifference(logits, reference)).toBeLessThan(1e-4);
  });
});

describe('fuseTransformer on a torchvision-style ViT whose output projections scale (Gemm alpha 0.5, beta 2)', () => {
  // Batch 1: the builder's torchvision export unflattens the sequence-first rows to [S, 1, E].
  const dims = [1, 3, 16, 16];
  const pixels = seededValues(3 * 16 * 16, 5);
  const logits = async (model: Model): Promise<Float32Array> =>
    runLogits(await createSession(model), pixels, dims);

  /** The builder's ViT, its out_proj Gemms given alpha 0.5 and beta 2; `c` edits their C. */
  function scaledVit(c?: (gemm: Model['graph']['nodes'][number], model: Model) => void): Model {
    const model = buildVit(TORCHVISION, undefined, { seed: 3 });
    const projections = model.graph.nodes.filter((node) => node.name.endsWith('.out_proj'));
    expect(projections).toHaveLength(2);
    for (const gemm of projections) {
      gemm.setAttribute(attr.float('alpha', 0.5));
      gemm.setAttribute(attr.float('beta', 2));
      c?.(gemm, model);
    }
    return model;
  }

  it('folds alpha into the batch-first weight and beta into its bias: the same logits', async () => {
    const model = scaledVit();
    const reference = await logits(model);
    const report = fuseTransformer(model);
    expect(report.skipped).toEqual([]);
    expect(report.attention).toHaveLength(2);
    expect(validateModel(model)).toEqual([]);
    expect(maxAbsDifference(await logits(model), reference)).toBeLessThan(1e-4);
  });

  it('leaves a block unfused, saying why, when the output projection’s C is computed at run time', async () => {
    const model = scaledVit((gemm, m) => {
      const relu = m.graph.addNode(
        { opType: 'Relu', name: `${gemm.name}.c_relu`, inputs: [gemm.input(2)] },
        { before: gemm },
      );
      gemm.setInput(2, relu.output(0));
    });
    const reference = await logits(model);
    const report = fuseTransformer(model, { gelu: 'none' });
    expect(report.attention).toEqual([]);
    expect(report.skipped.map((s) => s.reason)).toEqual(
      Array(2).fill('its output projection’s bias (a Gemm’s C) is not a constant vector'),
    );
    expect(maxAbsDifference(await logits(model), reference)).toBe(0);
  });
});

describe('fuseTransformer on a PyTorch 2.x torchvision export (q/k/v cut by unflatten → Gather)', () => {
  it('fuses each block into Attention, the cut swept away: the same logits', async () => {
    const model = buildVit({ ...TORCHVISION, qkvCut: 'unflatten-gather' }, undefined, { seed: 3 });
    // Batch 1: the builder's torchvision export unflattens the sequence-first rows to [S, 1, E].
    const dims = [1, 3, 16, 16];
    const pixels = seededValues(3 * 16 * 16, 5);
    const reference = await runLogits(await createSession(model), pixels, dims);
    const report = fuseTransformer(model, { gelu: 'none' });
    expect(report.skipped).toEqual([]);
    expect(report.attention).toHaveLength(2);
    expect(validateModel(model)).toEqual([]);
    const ops = opTypes(model);
    expect(ops.get('Attention')).toBe(2);
    expect([ops.get('Squeeze'), ops.get('Softmax')]).toEqual([undefined, undefined]);
    const fused = await runLogits(await createSession(model), pixels, dims);
    expect(maxAbsDifference(fused, reference)).toBeLessThan(1e-4);
  });
});

describe('fuseTransformer input checks', () => {
  it('refuses an already quantized model', () => {
    const model = loadFixture('vit-tiny-hf');
    quantizeDynamic(model);
    expect(() => fuseTransformer(model)).toThrow(
      /^cannot fuse the transformer: the model is already quantized \(it contains .*\); start from the float model$/,
    );
  });

  it('names a wrong option and the values it takes', () => {
    const model = loadFixture('vit-tiny-hf');
    expect(() => fuseTransformer(model, { attention: 'flash' as never })).toThrow(/attention/);
    expect(() => fuseTransformerPass({ gelu: 'fast' as never })).toThrow(/gelu/);
  });

  it('runs as a pass whose note counts what it fused, and changes nothing the second time', async () => {
    const model = loadFixture('vit-tiny-hf');
    const pass = fuseTransformerPass();
    const first = await pass.run(model, {});
    expect(first).toEqual({ modified: true, notes: ['fused 4 attention, 4 Gelu'] });
    expect(await pass.run(model, {})).toEqual({ modified: false });
  });
});
