import type { ReportData } from '../data/report-data.js';
import { SIGNIFICANCE_LEVEL } from '../data/compare-to-baseline.js';
import { describeSelection } from '../data/check-same-dataset.js';
import {
  formatBytes,
  formatChange,
  formatCount,
  formatMs,
  formatP,
  formatPercent,
  formatPoints,
  formatPointsInterval,
  formatThroughput,
} from '../format/format.js';
import { describeBenchConfig } from '../charts/variant-figures.js';
import { describeRecipe, variantRows, type VariantRow } from '../table/variant-rows.js';
import { escapeMarkdown } from './escape-markdown.js';

const NONE = '–';

/**
 * summary.md: the variants table and what it rests on, in GitHub-flavoured Markdown, for a pull
 * request comment or `$GITHUB_STEP_SUMMARY`. Charts are not linked: a job summary cannot show
 * local files; they are in report.html.
 */
export function renderSummaryMarkdown(data: ReportData): string {
  const rows = variantRows(data);
  const lines = [
    `## ${escapeMarkdown(data.title)}`,
    '',
    '| variant | recipe | size | parameters | latency p50 | p90 | throughput | top-1 | top-5 | Δ top-1 [95% CI] | agreement | McNemar p |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...rows.map(markdownRow),
    '',
    ...footnotes(data).map((line) => `${line}`),
  ];
  return `${lines.join('\n')}\n`;
}

function markdownRow(row: VariantRow): string {
  const c = row.comparison;
  const name = escapeMarkdown(row.variant.name);
  const cells = [
    row.isBaseline ? `**${name}** (baseline)` : name,
    escapeMarkdown(describeRecipe(row.variant)),
    row.sizeRatio === null
      ? formatBytes(row.sizeBytes)
      : `${formatBytes(row.sizeBytes)} (${formatChange(row.sizeRatio)})`,
    formatCount(row.parameterCount),
    row.latency === null ? NONE : formatMs(row.latency.p50_ms),
    row.latency === null ? NONE : formatMs(row.latency.p90_ms),
    row.throughputImagesPerSecond === null ? NONE : formatThroughput(row.throughputImagesPerSecond),
    row.top1 === null ? NONE : formatPercent(row.top1),
    row.top5 === null ? NONE : formatPercent(row.top5),
    c === null ? NONE : deltaCell(c),
    c?.agreement == null ? NONE : formatPercent(c.agreement),
    c?.mcnemarP == null ? NONE : formatP(c.mcnemarP),
  ];
  return `| ${cells.join(' | ')} |`;
}

function deltaCell(c: NonNullable<VariantRow['comparison']>): string {
  const delta = formatPoints(c.top1Delta);
  const ci = c.top1DeltaCi95 === null ? '' : ` ${formatPointsInterval(c.top1DeltaCi95)}`;
  if (c.significance === 'drop') return `**${delta}**${ci} ▼ significant drop`;
  if (c.significance === 'gain') return `${delta}${ci} ▲ significant gain`;
  return `${delta}${ci}`;
}

function footnotes(data: ReportData): string[] {
  const lines: string[] = [];
  lines.push(
    `Baseline: **${escapeMarkdown(data.baseline.name)}**, ${escapeMarkdown(data.baselineReason)}.`,
  );
  if (data.dataset !== null) {
    lines.push(
      `Accuracy on \`${data.dataset.path.replace(/`/g, "'")}\` (${describeSelection(data.dataset)}, ${data.classNames.length} classes).`,
    );
  }
  if (data.benchConfig !== null) {
    lines.push(`Latency of one session.run and throughput at ${describeBenchConfig(data)}.`);
  }
  if (data.comparisons.size > 0) {
    lines.push(
      `Δ top-1 in percentage points with eval's 95% paired bootstrap interval; ▼ marks a drop that is statistically real (the interval excludes 0 or McNemar p < ${SIGNIFICANCE_LEVEL}).` +
        ([...data.comparisons.values()].some((c) => c.method === 'separate')
          ? ' A Δ without an interval compares two separate eval runs: run `vit-opt eval --baseline` for the interval and the test.'
          : ''),
    );
  }
  const env = data.environments[0]?.environment;
  if (env !== undefined) {
    const flags = env.cpu_features.length === 0 ? '' : ` (${env.cpu_features.join(', ')})`;
    lines.push(
      `Measured on ${escapeMarkdown(env.cpu_model || 'an unknown CPU')}${flags}, ${env.logical_cores} logical cores, onnxruntime ${env.onnxruntime_version}, Node.js ${env.node_version}, vit-opt ${env.vit_opt_version}` +
        (data.environments.length > 1
          ? `, and ${data.environments.length - 1} other environment(s): see report.html.`
          : '.'),
    );
  }
  for (const note of data.notes) lines.push(`Note: ${escapeMarkdown(note)}.`);
  return lines.flatMap((line) => [line, '']).slice(0, -1);
}
