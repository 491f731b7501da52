import type { LatencySummary } from '@vit-opt/eval/results';
import type { BaselineComparison, ReportData, Variant } from '../data/report-data.js';
import { headlineMeasurement, top1Of } from '../charts/variant-figures.js';

/** One line of the variants table, as both report.html and summary.md show it. */
export interface VariantRow {
  readonly variant: Variant;
  readonly isBaseline: boolean;
  readonly sizeBytes: number;
  /** size / the baseline's size; null for the baseline. */
  readonly sizeRatio: number | null;
  readonly parameterCount: number;
  /** In the report's bench configuration; null when not measured there. */
  readonly latency: LatencySummary | null;
  readonly throughputImagesPerSecond: number | null;
  readonly top1: number | null;
  readonly top5: number | null;
  readonly comparison: BaselineComparison | null;
}

export function variantRows(data: ReportData): VariantRow[] {
  return data.variants.map((variant) => {
    const isBaseline = variant === data.baseline;
    const measurement = headlineMeasurement(data, variant);
    return {
      variant,
      isBaseline,
      sizeBytes: variant.model.size_bytes,
      sizeRatio: isBaseline ? null : variant.model.size_bytes / data.baseline.model.size_bytes,
      parameterCount: variant.model.parameter_count,
      latency: measurement?.latency ?? null,
      throughputImagesPerSecond: measurement?.throughput_images_per_second ?? null,
      top1: top1Of(variant),
      top5: variant.eval?.results.metrics.top5 ?? null,
      comparison: data.comparisons.get(variant.name) ?? null,
    };
  });
}

/** The variant's recipe in a few words: "dynamic int8 (fused)", "int4", "none". */
export function describeRecipe(variant: Variant): string {
  const recipe = variant.model.recipe;
  if (recipe === null) return 'none (float model)';
  const mode = typeof recipe['mode'] === 'string' ? recipe['mode'] : 'unknown mode';
  const name =
    (
      {
        dynamic: 'dynamic int8',
        static: 'static int8',
        fp16: 'fp16',
        int4: 'int4 weights',
      } as Record<string, string>
    )[mode] ?? mode;
  return recipe['fusion'] === undefined ? name : `${name}, transformer fusion`;
}
