// Results of @vit-opt/eval: the versioned one-document-per-run JSON format (schema in
// schema/results.schema.json), what goes into it, and merging eval shards.
export type {
  BenchInput,
  BenchMeasurement,
  BenchResults,
  BenchRuntime,
  DatasetDescription,
  DatasetHashMethod,
  DatasetSelection,
  EnvironmentDescription,
  EvalResults,
  EvalRuntime,
  EvalTimings,
  ExternalDataFile,
  FailureRecord,
  GraphOptimizationLevel,
  ImageSizeDescription,
  LatencySummary,
  MergedShard,
  ModelDescription,
  PreprocessingDescription,
  ResultsDocument,
  ShardPosition,
} from './results-document.js';
export { RESULTS_SCHEMA_VERSION } from './results-document.js';
export { RESULTS_SCHEMA_PATH, findSchemaViolation } from './results-schema.js';
export { readResults, resultsText, stageResults, writeResults } from './results-file.js';
export { sha256File } from './sha256-file.js';
export { RECIPE_METADATA_KEY, describeModel } from './describe-model.js';
export type { DatasetContentHash, DescribeDatasetOptions } from './describe-dataset.js';
export {
  FILE_BYTES_HASH_LIMIT_BYTES,
  describeDataset,
  hashDatasetContent,
} from './describe-dataset.js';
export { describePreprocessing } from './describe-preprocessing.js';
export { captureEnvironment } from './environment.js';
export type { EvalRun } from './build-eval-results.js';
export { buildEvalResults } from './build-eval-results.js';
export type { ShardResults } from './merge-results.js';
export { mergeResults } from './merge-results.js';
