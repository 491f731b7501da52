import type { ChartConfiguration } from 'chart.js';

/** The Chart.js configurations the report's charts use. */
export type ReportChartConfiguration =
  ChartConfiguration<'bar'> | ChartConfiguration<'line'> | ChartConfiguration<'scatter'>;

/** A chart before rendering: what to draw, and what the report says about it. */
export interface ChartSpec {
  /** File name stem, unique in a report: `size` → charts/size.png. */
  readonly id: string;
  /** The chart's heading, also its caption in the HTML. */
  readonly title: string;
  /** What the chart shows, in words: the image's alt text. */
  readonly description: string;
  readonly config: ReportChartConfiguration;
  /** CSS pixels; the report's default size when absent. */
  readonly size?: ChartSize;
}

export interface ChartSize {
  readonly width: number;
  readonly height: number;
}

/** A rendered chart: a PNG of size × pixelRatio pixels. */
export interface RenderedChart {
  readonly id: string;
  /** Relative to the report folder: `charts/size.png`. */
  readonly fileName: string;
  readonly title: string;
  readonly description: string;
  readonly png: Buffer;
  /** The size it was laid out at, in CSS pixels: the size to show it at. */
  readonly size: ChartSize;
  readonly widthPx: number;
  readonly heightPx: number;
}
