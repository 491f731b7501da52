export { findAttentionBlocks } from '@vit-opt/graph';
export { findAttentionLayers } from './attention-layers.js';
export type { AttentionLayer } from './attention-layers.js';
export { parseHeadPlan, resolveHeadPlan } from './head-plan.js';
export type { HeadPlan } from './head-plan.js';
export { planHeadsIteratively } from './iterative-plan.js';
export type { IterativePlanOptions } from './iterative-plan.js';
export { maskHeads } from './mask-heads.js';
export { HEAD_RECOVERIES, pruneHeads } from './prune-heads.js';
export type {
  HeadRecovery,
  LayerPruning,
  PruneHeadsOptions,
  PruneHeadsResult,
} from './prune-heads.js';
export { findMlpLayers, maskNeurons, pruneMlp, scoreNeurons, selectNeurons } from './prune-mlp.js';
export type {
  MlpLayer,
  MlpPruning,
  NeuronImportance,
  NeuronPlan,
  NeuronScoring,
  PruneMlpOptions,
  PruneMlpResult,
  ScoreNeuronsOptions,
} from './prune-mlp.js';
export { pruneModel, pruneNeedsFeeds } from './prune-model.js';
export type {
  PruneBudget,
  PruneModelOptions,
  PruneModelProgress,
  PrunedModel,
} from './prune-model.js';
export { PRUNE_RECIPE_KEY, readPruneRecipe } from './recipe.js';
export type { PruneStep } from './recipe.js';
export { HEAD_SCORINGS, scoreHeads } from './score-heads.js';
export type { HeadImportance, HeadScoring, ScoreHeadsOptions } from './score-heads.js';
export { selectHeads } from './select-heads.js';
export type { HeadBudget } from './select-heads.js';
export { vitMultiplyAdds } from './multiply-adds.js';
export { resizeInput } from './resize-input.js';
export type { ResizeInputOptions, ResizeInputResult } from './resize-input.js';
export { resizedModelConfig, resizedPreprocessorConfig } from './resize-configs.js';
export type { ConfigJson } from './resize-configs.js';
