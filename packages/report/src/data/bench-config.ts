import { VitOptError } from '@vit-opt/graph';
import type { BenchMeasurement } from '@vit-opt/eval/results';
import type { BenchConfig, Variant } from './report-data.js';

/**
 * The one bench configuration the table's latency and throughput show, so variants are compared
 * like for like: among the (batch size, threads) pairs every benchmarked variant was measured
 * in, the smallest batch (latency of one request) and, for it, the most threads. The caller may
 * fix either; a variant without that measurement is an error naming its file. When the variants
 * share no configuration, the first benchmarked variant's choice is shown and the others show no
 * latency (a note says so). Null without bench results.
 */
export function chooseBenchConfig(
  variants: readonly Variant[],
  requested: { readonly batchSize?: number; readonly threads?: number } = {},
): { config: BenchConfig | null; note: string | null } {
  const benched = variants.filter((v) => v.measurements.length > 0);
  if (benched.length === 0) return { config: null, note: null };
  const wanted = (m: BenchMeasurement): boolean =>
    (requested.batchSize === undefined || m.batch_size === requested.batchSize) &&
    (requested.threads === undefined || m.intra_op_threads === requested.threads);
  for (const variant of benched) {
    if (!variant.measurements.some(wanted)) {
      throw new VitOptError(
        'INVALID_ARGUMENT',
        `has no bench measurement at ${describeRequest(requested)}; it measured ${describeMeasured(variant)}`,
        { subject: variant.bench[0]?.source ?? variant.name },
      );
    }
  }
  const common = benched[0]!.measurements.filter(
    (m) => wanted(m) && benched.every((v) => measurementAt(v, configOf(m)) !== undefined),
  );
  if (common.length > 0) return { config: preferred(common), note: null };
  const config = preferred(benched[0]!.measurements.filter(wanted));
  return {
    config,
    note:
      `the variants were benchmarked in different configurations; latency and throughput are shown ` +
      `at batch ${config.batchSize}, ${config.threads} threads, where measured`,
  };
}

export function measurementAt(variant: Variant, config: BenchConfig): BenchMeasurement | undefined {
  return variant.measurements.find(
    (m) => m.batch_size === config.batchSize && m.intra_op_threads === config.threads,
  );
}

function preferred(measurements: readonly BenchMeasurement[]): BenchConfig {
  const batch = Math.min(...measurements.map((m) => m.batch_size));
  const threads = Math.max(
    ...measurements.filter((m) => m.batch_size === batch).map((m) => m.intra_op_threads),
  );
  return { batchSize: batch, threads };
}

function configOf(m: BenchMeasurement): BenchConfig {
  return { batchSize: m.batch_size, threads: m.intra_op_threads };
}

function describeRequest(requested: { batchSize?: number; threads?: number }): string {
  const parts: string[] = [];
  if (requested.batchSize !== undefined) parts.push(`batch ${requested.batchSize}`);
  if (requested.threads !== undefined) parts.push(`${requested.threads} threads`);
  return parts.join(', ');
}

function describeMeasured(variant: Variant): string {
  return variant.measurements
    .map((m) => `batch ${m.batch_size} × ${m.intra_op_threads} threads`)
    .join(', ');
}
