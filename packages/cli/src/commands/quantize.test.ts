import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeTensor, loadModel, saveModel, type Model, type Tensor } from '@vit-opt/graph';
import { quantizeDynamic, readRecipe, resolveQuantizationTarget, targetPreset } from '@vit-opt/quantize';
import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo, type CliIo } from '../io.js';
import { run } from '../main.js';

const repo = (path: string): string =>
  fileURLToPath(new URL(`../../../../${path}`, import.meta.url));
const fixtureDir = (fixture: string): string => repo(`fixtures/models/${fixture}`);
const modelOf = (fixture: string): string => join(fixtureDir(fixture), 'model.onnx');
const HF = modelOf('vit-tiny-hf');
const CALIB = repo('fixtures/data/fashion-mnist/calib');
/** The default target is this machine's: 7-bit weights where it has no VNNI. */
const SEVEN_BIT_HERE = resolveQuantizationTarget('auto').preset.reduceRange ? ' 7-bit' : '';
/** Calibration on 16 of the 200 images: enough for the fixtures, and quick. */
const CALIBRATE = ['--calib', CALIB, '--calib-limit', '16'];
const scratch = mkdtempSync(join(tmpdir(), 'vit-opt-quantize-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const tempDir = (): string => mkdtempSync(join(scratch, 'run-'));

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function vitOpt(...args: string[]): Promise<Outcome> {
  const io = captureIo();
  const code = await run(args, io);
  return { code, stdout: io.stdoutText(), stderr: io.stderrText() };
}

const lines = (text: string): string[] => text.trimEnd().split('\n');
const sha256 = (path: string): string =>
  createHash('sha256').update(readFileSync(path)).digest('hex');

/** Logits of the fixture's four test_data_set_0 images, computed by onnxruntime from `modelPath`. */
async function logitsOf(modelPath: string, fixture: string): Promise<Float32Array> {
  const input = decodeTensor(
    readFileSync(join(fixtureDir(fixture), 'test_data_set_0', 'input_0.pb')),
  ) as Tensor;
  const session = await InferenceSession.create(modelPath, { logSeverityLevel: 3 });
  const feeds = { [input.name]: new OrtTensor('float32', input.float32(), [...input.dims]) };
  const output = (await session.run(feeds))[session.outputNames[0]!]!;
  await session.release();
  return output.data as Float32Array;
}

function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  let [dot, aa, bb] = [0, 0, 0];
  a.forEach((x, i) => {
    dot += x * b[i]!;
    aa += x * x;
    bb += b[i]! * b[i]!;
  });
  return dot / Math.sqrt(aa * bb);
}

/** The predicted class of each of the rows of 10 logits. */
const top1 = (logits: Float32Array): number[] =>
  Array.from({ length: logits.length / 10 }, (_, row) => {
    const scores = [...logits.subarray(row * 10, row * 10 + 10)];
    return scores.indexOf(Math.max(...scores));
  });

describe.each(['vit-tiny-hf', 'vit-tiny-tv'])('vit-opt quantize %s', (fixture) => {
  const input = modelOf(fixture);
  let float32Logits: Float32Array;
  beforeAll(async () => {
    float32Logits = await logitsOf(input, fixture);
  });

  it.each([
    ['dynamic', [], `dynamic int8, per-channel${SEVEN_BIT_HERE} weights`],
    ['static', CALIBRATE, `static int8 QDQ, per-channel${SEVEN_BIT_HERE} weights, uint8 activations`],
    ['fp16', [], 'fp16, float32 inputs and outputs'],
    ['int4', [], 'int4 weights in blocks of 32, symmetric'],
  ])(
    '--mode %s writes a smaller model that onnxruntime runs to the float model’s predictions, its recipe in the metadata',
    async (mode, extra, description) => {
      const output = join(tempDir(), `${mode}.onnx`);
      const { code, stdout, stderr } = await vitOpt(
        'quantize',
        input,
        '-o',
        output,
        '--mode',
        mode,
        ...extra,
      );
      expect(code).toBe(0);
      if (mode === 'static') expect(stderr).toMatch(/^calibrating 100% 16\/16 images, /m);
      else expect(stderr).toBe('');

      expect(lines(stdout)[0]).toBe(`quantized ${input} → ${output}`);
      expect(stdout).toContain(`  mode       ${description}\n`);
      expect(stdout).toMatch(/^ {2}nodes {6}\d+ /m);
      expect(stdout).toMatch(/^ {2}file size {2}\S+ kB → \S+ kB \(−\d+\.\d%\)$/m);

      expect(readRecipe(loadModel(output))).toMatchObject({
        tool: 'vit-opt',
        mode,
        source: { sha256: sha256(input) },
      });
      const logits = await logitsOf(output, fixture);
      expect(cosineSimilarity(logits, float32Logits)).toBeGreaterThan(0.99);
      expect(top1(logits)).toEqual(top1(float32Logits));
    },
  );
});

describe('vit-opt quantize --fuse-transformer', () => {
  it('fuses attention first, so that dynamic quantization makes QAttention, and says so in the summary and recipe', async () => {
    const output = join(tempDir(), 'fused.onnx');
    const { code, stdout } = await vitOpt(
      'quantize',
      HF,
      '-o',
      output,
      '--mode',
      'dynamic',
      '--fuse-transformer',
    );
    expect(code).toBe(0);
    expect(stdout).toContain('  fused      4 attention, 4 Gelu\n');
    const model = loadModel(output);
    expect(model.graph.nodes.filter((n) => n.opType === 'QAttention')).toHaveLength(4);
    expect(readRecipe(model)!.fusion).toMatchObject({ fused: { attention: 4, gelu: 4 } });
    const logits = await logitsOf(output, 'vit-tiny-hf');
    const float32Logits = await logitsOf(HF, 'vit-tiny-hf');
    expect(cosineSimilarity(logits, float32Logits)).toBeGreaterThan(0.99);
    expect(top1(logits)).toEqual(top1(float32Logits));
  });
});

describe('vit-opt quantize --target', () => {
  it('auto says which CPU it found and what that chose, in the summary and the recipe', async () => {
    const saved = process.env.VIT_OPT_CPU_FLAGS;
    process.env.VIT_OPT_CPU_FLAGS = 'avx avx2 fma';
    try {
      const output = join(tempDir(), 'model.onnx');
      const { code, stdout } = await vitOpt('quantize', HF, '-o', output, '--mode', 'dynamic');
      expect(code).toBe(0);
      const weights = targetPreset('avx2').perChannel ? 'per-channel' : 'per-tensor';
      expect(stdout).toContain(`  mode       dynamic int8, ${weights} 7-bit weights\n`);
      expect(stdout).toContain(
        '  target     avx2, found by auto in VIT_OPT_CPU_FLAGS (avx avx2 fma): no VNNI: VPMADDUBSW saturates full-range u8×s8 pairs, 7-bit weights fit\n',
      );
      expect(readRecipe(loadModel(output))!.target).toMatchObject({
        requested: 'auto',
        resolved: 'avx2',
        detected: { source: 'VIT_OPT_CPU_FLAGS', isa: 'avx2', flags: ['avx', 'avx2', 'fma'] },
      });
    } finally {
      if (saved === undefined) delete process.env.VIT_OPT_CPU_FLAGS;
      else process.env.VIT_OPT_CPU_FLAGS = saved;
    }
  });
});

describe('vit-opt quantize --json', () => {
  it('prints one summary object: paths, sizes, the recipe and the library’s own report', async () => {
    const output = join(tempDir(), 'int8.onnx');
    const { code, stdout, stderr } = await vitOpt(
      'quantize',
      HF,
      '-o',
      output,
      '--mode',
      'dynamic',
      '--json',
    );
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const summary = JSON.parse(stdout);
    expect(summary).toEqual({
      mode: 'dynamic',
      input: HF,
      output,
      copied: ['config.json', 'preprocessor_config.json'],
      inputSizeBytes: readFileSync(HF).length,
      outputSizeBytes: readFileSync(output).length,
      calibration: null,
      savedRanges: null,
      report: null,
      recipe: readRecipe(loadModel(output)),
      quantization: {
        quantizedNodes: expect.any(Array),
        skipped: expect.any(Array),
        sizeBytesBefore: expect.any(Number),
        sizeBytesAfter: expect.any(Number),
      },
    });
    // A variant written to another folder gets the files `vit-opt eval` reads beside it.
    expect(readdirSync(dirname(output)).sort()).toEqual([
      'config.json',
      'int8.onnx',
      'preprocessor_config.json',
    ]);
    expect(summary.quantization.quantizedNodes[0]).toMatchObject({
      name: expect.any(String),
      opType: 'MatMul',
      weightSqnrDb: expect.any(Number),
    });
  });
});

describe('vit-opt quantize --mode static: ranges and report', () => {
  const dir = tempDir();
  const ranges = join(dir, 'ranges.json');
  const calibrated = join(dir, 'calibrated.onnx');

  it('--save-ranges writes the calibrated ranges and --report the per-tensor SQNR table', async () => {
    const report = join(dir, 'report.txt');
    const { code, stdout } = await vitOpt(
      'quantize',
      HF,
      '-o',
      calibrated,
      '--mode',
      'static',
      ...CALIBRATE,
      '--save-ranges',
      ranges,
      '--report',
      report,
    );
    expect(code).toBe(0);
    expect(stdout).toContain(
      `  ranges     minmax over 16 images\n             saved to ${ranges}\n`,
    );
    expect(stdout).toMatch(
      /^ {2}report {5}.*report\.txt \(worst: (activation|weight) \S+, \d+\.\d dB SQNR\)$/m,
    );
    expect(JSON.parse(readFileSync(ranges, 'utf8'))).toMatchObject({
      format: 'vit-opt.activation-ranges',
      method: 'minmax',
      sampleCount: 16,
    });
    const table = lines(readFileSync(report, 'utf8'));
    expect(table[0]).toBe(
      'Quantization error per tensor, worst first (activations over 8 samples):',
    );
    expect(table[1]).toMatch(/^SQNR dB {2}kind {8}tensor +quantized in \(to exclude\)$/);
    expect(table.length).toBeGreaterThan(30);
  });

  it('--ranges reuses them without calibrating: the same model, the same logits', async () => {
    const reused = join(dir, 'reused.onnx');
    const { code, stdout, stderr } = await vitOpt(
      'quantize',
      HF,
      '-o',
      reused,
      '--mode',
      'static',
      '--ranges',
      ranges,
      '--json',
    );
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(JSON.parse(stdout).calibration).toEqual({
      source: 'ranges-file',
      path: ranges,
      method: 'minmax',
      sampleCount: 16,
    });
    expect(await logitsOf(reused, 'vit-tiny-hf')).toEqual(
      await logitsOf(calibrated, 'vit-tiny-hf'),
    );
  });

  it('refuses ranges calibrated for another layout (QDQ ranges for --format qoperator), exit 1', async () => {
    const out = tempDir();
    const args = ['--mode', 'static', '--ranges', ranges, '--format', 'qoperator'];
    const { code, stderr } = await vitOpt('quantize', HF, '-o', join(out, 'q.onnx'), ...args);
    expect(code).toBe(1);
    expect(lines(stderr)).toHaveLength(1);
    expect(stderr).toMatch(
      new RegExp(
        `^error: ${ranges}: the ranges lack \\d+ of the \\d+ tensors this layout quantizes`,
      ),
    );
    expect(readdirSync(out)).toEqual([]);
  });

  it('--report FILE.json writes the report as JSON, worst first; with --ranges, --calib supplies its images', async () => {
    const report = join(dir, 'report.json');
    const { code } = await vitOpt(
      'quantize',
      HF,
      '-o',
      join(dir, 'reported.onnx'),
      '--mode',
      'static',
      '--ranges',
      ranges,
      '--calib',
      CALIB,
      '--report',
      report,
    );
    expect(code).toBe(0);
    const { sampleCount, tensors } = JSON.parse(readFileSync(report, 'utf8')) as {
      sampleCount: number;
      tensors: { kind: string; sqnrDb: number; consumers: string[] }[];
    };
    expect(sampleCount).toBe(8);
    expect(new Set(tensors.map((t) => t.kind))).toEqual(new Set(['weight', 'activation']));
    const sqnr = tensors.map((t) => t.sqnrDb);
    expect(sqnr).toEqual([...sqnr].sort((a, b) => a - b));
  });
});

describe('vit-opt quantize preprocessing flags', () => {
  /** The fixture model and its config.json in a folder of their own, as torchvision exports come. */
  function withoutPreprocessorConfig(): string {
    const dir = tempDir();
    for (const file of ['model.onnx', 'config.json']) {
      writeFileSync(join(dir, file), readFileSync(join(fixtureDir('vit-tiny-hf'), file)));
    }
    return join(dir, 'model.onnx');
  }

  it('stand in for a missing preprocessor_config.json: the same ranges and report as with the file', async () => {
    const bare = withoutPreprocessorConfig();
    const runs = { file: HF, flags: bare };
    const results: Record<string, { ranges: string; report: unknown }> = {};
    for (const [name, model] of Object.entries(runs)) {
      const dir = tempDir();
      // The fixture's preprocessor_config.json, as flags (its resample and rescale are the defaults).
      const flags =
        name === 'flags'
          ? ['--resize', '28x28', '--mean', '0.5,0.5,0.5', '--std', '0.5,0.5,0.5']
          : [];
      const { code, stderr } = await vitOpt(
        'quantize',
        model,
        '-o',
        join(dir, 'q.onnx'),
        '--mode',
        'static',
        ...CALIBRATE,
        ...flags,
        '--save-ranges',
        join(dir, 'ranges.json'),
        '--report',
        join(dir, 'report.json'),
      );
      expect(stderr).not.toMatch(/^error/m);
      expect(code).toBe(0);
      results[name] = {
        ranges: readFileSync(join(dir, 'ranges.json'), 'utf8'),
        report: JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')),
      };
    }
    expect(results.flags!.ranges).toBe(results.file!.ranges);
    expect(results.flags!.report).toEqual(results.file!.report);
  });

  it('replace steps of preprocessor_config.json: other preprocessing, other ranges', async () => {
    const rangesOf = async (...flags: string[]): Promise<string> => {
      const dir = tempDir();
      const ranges = join(dir, 'ranges.json');
      const args = ['--mode', 'static', ...CALIBRATE, '--save-ranges', ranges, ...flags];
      const { code } = await vitOpt('quantize', HF, '-o', join(dir, 'q.onnx'), ...args);
      expect(code).toBe(0);
      return readFileSync(ranges, 'utf8');
    };
    expect(await rangesOf('--rescale', '1/127.5')).not.toBe(await rangesOf());
  });
});

describe('vit-opt quantize --report in every mode', () => {
  it.each([
    ['dynamic', []],
    ['int4', []],
    ['fp16', []],
    ['static --format qoperator', ['--calib-limit', '16']],
  ])(
    '--mode %s: a JSON report of weights and activations against the float model, on 8 --calib images, worst first',
    async (mode, extra) => {
      const dir = tempDir();
      const report = join(dir, 'report.json');
      const args = ['--mode', ...mode.split(' '), '--calib', CALIB, '--report', report, ...extra];
      const { code, stdout } = await vitOpt('quantize', HF, '-o', join(dir, 'q.onnx'), ...args);
      expect(code).toBe(0);
      const { sampleCount, tensors } = JSON.parse(readFileSync(report, 'utf8')) as {
        sampleCount: number;
        tensors: { kind: string; tensor: string; sqnrDb: number }[];
      };
      expect(sampleCount).toBe(8);
      expect(new Set(tensors.map((t) => t.kind))).toEqual(new Set(['weight', 'activation']));
      const sqnr = tensors.map((t) => t.sqnrDb);
      expect(sqnr).toEqual([...sqnr].sort((a, b) => a - b));
      const worst = tensors[0]!;
      expect(stdout).toContain(
        `  report     ${report} (worst: ${worst.kind} ${worst.tensor}, ${worst.sqnrDb.toFixed(1)} dB SQNR)\n`,
      );
    },
  );
});

describe('vit-opt quantize passes each flag to the library', () => {
  const recipeOf = async (...args: string[]): Promise<Record<string, unknown>> => {
    const output = join(tempDir(), 'model.onnx');
    const { code, stderr } = await vitOpt('quantize', HF, '-o', output, ...args);
    expect(stderr.split('\n').filter((line) => line.startsWith('error'))).toEqual([]);
    expect(code).toBe(0);
    return readRecipe(loadModel(output))!.options;
  };

  it('dynamic: --per-channel, --reduce-range, --asymmetric, --op-types, --include-nodes, --exclude-nodes', async () => {
    expect(
      await recipeOf(
        '--mode',
        'dynamic',
        '--per-channel',
        '--reduce-range',
        '--asymmetric',
        '--op-types',
        'MatMul,Gemm',
        '--include-nodes',
        'encoder',
        '--exclude-nodes',
        'layer\\.0\\.',
        '--exclude-nodes',
        'output',
      ),
    ).toMatchObject({
      perChannel: true,
      reduceRange: true,
      weightSymmetric: false,
      opTypes: ['MatMul', 'Gemm'],
      includeNodes: ['encoder'],
      excludeNodes: ['layer\\.0\\.', 'output'],
    });
  });

  it('static: --per-tensor, --format, --activation-type, --calib-method, --percentile', async () => {
    expect(
      await recipeOf(
        '--mode',
        'static',
        ...CALIBRATE,
        '--per-tensor',
        '--format',
        'qoperator',
        '--activation-type',
        's8',
        '--calib-method',
        'percentile',
        '--percentile',
        '99.9',
      ),
    ).toMatchObject({
      perChannel: false,
      format: 'qoperator',
      activationType: 'int8',
      calibration: { method: 'percentile', percentile: 99.9, sampleCount: 16 },
    });
  });

  it('dynamic and static: --target picks the weights for a CPU; --weight-type and --reduce-range override it', async () => {
    expect(await recipeOf('--mode', 'dynamic', '--target', 'avx2')).toMatchObject({ target: 'avx2', reduceRange: true, weightType: 'int8' });
    expect(await recipeOf('--mode', 'dynamic', '--target', 'amx')).toMatchObject({ target: 'amx', reduceRange: false });
    expect(await recipeOf('--mode', 'static', ...CALIBRATE, '--target', 'portable', '--weight-type', 'u8')).toMatchObject({
      target: 'portable',
      reduceRange: true,
      weightType: 'uint8',
    });
  });

  it('int4: --block-size and --asymmetric', async () => {
    expect(await recipeOf('--mode', 'int4', '--block-size', '64', '--asymmetric')).toMatchObject({
      blockSize: 64,
      symmetric: false,
    });
  });

  it('fp16: --fp16-io, and --exclude-nodes for the nodes kept float32', async () => {
    const options = await recipeOf('--mode', 'fp16', '--fp16-io', '--exclude-nodes', 'classifier');
    expect(options).toMatchObject({ keepIoTypes: false, nodeBlockList: ['classifier'] });
  });
});

/** Stands for a fresh, empty output folder in the argument lists below. */
const OUT = '<out>';

/**
 * Runs `vit-opt quantize <model> -o <out>/model.onnx …args` with `<out>` a fresh folder, and
 * checks that the run left nothing in it: no model, no ranges, no report, no temp file.
 */
async function refused(model: string, args: string[]): Promise<Outcome> {
  const out = tempDir();
  const outcome = await vitOpt(
    'quantize',
    model,
    '-o',
    join(out, 'model.onnx'),
    ...args.map((arg) => arg.replace(OUT, out)),
  );
  expect(readdirSync(out)).toEqual([]);
  return outcome;
}

const STATIC_OUTPUTS = ['--save-ranges', `${OUT}/ranges.json`, '--report', `${OUT}/report.txt`];

describe('vit-opt quantize refuses bad input in one line, exit 1, writing nothing', () => {
  const inputs = tempDir();
  const at = (...parts: string[]): string => join(inputs, ...parts);
  const models = {
    truncated: at('truncated.onnx'),
    quantized: at('quantized', 'model.onnx'),
    opset10: at('opset-10', 'model.onnx'),
    opset12: at('opset-12', 'model.onnx'),
    images32: at('images-32', 'model.onnx'),
    bare: at('bare', 'model.onnx'),
  };
  const emptyCalib = at('empty-calib');
  const otherModelsRanges = at('other-models-ranges.json');
  const notRanges = at('not-ranges.json');

  /** The fixture, changed by `change`, in a folder of its own with `preprocessing` beside it. */
  function fixtureVariant(
    path: string,
    change: (model: Model) => void,
    preprocessing: object | null = JSON.parse(
      readFileSync(join(fixtureDir('vit-tiny-hf'), 'preprocessor_config.json'), 'utf8'),
    ),
  ): void {
    mkdirSync(dirname(path), { recursive: true });
    const model = loadModel(HF);
    change(model);
    saveModel(model, path);
    if (preprocessing !== null) {
      writeFileSync(join(dirname(path), 'preprocessor_config.json'), JSON.stringify(preprocessing));
    }
  }

  beforeAll(() => {
    writeFileSync(models.truncated, readFileSync(HF).subarray(0, 300_000));
    fixtureVariant(models.quantized, (model) => quantizeDynamic(model));
    fixtureVariant(models.opset10, (model) => model.opsetImports.set('', 10));
    fixtureVariant(models.opset12, (model) => model.opsetImports.set('', 12));
    fixtureVariant(models.images32, () => {}, {
      image_processor_type: 'ViTImageProcessor',
      size: { height: 32, width: 32 },
    });
    fixtureVariant(models.bare, () => {}, null);
    mkdirSync(join(emptyCalib, 'some-class'), { recursive: true });
    writeFileSync(
      otherModelsRanges,
      JSON.stringify({
        format: 'vit-opt.activation-ranges',
        version: 1,
        method: 'minmax',
        sampleCount: 16,
        settings: {},
        tensors: { '/some/other/model/MatMul_output_0': { min: -1, max: 1 } },
      }),
    );
    writeFileSync(notRanges, '{"these": "are not ranges"}');
  });

  it.each<[string, string, string[], RegExp]>([
    ['a missing model', at('missing.onnx'), ['--mode', 'dynamic'], /missing\.onnx: no such file$/],
    [
      'a truncated model',
      models.truncated,
      ['--mode', 'int4'],
      /truncated\.onnx: .*(truncated|ends)/,
    ],
    [
      'nothing to quantize',
      HF,
      ['--mode', 'int4', '--include-nodes', '^nothing$'],
      /model\.onnx: nothing to quantize: no node matched \(looked for .*includeNodes \/\^nothing\$\/\)$/,
    ],
    [
      'nothing to calibrate',
      HF,
      ['--mode', 'static', ...CALIBRATE, '--include-nodes', '^nothing$', ...STATIC_OUTPUTS],
      /model\.onnx: nothing to calibrate/,
    ],
    [
      'an already quantized model',
      models.quantized,
      ['--mode', 'dynamic'],
      /quantized\/model\.onnx: cannot quantize dynamically: the model is already quantized/,
    ],
    [
      'an already quantized model, refused before calibrating',
      models.quantized,
      ['--mode', 'static', ...CALIBRATE, ...STATIC_OUTPUTS],
      /cannot quantize statically: the model is already quantized/,
    ],
    [
      'too old an opset',
      models.opset10,
      ['--mode', 'dynamic'],
      /opset-10\/model\.onnx: .* needs opset ≥ 11, the model imports 10; re-export it with a newer opset$/,
    ],
    [
      'too old an opset for static, refused before calibrating',
      models.opset12,
      ['--mode', 'static', ...CALIBRATE, ...STATIC_OUTPUTS],
      /needs opset ≥ 13, the model imports 12/,
    ],
    [
      'a missing calibration folder',
      HF,
      ['--mode', 'static', '--calib', at('nowhere')],
      /nowhere: cannot read the calibration folder \(no such file or directory\)$/,
    ],
    [
      'a calibration folder that is a file',
      HF,
      ['--mode', 'static', '--calib', notRanges],
      /not-ranges\.json: cannot read the calibration folder \(not a folder\)$/,
    ],
    [
      'an empty calibration folder',
      HF,
      ['--mode', 'static', '--calib', emptyCalib],
      /empty-calib: no images found/,
    ],
    [
      'calibration images the model input does not take',
      models.images32,
      ['--mode', 'static', ...CALIBRATE, ...STATIC_OUTPUTS],
      /has shape \[batch_size, 3, 28, 28\] but preprocessing makes \[N, 3, 32, 32\]$/,
    ],
    [
      'report images the model input does not take, refused before quantizing',
      models.images32,
      ['--mode', 'dynamic', '--calib', CALIB, '--report', `${OUT}/report.json`],
      /has shape \[batch_size, 3, 28, 28\] but preprocessing makes \[N, 3, 32, 32\]$/,
    ],
    [
      'calibration with no preprocessor_config.json beside the model and no preprocessing flags',
      models.bare,
      ['--mode', 'static', ...CALIBRATE],
      /bare\/model\.onnx: no preprocessor_config\.json beside the model: give the preprocessing as flags, at least --resize HxW \(or --resize N with --crop HxW\)$/,
    ],
    [
      'report images with no preprocessor_config.json beside the model, flags that do not fix a size',
      models.bare,
      ['--mode', 'dynamic', '--calib', CALIB, '--report', `${OUT}/report.json`, '--resize', '28'],
      /bare\/model\.onnx: no preprocessor_config\.json beside the model: give the preprocessing as flags/,
    ],
    [
      'ranges of another model',
      HF,
      ['--mode', 'static', '--ranges', otherModelsRanges],
      /other-models-ranges\.json: the ranges lack (\d+) of the \1 tensors this layout quantizes/,
    ],
    [
      'a file that is not a ranges file',
      HF,
      ['--mode', 'static', '--ranges', notRanges],
      /not-ranges\.json: the ranges file is not a vit-opt ranges file/,
    ],
  ])('%s', async (_, model, args, problem) => {
    const { code, stdout, stderr } = await refused(model, args);
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    expect(lines(stderr)).toHaveLength(1);
    expect(stderr).toMatch(/^error: /);
    expect(stderr.trimEnd()).toMatch(problem);
  });
});

describe('vit-opt quantize refuses a wrong command line with one line and the usage, exit 2', () => {
  it.each<[string, string[], string]>([
    ['no --mode', [], "error: required option '--mode <mode>' not specified"],
    [
      'an unknown mode',
      ['--mode', 'int3'],
      "error: option '--mode <mode>' argument 'int3' is invalid. Allowed choices are dynamic, static, fp16, int4.",
    ],
    [
      'an unknown calibration method',
      ['--mode', 'static', ...CALIBRATE, '--calib-method', 'median'],
      "error: option '--calib-method <method>' argument 'median' is invalid. Allowed choices are minmax, percentile, entropy.",
    ],
    [
      'an unknown block size',
      ['--mode', 'int4', '--block-size', '48'],
      "error: option '--block-size <n>' argument '48' is invalid. Allowed choices are 32, 64, 128.",
    ],
    [
      'an unknown op type',
      ['--mode', 'dynamic', '--op-types', 'MatMul,Attention'],
      "error: option '--op-types <list>' argument 'MatMul,Attention' is invalid. may hold only MatMul, Gemm, Conv, comma-separated",
    ],
    [
      'an op type the mode does not take',
      ['--mode', 'int4', '--op-types', 'Conv'],
      "error: option '--op-types <list>': quantizeWeightsInt4 option 'opTypes' may hold only MatMul, Gemm, got \"Conv\"",
    ],
    [
      'a bad regular expression',
      ['--mode', 'dynamic', '--exclude-nodes', 'attention.('],
      "error: option '--exclude-nodes <regex>' argument 'attention.(' is invalid. is not a valid regular expression (Invalid regular expression: /attention.(/: Unterminated group)",
    ],
    [
      'a percentile out of range',
      ['--mode', 'static', ...CALIBRATE, '--calib-method', 'percentile', '--percentile', '40'],
      "error: option '--percentile <p>': calibrate option 'percentile' must be above 50 (the share of values kept, in percent), got 40",
    ],
    [
      'static without ranges',
      ['--mode', 'static'],
      'error: --mode static needs activation ranges: give --calib <dir> (images to calibrate on) or --ranges <file> (saved by --save-ranges)',
    ],
    [
      '--calib without --report in a mode that calibrates nothing',
      ['--mode', 'dynamic', '--calib', CALIB],
      'error: --calib with --mode dynamic only supplies the images --report compares on: add --report, or drop --calib',
    ],
    [
      'a flag of another mode',
      ['--mode', 'fp16', '--block-size', '64'],
      'error: --block-size applies to --mode int4, not fp16',
    ],
    [
      'an unknown target',
      ['--mode', 'dynamic', '--target', 'avx512vnni'],
      "error: option '--target <cpu>' argument 'avx512vnni' is invalid. Allowed choices are auto, portable, avx2, avx512, avx-vnni, avx512-vnni, amx, arm64.",
    ],
    [
      'a target for a mode without int8 products',
      ['--mode', 'int4', '--target', 'avx2'],
      'error: --target applies to --mode dynamic or static, not int4',
    ],
    [
      '--fuse-transformer with a mode that would leave the fused attention float',
      ['--mode', 'int4', '--fuse-transformer'],
      'error: --fuse-transformer applies to --mode dynamic, not int4',
    ],
    [
      '--per-channel with --per-tensor',
      ['--mode', 'dynamic', '--per-channel', '--per-tensor'],
      "error: option '--per-channel' cannot be used with option '--per-tensor'",
    ],
    [
      '--percentile without the percentile method',
      ['--mode', 'static', ...CALIBRATE, '--percentile', '99.9'],
      'error: --percentile applies to --calib-method percentile',
    ],
    [
      'calibration flags with --ranges',
      ['--mode', 'static', '--ranges', `${OUT}/r.json`, '--save-ranges', `${OUT}/s.json`],
      'error: --save-ranges shapes a calibration; --ranges gives ranges already calibrated',
    ],
    [
      '--calib with --ranges but no --report',
      ['--mode', 'static', '--ranges', `${OUT}/r.json`, '--calib', CALIB],
      'error: --calib with --ranges only supplies the images --report compares on: add --report, or drop --calib',
    ],
    [
      '--report without images',
      ['--mode', 'static', '--ranges', `${OUT}/r.json`, '--report', `${OUT}/report.txt`],
      'error: --report compares activations on images: give --calib <dir> too',
    ],
    [
      'a preprocessing flag in a mode that reads no images',
      ['--mode', 'dynamic', '--resize', '28x28'],
      'error: --resize preprocesses the images of --calib; --mode dynamic without --calib reads none',
    ],
    [
      'a preprocessing flag with ranges and no images',
      ['--mode', 'static', '--ranges', `${OUT}/r.json`, '--no-normalize'],
      'error: --no-normalize preprocesses the images of --calib; --mode static without --calib reads none',
    ],
    [
      'a bad preprocessing value',
      ['--mode', 'static', ...CALIBRATE, '--crop', '28'],
      "error: option '--crop <HxW|none>' argument '28' is invalid. must be HxW (e.g. 224x224) or none",
    ],
    [
      'preprocessing flags that do not go together',
      ['--mode', 'static', ...CALIBRATE, '--mean', '0.5,0.5,0.5'],
      'error: --mean and --std go together: give both, or --no-normalize',
    ],
    [
      '--report without images in another mode',
      ['--mode', 'fp16', '--report', `${OUT}/report.json`],
      'error: --report compares activations on images: give --calib <dir> too',
    ],
  ])('%s', async (_, args, message) => {
    const { code, stdout, stderr } = await refused(HF, args);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(lines(stderr)).toEqual([
      message,
      'Usage: vit-opt quantize [options] <model> (see --help)',
    ]);
  });

  it('will not overwrite the input model', async () => {
    const { code, stderr } = await vitOpt('quantize', HF, '-o', HF, '--mode', 'dynamic');
    expect(code).toBe(2);
    expect(lines(stderr)[0]).toBe(
      `error: --output ${HF} is the input model; write the quantized model elsewhere`,
    );
  });
});

describe('vit-opt quantize refuses an output that is an input or another output, exit 2, before any work', () => {
  /** A copy of the fixture's folder, so that a refusal can be seen to leave it as it was. */
  const source = tempDir();
  for (const name of ['model.onnx', 'config.json', 'preprocessor_config.json']) {
    writeFileSync(join(source, name), readFileSync(join(fixtureDir('vit-tiny-hf'), name)));
  }
  const model = join(source, 'model.onnx');
  const before = Object.fromEntries(
    readdirSync(source).map((name) => [name, sha256(join(source, name))]),
  );
  const REPORT = ['--calib', CALIB, '--report'];

  it.each<[string, (out: string) => string[], (out: string) => string]>([
    [
      '--report the source model',
      () => ['--mode', 'dynamic', ...REPORT, model],
      () => `error: --report ${model} is the model, which this run reads; write elsewhere`,
    ],
    [
      '--save-ranges the source model',
      () => ['--mode', 'static', ...CALIBRATE, '--save-ranges', model],
      () => `error: --save-ranges ${model} is the model, which this run reads; write elsewhere`,
    ],
    [
      '--report the model’s config.json',
      () => ['--mode', 'dynamic', ...REPORT, join(source, 'config.json')],
      () =>
        `error: --report ${join(source, 'config.json')} is the model's config.json, which this run reads; write elsewhere`,
    ],
    [
      '--save-ranges the model’s preprocessor_config.json',
      () => [
        '--mode',
        'static',
        ...CALIBRATE,
        '--save-ranges',
        join(source, 'preprocessor_config.json'),
      ],
      () =>
        `error: --save-ranges ${join(source, 'preprocessor_config.json')} is the model's preprocessor_config.json, which this run reads; write elsewhere`,
    ],
    [
      '--report the quantized model (-o)',
      (out) => ['--mode', 'dynamic', ...REPORT, join(out, 'model.onnx')],
      (out) =>
        `error: --report ${join(out, 'model.onnx')} is also -o; give each output its own file`,
    ],
    [
      '--save-ranges the quantized model (-o)',
      (out) => ['--mode', 'static', ...CALIBRATE, '--save-ranges', join(out, 'model.onnx')],
      (out) =>
        `error: --save-ranges ${join(out, 'model.onnx')} is also -o; give each output its own file`,
    ],
    [
      '--save-ranges the file of --report',
      (out) => {
        const file = join(out, 'ranges.json');
        return ['--mode', 'static', ...CALIBRATE, '--save-ranges', file, '--report', file];
      },
      (out) =>
        `error: --save-ranges ${join(out, 'ranges.json')} is also --report; give each output its own file`,
    ],
    [
      '--report inside the --calib images',
      () => ['--mode', 'dynamic', ...REPORT, join(CALIB, 'report.txt')],
      () =>
        `error: --report ${join(CALIB, 'report.txt')} is inside --calib ${CALIB}, which this run reads`,
    ],
  ])('%s', async (_, args, message) => {
    const out = tempDir();
    const { code, stdout, stderr } = await vitOpt(
      'quantize',
      model,
      '-o',
      join(out, 'model.onnx'),
      ...args(out),
    );
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(lines(stderr)).toEqual([
      message(out),
      'Usage: vit-opt quantize [options] <model> (see --help)',
    ]);
    expect(readdirSync(out)).toEqual([]);
    expect(
      Object.fromEntries(readdirSync(source).map((name) => [name, sha256(join(source, name))])),
    ).toEqual(before);
    expect(readdirSync(CALIB).filter((name) => name.includes('report'))).toEqual([]);
  });
});

describe('vit-opt quantize writes all its outputs or none', () => {
  it.each([
    ['--report', ['--mode', 'dynamic', '--calib', CALIB, '--report', '/proc/vit-opt-report.txt']],
    [
      '--save-ranges',
      [
        '--mode',
        'static',
        ...CALIBRATE,
        '--report',
        `${OUT}/report.txt`,
        '--save-ranges',
        '/proc/vit-opt-ranges.json',
      ],
    ],
  ])(
    'an unwritable %s: exit 1 with one line, and no model, config files or other output',
    async (flag, args) => {
      // refused() checks that the output folder is left empty: no model, config files or report.
      const { code, stdout, stderr } = await refused(HF, args);
      expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
      const errors = lines(stderr).filter((line) => !line.startsWith('calibrating '));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^error: .*\/proc\/vit-opt-/);
    },
  );
});

