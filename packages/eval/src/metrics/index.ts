// Accuracy metrics of @vit-opt/eval: per-batch logits become per-item records, and every figure
// (single run or merged shards) is computed from the index-sorted records by one code path.
export type { ItemRecord } from './item-record.js';
export type {
  ClassificationAccumulatorOptions,
  LogitsBatch,
} from './classification-accumulator.js';
export { ClassificationAccumulator } from './classification-accumulator.js';
export type {
  ClassificationMetrics,
  EvalMetrics,
  MetricsOptions,
} from './classification-metrics.js';
export { computeClassificationMetrics } from './classification-metrics.js';
export type { ClassMetrics, ConfusionCell } from './per-class.js';
export type { BaselineComparison } from './baseline-comparison.js';
export type { BootstrapOptions } from './paired-bootstrap.js';
export { DEFAULT_BOOTSTRAP } from './paired-bootstrap.js';
