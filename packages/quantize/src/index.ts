// @vit-opt/quantize: int8 (dynamic), fp16 and weight-only int4 passes over @vit-opt/graph's IR.
// Each mode is a function that returns a report and a pass factory for runPasses.
export { quantizeDynamic, quantizeDynamicPass } from './passes/quantize-dynamic.js';
export { convertFloat16, convertFloat16Pass } from './passes/convert-float16.js';
export type { Float16Report, Float32Node } from './passes/convert-float16.js';
export { quantizeWeightsInt4, quantizeWeightsInt4Pass } from './passes/quantize-weights-int4.js';
export { summarizeReport } from './quantization-report.js';
export type { QuantizationReport, QuantizedNode } from './quantization-report.js';
export type { SkippedNode } from './graph/weighted-nodes.js';

export { DEFAULT_FLOAT16_OP_BLOCK_LIST } from './options/mode-options.js';
export type {
  DynamicOpType,
  DynamicQuantizationOptions,
  Float16Options,
  Int4AccuracyLevel,
  Int4BlockSize,
  Int4Options,
  NamePatterns,
  NodeSelectionOptions,
  RecipeSourceOptions,
  TargetOptions,
} from './options/mode-options.js';
// CPU targets: the int8 settings each instruction family gets, `auto` reading this machine's.
export {
  QUANTIZATION_TARGETS,
  resolveQuantizationTarget,
  targetPreset,
} from './targets/quantization-target.js';
export type {
  QuantizationTarget,
  ResolvedTarget,
  TargetDetection,
  TargetPreset,
  TargetResolution,
} from './targets/quantization-target.js';

export { FUSION_KEY, RECIPE_KEY, readRecipe, writeRecipe } from './recipe.js';
export type { Recipe, RecipeMode } from './recipe.js';

// Weight-quantization helpers, shared with static quantization and reports.
export { quantizeInt8Weight, int8Range } from './weights/int8-weights.js';
export type {
  Int8ElementType,
  Int8WeightScheme,
  IntegerRange,
  QuantizedInt8Weight,
} from './weights/int8-weights.js';
export { quantizeInt4Blocks } from './weights/int4-blocks.js';
export type { Int4BlockScheme, Int4BlockWeight } from './weights/int4-blocks.js';
export { convertToFloat16, float16Bits, FLOAT16_MAX } from './weights/float16.js';
export type { Float16Clamp, Float16Conversion } from './weights/float16.js';
export { roundHalfToEven, sqnrDb } from './weights/rounding.js';

// Model checks and node search, shared by every mode.
export { assertNotQuantized, assertOpset, nothingToQuantizeError } from './model-checks.js';
export { findWeightedNodes, describeSelection } from './graph/weighted-nodes.js';
export type {
  WeightedConv,
  WeightedMatMul,
  WeightedNode,
  WeightedNodeSearch,
} from './graph/weighted-nodes.js';
// Static int8: calibration, the QDQ/QOperator rewrite, and the per-layer error report.
export { calibrate } from './calibration/calibrate.js';
export type { CalibrationOptions, CalibrationProgress } from './calibration/calibration-options.js';
export type {
  ActivationRanges,
  CalibrationMethod,
  TensorRange,
} from './calibration/activation-ranges.js';
export { loadRanges, saveRanges, stageRanges } from './calibration/ranges-file.js';
export { quantizeStatic, quantizeStaticPass } from './static/quantize-static.js';
export type { QuantizedActivation, StaticQuantizationReport } from './static/quantize-static.js';
export type {
  ActivationElementType,
  QuantizedModelFormat,
  StaticLayoutOptions,
  StaticOpType,
  StaticQuantizationOptions,
  WeightElementType,
} from './static/static-options.js';
export { buildQuantizationReport } from './report/build-report.js';
export type { QuantizationErrorReport, QuantizationReportOptions } from './report/build-report.js';
export { formatReport } from './report/format-report.js';
export type { FormatReportOptions } from './report/format-report.js';
export type { TensorError } from './report/tensor-error.js';
export { measurePairSaturation } from './report/pair-saturation.js';
export type { PairSaturation, PairSaturationOptions } from './report/pair-saturation.js';
// Transformer fusion into onnxruntime's contrib ops, before quantization.
export {
  fuseTransformer,
  fuseTransformerPass,
  summarizeFusion,
} from './fusion/fuse-transformer.js';
export type {
  TransformerFusionOptions,
  TransformerFusionReport,
} from './fusion/fuse-transformer.js';
export type { AttentionFusionStyle } from './fusion/attention-fusion.js';
export type { GeluFusionStyle } from './fusion/gelu-fusion.js';
export type { SkippedFusion } from './fusion/fusion-graph.js';
// The whole workflow of one quantization (fusion, checks, calibration or saved ranges, the mode,
// the error report), as `vit-opt quantize` and the pipeline run it.
export { quantizeModel, ERROR_REPORT_SAMPLES } from './quantize-model/quantize-model.js';
export type {
  DynamicModelOptions,
  Float16ModelOptions,
  Int4ModelOptions,
  QuantizeModelCommonOptions,
  QuantizeModelImages,
  QuantizeModelOptions,
  QuantizeModelProgress,
  QuantizedModel,
  StaticModelOptions,
  UsedRanges,
} from './quantize-model/quantize-model.js';