describe('vit-opt quantize says which calibration images it skipped', () => {
  it('one note line: how many could not be read, and the first with why', async () => {
    const calib = join(tempDir(), 'calib');
    mkdirSync(join(calib, 'Bag'), { recursive: true });
    for (const name of readdirSync(join(CALIB, 'Bag')).slice(0, 2)) {
      writeFileSync(join(calib, 'Bag', name), readFileSync(join(CALIB, 'Bag', name)));
    }
    writeFileSync(join(calib, 'Bag', 'broken.png'), 'not a png');
    const output = join(tempDir(), 'model.onnx');
    const args = ['quantize', HF, '-o', output, '--mode', 'static', '--calib', calib];
    const { code, stderr } = await vitOpt(...args);
    expect(code).toBe(0);
    expect(lines(stderr).filter((line) => line.startsWith('note:'))).toEqual([
      expect.stringMatching(
        new RegExp(
          `^note: calibration skipped 1 image it could not read, the first ${join(calib, 'Bag', 'broken.png')} \\(cannot decode image: .*\\)$`,
        ),
      ),
    ]);
  });

  it('none when every image was read', async () => {
    const output = join(tempDir(), 'model.onnx');
    const { code, stderr } = await vitOpt('quantize', HF, '-o', output, '--mode', 'static', ...CALIBRATE);
    expect(code).toBe(0);
    expect(stderr).not.toContain('note:');
  });
});

