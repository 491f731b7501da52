import type { ReportData, Variant } from '../data/report-data.js';
import { formatMs, formatPercent } from '../format/format.js';
import { paretoFront } from '../stats/pareto-front.js';
import type { ChartSpec } from './chart-spec.js';
import { pointLabelsPlugin } from './plugins/point-labels.js';
import { TEXT_COLOR, axis, headings, legend, variantColor } from './style.js';
import { describeBenchConfig, headlineMeasurement, top1Of } from './variant-figures.js';

const PARETO_LABEL = 'Pareto front (filled: nothing is both faster and more accurate)';
const PARETO_DASH = [6, 4];

/**
 * Each variant as a point (median latency, top-1), the Pareto front (the variants nothing else
 * beats on both) joined by a dashed line and drawn filled; dominated variants are hollow.
 */
export function accuracyLatencyChart(data: ReportData): ChartSpec | null {
  const rows = data.variants.flatMap((variant) => {
    const top1 = top1Of(variant);
    const m = headlineMeasurement(data, variant);
    return top1 === null || m === undefined ? [] : [{ variant, top1, latencyMs: m.latency.p50_ms }];
  });
  if (rows.length === 0) return null;
  const front = paretoFront(rows.map((r) => ({ latencyMs: r.latencyMs, accuracy: r.top1 })));
  const onFront = new Set(front.map((i) => rows[i]!.variant));
  const xs = rows.map((r) => r.latencyMs);
  const ys = rows.map((r) => 100 * r.top1);
  const xPad = Math.max((Math.max(...xs) - Math.min(...xs)) * 0.15, Math.max(...xs) * 0.05);
  const yPad = Math.max((Math.max(...ys) - Math.min(...ys)) * 0.25, 0.5);
  const title = 'Accuracy against latency';
  const point = (v: Variant) => ({
    label: v === data.baseline ? `${v.name} (baseline)` : v.name,
    data: rows.filter((r) => r.variant === v).map((r) => ({ x: r.latencyMs, y: 100 * r.top1 })),
    backgroundColor: onFront.has(v) ? variantColor(data, v) : '#ffffff',
    borderColor: variantColor(data, v),
    borderWidth: 2.5,
    pointRadius: 8,
    pointStyle: 'circle' as const,
  });
  return {
    id: 'accuracy-vs-latency',
    title,
    description: `Top-1 accuracy against median latency at ${describeBenchConfig(data)}: ${rows
      .map((r) => `${r.variant.name} ${formatPercent(r.top1)} at ${formatMs(r.latencyMs)}`)
      .join(', ')}. On the Pareto front: ${front.map((i) => rows[i]!.variant.name).join(', ')}.`,
    config: {
      type: 'scatter',
      data: {
        datasets: [
          ...rows.map((r) => point(r.variant)),
          {
            label: PARETO_LABEL,
            data: front.map((i) => ({ x: rows[i]!.latencyMs, y: 100 * rows[i]!.top1 })),
            showLine: true,
            borderColor: TEXT_COLOR,
            backgroundColor: TEXT_COLOR,
            borderDash: PARETO_DASH,
            borderWidth: 1.5,
            pointRadius: 0,
            pointStyle: 'line' as const,
          },
        ],
      },
      options: {
        layout: { padding: { top: 8, right: 24 } },
        plugins: {
          ...headings(
            title,
            `median latency at ${describeBenchConfig(data)}; up and to the left is better`,
          ),
          legend: {
            ...legend(),
            labels: {
              ...legend().labels,
              usePointStyle: true,
              // By hand, so the front's entry is dashed like its line (Chart.js draws it solid).
              generateLabels: () => [
                ...rows.map((r) => ({
                  text: point(r.variant).label,
                  fillStyle: point(r.variant).backgroundColor,
                  strokeStyle: variantColor(data, r.variant),
                  lineWidth: 2.5,
                  pointStyle: 'circle' as const,
                  hidden: false,
                })),
                {
                  text: PARETO_LABEL,
                  strokeStyle: TEXT_COLOR,
                  lineWidth: 1.5,
                  lineDash: PARETO_DASH,
                  pointStyle: 'line' as const,
                  hidden: false,
                },
              ],
            },
          },
          tooltip: { enabled: false },
        },
        scales: {
          x: {
            ...axis(`median latency (ms), ${describeBenchConfig(data)}`),
            suggestedMin: Math.max(0, Math.min(...xs) - xPad),
            suggestedMax: Math.max(...xs) + xPad * 1.6,
          },
          y: {
            ...axis('top-1 accuracy (%)'),
            suggestedMin: Math.min(...ys) - yPad,
            suggestedMax: Math.min(100, Math.max(...ys) + yPad),
          },
        },
      },
      plugins: [pointLabelsPlugin(rows.map((r) => [r.variant.name]))],
    },
  };
}
