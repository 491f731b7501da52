import type { ReportData } from '../data/report-data.js';
import { formatPercent } from '../format/format.js';
import { wilsonInterval95 } from '../stats/wilson-interval.js';
import type { ChartSpec } from './chart-spec.js';
import { errorBarsPlugin } from './plugins/error-bars.js';
import { valueLabelsPlugin } from './plugins/value-labels.js';
import { axis, headings, variantColor, variantLegend } from './style.js';
import { evaluatedImageCount, top1Of } from './variant-figures.js';

/**
 * Top-1 bars with whiskers of each variant's 95% Wilson interval: how precisely this many images
 * pin one model's accuracy. (Whether two variants differ is the paired test's question, which
 * the top-1 change chart answers.) The axis starts near the figures, not at 0, so differences of
 * a point are visible; the subtitle says so.
 */
export function accuracyChart(data: ReportData): ChartSpec | null {
  const n = evaluatedImageCount(data);
  const rows = data.variants.flatMap((variant) => {
    const top1 = top1Of(variant);
    if (top1 === null || n === null) return [];
    const [low, high] = wilsonInterval95(Math.round(top1 * n), n);
    return [{ variant, top1: 100 * top1, low: 100 * low, high: 100 * high }];
  });
  if (rows.length === 0) return null;
  const min = Math.max(0, Math.floor(Math.min(...rows.map((r) => r.low)) - 2));
  const max = Math.min(100, Math.ceil(Math.max(...rows.map((r) => r.high)) + 1.5));
  const title = 'Top-1 accuracy';
  return {
    id: 'accuracy',
    title,
    description: `Top-1 accuracy on ${n} images with 95% intervals: ${rows
      .map(
        (r) =>
          `${r.variant.name} ${r.top1.toFixed(2)}% (${r.low.toFixed(2)} to ${r.high.toFixed(2)})`,
      )
      .join(', ')}.`,
    config: {
      type: 'bar',
      data: {
        labels: rows.map((r) => r.variant.name),
        datasets: [
          {
            label: 'top-1 accuracy',
            data: rows.map((r) => r.top1),
            backgroundColor: rows.map((r) => variantColor(data, r.variant)),
            maxBarThickness: 90,
          },
        ],
      },
      options: {
        layout: { padding: { top: 8, right: 16 } },
        plugins: {
          ...headings(
            title,
            `${n} images; whiskers: 95% Wilson interval of each variant's accuracy; the axis starts at ${min}%`,
          ),
          legend: variantLegend(
            data,
            rows.map((r) => r.variant),
          ),
          tooltip: { enabled: false },
        },
        scales: {
          x: axis('variant'),
          y: { ...axis('top-1 accuracy (%)'), min, max },
        },
      },
      plugins: [
        errorBarsPlugin([rows.map((r) => [r.low, r.high] as const)]),
        valueLabelsPlugin([rows.map((r) => ({ text: formatPercent(r.top1 / 100), at: r.high }))]),
      ],
    },
  };
}
