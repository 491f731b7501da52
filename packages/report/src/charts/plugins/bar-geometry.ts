import type { Chart, Scale } from 'chart.js';

/** Where a bar was drawn: its centre across the bars, its thickness, and the value axis. */
export interface BarGeometry {
  /** Pixel of the bar's centre along the category axis. */
  readonly centre: number;
  readonly thickness: number;
  readonly horizontal: boolean;
  readonly valueScale: Scale;
}

/** The geometry of bar `index` of dataset `datasetIndex`; undefined when it is not drawn. */
export function barGeometry(
  chart: Chart,
  datasetIndex: number,
  index: number,
): BarGeometry | undefined {
  if (!chart.isDatasetVisible(datasetIndex)) return undefined;
  const meta = chart.getDatasetMeta(datasetIndex);
  const element = meta.data[index] as unknown as
    { x: number; y: number; width: number; height: number; skip?: boolean } | undefined;
  if (element === undefined || element.skip === true) return undefined;
  const horizontal = chart.options.indexAxis === 'y';
  const valueScale = chart.scales[(horizontal ? meta.xAxisID : meta.yAxisID) ?? ''];
  if (valueScale === undefined) return undefined;
  return horizontal
    ? { centre: element.y, thickness: element.height, horizontal, valueScale }
    : { centre: element.x, thickness: element.width, horizontal, valueScale };
}
