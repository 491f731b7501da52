import type { Plugin } from 'chart.js';
import { FONT_FAMILY, TEXT_COLOR } from '../style.js';
import { barGeometry } from './bar-geometry.js';

/** A label for one bar, written beyond `at` (a value in data units: the bar's end or whisker's). */
export interface BarLabel {
  readonly text: string;
  readonly at: number;
}

/** Writes each bar's figure beyond its end (or its whisker), away from the axis' zero. */
export function valueLabelsPlugin(
  labels: ReadonlyArray<ReadonlyArray<BarLabel | null>>,
  fontSize = 12,
): Plugin {
  return {
    id: 'vitOptValueLabels',
    afterDatasetsDraw(chart) {
      const { ctx } = chart;
      ctx.save();
      ctx.fillStyle = TEXT_COLOR;
      ctx.font = `${fontSize}px "${FONT_FAMILY}"`;
      labels.forEach((row, datasetIndex) => {
        row.forEach((label, index) => {
          const bar = barGeometry(chart, datasetIndex, index);
          if (label === null || bar === undefined) return;
          const zero = bar.valueScale.getPixelForValue(Math.max(0, bar.valueScale.min));
          const end = bar.valueScale.getPixelForValue(label.at);
          if (bar.horizontal) {
            const right = end >= zero;
            ctx.textAlign = right ? 'left' : 'right';
            ctx.textBaseline = 'middle';
            ctx.fillText(label.text, end + (right ? 6 : -6), bar.centre);
          } else {
            const up = end <= zero;
            ctx.textAlign = 'center';
            ctx.textBaseline = up ? 'bottom' : 'top';
            ctx.fillText(label.text, bar.centre, end + (up ? -5 : 5));
          }
        });
      });
      ctx.restore();
    },
  };
}
