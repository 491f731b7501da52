// @vit-opt/report: comparison reports of model variants from vit-opt's eval and bench results.
// Pure: results in, files out; it never runs a model (nor loads onnxruntime).
export { renderReport, REPORT_HTML, SUMMARY_MARKDOWN, CHARTS_FOLDER } from './render-report.js';
export type { RenderReportOptions, RenderedReport } from './render-report.js';
export { loadReportInputs } from './inputs/load-report-inputs.js';
export type { ReportInput } from './inputs/report-input.js';
export { buildReportData } from './data/build-report-data.js';
export type { ReportDataOptions } from './data/build-report-data.js';
export { SIGNIFICANCE_LEVEL } from './data/compare-to-baseline.js';
export type {
  BaselineComparison,
  BenchConfig,
  EnvironmentGroup,
  ReportData,
  Significance,
  Sourced,
  Variant,
} from './data/report-data.js';
export { reportCharts } from './charts/index.js';
export { renderChart, DEFAULT_CHART_SIZE, DEFAULT_PIXEL_RATIO } from './charts/render-chart.js';
export type { RenderChartOptions } from './charts/render-chart.js';
export type {
  ChartSize,
  ChartSpec,
  RenderedChart,
  ReportChartConfiguration,
} from './charts/chart-spec.js';
export { renderReportHtml } from './html/render-html.js';
export { renderSummaryMarkdown } from './markdown/render-summary.js';
