import type { ReportData } from '../data/report-data.js';
import type { ChartSpec } from './chart-spec.js';
import { axis, headings, legend, variantColor } from './style.js';

/**
 * Median latency by intra-op thread count, a line per variant, at the report's batch size.
 * Only when some variant was measured at several thread counts.
 */
export function threadSweepChart(data: ReportData): ChartSpec | null {
  const config = data.benchConfig;
  if (config === null) return null;
  const lines = data.variants.flatMap((variant) => {
    const points = variant.measurements
      .filter((m) => m.batch_size === config.batchSize)
      .map((m) => ({ x: m.intra_op_threads, y: m.latency.p50_ms }));
    return points.length === 0 ? [] : [{ variant, points }];
  });
  if (!lines.some((l) => l.points.length >= 2)) return null;
  const threads = [...new Set(lines.flatMap((l) => l.points.map((p) => p.x)))].sort(
    (a, b) => a - b,
  );
  const title = `Latency by thread count (batch ${config.batchSize})`;
  return {
    id: 'thread-sweep',
    title,
    description: `Median latency at batch ${config.batchSize} for ${threads.join(', ')} intra-op threads: ${lines
      .map((l) => `${l.variant.name} ${l.points.map((p) => `${p.y.toFixed(3)} ms`).join(' / ')}`)
      .join('; ')}.`,
    config: {
      type: 'line',
      data: {
        labels: threads.map(String),
        datasets: lines.map((l) => ({
          label: l.variant === data.baseline ? `${l.variant.name} (baseline)` : l.variant.name,
          data: threads.map((t) => l.points.find((p) => p.x === t)?.y ?? null),
          borderColor: variantColor(data, l.variant),
          backgroundColor: variantColor(data, l.variant),
          borderWidth: 2.5,
          pointRadius: 5,
          spanGaps: true,
        })),
      },
      options: {
        layout: { padding: { top: 8, right: 24 } },
        plugins: {
          ...headings(title, 'median (p50) latency of one session.run; lower is better'),
          legend: legend(),
          tooltip: { enabled: false },
        },
        scales: {
          x: axis('intra-op threads'),
          y: {
            ...axis(
              config.batchSize === 1
                ? 'latency per image (ms)'
                : `latency per batch of ${config.batchSize} (ms)`,
            ),
            beginAtZero: true,
          },
        },
      },
    },
  };
}
