import { VitOptError } from '@vit-opt/graph';
import type { ChartSize, RenderedChart } from './charts/chart-spec.js';
import { reportCharts } from './charts/index.js';
import { renderChart } from './charts/render-chart.js';
import { buildReportData, type ReportDataOptions } from './data/build-report-data.js';
import type { ReportData } from './data/report-data.js';
import { renderReportHtml } from './html/render-html.js';
import type { ReportInput } from './inputs/report-input.js';
import { renderSummaryMarkdown } from './markdown/render-summary.js';
import { writeDirectoryAtomic, type FolderFile } from './write/write-directory-atomic.js';

export const REPORT_HTML = 'report.html';
export const SUMMARY_MARKDOWN = 'summary.md';
export const CHARTS_FOLDER = 'charts';

export interface RenderReportOptions extends ReportDataOptions {
  /** CSS pixels of the wide charts (default 960 × 540). */
  readonly chartSize?: ChartSize;
  /** PNG pixels per CSS pixel (default 2, sharp on high-density screens). */
  readonly pixelRatio?: number;
  /** Stops between charts; nothing is written then. */
  readonly signal?: AbortSignal;
}

/** What renderReport wrote. */
export interface RenderedReport {
  readonly dir: string;
  readonly html: string;
  readonly summary: string;
  /** Each chart's PNG path, in the order the report shows them. */
  readonly charts: readonly {
    readonly id: string;
    readonly title: string;
    readonly path: string;
  }[];
  /** Every file written, paths starting with `dir`. */
  readonly files: readonly string[];
  /** The checked and grouped data the report shows. */
  readonly data: ReportData;
}

/**
 * Writes a comparison report of model variants into `dir`: report.html (self-contained),
 * summary.md, and charts/*.png. The folder appears whole or not at all (see
 * writeDirectoryAtomic). Throws a VitOptError naming the file at fault when the results do not
 * belong together (another model, another dataset or selection of it).
 */
export async function renderReport(
  results: readonly ReportInput[],
  dir: string,
  options: RenderReportOptions = {},
): Promise<RenderedReport> {
  const data = buildReportData(results, options);
  const charts: RenderedChart[] = [];
  for (const spec of reportCharts(data)) {
    options.signal?.throwIfAborted();
    charts.push(
      await renderChart(spec, {
        ...(options.chartSize === undefined ? {} : { size: options.chartSize }),
        ...(options.pixelRatio === undefined ? {} : { pixelRatio: options.pixelRatio }),
      }),
    );
  }
  options.signal?.throwIfAborted();
  const files: FolderFile[] = [
    { path: REPORT_HTML, bytes: renderReportHtml(data, charts) },
    { path: SUMMARY_MARKDOWN, bytes: renderSummaryMarkdown(data) },
    ...charts.map((chart) => ({ path: chart.fileName, bytes: chart.png })),
  ];
  const written = writeDirectoryAtomic(dir, files, isReportFolder);
  const at = (path: string): string => {
    const index = files.findIndex((f) => f.path === path);
    if (index < 0) throw new VitOptError('WRITE_FAILED', `lost track of ${path}`, { subject: dir });
    return written[index]!;
  };
  return {
    dir,
    html: at(REPORT_HTML),
    summary: at(SUMMARY_MARKDOWN),
    charts: charts.map((chart) => ({ id: chart.id, title: chart.title, path: at(chart.fileName) })),
    files: written,
    data,
  };
}

/** A folder an earlier report wrote, and so one a new report may replace. */
function isReportFolder(entries: readonly string[]): boolean {
  return entries.every(
    (entry) =>
      entry === REPORT_HTML ||
      entry === SUMMARY_MARKDOWN ||
      entry === CHARTS_FOLDER ||
      /^charts[\\/][\w.-]+\.png$/.test(entry),
  );
}
