import { VitOptError } from '@vit-opt/graph';
import type { EvalResults } from '@vit-opt/eval/results';
import type { ReportInput } from '../inputs/report-input.js';
import { chooseBaseline } from './choose-baseline.js';
import { chooseBenchConfig } from './bench-config.js';
import { checkSameDataset } from './check-same-dataset.js';
import { checkSameModel } from './check-same-model.js';
import { compareToBaseline } from './compare-to-baseline.js';
import { environmentWarnings, groupEnvironments } from './environments.js';
import { groupVariants } from './group-variants.js';
import type { BaselineComparison, ReportData, Sourced } from './report-data.js';

/** What a report compares, and how. */
export interface ReportDataOptions {
  /** Heading of the report; by default "<baseline> on <dataset>". */
  readonly title?: string;
  /** The baseline variant: its name, model path or SHA-256 prefix (see chooseBaseline). */
  readonly baseline?: string;
  /** The bench batch size the table's latency shows (default: the smallest every variant has). */
  readonly benchBatchSize?: number;
  /** The bench thread count the table's latency shows (default: the most every variant has). */
  readonly benchThreads?: number;
}

/**
 * Checks that the results belong in one report (variants of one model, evaluated on one dataset
 * and the same images), groups them by model, picks the baseline and compares every variant with
 * it. Errors name the file at fault.
 */
export function buildReportData(
  inputs: readonly ReportInput[],
  options: ReportDataOptions = {},
): ReportData {
  if (inputs.length === 0) {
    throw new VitOptError('INVALID_ARGUMENT', 'no results to report on', { subject: 'results' });
  }
  checkSameModel(inputs);
  const evals = inputs.filter(
    (i): i is Sourced<EvalResults> & ReportInput => i.results.kind === 'eval',
  );
  const dataset = checkSameDataset(evals);
  const { variants, baseline, reason } = chooseBaseline(groupVariants(inputs), options.baseline);
  const comparisons = new Map<string, BaselineComparison>();
  for (const variant of variants) {
    if (variant === baseline) continue;
    const comparison = compareToBaseline(variant, baseline);
    if (comparison !== null) comparisons.set(variant.name, comparison);
  }
  const { config: benchConfig, note: benchNote } = chooseBenchConfig(variants, {
    ...(options.benchBatchSize === undefined ? {} : { batchSize: options.benchBatchSize }),
    ...(options.benchThreads === undefined ? {} : { threads: options.benchThreads }),
  });
  const environments = groupEnvironments(inputs);
  const notes: string[] = [];
  if (benchNote !== null) notes.push(benchNote);
  notes.push(...environmentWarnings(inputs));
  const machines = new Set(
    environments.map(({ environment: e }) =>
      JSON.stringify([e.cpu_model, e.cpu_features, e.logical_cores, e.onnxruntime_version]),
    ),
  );
  if (machines.size > 1) {
    notes.push(
      `the results come from ${machines.size} different machines or onnxruntime versions (see Environment): compare their speed with care`,
    );
  }
  const classCount = dataset === null ? 0 : (evals[0]?.results.metrics.class_count ?? 0);
  const classNames = Array.from(
    { length: classCount },
    (_, i) => dataset?.class_names?.[i] ?? `class ${i}`,
  );
  return {
    title: options.title ?? defaultTitle(baseline.name, dataset?.path),
    variants,
    baseline,
    baselineReason: reason,
    comparisons,
    dataset,
    classNames,
    benchConfig,
    environments,
    notes,
  };
}

function defaultTitle(model: string, datasetPath: string | undefined): string {
  if (datasetPath === undefined) return `${model}: variants compared`;
  const dataset = datasetPath
    .split(/[\\/]+/)
    .filter((part) => part !== '' && part !== '.')
    .slice(-2)
    .join('/');
  return `${model} on ${dataset}`;
}
