import { VitOptError, type Model } from '@vit-opt/graph';
import { findAttentionLayers } from './attention-layers.js';
import { collectBatches } from './feeds.js';
import type { HeadPlan } from './head-plan.js';
import { maskHeads } from './mask-heads.js';
import {
  logitsOf,
  meanKl,
  scoreHeads,
  type HeadImportance,
  type ScoreHeadsOptions,
} from './score-heads.js';
import { headsWanted, type HeadBudget } from './select-heads.js';

export interface IterativePlanOptions extends Omit<ScoreHeadsOptions, 'method' | 'onProgress'> {
  /** 'ablation': KL of the logits to the unpruned model's; 'activation': on the masked model. */
  readonly method?: 'ablation' | 'activation';
  readonly budget: HeadBudget;
  /** Heads removed per round before scoring again (default 1). */
  readonly headsPerRound?: number;
  /** Called after each round: heads chosen so far, of how many. */
  readonly onProgress?: (progress: { readonly done: number; readonly total: number }) => void;
}

/**
 * A plan chosen a few heads at a time: the heads chosen so far are masked, the remaining heads
 * are scored again on that model, and the least important go next. Ablation measures each
 * candidate against the unpruned model's logits, so it picks the head whose removal, on top of
 * the others, changes the predictions least.
 */
export async function planHeadsIteratively(
  model: Model,
  options: IterativePlanOptions,
): Promise<{ plan: HeadPlan; rounds: HeadImportance[][] }> {
  const method = options.method ?? 'ablation';
  const layers = findAttentionLayers(model);
  const total = layers.reduce((n, layer) => n + layer.heads, 0);
  const wanted = headsWanted(options.budget, total);
  const perRound = options.headsPerRound ?? 1;
  if (!Number.isInteger(perRound) || perRound < 1) {
    throw new VitOptError(
      'INVALID_ARGUMENT',
      `headsPerRound must be a whole number ≥ 1, got ${perRound}`,
      {
        subject: 'headsPerRound',
      },
    );
  }
  if (options.feeds === undefined || options.probe === undefined) {
    throw new VitOptError(
      'INVALID_ARGUMENT',
      `iterative '${method}' scoring needs calibration feeds and a probe`,
      {
        subject: options.feeds === undefined ? 'feeds' : 'probe',
      },
    );
  }
  const { probe, signal } = options;
  const batches = await collectBatches(options.feeds, options.sampleLimit);
  const logitsName = model.graph.outputs[0]!.name;
  const reference =
    method === 'ablation' ? await logitsOf(model, logitsName, batches, probe, signal) : [];
  const perLayerMax = options.budget.perLayerMax ?? Infinity;
  const removed = new Map<number, number[]>();
  const plan = (): HeadPlan =>
    Object.fromEntries([...removed].map(([l, heads]) => [l, [...heads].sort((a, b) => a - b)]));
  const removable = (layer: number): boolean =>
    (removed.get(layer)?.length ?? 0) < Math.min(perLayerMax, layers[layer]!.heads - 1);
  const rounds: HeadImportance[][] = [];
  let taken = 0;
  while (taken < wanted) {
    const masked = model.clone();
    maskHeads(masked, plan());
    const candidates = layers.flatMap((layer) =>
      removable(layer.index)
        ? Array.from({ length: layer.heads }, (_, head) => ({ layer: layer.index, head })).filter(
            ({ head }) => !(removed.get(layer.index) ?? []).includes(head),
          )
        : [],
    );
    let scores: HeadImportance[];
    if (method === 'activation') {
      const all = await scoreHeads(masked, {
        method,
        feeds: batches,
        probe,
        ...(signal === undefined ? {} : { signal }),
      });
      scores = all.filter((s) => candidates.some((c) => c.layer === s.layer && c.head === s.head));
    } else {
      scores = [];
      for (const { layer, head } of candidates) {
        const candidate = masked.clone();
        maskHeads(candidate, { [layer]: [head] });
        const logits = await logitsOf(candidate, logitsName, batches, probe, signal);
        scores.push({ layer, head, score: meanKl(reference, logits) });
      }
    }
    rounds.push(scores);
    const ordered = [...scores].sort(
      (a, b) => a.score - b.score || a.layer - b.layer || a.head - b.head,
    );
    let chosen = 0;
    for (const { layer, head } of ordered) {
      if (chosen >= perRound || taken >= wanted) break;
      if (!removable(layer)) continue;
      removed.set(layer, [...(removed.get(layer) ?? []), head]);
      chosen += 1;
      taken += 1;
    }
    if (chosen === 0) {
      throw new VitOptError(
        'INVALID_ARGUMENT',
        `head budget: cannot remove ${wanted} of ${total} heads keeping one per layer`,
        {
          subject: options.budget.count === undefined ? 'fraction' : 'count',
        },
      );
    }
    options.onProgress?.({ done: taken, total: wanted });
  }
  return { plan: plan(), rounds };
}
