import { VitOptError } from '@vit-opt/graph';
import { computeClassificationMetrics, sortByIndex } from '../metrics/classification-metrics.js';
import type { ItemRecord } from '../metrics/item-record.js';
import type { BootstrapOptions } from '../metrics/paired-bootstrap.js';
import {
  RESULTS_SCHEMA_VERSION,
  type DatasetDescription,
  type EnvironmentDescription,
  type EvalResults,
  type EvalRuntime,
  type FailureRecord,
  type MergedShard,
  type ModelDescription,
  type PreprocessingDescription,
} from './results-document.js';

/** Everything an eval run (or a merge of shards) knows; the metrics are derived from `items`. */
export interface EvalRun {
  readonly model: ModelDescription;
  readonly baselineModel: ModelDescription | null;
  readonly dataset: DatasetDescription;
  readonly preprocessing: PreprocessingDescription;
  /** With a baseline; undefined only for shards written before it was recorded. */
  readonly baselinePreprocessing?: PreprocessingDescription;
  readonly runtime: EvalRuntime;
  readonly environment: EnvironmentDescription;
  /** Width of the model's logits. */
  readonly classCount: number;
  /** Resampling for the top-1 delta's interval; default 2,000 resamples, seed 0. */
  readonly bootstrap?: BootstrapOptions;
  readonly items: readonly ItemRecord[];
  readonly failures: readonly FailureRecord[];
  readonly timings: {
    readonly wallMs: number;
    readonly inferenceMs: number;
    readonly inputWaitMs: number;
  };
  readonly mergedFrom?: readonly MergedShard[];
  /** Default: now. */
  readonly createdAt?: Date;
}

/**
 * The results document of an eval run. A single run and `mergeResults` both build their document
 * here, so the metrics of merged shards come from the same records through the same code as a
 * single run's.
 */
export function buildEvalResults(run: EvalRun): EvalResults {
  const items = sortByIndex(run.items);
  const metrics = computeClassificationMetrics(items, {
    classCount: run.classCount,
    ...(run.bootstrap === undefined ? {} : { bootstrap: run.bootstrap }),
  });
  const comparesBaseline = 'agreement' in metrics;
  if (comparesBaseline !== (run.baselineModel !== null)) {
    throw new VitOptError(
      'INVALID_ARGUMENT',
      comparesBaseline
        ? 'the items carry baseline predictions but no baseline model is given'
        : 'a baseline model is given but the items carry no baseline predictions',
      { subject: 'baselineModel' },
    );
  }
  if (run.baselinePreprocessing !== undefined && run.baselineModel === null) {
    throw new VitOptError(
      'INVALID_ARGUMENT',
      'a baseline preprocessing is given without a baseline model',
      {
        subject: 'baselinePreprocessing',
      },
    );
  }
  const { wallMs, inferenceMs, inputWaitMs } = run.timings;
  return {
    schema_version: RESULTS_SCHEMA_VERSION,
    kind: 'eval',
    created_at: (run.createdAt ?? new Date()).toISOString(),
    model: run.model,
    baseline_model: run.baselineModel,
    dataset: run.dataset,
    preprocessing: run.preprocessing,
    ...(run.baselinePreprocessing === undefined
      ? {}
      : { baseline_preprocessing: run.baselinePreprocessing }),
    runtime: run.runtime,
    environment: run.environment,
    metrics,
    timings: {
      wall_ms: wallMs,
      inference_ms: inferenceMs,
      input_wait_ms: inputWaitMs,
      images_per_second: wallMs > 0 ? items.length / (wallMs / 1000) : 0,
    },
    failures: [...run.failures].sort((a, b) => a.index - b.index),
    items,
    merged_from: run.mergedFrom === undefined ? null : [...run.mergedFrom],
  };
}
