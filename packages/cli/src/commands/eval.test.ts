import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../io.js';
import { run } from '../main.js';

const repo = (path: string): string =>
  fileURLToPath(new URL(`../../../../${path}`, import.meta.url));
const model = repo('fixtures/models/vit-tiny-hf/model.onnx');
const data = repo('fixtures/data/fashion-mnist/val');
const read = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

describe('vit-opt eval, merge and bench', () => {
  it('evaluates, and shards merged give the single run’s metrics bit for bit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vit-opt-cli-eval-'));
    const common = [model, '--data', data, '--sample', '200', '--seed', '3', '--batch', '16'];
    const io = captureIo();
    expect(await run(['eval', ...common, '-o', join(dir, 'all.json')], io)).toBe(0);
    expect(io.stdoutText()).toMatch(/top-1 \d+\.\d\d%, top-5/);
    for (const i of [0, 1, 2]) {
      expect(
        await run(
          ['eval', ...common, '--shard', `${i}/3`, '-o', join(dir, `s${i}.json`)],
          captureIo(),
        ),
      ).toBe(0);
    }
    const shards = [0, 1, 2].map((i) => join(dir, `s${i}.json`));
    expect(await run(['merge', ...shards, '-o', join(dir, 'merged.json')], captureIo())).toBe(0);
    expect(JSON.stringify(read(join(dir, 'merged.json')).metrics)).toBe(
      JSON.stringify(read(join(dir, 'all.json')).metrics),
    );
  });

  it('refuses a missing shard with one line naming the problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vit-opt-cli-merge-'));
    const io = captureIo();
    expect(await run(['merge', join(dir, 'nope.json'), '-o', join(dir, 'm.json')], io)).toBe(1);
    expect(io.stderrText().trim().split('\n')).toHaveLength(1);
  });

  it('rejects a bad option value as a usage error', async () => {
    const io = captureIo();
    expect(
      await run(['eval', model, '--data', data, '--shard', '3/3', '-o', '/tmp/x.json'], io),
    ).toBe(2);
    expect(io.stderrText()).toMatch(/--shard .* must be i\/n/);
  });

  it('benchmarks latency per batch size and thread count', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vit-opt-cli-bench-'));
    const io = captureIo();
    expect(
      await run(
        [
          'bench',
          model,
          '--batch',
          '1,2',
          '--threads',
          '1',
          '--runs',
          '5',
          '-o',
          join(dir, 'b.json'),
        ],
        io,
      ),
    ).toBe(0);
    const results = read(join(dir, 'b.json'));
    expect(results.bench.measurements.map((m: { batch_size: number }) => m.batch_size)).toEqual([
      1, 2,
    ]);
    expect(results.bench.measurements[0].latency.p50_ms).toBeGreaterThan(0);
  });
});
