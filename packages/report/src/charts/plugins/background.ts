import type { Plugin } from 'chart.js';

/** Paints the canvas before anything else: PNGs are opaque, readable in dark viewers too. */
export function backgroundPlugin(color = '#ffffff'): Plugin {
  return {
    id: 'vitOptBackground',
    beforeDraw(chart) {
      const { ctx } = chart;
      ctx.save();
      ctx.fillStyle = color;
      ctx.fillRect(0, 0, chart.width, chart.height);
      ctx.restore();
    },
  };
}
