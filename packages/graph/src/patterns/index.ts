export { findAttentionBlocks } from './attention-blocks.js';
export type { AttentionMatch, AttentionStyle } from './attention-blocks.js';
export { headCluesOfSplitReshape, headDimOfScale, resolveHeadLayout } from './attention-heads.js';
export type { HeadClues, HeadLayout } from './attention-heads.js';
export { findClassifier } from './classifier.js';
export { convMatchOf, matchConv } from './conv-layer.js';
export type { ConvMatch } from './conv-layer.js';
export {
  constantTensorOf,
  dataUses,
  graphOrder,
  isConstantValue,
  isCopy,
  isOp,
  producerOf,
  scalarConstant,
  smallConstantNumbers,
  sourceOf,
  splitConstantOperand,
  variableInputs,
} from './graph-walk.js';
export type { CheckedNode } from './graph-walk.js';
export { layerNormBefore, matchLayerNorm } from './layer-norm.js';
export type { LayerNormMatch } from './layer-norm.js';
export { linearMatchOf, linearProducing, matchLinear } from './linear-layer.js';
export type { LinearMatch } from './linear-layer.js';
export { findMlpBlocks } from './mlp-blocks.js';
export type { MlpMatch } from './mlp-blocks.js';
export { findPatchEmbedding, findTokenEmbeddings } from './patch-embedding.js';
export type { PatchEmbedding, TokenEmbeddings } from './patch-embedding.js';
export { elementFromEnd, resolveShapeElements, shapeRank } from './shape-elements.js';
export type { ShapeElement } from './shape-elements.js';
export {
  ACTIVATION_ARITHMETIC_OPS,
  HEAD_MERGE_OPS,
  LAYOUT_OPS,
  LOGIT_OUTPUT_OPS,
  NONLINEAR_OPS,
  POOLING_OPS,
  PROBABILITY_PATH_OPS,
  PROJECTION_PATH_OPS,
  QKV_CUT_OPS,
} from './op-traits.js';
