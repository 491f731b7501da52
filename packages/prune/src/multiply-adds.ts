import { findMlpBlocks, findVitStructure, type Model } from '@vit-opt/graph';
import { findAttentionLayers } from './attention-layers.js';

/**
 * Multiply-adds of one image through the patch embedding, every attention block (q/k/v, Q·Kᵀ,
 * P·V, output projection) and MLP, and the classifier, at the token count of the model's position
 * embedding; null when the graph has no recognised position embedding or patch embedding. The
 * FLOP-proportional ideal of a structural change is the ratio of this before and after it.
 */
export function vitMultiplyAdds(model: Model): number | null {
  const vit = findVitStructure(model.graph);
  const tokens = vit?.positionEmbedding?.tokenCount;
  const patch = vit?.patchEmbedding;
  if (vit === null || tokens === undefined || patch === null || patch === undefined) return null;
  let total = 0;
  for (const layer of findAttentionLayers(model)) {
    const hidden = layer.block.query.inFeatures;
    total += tokens * hidden * 3 * layer.width;
    total += 2 * tokens * tokens * layer.width;
    total += tokens * layer.width * layer.output.outFeatures;
  }
  for (const { fc1, fc2 } of findMlpBlocks(model.graph)) {
    total += tokens * (fc1.inFeatures * fc1.outFeatures + fc2.inFeatures * fc2.outFeatures);
  }
  const kernel = patch.kernelShape.reduce((a, b) => a * b, 1);
  const patches = patch.patchCount ?? tokens - 1;
  total += patches * patch.inChannels * kernel * patch.hiddenSize;
  total += (vit.classifier?.inFeatures ?? 0) * (vit.classCount ?? 0);
  return total;
}
