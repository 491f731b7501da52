// @vit-opt/pipeline: one YAML file, one call: a model's optimized variants built, evaluated against
// it, benchmarked and compared in a report, each stage skipped when its inputs have not changed.
export { loadPipelineConfig, parsePipelineConfig } from './config/load-pipeline-config.js';
export { checkPipelineConfig } from './config/check-pipeline-config.js';
export { PipelineConfigError, isPipelineConfigError } from './config/config-error.js';
export type { KeyPath } from './config/config-error.js';
export type {
  PipelineBenchSettings,
  PipelineConfig,
  PipelineEvalSettings,
  VariantConfig,
} from './config/pipeline-config.js';
export {
  runPipeline,
  REPORT_FOLDER,
  REPORT_MANIFEST,
  VARIANTS_FOLDER,
} from './run/run-pipeline.js';
export type {
  PipelineProgress,
  PipelineStage,
  PipelineSummary,
  RunPipelineOptions,
  VariantOutcome,
} from './run/run-pipeline.js';
export { MANIFEST_FILE } from './run/variant-manifest.js';
export type { VariantManifest } from './run/variant-manifest.js';
export { VARIANT_STEPS, findStep } from './steps/index.js';
export type {
  JsonSchema,
  StepInput,
  StepOptions,
  StepOutput,
  VariantStep,
} from './steps/variant-step.js';
