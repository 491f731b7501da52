import type { EnvironmentGroup, ReportData, Variant } from '../data/report-data.js';
import { SIGNIFICANCE_LEVEL } from '../data/compare-to-baseline.js';
import { describeSelection } from '../data/check-same-dataset.js';
import type { RenderedChart } from '../charts/chart-spec.js';
import { describeBenchConfig } from '../charts/variant-figures.js';
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
import { describeRecipe, variantRows, type VariantRow } from '../table/variant-rows.js';
import { escapeHtml as e } from './escape-html.js';
import { REPORT_CSS } from './report-style.js';

const NONE = '–';

/**
 * report.html: one self-contained page (inline CSS, charts as data: URIs, no script, no link), so
 * it opens offline, from a CI artifact or an e-mail attachment alike.
 */
export function renderReportHtml(data: ReportData, charts: readonly RenderedChart[]): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(data.title)} · vit-opt report</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<h1>${e(data.title)}</h1>
${lede(data)}
${notes(data)}
<h2 id="variants">Variants</h2>
${variantsTable(data)}
${legend(data)}
<h2 id="charts">Charts</h2>
${charts
  .filter((c) => !isConfusion(c))
  .map(figure)
  .join('\n')}
<div class="grid">
${charts.filter(isConfusion).map(figure).join('\n')}
</div>
${perClassSection(data)}
<h2 id="recipes">Recipes</h2>
${data.variants.map(recipeSection).join('\n')}
<h2 id="environment">Environment</h2>
${data.environments.map((group) => environmentSection(group, data.environments.length)).join('\n')}
${runsTable(data)}
</body>
</html>
`;
}

function lede(data: ReportData): string {
  const parts = [`Baseline: <strong>${e(data.baseline.name)}</strong>, ${e(data.baselineReason)}.`];
  if (data.dataset !== null) {
    parts.push(
      `Accuracy on <code>${e(data.dataset.path)}</code>: ${e(describeSelection(data.dataset))}, ` +
        `${data.classNames.length} classes (content hash <code>${e(data.dataset.content_hash.slice(0, 12))}</code>).`,
    );
  }
  if (data.benchConfig !== null) {
    parts.push(`Latency and throughput at ${e(describeBenchConfig(data))}.`);
  }
  return `<p class="lede">${parts.join(' ')}</p>`;
}

function notes(data: ReportData): string {
  if (data.notes.length === 0) return '';
  return `<div class="notes">${data.notes.map((n) => `<p>Note: ${e(n)}.</p>`).join('')}</div>`;
}

function variantsTable(data: ReportData): string {
  const head = [
    'variant',
    'recipe',
    'file size',
    'parameters',
    'latency p50 <span class="small">(p90)</span>',
    'throughput',
    'top-1',
    'top-5',
    'Δ top-1 <span class="small">[95% CI]</span>',
    'agreement',
    'McNemar p',
  ];
  const rows = variantRows(data).map(tableRow).join('\n');
  return `<div class="table-wrap"><table id="variants-table">
<thead><tr>${head.map((h, i) => `<th${i < 2 ? ' class="text"' : ''}>${h}</th>`).join('')}</tr></thead>
<tbody>
${rows}
</tbody>
</table></div>`;
}

function tableRow(row: VariantRow): string {
  const c = row.comparison;
  const cells = [
    `<td class="text">${e(row.variant.name)}${row.isBaseline ? ' <span class="small">(baseline)</span>' : ''}</td>`,
    `<td class="text wrap">${e(describeRecipe(row.variant))}</td>`,
    `<td>${formatBytes(row.sizeBytes)}${row.sizeRatio === null ? '' : ` <span class="small">(${formatChange(row.sizeRatio)})</span>`}</td>`,
    `<td>${formatCount(row.parameterCount)}</td>`,
    `<td>${row.latency === null ? NONE : `${formatMs(row.latency.p50_ms)} <span class="small">(${formatMs(row.latency.p90_ms)})</span>`}</td>`,
    `<td>${row.throughputImagesPerSecond === null ? NONE : formatThroughput(row.throughputImagesPerSecond)}</td>`,
    `<td>${row.top1 === null ? NONE : formatPercent(row.top1)}</td>`,
    `<td>${row.top5 === null ? NONE : formatPercent(row.top5)}</td>`,
    `<td>${c === null ? NONE : deltaCell(c)}</td>`,
    `<td>${c?.agreement == null ? NONE : formatPercent(c.agreement)}</td>`,
    `<td>${c?.mcnemarP == null ? NONE : formatP(c.mcnemarP)}</td>`,
  ];
  return `<tr class="variant${row.isBaseline ? ' baseline' : ''}" data-variant="${e(row.variant.name)}">${cells.join('')}</tr>`;
}

function deltaCell(c: NonNullable<VariantRow['comparison']>): string {
  const ci =
    c.top1DeltaCi95 === null
      ? ''
      : ` <span class="small">${formatPointsInterval(c.top1DeltaCi95)}</span>`;
  const delta = formatPoints(c.top1Delta);
  if (c.significance === 'drop') {
    return `<span class="drop" title="statistically real drop">${delta} ▼</span>${ci}`;
  }
  if (c.significance === 'gain') {
    return `<span class="gain" title="statistically real gain">${delta} ▲</span>${ci}`;
  }
  return `${delta}${ci}`;
}

function legend(data: ReportData): string {
  if (data.comparisons.size === 0) return '';
  const separate = [...data.comparisons.values()].some((c) => c.method === 'separate');
  return `<p class="small">Δ top-1: the change against ${e(data.baseline.name)} in percentage points, with eval's 95% paired bootstrap interval; agreement: images on which the variant and the baseline predict the same class. <span class="drop">▼</span> marks a drop that is statistically real: the interval excludes 0 or McNemar's p &lt; ${SIGNIFICANCE_LEVEL}.${
    separate
      ? ' A Δ without an interval compares two separate eval runs; <code>vit-opt eval --baseline</code> gives the interval and the test.'
      : ''
  }</p>`;
}

/** Confusion matrices are square and alike: they sit side by side. */
function isConfusion(chart: RenderedChart): boolean {
  return chart.id.startsWith('confusion-');
}

function figure(chart: RenderedChart): string {
  const src = `data:image/png;base64,${chart.png.toString('base64')}`;
  const { width, height } = chart.size;
  return `<figure id="chart-${e(chart.id)}">
