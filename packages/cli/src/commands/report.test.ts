import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../io.js';
import { run } from '../main.js';

const samples = fileURLToPath(
  new URL('../../../../fixtures/results/vit-tiny-hf/', import.meta.url),
);
const sample = (name: string): string => join(samples, name);
const allSamples = (): string[] =>
  readdirSync(samples)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map(sample);
const tempDir = (): string => mkdtempSync(join(tmpdir(), 'vit-opt-cli-report-'));

async function reportCli(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIo();
  const code = await run(['report', ...args], io);
  return { code, stdout: io.stdoutText(), stderr: io.stderrText() };
}

describe('vit-opt report', () => {
  it('writes report.html, summary.md and the charts, and lists them', async () => {
    const dir = join(tempDir(), 'report');
    const { code, stdout, stderr } = await reportCli(...allSamples(), '-o', dir, '--threads', '1');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe(`report of 4 variants against vit-tiny-hf → ${dir}`);
    expect(stdout).toMatch(/report\.html\n.*summary\.md\n.*charts\/size\.png\n/);
    expect(readdirSync(dir).sort()).toEqual(['charts', 'report.html', 'summary.md']);
    expect(readdirSync(join(dir, 'charts'))).toHaveLength(11);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html.match(/<tr class="variant/g)).toHaveLength(4);
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toContain('at batch 1, 1 thread.');
  });

  it('refuses results of two models or two datasets with one line naming the files', async () => {
    const dir = tempDir();
    const doc = JSON.parse(readFileSync(sample('int4.eval.json'), 'utf8'));
    doc.dataset.content_hash = '0'.repeat(64);
    const other = join(dir, 'other-data.json');
    writeFileSync(other, JSON.stringify(doc));
    const { code, stderr } = await reportCli(
      sample('fp32.eval.json'),
      other,
      '-o',
      join(dir, 'report'),
    );
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(
      new RegExp(
        `^error: ${other}: evaluated on a different dataset than ${sample('fp32.eval.json')} \\(`,
      ),
    );
    expect(existsSync(join(dir, 'report'))).toBe(false);
  });

  it('refuses results of another model with one line naming both files', async () => {
    const dir = tempDir();
    const doc = JSON.parse(readFileSync(sample('int8-fused.bench.json'), 'utf8'));
    doc.model.sha256 = 'f'.repeat(64);
    doc.model.recipe.source.sha256 = 'e'.repeat(64);
    const other = join(dir, 'other-model.json');
    writeFileSync(other, JSON.stringify(doc));
    const { code, stderr } = await reportCli(
      sample('fp32.eval.json'),
      other,
      '-o',
      join(dir, 'report'),
    );
    expect(code).toBe(1);
    expect(stderr).toBe(
      `error: ${other}: results of a different model than ${sample('fp32.eval.json')} (source model eeeeeeeeeeee, not a1b75a235226); a report compares variants of one model\n`,
    );
    expect(existsSync(join(dir, 'report'))).toBe(false);
  });

  it('refuses an unknown schema version and a missing file', async () => {
    const dir = tempDir();
    const future = join(dir, 'future.json');
    writeFileSync(future, JSON.stringify({ schema_version: 'vit-opt.results/9', kind: 'eval' }));
    const unknown = await reportCli(future, '-o', join(dir, 'report'));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(
      `error: ${future}: results in schema vit-opt.results/9; this vit-opt reads vit-opt.results/1\n`,
    );
    const missing = await reportCli(join(dir, 'nope.json'), '-o', join(dir, 'report'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`error: ${join(dir, 'nope.json')}: no such results file\n`);
  });

  it('names --baseline when it names no variant, and usage errors exit 2', async () => {
    const dir = tempDir();
    const bad = await reportCli(
      sample('fp32.bench.json'),
      '-o',
      join(dir, 'r'),
      '--baseline',
      'int9',
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: --baseline: no variant "int9" among "vit-tiny-hf"/);
    const noOutput = await reportCli(sample('fp32.bench.json'));
    expect(noOutput.code).toBe(2);
    expect(noOutput.stderr).toMatch(/required option '-o, --output <dir>' not specified/);
    const noFiles = await reportCli('-o', join(dir, 'r'));
    expect(noFiles.code).toBe(2);
  });

  it('has --help', async () => {
    const { code, stdout } = await reportCli('--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: vit-opt report \[options\] <results\.\.\.>/);
    expect(stdout).toContain('--baseline <variant>');
  });
});
