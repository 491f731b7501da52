import { definePass, type Model, type Pass } from '@vit-opt/graph';
import { readRecipe, type RecipeMode } from '../recipe.js';

/**
 * A quantization mode as a pass for runPasses. It runs once: a model that already carries this
 * mode's recipe is left as it is, so a pipeline run until stable does not try to quantize its
 * own output again (which the mode would refuse as already quantized).
 */
export function defineModePass<Report>(
  name: string,
  mode: RecipeMode,
  apply: (model: Model) => Report,
  summarize: (report: Report) => string,
): Pass {
  return definePass(name, (model) => {
    if (readRecipe(model)?.mode === mode) return { modified: false };
    return { modified: true, notes: [summarize(apply(model))] };
  });
}
