import type { Plugin } from 'chart.js';
import { FONT_FAMILY, TEXT_COLOR } from '../style.js';

export interface HeatmapData {
  /** counts[row][column]: images of true class `row` predicted as `column`. */
  readonly counts: ReadonlyArray<ReadonlyArray<number>>;
  /** The colour bar's caption. */
  readonly scaleLabel: string;
}

/** Light to dark blue: the share of a row's images in a cell. */
const LOW = [247, 251, 255] as const;
const HIGH = [8, 48, 107] as const;

export function heatColor(share: number): string {
  const t = Math.max(0, Math.min(1, share));
  const [r, g, b] = LOW.map((low, i) => Math.round(low + (HIGH[i]! - low) * Math.sqrt(t)));
  return `rgb(${r}, ${g}, ${b})`;
}

/** Width the colour bar needs right of the chart area (layout.padding.right). */
export const COLOR_BAR_SPACE = 96;

/**
 * Draws a confusion matrix on a chart whose x and y are category scales of the classes: each
 * cell coloured by its share of the row (the true class), with its count when the cells are big
 * enough to read, and a colour bar. Our own few lines instead of a matrix-chart plugin.
 */
export function heatmapPlugin(data: HeatmapData): Plugin {
  const rowTotals = data.counts.map((row) => row.reduce((a, b) => a + b, 0));
  return {
    id: 'vitOptHeatmap',
    beforeDatasetsDraw(chart) {
      const { ctx, chartArea } = chart;
      const x = chart.scales['x'];
      const y = chart.scales['y'];
      const n = data.counts.length;
      if (x === undefined || y === undefined || n === 0) return;
      const cellWidth = chartArea.width / n;
      const cellHeight = chartArea.height / n;
      const fontSize = Math.min(cellHeight * 0.36, cellWidth * 0.3, 14);
      ctx.save();
      ctx.font = `${fontSize}px "${FONT_FAMILY}"`;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      data.counts.forEach((row, r) => {
        row.forEach((count, c) => {
          const share = rowTotals[r]! > 0 ? count / rowTotals[r]! : 0;
          const cx = x.getPixelForValue(c);
          const cy = y.getPixelForValue(r);
          ctx.fillStyle = heatColor(share);
          ctx.fillRect(cx - cellWidth / 2, cy - cellHeight / 2, cellWidth + 0.5, cellHeight + 0.5);
          if (count > 0 && fontSize >= 7) {
            ctx.fillStyle = share > 0.45 ? '#ffffff' : TEXT_COLOR;
            ctx.fillText(String(count), cx, cy);
          }
        });
      });
      ctx.strokeStyle = '#9ca3af';
      ctx.lineWidth = 1;
      ctx.strokeRect(chartArea.left, chartArea.top, chartArea.width, chartArea.height);
      ctx.restore();
    },
    afterDraw(chart) {
      const { ctx, chartArea } = chart;
      const left = chartArea.right + 24;
      const width = 16;
      const { top, bottom } = chartArea;
      ctx.save();
      const steps = 200;
      for (let i = 0; i < steps; i++) {
        ctx.fillStyle = heatColor(1 - i / steps);
        ctx.fillRect(left, top + ((bottom - top) * i) / steps, width, (bottom - top) / steps + 1);
      }
      ctx.strokeStyle = '#9ca3af';
      ctx.strokeRect(left, top, width, bottom - top);
      ctx.fillStyle = TEXT_COLOR;
      ctx.font = `12px "${FONT_FAMILY}"`;
      ctx.textAlign = 'left';
      ctx.textBaseline = 'middle';
      for (const share of [0, 0.25, 0.5, 0.75, 1]) {
        ctx.fillText(`${share * 100}%`, left + width + 5, bottom - (bottom - top) * share);
      }
      ctx.translate(left + width + 52, (top + bottom) / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.textAlign = 'center';
      ctx.font = `bold 12.5px "${FONT_FAMILY}"`;
      ctx.fillText(data.scaleLabel, 0, 0);
      ctx.restore();
    },
  };
}
