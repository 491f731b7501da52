import type { ReportData } from '../data/report-data.js';
import { byteScale, formatBytes, formatChange } from '../format/format.js';
import type { ChartSpec } from './chart-spec.js';
import { valueLabelsPlugin } from './plugins/value-labels.js';
import { axis, headings, variantColor, variantLegend } from './style.js';

/** Bars of each variant's file size (the .onnx and its external data), changes beside them. */
export function sizeChart(data: ReportData): ChartSpec {
  const variants = data.variants;
  const base = data.baseline.model.size_bytes;
  const { unit, divisor } = byteScale(Math.max(...variants.map((v) => v.model.size_bytes)));
  const title = 'Model file size';
  return {
    id: 'size',
    title,
    description: `File size of each variant: ${variants.map((v) => `${v.name} ${formatBytes(v.model.size_bytes)}`).join(', ')}.`,
    config: {
      type: 'bar',
      data: {
        labels: variants.map((v) => v.name),
        datasets: [
          {
            label: 'file size',
            data: variants.map((v) => v.model.size_bytes / divisor),
            backgroundColor: variants.map((v) => variantColor(data, v)),
            maxBarThickness: 90,
          },
        ],
      },
      options: {
        layout: { padding: { top: 8, right: 16 } },
        plugins: {
          ...headings(
            title,
            '.onnx file plus external data; change against the baseline in parentheses; smaller is better',
          ),
          legend: variantLegend(data, variants),
          tooltip: { enabled: false },
        },
        scales: {
          x: axis('variant'),
          y: { ...axis(`file size (${unit})`), beginAtZero: true, grace: '12%' },
        },
      },
      plugins: [
        valueLabelsPlugin([
          variants.map((v) => ({
            text:
              v === data.baseline
                ? formatBytes(v.model.size_bytes)
                : `${formatBytes(v.model.size_bytes)} (${formatChange(v.model.size_bytes / base)})`,
            at: v.model.size_bytes / divisor,
          })),
        ]),
      ],
    },
  };
}
