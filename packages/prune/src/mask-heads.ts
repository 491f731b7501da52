import type { Model } from '@vit-opt/graph';
import { findAttentionLayers, headFeatures } from './attention-layers.js';
import { resolveHeadPlan, type HeadPlan } from './head-plan.js';
import { zeroLinearInputs } from './linear-weights.js';

/**
 * Zeroes the output projection's rows of the planned heads, in place: the same as ViT's head mask
 * (which multiplies the attention probabilities), so the heads stop contributing while the graph
 * keeps its shape. What ablation scoring measures, and what a pruned model must compute.
 */
export function maskHeads(model: Model, plan: HeadPlan): void {
  const layers = findAttentionLayers(model);
  for (const [index, { removed }] of resolveHeadPlan(layers, plan)) {
    const layer = layers[index]!;
    zeroLinearInputs(layer.output, headFeatures(removed, layer.headDim));
  }
}
