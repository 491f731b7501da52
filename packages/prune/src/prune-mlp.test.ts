import { describe, expect, it } from 'vitest';
import { encodeModel, type Model } from '@vit-opt/graph';
import { quantizeDynamic } from '@vit-opt/quantize';
import {
  findMlpLayers,
  maskNeurons,
  pruneMlp,
  scoreNeurons,
  selectNeurons,
  type NeuronPlan,
} from './prune-mlp.js';
import { readPruneRecipe } from './recipe.js';
import {
  FIXTURE_NAMES,
  fixtureFeeds,
  loadFixture,
  logits,
  maxAbsDiff,
  probe,
} from './testing/models.js';

const every = (step: number, offset: number): number[] =>
  Array.from({ length: 128 / step }, (_, i) => i * step + offset);
const PLAN: NeuronPlan = { 0: every(4, 1), 1: every(2, 0), 3: [0, 5, 127] };

describe.each(FIXTURE_NAMES)('pruneMlp on %s', (name) => {
  const feeds = fixtureFeeds(name);

  it('removes fc1 columns and fc2 rows: the logits of the original with those neurons masked', async () => {
    const original = loadFixture(name);
    const model = original.clone();
    const result = await pruneMlp(model, PLAN);
    expect(result.layers.map((l) => l.neuronsAfter)).toEqual([96, 64, 128, 125]);
    expect(findMlpLayers(model).map((l) => l.neurons)).toEqual([96, 64, 128, 125]);
    expect(encodeModel(model).byteLength).toBeLessThan(encodeModel(original).byteLength);
    const masked = original.clone();
    maskNeurons(masked, PLAN);
    expect(maxAbsDiff(await logits(model, feeds), await logits(masked, feeds))).toBeLessThanOrEqual(
      1e-4,
    );
    expect(readPruneRecipe(model)).toMatchObject([
      { pass: 'pruneMlp', removedNeurons: { 0: 32, 1: 64, 3: 3 } },
    ]);
    quantizeDynamic(model, { target: 'portable' });
    expect((await logits(model, feeds)).length).toBe(40);
  });

  it('bias and least-squares recovery bring an MLP output closer to the unpruned one', async () => {
    const original = loadFixture(name);
    const fc2 = findMlpLayers(original)[1]!.fc2;
    const outputName = (fc2.biasAdd ?? fc2.node).output(0).name;
    const layerOutput = async (model: Model): Promise<Float32Array> => {
      const session = await probe(model, [outputName]);
      try {
        return (await session.run(feeds)).get(outputName)!.data as Float32Array;
      } finally {
        await session.dispose();
      }
    };
    const target = await layerOutput(original);
    const errors: Record<string, number> = {};
    for (const recover of ['none', 'bias', 'lstsq'] as const) {
      const model = original.clone();
      await pruneMlp(model, { 1: every(2, 0) }, { recover, feeds: [feeds], probe });
      const out = await layerOutput(model);
      errors[recover] = out.reduce((s, v, i) => s + (v - target[i]!) ** 2, 0) / out.length;
    }
    expect(errors.bias!).toBeLessThan(errors.none!);
    expect(errors.lstsq!).toBeLessThan(errors.bias!);
  });

  it('scores neurons by magnitude or activation; a masked neuron scores 0 by activation', async () => {
    const model = loadFixture(name);
    maskNeurons(model, { 2: [7] });
    expect(await scoreNeurons(model)).toHaveLength(4 * 128);
    const scores = await scoreNeurons(model, { method: 'activation', feeds: [feeds], probe });
    expect(scores.find((s) => s.layer === 2 && s.neuron === 7)!.score).toBe(0);
    const plan = selectNeurons(scores, { fraction: 0.2 });
    expect(Object.values(plan).flat()).toHaveLength(102);
    expect(plan[2]).toContain(7);
  });
});

describe('pruneMlp refuses a bad plan and changes nothing', () => {
  it.each([
    [{ 4: [0] }, 'names MLP layer 4, but the model has 4 (0–3)'],
    [{ 0: [128] }, 'MLP layer 0 has neurons 0–127; the plan names 128'],
    [{ 2: every(1, 0) }, 'removes every neuron of MLP layer 2; at least one must stay'],
  ])('%j', async (plan, message) => {
    const model = loadFixture('vit-tiny-hf');
    const before = encodeModel(model);
    await expect(pruneMlp(model, plan as NeuronPlan)).rejects.toThrow(message);
    expect(encodeModel(model)).toEqual(before);
  });
});
