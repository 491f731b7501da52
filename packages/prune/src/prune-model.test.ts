import { encodeModel } from '@vit-opt/graph';
import { describe, expect, it } from 'vitest';
import { findAttentionLayers } from './attention-layers.js';
import { pruneHeads } from './prune-heads.js';
import { findMlpLayers } from './prune-mlp.js';
import { pruneModel, pruneNeedsFeeds, type PruneModelProgress } from './prune-model.js';
import { readPruneRecipe } from './recipe.js';
import { scoreHeads } from './score-heads.js';
import { selectHeads } from './select-heads.js';
import { fixtureFeeds, loadFixture, probe } from './testing/models.js';

const headsOf = (model: Parameters<typeof findAttentionLayers>[0]): number[] =>
  findAttentionLayers(model).map((layer) => layer.heads);

describe('pruneModel', () => {
  it('a budget: the heads scoreHeads and selectHeads choose, removed from a copy, with the recipe', async () => {
    const model = loadFixture('vit-tiny-hf');
    const before = encodeModel(model);
    const pruned = await pruneModel(model, { heads: { fraction: 0.25 }, perLayerMax: 1 });
    expect(Buffer.from(encodeModel(model)).equals(Buffer.from(before))).toBe(true);
    const expected = loadFixture('vit-tiny-hf');
    const scores = await scoreHeads(expected);
    const plan = selectHeads(scores, { fraction: 0.25, perLayerMax: 1 });
    await pruneHeads(expected, plan, {
      provenance: { scoring: 'magnitude', iterative: false, budget: { fraction: 0.25 } },
    });
    expect(pruned.plan).toEqual(plan);
    expect(pruned.scores).toEqual(scores);
    expect(pruned.heads).toMatchObject({ headsBefore: 16, headsAfter: 12, recover: 'none' });
    expect(pruned.mlp).toBeUndefined();
    expect(headsOf(pruned.model)).toEqual([3, 3, 3, 3]);
    expect(Buffer.from(encodeModel(pruned.model)).equals(Buffer.from(encodeModel(expected)))).toBe(
      true,
    );
    expect(readPruneRecipe(pruned.model)).toEqual([
      expect.objectContaining({
        scoring: 'magnitude',
        iterative: false,
        budget: { fraction: 0.25 },
      }),
    ]);
  });

  it('a plan and MLP neurons, in place: two recipe steps, no scores', async () => {
    const model = loadFixture('vit-tiny-tv');
    const pruned = await pruneModel(model, {
      heads: { plan: { 0: [1], 3: [0, 2] } },
      mlp: { count: 8 },
      inPlace: true,
    });
    expect(pruned.model).toBe(model);
    expect(pruned.scores).toBeUndefined();
    expect(pruned.plan).toEqual({ 0: [1], 3: [0, 2] });
    expect(headsOf(model)).toEqual([3, 4, 4, 2]);
    expect(pruned.mlp).toMatchObject({ neuronsBefore: 512, neuronsAfter: 504 });
    expect(findMlpLayers(model).reduce((n, layer) => n + layer.neurons, 0)).toBe(504);
    expect(readPruneRecipe(model).map((step) => step.pass)).toEqual(['pruneHeads', 'pruneMlp']);
    expect(readPruneRecipe(model)[0]).toMatchObject({ plan: 'given' });
    expect(readPruneRecipe(model)[1]).toMatchObject({ scoring: 'magnitude', budget: { count: 8 } });
  });

  it('reports the long stages from 0: ablation head by head, an iterative choice round by round', async () => {
    const feeds = [fixtureFeeds('vit-tiny-hf')];
    const progress: PruneModelProgress[] = [];
    const ablated = await pruneModel(loadFixture('vit-tiny-hf'), {
      heads: { count: 2 },
      score: 'ablation',
      recover: 'bias',
      feeds,
      probe,
      onProgress: (p) => progress.push(p),
    });
    expect(progress.map((p) => [p.stage, p.done, p.total])).toEqual(
      Array.from({ length: 17 }, (_, i) => ['scoring', i, 16]),
    );
    expect(ablated.heads).toMatchObject({ headsAfter: 14, recover: 'bias' });
    expect(ablated.scores).toHaveLength(16);
    progress.length = 0;
    const iterative = await pruneModel(loadFixture('vit-tiny-hf'), {
      heads: { count: 2 },
      score: 'activation',
      iterative: true,
      feeds,
      probe,
      onProgress: (p) => progress.push(p),
    });
    expect(progress.map((p) => [p.stage, p.done, p.total])).toEqual([
      ['choosing', 0, 2],
      ['choosing', 1, 2],
      ['choosing', 2, 2],
    ]);
    expect(iterative.heads.headsAfter).toBe(14);
    expect(iterative.scores).toHaveLength(15);
    expect(readPruneRecipe(iterative.model)[0]).toMatchObject({
      scoring: 'activation',
      iterative: true,
    });
  });

  it('refuses, before any work, nothing to prune and data-driven options without feeds or a probe', async () => {
    const model = loadFixture('vit-tiny-hf');
    await expect(pruneModel(model, {})).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      subject: 'heads',
    });
    await expect(
      pruneModel(model, { heads: { fraction: 0.25 }, score: 'activation' }),
    ).rejects.toMatchObject({
      subject: 'feeds',
      message: "'activation' scoring runs the model: give feeds and a probe",
    });
    await expect(
      pruneModel(model, { mlp: { count: 4 }, recover: 'lstsq', feeds: [] }),
    ).rejects.toMatchObject({
      subject: 'probe',
      message: "recover 'lstsq' runs the model: give feeds and a probe",
    });
    expect(headsOf(model)).toEqual([4, 4, 4, 4]);
  });
});

describe('pruneNeedsFeeds', () => {
  it('is true for a budget ranked by activation or ablation, and for any recovery', () => {
    expect(pruneNeedsFeeds({ heads: { fraction: 0.25 } })).toBe(false);
    expect(pruneNeedsFeeds({ heads: { fraction: 0.25 }, score: 'ablation' })).toBe(true);
    expect(pruneNeedsFeeds({ heads: { plan: { 0: [1] } }, score: 'ablation' })).toBe(false);
    expect(pruneNeedsFeeds({ mlp: { count: 4 }, score: 'activation' })).toBe(true);
    expect(pruneNeedsFeeds({ heads: { plan: { 0: [1] } }, recover: 'bias' })).toBe(true);
  });
});
