import type { ScriptableScaleContext } from 'chart.js';
import type { BaselineComparison, ReportData, Significance } from '../data/report-data.js';
import { SIGNIFICANCE_LEVEL } from '../data/compare-to-baseline.js';
import { formatPoints } from '../format/format.js';
import type { ChartSpec } from './chart-spec.js';
import { errorBarsPlugin } from './plugins/error-bars.js';
import { valueLabelsPlugin } from './plugins/value-labels.js';
import {
  DROP_COLOR,
  GAIN_COLOR,
  NEUTRAL_COLOR,
  UNKNOWN_COLOR,
  axis,
  font,
  headings,
  legend,
  TEXT_COLOR,
  GRID_COLOR,
} from './style.js';

const SIGNIFICANCE_STYLE: Record<Significance, { color: string; legend: string }> = {
  drop: { color: DROP_COLOR, legend: 'significant drop' },
  gain: { color: GAIN_COLOR, legend: 'significant gain' },
  none: { color: NEUTRAL_COLOR, legend: 'within chance' },
  unknown: { color: UNKNOWN_COLOR, legend: 'not tested (evaluated without --baseline)' },
};

/**
 * Each variant's top-1 change against the baseline in percentage points, with eval's 95% paired
 * bootstrap interval; red where the drop is statistically real.
 */
export function top1ChangeChart(data: ReportData): ChartSpec | null {
  const rows = data.variants.flatMap((variant) => {
    const comparison = data.comparisons.get(variant.name);
    return comparison === undefined ? [] : [{ variant, comparison }];
  });
  if (rows.length === 0) return null;
  // At least ±0.5 points, so a change of 0 still shows a readable axis.
  const reach =
    100 *
    Math.max(
      0.005,
      ...rows.flatMap(({ comparison: c }) => [
        Math.abs(c.top1Delta),
        ...(c.top1DeltaCi95 ?? []).map(Math.abs),
      ]),
    );
  const limit = reach * 1.3;
  const present = [...new Set(rows.map((r) => r.comparison.significance))];
  const title = `Top-1 change against ${data.baseline.name}`;
  return {
    id: 'top1-change',
    title,
    description: `Top-1 change against the baseline ${data.baseline.name}: ${rows
      .map(
        (r) => `${r.variant.name} ${formatPoints(r.comparison.top1Delta)}${describe(r.comparison)}`,
      )
      .join(', ')}.`,
    size: { width: 960, height: Math.max(300, 170 + 62 * rows.length) },
    config: {
      type: 'bar',
      data: {
        labels: rows.map((r) => r.variant.name),
        datasets: [
          {
            label: 'top-1 change',
            data: rows.map((r) => 100 * r.comparison.top1Delta),
            backgroundColor: rows.map((r) => SIGNIFICANCE_STYLE[r.comparison.significance].color),
            maxBarThickness: 40,
            minBarLength: 2,
          },
        ],
      },
      options: {
        indexAxis: 'y',
        layout: { padding: { right: 24, left: 8 } },
        plugins: {
          ...headings(
            title,
            `percentage points; whiskers: 95% paired bootstrap interval; significant: interval excludes 0 or McNemar p < ${SIGNIFICANCE_LEVEL}`,
          ),
          legend: {
            ...legend(),
            labels: {
              ...legend().labels,
              generateLabels: () =>
                present.map((s) => ({
                  text: SIGNIFICANCE_STYLE[s].legend,
                  fillStyle: SIGNIFICANCE_STYLE[s].color,
                  strokeStyle: SIGNIFICANCE_STYLE[s].color,
                  lineWidth: 0,
                  hidden: false,
                })),
            },
          },
          tooltip: { enabled: false },
        },
        scales: {
          x: {
            ...axis(`top-1 change against ${data.baseline.name} (percentage points)`),
            suggestedMin: -limit,
            suggestedMax: limit,
            grid: {
              color: (context: ScriptableScaleContext) =>
                context.tick?.value === 0 ? TEXT_COLOR : GRID_COLOR,
              lineWidth: (context: ScriptableScaleContext) => (context.tick?.value === 0 ? 1.5 : 1),
            },
          },
          y: { ...axis('variant'), ticks: { color: TEXT_COLOR, font: font(12.5) } },
        },
      },
      plugins: [
        errorBarsPlugin([rows.map((r) => ci100(r.comparison))]),
        valueLabelsPlugin([
          rows.map((r) => {
            const delta = 100 * r.comparison.top1Delta;
            const ci = ci100(r.comparison);
            const at = ci === null ? delta : delta < 0 ? ci[0] : ci[1];
            return { text: formatPoints(r.comparison.top1Delta), at };
          }),
        ]),
      ],
    },
  };
}

function ci100(c: BaselineComparison): readonly [number, number] | null {
  return c.top1DeltaCi95 === null ? null : [100 * c.top1DeltaCi95[0], 100 * c.top1DeltaCi95[1]];
}

function describe(c: BaselineComparison): string {
  if (c.top1DeltaCi95 === null) return ' (no interval)';
  return ` (95% interval ${formatPoints(c.top1DeltaCi95[0])} to ${formatPoints(c.top1DeltaCi95[1])}, ${SIGNIFICANCE_STYLE[c.significance].legend})`;
}
