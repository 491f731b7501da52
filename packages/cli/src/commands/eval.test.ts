import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../io.js';
import { run } from '../main.js';

const repo = (path: string): string =>
  fileURLToPath(new URL(`../../../../${path}`, import.meta.url));
const model = repo('fixtures/models/vit-tiny-hf/model.onnx');
const data = repo('fixtures/data/fashion-mnist/val');
const read = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const tempDir = (): string => mkdtempSync(join(tmpdir(), 'vit-opt-cli-eval-'));

/** `vit-opt eval` on the first 16 validation images, with `args` after the model. */
async function evalCli(
  modelPath: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string; output: string }> {
  const output = join(tempDir(), 'results.json');
  const io = captureIo();
  const code = await run(
    ['eval', modelPath, '--data', data, '--limit', '16', '-o', output, ...args],
    io,
  );
  return { code, stdout: io.stdoutText(), stderr: io.stderrText(), output };
}

/** The fixture model and its config.json in a folder of their own, without preprocessor_config.json. */
function modelWithoutPreprocessorConfig(): string {
  const dir = tempDir();
  for (const file of ['model.onnx', 'config.json']) {
    copyFileSync(join(dirname(model), file), join(dir, file));
  }
  return join(dir, 'model.onnx');
}

describe('vit-opt eval, merge and bench', () => {
  it('evaluates, and shards merged give the single run’s metrics bit for bit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vit-opt-cli-eval-'));
    const common = [model, '--data', data, '--sample', '200', '--seed', '3', '--batch', '16'];
    const io = captureIo();
    expect(await run(['eval', ...common, '-o', join(dir, 'all.json')], io)).toBe(0);
    expect(io.stdoutText()).toMatch(/top-1 \d+\.\d\d%, top-5/);
    // Shards count from 1, as node --test-shard, vitest, jest and playwright do.
    for (const i of [1, 2, 3]) {
      expect(
        await run(
          ['eval', ...common, '--shard', `${i}/3`, '-o', join(dir, `s${i}.json`)],
          captureIo(),
        ),
      ).toBe(0);
    }
    // The results keep the library's position, which counts from 0.
    expect(read(join(dir, 's1.json')).dataset.selection.shard).toEqual({ index: 0, count: 3 });
    const shards = [1, 2, 3].map((i) => join(dir, `s${i}.json`));
    const gap = captureIo();
    expect(await run(['merge', shards[0]!, shards[2]!, '-o', join(dir, 'm.json')], gap)).toBe(1);
    expect(gap.stderrText()).toContain('shard 2/3 missing: a merge needs all 3');
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

  it.each(['0/3', '4/3', '1/0', '1-3'])('rejects --shard %s as a usage error', async (shard) => {
    const io = captureIo();
    expect(
      await run(['eval', model, '--data', data, '--shard', shard, '-o', '/tmp/x.json'], io),
    ).toBe(2);
    expect(io.stderrText()).toMatch(/--shard .* must be i\/n with 1 ≤ i ≤ n: shards count from 1/);
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

describe('vit-opt eval preprocessing flags', () => {
  it('replace the steps of preprocessor_config.json, and the results say what was done', async () => {
    const resized = await evalCli(model, '--resize', '32x32', '--crop', '28x28');
    expect(resized.code).toBe(0);
    const results = read(resized.output);
    expect(results.preprocessing).toEqual({
      size: { height: 32, width: 32 },
      resample: 'bilinear',
      crop_size: { height: 28, width: 28 },
      rescale_factor: 1 / 255,
      normalize: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
    });
    expect(results.runtime.execution_provider).toBe('cpu');

    const other = await evalCli(
      model,
      ...['--resize', '30', '--crop', '28x28', '--resample', 'nearest'],
      ...['--rescale', '1/127.5', '--mean', '1,1,1', '--std', '1,1,1'],
    );
    expect(other.code).toBe(0);
    expect(read(other.output).preprocessing).toEqual({
      size: { shortest_edge: 30 },
      resample: 'nearest',
      crop_size: { height: 28, width: 28 },
      rescale_factor: 1 / 127.5,
      normalize: { mean: [1, 1, 1], std: [1, 1, 1] },
    });

    const off = await evalCli(model, '--rescale', 'none', '--no-normalize');
    expect(off.code).toBe(0);
    expect(read(off.output).preprocessing).toMatchObject({ rescale_factor: null, normalize: null });
    // Raw 0-255 pixels are far from what the model was trained on.
    expect(read(off.output).metrics.top1).toBeLessThan(results.metrics.top1);
  });

  it('stand in for a missing preprocessor_config.json, and are required then', async () => {
    const withFile = read((await evalCli(model)).output);
    const bare = modelWithoutPreprocessorConfig();
    const full = await evalCli(
      bare,
      ...['--resize', '28x28', '--resample', 'bilinear', '--crop', 'none'],
      ...['--rescale', '1/255', '--mean', '0.5,0.5,0.5', '--std', '0.5,0.5,0.5'],
    );
    expect(full.code).toBe(0);
    const minimal = await evalCli(bare, '--resize', '28x28');
    expect(minimal.code).toBe(0);
    // The fixture's preprocessor_config.json holds ViTImageProcessor's defaults at 28x28.
    for (const results of [read(full.output), read(minimal.output)]) {
      expect(results.preprocessing).toEqual(withFile.preprocessing);
      expect(JSON.stringify(results.metrics)).toBe(JSON.stringify(withFile.metrics));
    }

    for (const flags of [[], ['--resize', '32'], ['--crop', '28x28']]) {
      const refused = await evalCli(bare, ...flags);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe(
        `error: ${bare}: no preprocessor_config.json beside the model: give the preprocessing as ` +
          'flags, at least --resize HxW (or --resize N with --crop HxW)\n',
      );
      expect(existsSync(refused.output)).toBe(false);
    }
  });

  it('that leave images of different sizes give a one-line error (exit 1)', async () => {
    // The fixture's ViTImageProcessor has no center crop.
    const refused = await evalCli(model, '--resize', '28');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^error: preprocessing does not give every image the same size: .*\n$/,
    );
  });

  it.each<[string[], RegExp]>([
    [
      ['--resize', '28px'],
      /^error: option '--resize .*' argument '28px' is invalid\. must be HxW .*, N for the shortest edge .*, or none$/,
    ],
    [
      ['--resample', 'cubic'],
      /^error: option '--resample <filter>' argument 'cubic' is invalid\. Allowed choices are nearest, box, bilinear, hamming, bicubic, lanczos\.$/,
    ],
    [
      ['--crop', '28'],
      /^error: option '--crop <HxW\|none>' argument '28' is invalid\. must be HxW \(e\.g\. 224x224\) or none$/,
    ],
    [
      ['--rescale', '0'],
      /^error: option '--rescale <factor\|none>' argument '0' is invalid\. must be a positive number or fraction/,
    ],
    [
      ['--mean', '0.5,0.5'],
      /^error: option '--mean <r,g,b>' argument '0.5,0.5' is invalid\. must be 3 numbers/,
    ],
    [
      ['--mean', '0,0,0', '--std', '1,0,1'],
      /^error: option '--std <r,g,b>' argument '1,0,1' is invalid\. must be 3 positive numbers/,
    ],
    [['--mean', '0,0,0'], /^error: --mean and --std go together: give both, or --no-normalize$/],
    [['--std', '1,1,1'], /^error: --mean and --std go together/],
    [
      ['--no-normalize', '--mean', '0,0,0', '--std', '1,1,1'],
      /^error: --no-normalize turns normalization off: drop --mean and --std$/,
    ],
    [
      ['--resize', 'none', '--resample', 'box'],
      /^error: --resample is the filter of --resize, and --resize is none$/,
    ],
    [
      ['--resize', '32', '--crop', 'none'],
      /^error: --crop none with --resize N leaves images of different sizes/,
    ],
  ])('refuses %j as a usage error naming the flag', async (flags, message) => {
    const refused = await evalCli(model, ...flags);
    expect(refused.code).toBe(2);
    expect(refused.stderr.split('\n')[0]).toMatch(message);
    expect(existsSync(refused.output)).toBe(false);
  });
});

describe('vit-opt eval --provider', () => {
  // This repository's .npmrc skips onnxruntime-node's CUDA download, so CUDA never starts here.
  it('names a provider that is not available, and those that are, in one line (exit 1)', async () => {
    const refused = await evalCli(model, '--provider', 'cuda');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^error: --provider: execution provider "cuda" is not available \(.+\); this onnxruntime-node has cpu\b.*\n$/,
    );
    expect(existsSync(refused.output)).toBe(false);
  });

  it('is taken by bench too, with the same one line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vit-opt-cli-bench-'));
    const output = join(dir, 'b.json');
    const io = captureIo();
    const args = ['bench', model, '--provider', 'cuda', '--threads', '1', '--runs', '2'];
    expect(await run([...args, '-o', output], io)).toBe(1);
    // Off a terminal, bench's progress prints a plain line as it starts loading the model.
    const errors = io
      .stderrText()
      .split('\n')
      .filter((line) => line.startsWith('error'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^error: --provider: execution provider "cuda" is not available \(.+\); this onnxruntime-node has cpu\b/,
    );
    expect(existsSync(output)).toBe(false);
  });
});

