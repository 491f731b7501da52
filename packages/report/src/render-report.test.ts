import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadReportInputs } from './inputs/load-report-inputs.js';
import { renderReport } from './render-report.js';
import { pngSize } from './testing/png.js';
import { samplePaths } from './testing/sample-results.js';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'vit-opt-report-'));

describe('renderReport', () => {
  it('writes report.html, summary.md and a PNG per chart, and says what it wrote', async () => {
    const parent = tempDir();
    const dir = join(parent, 'report');
    const report = await renderReport(await loadReportInputs(samplePaths()), dir, {
      pixelRatio: 1,
    });
    expect(report.html).toBe(join(dir, 'report.html'));
    expect(report.summary).toBe(join(dir, 'summary.md'));
    expect(report.charts).toHaveLength(11);
    expect(report.files).toHaveLength(13);
    for (const file of report.files) expect(existsSync(file)).toBe(true);
    expect(pngSize(readFileSync(join(dir, 'charts', 'size.png')))).toEqual({
      width: 960,
      height: 540,
    });
    const html = readFileSync(report.html, 'utf8');
    expect(html.match(/<img src="data:image\/png;base64,/g)).toHaveLength(11);
    expect(readFileSync(report.summary, 'utf8')).toContain('| int8-fused |');
    // Nothing but the report beside it: the temp folder was renamed, not left behind.
    expect(readdirSync(parent)).toEqual(['report']);
  });

  it('replaces an earlier report, and refuses a folder of other files', async () => {
    const inputs = await loadReportInputs(samplePaths().filter((p) => p.endsWith('.bench.json')));
    const dir = join(tempDir(), 'report');
    await renderReport(inputs, dir, { pixelRatio: 1 });
    writeFileSync(join(dir, 'charts', 'old-chart.png'), 'stale');
    await renderReport(inputs, dir, { pixelRatio: 1 });
    expect(readdirSync(join(dir, 'charts')).sort()).toEqual([
      'latency.png',
      'size.png',
      'thread-sweep.png',
    ]);

    const mine = tempDir();
    writeFileSync(join(mine, 'notes.txt'), 'keep me');
    await expect(renderReport(inputs, mine)).rejects.toThrow(
      expect.objectContaining({
        subject: mine,
        message: 'exists and holds files a report did not write; give a new or empty folder',
      }),
    );
    expect(readdirSync(mine)).toEqual(['notes.txt']);
  });

  it('writes into an empty folder, and nothing at all when stopped', async () => {
    const inputs = await loadReportInputs(samplePaths().filter((p) => p.endsWith('.bench.json')));
    const empty = tempDir();
    await renderReport(inputs, empty, { pixelRatio: 1 });
    expect(readdirSync(empty).sort()).toEqual(['charts', 'report.html', 'summary.md']);

    const parent = tempDir();
    const controller = new AbortController();
    controller.abort(new Error('stopped'));
    await expect(
      renderReport(inputs, join(parent, 'report'), { signal: controller.signal }),
    ).rejects.toThrow('stopped');
    expect(readdirSync(parent)).toEqual([]);
  });

  it('refuses a file where the folder should be', async () => {
    const inputs = await loadReportInputs(samplePaths().slice(1, 2));
    const file = join(tempDir(), 'report');
    writeFileSync(file, '');
    await expect(renderReport(inputs, file)).rejects.toThrow(
      expect.objectContaining({ subject: file, message: 'is a file; the report needs a folder' }),
    );
  });
});
