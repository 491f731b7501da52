import type { ModelResult } from './check-model.js';
import { NOT_CHECKED_CATEGORIES } from './runtime-check.js';
import type { Counts, Summary } from './summary.js';

export interface FormatOptions {
  readonly wallTimeSeconds: number;
  readonly requiredPassRate: number;
  /** List every model whose outputs were not held against the expected ones, with the reason. */
  readonly listNotChecked: boolean;
  readonly withoutModel: readonly string[];
}

const COLUMNS = [
  ['group', 20],
  ['models', 7],
  ['passed', 7],
  ['round trip', 11],
  ['runtime matched', 16],
  ['not checked', 12],
  ['simplify matched', 17],
  ['nodes removed', 16],
] as const;

/** The text report: a table by group, reasons for unchecked runs, every failure, the verdict. */
export function formatSummary(
  summary: Summary,
  results: readonly ModelResult[],
  options: FormatOptions,
): string {
  const lines = [
    row(COLUMNS.map(([title]) => title)),
    ...[...summary.groups].map(([group, counts]) => countsRow(group, counts)),
    countsRow('total', summary.total),
    '',
    'Runtime not checked against the expected outputs (the saved and simplified models are then',
    "held to onnxruntime's outputs for the original, where it ran):",
  ];
  const byCount = [...summary.notCheckedByCategory].sort((a, b) => b[1] - a[1]);
  for (const [category, count] of byCount) {
    lines.push(`${String(count).padStart(6)}  ${NOT_CHECKED_CATEGORIES[category]}`);
    if (!options.listNotChecked) continue;
    for (const result of results) {
      const notChecked = result.runtime?.notChecked;
      if (notChecked?.category !== category) continue;
      lines.push(`          ${result.id}: ${notChecked.reason}`);
    }
  }
  if (options.withoutModel.length > 0) {
    lines.push(
      '',
      `Skipped ${options.withoutModel.length} test folders without a model.onnx (${options.withoutModel.join(', ')}).`,
    );
  }
  const failed = results.filter((result) => !result.passed);
  lines.push('', `Failures: ${failed.length}`);
  for (const result of failed) {
    for (const failure of result.failures) lines.push(`  FAIL ${result.id}: ${failure}`);
  }
  const { passed, models } = summary.total;
  const verdict = summary.passRate >= options.requiredPassRate ? 'PASS' : 'FAIL';
  lines.push(
    '',
    `${verdict}: ${passed} of ${models} models passed (${percent(summary.passRate)}; ` +
      `${percent(options.requiredPassRate)} required) in ${options.wallTimeSeconds.toFixed(1)} s.`,
  );
  return lines.join('\n');
}

function countsRow(name: string, counts: Counts): string {
  return row([
    name,
    String(counts.models),
    String(counts.passed),
    String(counts.roundTripEqual),
    `${counts.runtimeMatched}/${counts.runtimeChecked}`,
    String(counts.runtimeNotChecked),
    `${counts.simplifyMatched}/${counts.simplifyChecked}`,
    `${counts.nodesRemoved}/${counts.nodesBefore}`,
  ]);
}

function row(cells: readonly string[]): string {
  return cells
    .map((cell, i) => (i === 0 ? cell.padEnd(COLUMNS[i]![1]) : cell.padStart(COLUMNS[i]![1])))
    .join(' ');
}

function percent(rate: number): string {
  return `${(rate * 100).toFixed(2)}%`;
}
