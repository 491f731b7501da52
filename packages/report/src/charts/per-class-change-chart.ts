import type { ReportData } from '../data/report-data.js';
import type { ChartSpec } from './chart-spec.js';
import { TEXT_COLOR, GRID_COLOR, axis, font, headings, legend, variantColor } from './style.js';
import type { ScriptableScaleContext } from 'chart.js';

/** More classes than this show only those that changed most: a bar per class must stay readable. */
export const MAX_CHART_CLASSES = 30;

/**
 * Per-class accuracy (recall) change of each variant against the baseline, in points: grouped
 * bars by class. Needs the baseline's own eval results and at least one variant's.
 */
export function perClassChangeChart(data: ReportData): ChartSpec | null {
  const base = data.baseline.eval?.results.metrics.per_class;
  const others = data.variants.filter((v) => v !== data.baseline && v.eval !== null);
  if (base === undefined || others.length === 0) return null;
  const deltas = others.map((v) =>
    base.map((b, c) => {
      const mine = v.eval!.results.metrics.per_class[c]?.accuracy;
      return mine == null || b.accuracy === null ? null : 100 * (mine - b.accuracy);
    }),
  );
  let classes = base.map((_, c) => c);
  let subtitle =
    'accuracy within each true class, percentage points; negative: the variant gets that class wrong more often';
  if (classes.length > MAX_CHART_CLASSES) {
    const reach = (c: number) => Math.max(...deltas.map((d) => Math.abs(d[c] ?? 0)));
    classes = classes
      .sort((a, b) => reach(b) - reach(a))
      .slice(0, MAX_CHART_CLASSES)
      .sort((a, b) => a - b);
    subtitle = `the ${MAX_CHART_CLASSES} of ${base.length} classes that changed most; ${subtitle}`;
  }
  const reach = Math.max(0.5, ...deltas.flatMap((d) => classes.map((c) => Math.abs(d[c] ?? 0))));
  const limit = Math.ceil(reach * 1.15);
  const title = `Per-class accuracy change against ${data.baseline.name}`;
  return {
    id: 'per-class-change',
    title,
    description: `Change of each class's accuracy against ${data.baseline.name}, in percentage points, for ${others
      .map((v) => v.name)
      .join(', ')}.`,
    config: {
      type: 'bar',
      data: {
        labels: classes.map((c) => data.classNames[c] ?? `class ${c}`),
        datasets: others.map((v, i) => ({
          label: v.name,
          data: classes.map((c) => deltas[i]![c] ?? null),
          backgroundColor: variantColor(data, v),
          minBarLength: 1.5,
        })),
      },
      options: {
        layout: { padding: { top: 8, right: 16 } },
        plugins: { ...headings(title, subtitle), legend: legend(), tooltip: { enabled: false } },
        scales: {
          x: {
            ...axis('true class'),
            ticks: { color: TEXT_COLOR, font: font(12), maxRotation: 60, autoSkip: false },
          },
          y: {
            ...axis('accuracy change (percentage points)'),
            min: -limit,
            max: limit,
            grid: {
              color: (context: ScriptableScaleContext) =>
                context.tick?.value === 0 ? TEXT_COLOR : GRID_COLOR,
              lineWidth: (context: ScriptableScaleContext) => (context.tick?.value === 0 ? 1.5 : 1),
            },
          },
        },
      },
    },
  };
}
