import { expect, it } from 'vitest';
import * as report from './index.js';

it('exports a deliberate public API', () => {
  expect(Object.keys(report).sort()).toMatchInlineSnapshot(`
    [
      "CHARTS_FOLDER",
      "DEFAULT_CHART_SIZE",
      "DEFAULT_PIXEL_RATIO",
      "REPORT_HTML",
      "SIGNIFICANCE_LEVEL",
      "SUMMARY_MARKDOWN",
      "buildReportData",
      "loadReportInputs",
      "renderChart",
      "renderReport",
      "renderReportHtml",
      "renderSummaryMarkdown",
      "reportCharts",
    ]
  `);
});
