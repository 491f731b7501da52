import type { ReportData } from '../data/report-data.js';
import { formatMs } from '../format/format.js';
import type { ChartSpec } from './chart-spec.js';
import { errorBarsPlugin } from './plugins/error-bars.js';
import { valueLabelsPlugin } from './plugins/value-labels.js';
import { axis, headings, variantColor, variantLegend } from './style.js';
import { describeBenchConfig, headlineMeasurement } from './variant-figures.js';

/** Median latency bars with whiskers up to p90, in the report's bench configuration. */
export function latencyChart(data: ReportData): ChartSpec | null {
  const rows = data.variants.flatMap((variant) => {
    const m = headlineMeasurement(data, variant);
    return m === undefined ? [] : [{ variant, latency: m.latency }];
  });
  if (rows.length === 0) return null;
  const batch = data.benchConfig!.batchSize;
  const title = `Latency (${describeBenchConfig(data)})`;
  return {
    id: 'latency',
    title,
    description: `Median (p50) and p90 latency of one session.run at ${describeBenchConfig(data)}: ${rows
      .map(
        (r) =>
          `${r.variant.name} ${formatMs(r.latency.p50_ms)} (p90 ${formatMs(r.latency.p90_ms)})`,
      )
      .join(', ')}.`,
    config: {
      type: 'bar',
      data: {
        labels: rows.map((r) => r.variant.name),
        datasets: [
          {
            label: 'p50 latency',
            data: rows.map((r) => r.latency.p50_ms),
            backgroundColor: rows.map((r) => variantColor(data, r.variant)),
            maxBarThickness: 90,
          },
        ],
      },
      options: {
        layout: { padding: { top: 8, right: 16 } },
        plugins: {
          ...headings(title, 'bars: median (p50); whiskers: up to p90; lower is better'),
          legend: variantLegend(
            data,
            rows.map((r) => r.variant),
          ),
          tooltip: { enabled: false },
        },
        scales: {
          x: axis('variant'),
          y: {
            ...axis(batch === 1 ? 'latency per image (ms)' : `latency per batch of ${batch} (ms)`),
            beginAtZero: true,
            suggestedMax: Math.max(...rows.map((r) => r.latency.p90_ms)) * 1.15,
          },
        },
      },
      plugins: [
        errorBarsPlugin([rows.map((r) => [r.latency.p50_ms, r.latency.p90_ms] as const)]),
        valueLabelsPlugin([
          rows.map((r) => ({ text: formatMs(r.latency.p50_ms), at: r.latency.p90_ms })),
        ]),
      ],
    },
  };
}
