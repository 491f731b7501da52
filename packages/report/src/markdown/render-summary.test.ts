import { describe, expect, it } from 'vitest';
import { buildReportData } from '../data/build-report-data.js';
import type { ReportInput } from '../inputs/report-input.js';
import { sampleInputs } from '../testing/sample-results.js';
import { renderSummaryMarkdown } from './render-summary.js';

describe('renderSummaryMarkdown', () => {
  it('writes a table with a row per variant and what the figures rest on', () => {
    const markdown = renderSummaryMarkdown(buildReportData(sampleInputs()));
    const lines = markdown.split('\n');
    expect(lines[0]).toBe('## vit-tiny-hf on fashion-mnist/val');
    const table = lines.filter((line) => line.startsWith('|'));
    expect(table).toHaveLength(2 + 4);
    expect(table[0]).toMatch(
      /^\| variant \| recipe \| size \| parameters \| latency p50 \| p90 \| throughput \| top-1 \| top-5 \| Δ top-1 \[95% CI\] \| agreement \| McNemar p \|$/,
    );
    expect(table.every((row) => row.split('|').length === table[0]!.split('|').length)).toBe(true);
    expect(table[2]).toMatch(
      /^\| \*\*vit-tiny-hf\*\* \(baseline\) \| none \(float model\) \| 673\.9 kB \| 145,290 \| [\d.]+ ms \| [\d.]+ ms \| [\d,]+\/s \| 89\.70% \| 99\.90% \| – \| – \| – \|$/,
    );
    expect(table[5]).toMatch(
      /^\| int4 \| int4 weights \| 237\.7 kB \(−64\.7%\) \| .* \| 89\.30% \| 99\.90% \| −0\.40 pp \[−1\.10, \+0\.30\] \| 98\.20% \| 0\.302 \|$/,
    );
    expect(markdown).toContain(
      'Baseline: **vit-tiny-hf**, the model the eval runs compared against',
    );
    expect(markdown).toContain('at batch 1, 2 threads');
    expect(markdown).toMatch(/Measured on Intel.*onnxruntime 1\.30\.0/);
    expect(markdown).not.toContain('▼ significant drop');
  });

  it('marks a statistically real drop', () => {
    const inputs: ReportInput[] = sampleInputs().map((input) => {
      if (input.source !== 'int4.eval.json') return input;
      const results = structuredClone(input.results) as unknown as {
        metrics: { mcnemar_p: number };
      };
      results.metrics.mcnemar_p = 0.01;
      return { ...input, results: results as unknown as ReportInput['results'] };
    });
    const int4 = renderSummaryMarkdown(buildReportData(inputs))
      .split('\n')
      .find((line) => line.startsWith('| int4'));
    expect(int4).toContain('**−0.40 pp** [−1.10, +0.30] ▼ significant drop');
  });

  it('keeps a variant name from breaking the table', () => {
    const inputs = sampleInputs().map((input) =>
      input.source.startsWith('int4') ? { ...input, name: 'int4 | *odd*' } : input,
    );
    const markdown = renderSummaryMarkdown(buildReportData(inputs));
    expect(markdown).toContain('| int4 \\| \\*odd\\* |');
  });
});
