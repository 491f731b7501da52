import { describe, expect, it } from 'vitest';
import { findAttentionLayers } from './attention-layers.js';
import { planHeadsIteratively } from './iterative-plan.js';
import { maskHeads } from './mask-heads.js';
import { scoreHeads } from './score-heads.js';
import { selectHeads } from './select-heads.js';
import { FIXTURE_NAMES, fixtureFeeds, loadFixture, probe } from './testing/models.js';

describe.each(FIXTURE_NAMES)('scoreHeads on %s', (name) => {
  it('magnitude: a positive score for each of the 16 heads, none for a head whose weights are zero', async () => {
    const model = loadFixture(name);
    const scores = await scoreHeads(model);
    expect(scores).toHaveLength(16);
    expect(scores.every((s) => s.score > 0)).toBe(true);
    expect(scores.slice(0, 4).map((s) => [s.layer, s.head])).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [0, 3],
    ]);
  });

  it('activation and ablation: a head already masked scores 0, the others more', async () => {
    const model = loadFixture(name);
    maskHeads(model, { 2: [1] });
    const feeds = [fixtureFeeds(name)];
    for (const method of ['activation', 'ablation'] as const) {
      const progress: number[] = [];
      const scores = await scoreHeads(model, {
        method,
        feeds,
        probe,
        onProgress: (p) => progress.push(p.done),
      });
      expect(scores).toHaveLength(16);
      const maskedScore = scores.find((s) => s.layer === 2 && s.head === 1)!.score;
      expect(maskedScore).toBeLessThan(1e-6);
      expect(scores.filter((s) => s !== scores[9]).every((s) => s.score > 1e-6)).toBe(true);
      if (method === 'ablation')
        expect(progress).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    }
  });
});

describe('selectHeads', () => {
  const importance = findAttentionLayers(loadFixture('vit-tiny-hf')).flatMap((layer) =>
    Array.from({ length: layer.heads }, (_, head) => ({
      layer: layer.index,
      head,
      // Layer 0 matters least, then head order.
      score: layer.index * 10 + head,
    })),
  );

  it('takes the least important heads across layers, keeping one per layer', () => {
    expect(selectHeads(importance, { fraction: 0.25 })).toEqual({ 0: [0, 1, 2], 1: [0] });
    expect(selectHeads(importance, { count: 4, perLayerMax: 2 })).toEqual({ 0: [0, 1], 1: [0, 1] });
    expect(selectHeads(importance, { count: 0 })).toEqual({});
  });

  it('refuses a budget it cannot meet, or two budgets', () => {
    expect(() => selectHeads(importance, { count: 13 })).toThrow(
      'head budget: cannot remove 13 of 16 heads keeping one per layer; at most 12',
    );
    expect(() => selectHeads(importance, { count: 1, fraction: 0.1 })).toThrow(
      'give either fraction or count',
    );
    expect(() => selectHeads(importance, { fraction: 1 })).toThrow('fraction must be in [0, 1)');
  });
});

describe('planHeadsIteratively', () => {
  it('re-scores the remaining heads after each removal; its first pick is one-shot ablation’s', async () => {
    const model = loadFixture('vit-tiny-tv');
    const feeds = [fixtureFeeds('vit-tiny-tv')];
    const progress: number[] = [];
    const { plan, rounds } = await planHeadsIteratively(model, {
      budget: { count: 2 },
      feeds,
      probe,
      onProgress: (p) => progress.push(p.done),
    });
    expect(rounds.map((r) => r.length)).toEqual([16, 15]);
    expect(progress).toEqual([1, 2]);
    expect(Object.values(plan).flat()).toHaveLength(2);
    const oneShot = await scoreHeads(model, { method: 'ablation', feeds, probe });
    const best = [...oneShot].sort((a, b) => a.score - b.score)[0]!;
    expect(plan[best.layer]).toContain(best.head);
    rounds[0]!.forEach((s, i) => expect(s.score).toBeCloseTo(oneShot[i]!.score, 6));
  });
});
