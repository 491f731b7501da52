import type { Model } from '@vit-opt/graph';

/** metadata_props key of the pruning recipe: a JSON list, one entry per pruning step. */
export const PRUNE_RECIPE_KEY = 'vit-opt.prune';

export interface PruneStep {
  readonly pass: string;
  readonly [key: string]: unknown;
}

/** Appends `step` to the model's pruning recipe. */
export function writePruneRecipe(model: Model, step: PruneStep): void {
  const steps = readPruneRecipe(model);
  steps.push({ tool: 'vit-opt', ...step });
  model.metadataProps.set(PRUNE_RECIPE_KEY, JSON.stringify(steps));
}

/** The pruning steps recorded in the model, oldest first; [] when none or unreadable. */
export function readPruneRecipe(model: Model): PruneStep[] {
  const text = model.metadataProps.get(PRUNE_RECIPE_KEY);
  if (text === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? (parsed as PruneStep[]) : [];
  } catch {
    return [];
  }
}
