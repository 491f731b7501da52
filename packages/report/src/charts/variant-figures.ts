import type { BenchMeasurement } from '@vit-opt/eval/results';
import { measurementAt } from '../data/bench-config.js';
import type { ReportData, Variant } from '../data/report-data.js';

/** The variant's top-1, from its eval results or, for a baseline known only as such, theirs. */
export function top1Of(variant: Variant): number | null {
  return variant.eval?.results.metrics.top1 ?? variant.baselineTop1;
}

/** Images the report's accuracy figures rest on (the same for every variant). */
export function evaluatedImageCount(data: ReportData): number | null {
  for (const v of data.variants) if (v.eval !== null) return v.eval.results.metrics.item_count;
  return null;
}

/** The variant's measurement in the report's bench configuration. */
export function headlineMeasurement(
  data: ReportData,
  variant: Variant,
): BenchMeasurement | undefined {
  return data.benchConfig === null ? undefined : measurementAt(variant, data.benchConfig);
}

/** "batch 1, 2 threads". */
export function describeBenchConfig(data: ReportData): string {
  const config = data.benchConfig;
  if (config === null) return '';
  return `batch ${config.batchSize}, ${config.threads} ${config.threads === 1 ? 'thread' : 'threads'}`;
}
