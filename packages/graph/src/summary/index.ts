export { summarizeModel } from './model-summary.js';
export type { ModelSummary, TensorSignature, InitializerBytes } from './model-summary.js';
export { formatSummary, formatBytes } from './format-summary.js';
export { findVitStructure } from './vit-structure.js';
export type { VitStructure, EncoderLayer, AttentionBlock } from './vit-structure.js';
export { describeLinear, describeLayerNorm } from './describe.js';
export type { LinearLayer, LayerNorm } from './describe.js';
