import { VitOptError } from '@vit-opt/graph';
import type { HeadPlan } from './head-plan.js';
import type { HeadImportance } from './score-heads.js';

/** How many heads to remove: a share of all heads (0.25) or a count (36); at most perLayerMax per layer. */
export interface HeadBudget {
  readonly fraction?: number;
  readonly count?: number;
  readonly perLayerMax?: number;
}

/**
 * The least important heads across all layers, up to the budget, keeping at least one head in
 * every layer (and no more than perLayerMax removed from one): a plan for pruneHeads.
 */
export function selectHeads(
  importance: readonly HeadImportance[],
  budget: HeadBudget,
  unit = 'heads',
): HeadPlan {
  const total = importance.length;
  const wanted = headsWanted(budget, total, unit);
  const headsIn = new Map<number, number>();
  for (const { layer } of importance) headsIn.set(layer, (headsIn.get(layer) ?? 0) + 1);
  const perLayerMax = budget.perLayerMax ?? Infinity;
  const removed = new Map<number, number[]>();
  const ordered = [...importance].sort(
    (a, b) => a.score - b.score || a.layer - b.layer || a.head - b.head,
  );
  let taken = 0;
  for (const { layer, head } of ordered) {
    if (taken >= wanted) break;
    const heads = removed.get(layer) ?? [];
    if (heads.length >= Math.min(perLayerMax, headsIn.get(layer)! - 1)) continue;
    heads.push(head);
    removed.set(layer, heads);
    taken += 1;
  }
  if (taken < wanted) {
    throw invalid(
      `cannot remove ${wanted} of ${total} ${unit} keeping one per layer${Number.isFinite(perLayerMax) ? ` and at most ${perLayerMax} per layer` : ''}; at most ${taken}`,
      budget.count === undefined ? 'fraction' : 'count',
      unit,
    );
  }
  return Object.fromEntries(
    [...removed]
      .sort(([a], [b]) => a - b)
      .map(([layer, heads]) => [layer, heads.sort((a, b) => a - b)]),
  );
}

/** How many of `total` heads the budget removes; a budget that is not one is refused. */
export function headsWanted(budget: HeadBudget, total: number, unit = 'heads'): number {
  const { fraction, count } = budget;
  if ((fraction === undefined) === (count === undefined)) {
    throw invalid(
      'give either fraction or count',
      fraction === undefined ? 'count' : 'fraction',
      unit,
    );
  }
  if (fraction !== undefined && !(fraction >= 0 && fraction < 1)) {
    throw invalid(`fraction must be in [0, 1), got ${fraction}`, 'fraction', unit);
  }
  if (count !== undefined && !(Number.isInteger(count) && count >= 0)) {
    throw invalid(`count must be a whole number ≥ 0, got ${count}`, 'count', unit);
  }
  return count ?? Math.round(fraction! * total);
}

function invalid(message: string, subject: string, unit = 'heads'): VitOptError {
  const what = unit === 'heads' ? 'head' : 'neuron';
  return new VitOptError('INVALID_ARGUMENT', `${what} budget: ${message}`, { subject });
}
