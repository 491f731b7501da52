import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { samplePath, samplePaths } from '../testing/sample-results.js';
import { loadReportInputs } from './load-report-inputs.js';

describe('loadReportInputs', () => {
  it('reads and validates eval and bench results', async () => {
    const inputs = await loadReportInputs(samplePaths());
    expect(inputs.map((i) => i.results.kind)).toEqual([
      'eval',
      'bench',
      'eval',
      'bench',
      'eval',
      'bench',
      'eval',
      'bench',
    ]);
    expect(inputs[0]!.source).toBe(samplePaths()[0]);
  });

  it('refuses results of an unknown schema version with a clear error naming the file', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'vit-opt-report-')), 'future.json');
    const doc = JSON.parse(readFileSync(samplePath('int4', 'bench'), 'utf8'));
    writeFileSync(path, JSON.stringify({ ...doc, schema_version: 'vit-opt.results/2' }));
    await expect(loadReportInputs([samplePath('fp32', 'eval'), path])).rejects.toThrow(
      expect.objectContaining({
        code: 'UNSUPPORTED',
        subject: path,
        message: 'results in schema vit-opt.results/2; this vit-opt reads vit-opt.results/1',
      }),
    );
  });

  it('refuses a file that is not results, and an empty list', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'vit-opt-report-')), 'not.json');
    writeFileSync(path, '{"hello": 1}');
    await expect(loadReportInputs([path])).rejects.toThrow(/not valid vit-opt results/);
    await expect(loadReportInputs([])).rejects.toThrow('no results files given');
  });

  it('never loads onnxruntime or sharp, not even to render a report', () => {
    const packageDir = fileURLToPath(new URL('../..', import.meta.url));
    const script = `
      import { readFileSync } from 'node:fs';
      import { tmpdir } from 'node:os';
      const report = await import('@vit-opt/report');
      const inputs = await report.loadReportInputs(${JSON.stringify(samplePaths())});
      await report.renderReport(inputs, tmpdir() + '/vit-opt-report-native-' + process.pid, { pixelRatio: 1 });
      const maps = readFileSync('/proc/self/maps', 'utf8');
      console.log(JSON.stringify({ onnxruntime: /onnxruntime/.test(maps), sharp: /sharp|vips/.test(maps) }));
    `;
    const output = execFileSync(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: packageDir, encoding: 'utf8' },
    );
    expect(JSON.parse(output.trim().split('\n').at(-1)!)).toEqual({
      onnxruntime: false,
      sharp: false,
    });
  });
});
