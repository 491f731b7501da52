import type { Plugin } from 'chart.js';
import { barGeometry } from './bar-geometry.js';

/** [low, high] in data units, per dataset then per bar; null draws no whisker. */
export type Intervals = ReadonlyArray<ReadonlyArray<readonly [number, number] | null>>;

/**
 * Whiskers over bars (vertical or horizontal): a line from low to high with caps. Drawn by us
 * rather than by a Chart.js error-bar plugin: a few lines, and no dependency to keep up.
 */
export function errorBarsPlugin(intervals: Intervals, color = '#111827'): Plugin {
  return {
    id: 'vitOptErrorBars',
    afterDatasetsDraw(chart) {
      const { ctx } = chart;
      ctx.save();
      ctx.strokeStyle = color;
      ctx.lineWidth = 1.6;
      intervals.forEach((row, datasetIndex) => {
        row.forEach((interval, index) => {
          const bar = barGeometry(chart, datasetIndex, index);
          if (interval === null || bar === undefined) return;
          const low = bar.valueScale.getPixelForValue(interval[0]);
          const high = bar.valueScale.getPixelForValue(interval[1]);
          const cap = Math.min(bar.thickness * 0.3, 10);
          ctx.beginPath();
          if (bar.horizontal) {
            ctx.moveTo(low, bar.centre);
            ctx.lineTo(high, bar.centre);
            for (const x of [low, high]) {
              ctx.moveTo(x, bar.centre - cap);
              ctx.lineTo(x, bar.centre + cap);
            }
          } else {
            ctx.moveTo(bar.centre, low);
            ctx.lineTo(bar.centre, high);
            for (const y of [low, high]) {
              ctx.moveTo(bar.centre - cap, y);
              ctx.lineTo(bar.centre + cap, y);
            }
          }
          ctx.stroke();
        });
      });
      ctx.restore();
    },
  };
}