describe('vit-opt eval and bench of an int8 model made for another CPU', () => {
  it('warn in one line, and the results say so, where this CPU clips what the target computes exactly', async () => {
    const dir = tempDir();
    for (const file of ['config.json', 'preprocessor_config.json']) copyFileSync(join(dirname(model), file), join(dir, file));
    const int8 = join(dir, 'model-amx.onnx');
    expect(await run(['quantize', model, '-o', int8, '--mode', 'dynamic', '--target', 'amx'], captureIo())).toBe(0);
    const saved = process.env.VIT_OPT_CPU_FLAGS;
    process.env.VIT_OPT_CPU_FLAGS = 'avx avx2 fma';
    try {
      const evaluated = await evalCli(int8);
      expect(evaluated.code).toBe(0);
      const warning =
        "warning: model-amx.onnx: this CPU (avx2, no VNNI) clips pairs of u8×s8 products to int16, and the model was quantized with full-range int8 weights for target 'amx': its accuracy here is lower than on that CPU; quantize with --target avx2 to measure this one";
      expect(evaluated.stderr.split('\n')).toContain(warning);
      expect(read(evaluated.output).environment).toMatchObject({ int8_isa: 'avx2', warnings: [warning.slice('warning: '.length)] });

      const io = captureIo();
      expect(await run(['bench', int8, '--runs', '2', '--threads', '1'], io)).toBe(0);
      expect(io.stderrText().split('\n')).toContain(warning);
    } finally {
      if (saved === undefined) delete process.env.VIT_OPT_CPU_FLAGS;
      else process.env.VIT_OPT_CPU_FLAGS = saved;
    }
    // On this machine, as it is: a warning only if it lacks VNNI.
    const here = await evalCli(int8);
    expect(read(here.output).environment.warnings).toHaveLength(read(here.output).environment.int8_isa.match(/^(avx2|avx512|x86)$/) ? 1 : 0);
  });
});
