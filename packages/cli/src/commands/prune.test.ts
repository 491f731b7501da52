import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '@vit-opt/graph';
import { findAttentionLayers, readPruneRecipe } from '@vit-opt/prune';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../io.js';
import { run } from '../main.js';

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../../../../fixtures/models/${name}/model.onnx`, import.meta.url));
const calib = fileURLToPath(
  new URL('../../../../fixtures/data/fashion-mnist/calib', import.meta.url),
);
const tempDir = (): string => mkdtempSync(join(tmpdir(), 'vit-opt-prune-'));

async function pruneCli(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIo();
  const code = await run(['prune', ...args], io);
  return { code, stdout: io.stdoutText(), stderr: io.stderrText() };
}

describe.each(['vit-tiny-hf', 'vit-tiny-tv'])('vit-opt prune %s', (name) => {
  it('removes 25% of the heads by magnitude and writes the recipe, the report and the config files', async () => {
    const dir = tempDir();
    const output = join(dir, 'pruned.onnx');
    const report = join(dir, 'report.json');
    const { code, stdout, stderr } = await pruneCli(
      fixture(name),
      '-o',
      output,
      '--heads',
      '0.25',
      '--report',
      report,
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^pruned 4 of 16 heads \(by magnitude\)/);
    const model = loadModel(output);
    expect(findAttentionLayers(model).reduce((n, l) => n + l.heads, 0)).toBe(12);
    expect(readPruneRecipe(model)[0]).toMatchObject({
      pass: 'pruneHeads',
      scoring: 'magnitude',
      budget: { fraction: 0.25 },
    });
    expect(JSON.parse(readFileSync(report, 'utf8'))).toMatchObject({
      headsBefore: 16,
      headsAfter: 12,
    });
    expect(readFileSync(join(dir, 'preprocessor_config.json'), 'utf8')).toContain('image_mean');
  });
});

describe('vit-opt prune', () => {
  it('takes an explicit plan, and ablation scoring with bias recovery on --calib images', async () => {
    const dir = tempDir();
    const planned = await pruneCli(
      fixture('vit-tiny-hf'),
      '-o',
      join(dir, 'a.onnx'),
      '--plan',
      '{"0":[1,3]}',
      '--json',
    );
    expect(planned.code).toBe(0);
    expect(JSON.parse(planned.stdout)).toMatchObject({
      headsAfter: 14,
      plan: { 0: [1, 3] },
      scoring: null,
    });
    const scored = await pruneCli(
      fixture('vit-tiny-hf'),
      '-o',
      join(dir, 'b.onnx'),
      '--heads',
      '2',
      '--score',
      'ablation',
      '--iterative',
      '--recover',
      'bias',
      '--calib',
      calib,
      '--calib-limit',
      '8',
      '--json',
    );
    expect(scored.stderr).toMatch(/^choosing .*2\/2 heads/m);
    expect(scored.code).toBe(0);
    expect(JSON.parse(scored.stdout)).toMatchObject({
      headsAfter: 14,
      scoring: 'ablation',
      recover: 'bias',
    });
  });

  it('removes MLP neurons with --mlp, with or without heads', async () => {
    const dir = tempDir();
    const { code, stdout } = await pruneCli(
      fixture('vit-tiny-tv'),
      '-o',
      join(dir, 'mlp.onnx'),
      '--mlp',
      '0.2',
      '--json',
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      headsAfter: 16,
      mlp: { neuronsBefore: 512, neuronsAfter: 410 },
    });
    const report = join(dir, 'both.txt');
    const both = await pruneCli(
      fixture('vit-tiny-hf'),
      '-o',
      join(dir, 'both.onnx'),
      '--heads',
      '2',
      '--mlp',
      '10',
      '--report',
      report,
    );
    expect(both.code).toBe(0);
    expect(both.stdout).toContain('pruned 2 of 16 heads (by magnitude)');
    expect(both.stdout).toContain('pruned 10 of 512 MLP neurons');
    const text = readFileSync(report, 'utf8');
    expect(text.split('\n')[1]).toMatch(/^layer +heads +removed .* multiply-adds per image$/);
    expect(text).toContain('MLP neurons 512 → 502');
    expect(text).toMatch(/ 0\.28M → 0\.\d\dM$/m);
  });

  it.each([
    [['--heads', '0.25', '--plan', '{"0":[1]}'], 'give either --heads or --plan'],
    [[], 'give --heads or --plan, --mlp, or both'],
    [['--plan', '{"9":[0]}'], 'names layer 9, but the model has 4 attention layers'],
    [['--plan', '{"0":[0,1,2,3]}'], 'at least one must stay'],
    [['--plan', 'nope'], 'is not JSON'],
    [['--heads', 'lots'], "option '--heads <fraction|count>' argument 'lots' is invalid"],
    [['--heads', '+3'], "option '--heads <fraction|count>' argument '+3' is invalid"],
    [['--heads', '-0'], "option '--heads <fraction|count>' argument '-0' is invalid"],
    [['--heads', '1', '--report', tmpdir()], 'is a directory, not a file to write'],
    [['--heads', '1', '--report', '/dev/zero'], 'not a file to write'],
    [['--heads', '0.25', '--score', 'ablation'], '--score ablation needs --calib <dir>'],
    [
      ['--heads', '1', '--iterative'],
      '--iterative needs --heads with --score activation or ablation',
    ],
  ])('%j is a usage error that writes nothing', async (args, message) => {
    const output = join(tempDir(), 'never.onnx');
    const { code, stderr } = await pruneCli(fixture('vit-tiny-hf'), '-o', output, ...args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(() => readFileSync(output)).toThrow();
  });
});