describe('vit-opt quantize and Ctrl-C', () => {
  it('stops calibrating, exits 130 with one line, and writes nothing', async () => {
    const out = tempDir();
    let interrupted = false;
    // A terminal, so the progress line is drawn on the first batch: Ctrl-C comes then.
    const io: CliIo & { stderrText(): string } = (() => {
      const stderr: string[] = [];
      return {
        stdout: { write: () => true },
        stderr: {
          isTTY: true,
          write: (text: string) => {
            stderr.push(text);
            if (!interrupted && text.includes('calibrating')) {
              interrupted = true;
              process.emit('SIGINT');
            }
            return true;
          },
        },
        stderrText: () => stderr.join(''),
      };
    })();
    const args = ['quantize', HF, '-o', join(out, 'model.onnx'), '--mode', 'static', ...CALIBRATE];
    const code = await run([...args, '--save-ranges', join(out, 'ranges.json')], io);
    expect(interrupted).toBe(true);
    expect(code).toBe(130);
    // The progress line is ended first, so the message stands on a line of its own.
    expect(io.stderrText()).toMatch(
      /^\rcalibrating \d+% [^\n]*\ninterrupted \(Ctrl-C\): no results written\n$/,
    );
    expect(readdirSync(out)).toEqual([]);
    expect(process.listenerCount('SIGINT')).toBe(0);
  });
});

describe('vit-opt --help', () => {
  it('lists quantize after simplify and before eval', async () => {
    const { stdout } = await vitOpt('--help');
    const names = [...stdout.matchAll(/^ {2}(\w+) \[options\]/gm)].map((m) => m[1]);
    expect(names.slice(0, 4)).toEqual(['inspect', 'simplify', 'quantize', 'eval']);
  });
});
