import type { Plugin } from 'chart.js';
import { FONT_FAMILY, TEXT_COLOR } from '../style.js';

/** Names each point of a scatter chart beside it: labels[datasetIndex][pointIndex]. */
export function pointLabelsPlugin(labels: ReadonlyArray<ReadonlyArray<string | null>>): Plugin {
  return {
    id: 'vitOptPointLabels',
    afterDatasetsDraw(chart) {
      const { ctx, chartArea } = chart;
      ctx.save();
      ctx.fillStyle = TEXT_COLOR;
      ctx.font = `12.5px "${FONT_FAMILY}"`;
      ctx.textBaseline = 'bottom';
      labels.forEach((row, datasetIndex) => {
        if (!chart.isDatasetVisible(datasetIndex)) return;
        const points = chart.getDatasetMeta(datasetIndex).data;
        row.forEach((text, index) => {
          const point = points[index] as unknown as { x: number; y: number } | undefined;
          if (text === null || point === undefined) return;
          const width = ctx.measureText(text).width;
          const right = point.x + 10 + width <= chartArea.right;
          ctx.textAlign = right ? 'left' : 'right';
          ctx.fillText(text, point.x + (right ? 10 : -10), point.y - 6);
        });
      });
      ctx.restore();
    },
  };
}
