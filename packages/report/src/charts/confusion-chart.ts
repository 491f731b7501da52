import type { ReportData, Variant } from '../data/report-data.js';
import type { ChartSpec } from './chart-spec.js';
import { COLOR_BAR_SPACE, heatmapPlugin } from './plugins/heatmap.js';
import { TEXT_COLOR, axis, font, headings, legend } from './style.js';

/** Past this many classes a matrix is too dense to read; the report draws none. */
export const MAX_CONFUSION_CLASSES = 60;

/** A confusion-matrix heatmap for each variant with eval results. */
export function confusionCharts(data: ReportData): ChartSpec[] {
  const n = data.classNames.length;
  if (n === 0 || n > MAX_CONFUSION_CLASSES) return [];
  const taken = new Set<string>();
  return data.variants.flatMap((variant) =>
    variant.eval === null ? [] : [confusionChart(data, variant, uniqueId(variant.name, taken))],
  );
}

function confusionChart(data: ReportData, variant: Variant, id: string): ChartSpec {
  const n = data.classNames.length;
  const counts = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (const [truth, predicted, count] of variant.eval!.results.metrics.confusion_matrix) {
    const row = counts[truth];
    if (row !== undefined && predicted < n) row[predicted] = count;
  }
  const title = `Confusion matrix: ${variant.name}${variant === data.baseline ? ' (baseline)' : ''}`;
  const labels = [...data.classNames];
  const side = Math.min(1100, Math.max(560, 70 * n + 260));
  return {
    id,
    title,
    description: `Confusion matrix of ${variant.name}: rows are true classes, columns predicted classes, colour the share of the row, numbers the image counts.`,
    size: { width: side + COLOR_BAR_SPACE, height: side },
    config: {
      type: 'scatter',
      data: { datasets: [{ label: 'cells', data: [] }] },
      options: {
        layout: { padding: { top: 4, right: COLOR_BAR_SPACE, left: 4 } },
        plugins: {
          ...headings(
            title,
            'rows: true class; columns: predicted class; colour: share of the true class; numbers: images',
          ),
          legend: legend(false),
          tooltip: { enabled: false },
        },
        scales: {
          x: {
            ...axis('predicted class'),
            type: 'category',
            labels,
            offset: true,
            grid: { display: false },
            ticks: { color: TEXT_COLOR, font: font(12), maxRotation: 60, autoSkip: false },
          },
          y: {
            ...axis('true class'),
            type: 'category',
            labels,
            offset: true,
            grid: { display: false },
            ticks: { color: TEXT_COLOR, font: font(12), autoSkip: false },
          },
        },
      },
      plugins: [heatmapPlugin({ counts, scaleLabel: 'share of the true class' })],
    },
  };
}

/** `confusion-int8-dynamic`: a file name from a variant name, unique in the report. */
function uniqueId(name: string, taken: Set<string>): string {
  const slug =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'variant';
  let id = `confusion-${slug}`;
  for (let i = 2; taken.has(id); i++) id = `confusion-${slug}-${i}`;
  taken.add(id);
  return id;
}
