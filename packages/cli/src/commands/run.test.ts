import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { captureIo, type CliIo } from '../io.js';
import { run } from '../main.js';

const repo = (path: string): string =>
  fileURLToPath(new URL(`../../../../${path}`, import.meta.url));
const tempDir = (): string => mkdtempSync(join(tmpdir(), 'vit-opt-cli-run-'));
const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '');

/** A two-variant pipeline over the tiny fixture, measured briefly, in a folder of its own. */
function pipelineFile(extra = ''): string {
  const path = join(tempDir(), 'pipeline.yaml');
  writeFileSync(
    path,
    `model: ${repo('fixtures/models/vit-tiny-hf')}
data:
  validation: ${repo('fixtures/data/fashion-mnist/val')}
eval: { limit: 50, batch: 50 }
bench: { runs: 3, warmup: 1, threads: 1 }
variants:
  - name: baseline
    kind: baseline
  - name: int8
    kind: dynamic
${extra}`,
  );
  return path;
}

async function vitOpt(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIo();
  const code = await run(args, io);
  return { code, stdout: io.stdoutText(), stderr: io.stderrText() };
}

describe('vit-opt run', () => {
  it('builds, measures and reports every variant; a second run reuses them all', async () => {
    const file = pipelineFile();
    const out = join(tempDir(), 'out');
    const first = await vitOpt('run', file, '-o', out);
    expect(first.code).toBe(0);
    expect(lines(first.stdout)[0]).toBe(`2 variants → ${out}`);
    expect(first.stdout).toMatch(/^ {2}baseline {2}made {4}top-1 \d+\.\d\d%, [\d.]+ kB, p50 /m);
    expect(first.stdout).toMatch(/^ {2}int8 {6}made {4}top-1 \d+\.\d\d% \([−+]\d+\.\d\d pp\), /m);
    expect(first.stdout).toContain(`report ${join(out, 'report/report.html')}\n`);
    expect(first.stderr).toMatch(/^\[1\/2\] baseline: build\n\[1\/2\] baseline: eval\n/);
    expect(first.stderr).toMatch(/^\[2\/2\] int8: eval 100% 50\/50 images, .* ETA 0 s$/m);
    expect(first.stderr).toMatch(/^report: rendering report\.html, summary\.md and the charts$/m);
    expect(readdirSync(out).sort()).toEqual(['report', 'report.manifest.json', 'variants']);

    const second = await vitOpt('run', file, '-o', out, '--json');
    expect(second.code).toBe(0);
    expect(second.stderr).toBe(
      '[1/2] baseline: unchanged, reused\n[2/2] int8: unchanged, reused\n' +
        'report: no result changed, the report is kept\n',
    );
    const summary = JSON.parse(second.stdout);
    expect(summary.variants.map((v: { built: boolean }) => v.built)).toEqual([false, false]);
    expect(summary.report.rendered).toBe(false);
  });

  it.each<[string, string, RegExp]>([
    [
      'an unknown key',
      '    per-chanel: true\n',
      /pipeline\.yaml:11: variants\[1\]\.per-chanel: unknown key; the keys here are name, kind, from, target, /,
    ],
    [
      'a duplicate variant name',
      '  - name: int8\n    kind: int4\n',
      /pipeline\.yaml:11: variants\[2\]\.name: duplicate variant name "int8" \(variants\[1\] has it\)$/,
    ],
  ])(
    'a pipeline file with %s: one line naming file, line and key, exit 2, nothing written',
    async (_, extra, message) => {
      const out = join(tempDir(), 'out');
      const { code, stdout, stderr } = await vitOpt('run', pipelineFile(extra), '-o', out);
      expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
      expect(lines(stderr)).toHaveLength(1);
      expect(stderr).toMatch(/^error: \//);
      expect(stderr.trimEnd()).toMatch(message);
      expect(existsSync(out)).toBe(false);
    },
  );

  it.each([
    ['an empty path', () => '', /^error: option '-o, --output <dir>' must name a folder$/],
    ['a file', () => pipelineFile(), /^error: option '-o, --output <dir>': .*pipeline\.yaml exists and is not a folder$/],
    ['a device', () => '/dev/zero', /^error: option '-o, --output <dir>': \/dev\/zero exists and is not a folder$/],
  ])('refuses an output that is %s as a usage error, exit 2, before any work', async (_, output, message) => {
    const { code, stdout, stderr } = await vitOpt('run', pipelineFile(), '-o', output());
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(lines(stderr)[0]).toMatch(message);
  });

  it('--help says what it does and where the format is', async () => {
    const { code, stdout } = await vitOpt('run', '--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: vit-opt run \[options\] <pipeline>/);
    expect(stdout).toContain('-o, --output <dir>');
    expect(stdout).toContain('README’s "Pipeline" section');
  });
});

describe('vit-opt run and Ctrl-C', () => {
  it('stops, exits 130, and leaves only the variants finished before', async () => {
    const out = join(tempDir(), 'out');
    let interrupted = false;
    const stderr: string[] = [];
    const io: CliIo = {
      stdout: { write: () => true },
      stderr: {
        write: (text: string) => {
          stderr.push(text);
          if (!interrupted && text.startsWith('[2/2] int8: eval')) {
            interrupted = true;
            process.emit('SIGINT');
          }
          return true;
        },
      },
    };
    const code = await run(['run', pipelineFile(), '-o', out], io);
    expect(interrupted).toBe(true);
    expect(code).toBe(130);
    expect(stderr.join('')).toMatch(/\ninterrupted \(Ctrl-C\): no results written\n$/);
    expect(readdirSync(join(out, 'variants'))).toEqual(['baseline']);
    expect(existsSync(join(out, 'report'))).toBe(false);
    expect(process.listenerCount('SIGINT')).toBe(0);
  });
});
