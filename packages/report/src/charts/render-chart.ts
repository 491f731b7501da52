import { fileURLToPath } from 'node:url';
import { GlobalFonts, createCanvas } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration } from 'chart.js';
import { VitOptError } from '@vit-opt/graph';
import type { ChartSize, ChartSpec, RenderedChart } from './chart-spec.js';
import { backgroundPlugin } from './plugins/background.js';
import { FONT_FAMILY } from './style.js';

/** CSS pixels of a chart; the PNG has pixelRatio times as many in each direction. */
export const DEFAULT_CHART_SIZE: ChartSize = { width: 960, height: 540 };
export const DEFAULT_PIXEL_RATIO = 2;

export interface RenderChartOptions {
  readonly size?: ChartSize;
  readonly pixelRatio?: number;
}

/** The fonts shipped in the package (one level above src/ and dist/): the same on every machine. */
const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'];

let ready = false;

/** Registers Chart.js's components and the bundled font, once per process. */
function prepare(): void {
  if (ready) return;
  Chart.register(...registerables);
  for (const file of FONT_FILES) {
    const path = fileURLToPath(new URL(`../../fonts/${file}`, import.meta.url));
    if (GlobalFonts.registerFromPath(path, FONT_FAMILY) === null) {
      throw new VitOptError('FILE_UNREADABLE', 'cannot load the bundled chart font', {
        subject: path,
      });
    }
  }
  ready = true;
}

/**
 * Draws a chart with Chart.js on a Skia canvas (@napi-rs/canvas, whose prebuilt binary comes
 * from npm: no system cairo, no download at install) and encodes it as PNG. No animation, no
 * resizing: one synchronous draw at the given size.
 */
export async function renderChart(
  spec: ChartSpec,
  options: RenderChartOptions = {},
): Promise<RenderedChart> {
  prepare();
  const size = spec.size ?? options.size ?? DEFAULT_CHART_SIZE;
  const pixelRatio = options.pixelRatio ?? DEFAULT_PIXEL_RATIO;
  const canvas = createCanvas(size.width, size.height);
  const config = spec.config as ChartConfiguration;
  const chart = new Chart(canvas as unknown as ConstructorParameters<typeof Chart>[0], {
    ...config,
    options: {
      ...config.options,
      responsive: false,
      maintainAspectRatio: false,
      animation: false,
      devicePixelRatio: pixelRatio,
      events: [],
    },
    plugins: [backgroundPlugin(), ...(config.plugins ?? [])],
  });
  try {
    const png = await canvas.encode('png');
    return {
      id: spec.id,
      fileName: `charts/${spec.id}.png`,
      title: spec.title,
      description: spec.description,
      png,
      size,
      widthPx: canvas.width,
      heightPx: canvas.height,
    };
  } finally {
    chart.destroy();
  }
}