<img src="${src}" alt="${e(chart.description)}" width="${width}" height="${height}">
<figcaption>${e(chart.description)}</figcaption>
</figure>`;
}

function perClassSection(data: ReportData): string {
  const evaluated = data.variants.filter((v) => v.eval !== null);
  if (evaluated.length === 0 || data.classNames.length === 0) return '';
  const base = data.baseline.eval?.results.metrics.per_class;
  const support = evaluated[0]!.eval!.results.metrics.per_class.map((c) => c.support);
  const head = [
    'class',
    'images',
    ...evaluated.map((v) => e(v.name) + (v === data.baseline ? ' (baseline)' : '')),
  ];
  const rows = data.classNames.map((name, c) => {
    const cells = evaluated.map((v) => {
      const accuracy = v.eval!.results.metrics.per_class[c]?.accuracy ?? null;
      if (accuracy === null) return `<td>${NONE}</td>`;
      const baseAccuracy = base?.[c]?.accuracy ?? null;
      const delta =
        v === data.baseline || baseAccuracy === null
          ? ''
          : ` <span class="small">(${formatPoints(accuracy - baseAccuracy, 1)})</span>`;
      return `<td>${formatPercent(accuracy, 1)}${delta}</td>`;
    });
    return `<tr><td class="text">${e(name)}</td><td>${formatCount(support[c] ?? 0)}</td>${cells.join('')}</tr>`;
  });
  return `<h2 id="per-class">Per-class accuracy</h2>
<p class="small">Accuracy within each true class (recall); in parentheses the change against the baseline in percentage points.</p>
<div class="table-wrap"><table id="per-class-table">
<thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table></div>`;
}

function recipeSection(variant: Variant): string {
  const { model } = variant;
  const facts = [
    ['model', `<code>${e(model.path)}</code>`],
    ['SHA-256', `<code>${e(model.sha256)}</code>`],
    ['file size', `${formatBytes(model.size_bytes)} (${formatCount(model.size_bytes)} bytes)`],
    ['parameters', formatCount(model.parameter_count)],
    ['recipe', e(describeRecipe(variant))],
  ];
  const recipe =
    model.recipe === null
      ? ''
      : `<details><summary>the recipe as the model's metadata holds it</summary><pre><code>${e(JSON.stringify(model.recipe, null, 2))}</code></pre></details>`;
  return `<h3>${e(variant.name)}</h3>
<dl class="facts">${facts.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>
${recipe}`;
}

function environmentSection(group: EnvironmentGroup, count: number): string {
  const env = group.environment;
  const facts = [
    ['CPU', e(env.cpu_model || 'unknown')],
    [
      'ISA features',
      env.cpu_features.length === 0
        ? 'not reported'
        : env.cpu_features.map((f) => `<code>${e(f)}</code>`).join(' '),
    ],
    ...(env.int8_isa === undefined
      ? []
      : [['int8 instructions', `<code>${e(env.int8_isa)}</code>`]]),
    ...(env.cpu_features_source === undefined
      ? []
      : [['features read from', e(env.cpu_features_source)]]),
    ['logical cores', String(env.logical_cores)],
    ['memory', formatBytes(env.total_memory_bytes)],
    ['OS', e(`${env.os.platform} ${env.os.release} (${env.os.arch})`)],
    ['Node.js', e(env.node_version)],
    ['onnxruntime', e(env.onnxruntime_version)],
    ['vit-opt', e(env.vit_opt_version)],
  ];
  const files =
    count > 1
      ? `<p class="small">Files measured here: ${group.sources.map((s) => `<code>${e(s)}</code>`).join(', ')}</p>`
      : '';
  return `<dl class="facts">${facts.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>${files}`;
}

/** Which file gave which figures, and how each run was set up (provider, threads, batch). */
function runsTable(data: ReportData): string {
  const rows = data.variants.flatMap((v) => [
    ...(v.eval === null
      ? []
      : [
          [
            v.name,
            'eval',
            v.eval.source,
            `${v.eval.results.runtime.execution_provider}, ${threads(v.eval.results.runtime.intra_op_threads)}, batch ${v.eval.results.runtime.batch_size}`,
          ],
        ]),
    ...v.bench.map((b) => [
      v.name,
      'bench',
      b.source,
      `${b.results.runtime.execution_provider}, ${[...new Set(b.results.bench.measurements.map((m) => m.intra_op_threads))].join('/')} threads, batch ${[
        ...new Set(b.results.bench.measurements.map((m) => m.batch_size)),
      ].join('/')}, ${b.results.bench.measurements[0]?.runs ?? 0} runs each`,
    ]),
  ]);
  return `<h3>Runs</h3>
<div class="table-wrap"><table id="runs-table">
<thead><tr><th>variant</th><th>kind</th><th>results file</th><th>setup</th></tr></thead>
<tbody>
${rows.map((r) => `<tr>${r.map((cell) => `<td class="text">${e(cell!)}</td>`).join('')}</tr>`).join('\n')}
</tbody>
</table></div>`;
}

function threads(count: number): string {
  return count === 0 ? "onnxruntime's default threads" : `${count} threads`;
}
