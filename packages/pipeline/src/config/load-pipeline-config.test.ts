import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PipelineConfigError } from './config-error.js';
import { loadPipelineConfig } from './load-pipeline-config.js';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const MODEL = join(REPO, 'fixtures/models/vit-tiny-hf');
const VAL = join(REPO, 'fixtures/data/fashion-mnist/val');
const CALIB = join(REPO, 'fixtures/data/fashion-mnist/calib');

/** A pipeline file in a fresh folder; `{MODEL}`, `{VAL}` and `{CALIB}` stand for the fixtures. */
function pipelineFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'vit-opt-pipeline-config-'));
  const path = join(dir, 'pipeline.yaml');
  writeFileSync(
    path,
    text.replaceAll('{MODEL}', MODEL).replaceAll('{VAL}', VAL).replaceAll('{CALIB}', CALIB),
  );
  return path;
}

const GOOD = `model: {MODEL}
data:
  validation: {VAL}
  calibration: {CALIB}
eval:
  limit: 100
bench:
  runs: 5
  threads: 1
variants:
  - name: baseline
    kind: baseline
  - name: int8
    kind: dynamic
    per-channel: true
    exclude-nodes: [classifier]
  - name: int8-static
    kind: static
    calib-method: percentile
    percentile: 99.99
  - name: int4-of-int8-input
    kind: int4
    from: baseline
    block-size: 64
`;

describe('loadPipelineConfig', () => {
  it('reads a pipeline file: paths from the file’s folder, the model folder’s model.onnx, each variant’s own keys', async () => {
    const config = await loadPipelineConfig(pipelineFile(GOOD));
    expect(config.model).toBe(relative(process.cwd(), join(MODEL, 'model.onnx')));
    expect(config.data.validation).toBe(relative(process.cwd(), VAL));
    expect(config.eval).toEqual({ limit: 100 });
    expect(config.bench).toEqual({ runs: 5, threads: [1] });
    expect(config.variants.map((v) => [v.name, v.kind, v.from])).toEqual([
      ['baseline', 'baseline', undefined],
      ['int8', 'dynamic', undefined],
      ['int8-static', 'static', undefined],
      ['int4-of-int8-input', 'int4', 'baseline'],
    ]);
    expect(config.variants[1]!.options).toEqual({
      'per-channel': true,
      'exclude-nodes': ['classifier'],
    });
  });

  it('takes the preprocessing as `vit-opt eval`’s flags name it', async () => {
    const config = await loadPipelineConfig(
      pipelineFile(`model: {MODEL}
preprocess:
  resize: 32x32
  resample: bicubic
  crop: 28x28
  rescale: 1/255
  mean: [0.5, 0.5, 0.5]
  std: [0.25, 0.25, 0.25]
data: { validation: {VAL} }
variants: [{ name: fp16, kind: fp16, fp16-io: true }]
`),
    );
    expect(config.preprocess).toEqual({
      size: { height: 32, width: 32 },
      resample: 'bicubic',
      cropSize: { height: 28, width: 28 },
      rescaleFactor: 1 / 255,
      normalize: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
    });
  });

  const bad: [string, string, RegExp][] = [
    [
      'an unknown key',
      GOOD.replace('eval:\n', 'evaluate:\n  limit: 3\neval:\n'),
      /^pipeline\.yaml:5: evaluate: unknown key; the keys here are model, preprocess, data, eval, bench, report, variants$/,
    ],
    [
      'an unknown key of a variant’s kind',
      GOOD.replace('    per-channel: true', '    per-channel: true\n    block-size: 32'),
      /^pipeline\.yaml:16: variants\[1\]\.block-size: unknown key; the keys here are name, kind, from, target, per-channel, .*fuse-transformer$/,
    ],
    [
      'a wrong type',
      GOOD.replace('limit: 100', 'limit: all'),
      /^pipeline\.yaml:6: eval\.limit: must be an integer \(got "all"\)$/,
    ],
    [
      'a wrong type of a variant’s key',
      GOOD.replace('per-channel: true', 'per-channel: yes please'),
      /^pipeline\.yaml:15: variants\[1\]\.per-channel: must be true or false \(got "yes please"\)$/,
    ],
    [
      'an unknown kind',
      GOOD.replace('kind: dynamic', 'kind: int3'),
      /^pipeline\.yaml:14: variants\[1\]\.kind: must be one of baseline, simplify, dynamic, static, fp16, int4, prune, resize \(got "int3"\)$/,
    ],
    [
      'a value out of range',
      GOOD.replace('percentile: 99.99', 'percentile: 40'),
      /^pipeline\.yaml:20: variants\[2\]\.percentile: must be > 50 \(got 40\)$/,
    ],
    ['no model key', GOOD.replace('model: {MODEL}\n', ''), /^pipeline\.yaml:1: model: missing$/],
    [
      'a missing model',
      GOOD.replace('model: {MODEL}', 'model: ./nowhere/model.onnx'),
      /^pipeline\.yaml:1: model: no such file or folder: .*nowhere\/model\.onnx$/,
    ],
    [
      'a model folder without model.onnx',
      GOOD.replace('model: {MODEL}', 'model: {VAL}'),
      /^pipeline\.yaml:1: model: the folder .*val holds no model\.onnx$/,
    ],
    [
      'a missing validation folder',
      GOOD.replace('validation: {VAL}', 'validation: ./no-such-folder'),
      /^pipeline\.yaml:3: data\.validation: no such folder or manifest: .*no-such-folder$/,
    ],
    [
      'a missing calibration folder',
      GOOD.replace('calibration: {CALIB}', 'calibration: ../calib-gone'),
      /^pipeline\.yaml:4: data\.calibration: no such folder: .*calib-gone$/,
    ],
    [
      'a static variant and no calibration images',
      GOOD.replace('  calibration: {CALIB}\n', ''),
      /^pipeline\.yaml:2: data\.calibration: missing: variant "int8-static" \(static\) calibrates on these images$/,
    ],
    [
      'a duplicate variant name',
      GOOD.replace('name: int8-static', 'name: int8'),
      /^pipeline\.yaml:17: variants\[2\]\.name: duplicate variant name "int8" \(variants\[1\] has it\)$/,
    ],
    [
      'a variant name that is no folder name',
      GOOD.replace('name: int8-static', 'name: ../escape'),
      /^pipeline\.yaml:17: variants\[2\]\.name: must be a folder name: letters, digits, "\.", "_" and "-" \(got "\.\.\/escape"\)$/,
    ],
    [
      'from naming no earlier variant',
      GOOD.replace('from: baseline', 'from: int9'),
      /^pipeline\.yaml:23: variants\[3\]\.from: names no earlier variant \("int9"\)$/,
    ],
    [
      'mean without std',
      GOOD.replace('data:', 'preprocess:\n  mean: [0.5, 0.5, 0.5]\ndata:'),
      /^pipeline\.yaml:3: preprocess\.mean: mean and std go together: give both, or normalize: false$/,
    ],
    [
      'a list of the wrong length',
      GOOD.replace('data:', 'preprocess:\n  std: [0.5, 0.5]\n  mean: [0.5, 0.5, 0.5]\ndata:'),
      /^pipeline\.yaml:3: preprocess\.std: must hold at least 3 items$/,
    ],
    [
      'a bad size',
      GOOD.replace('data:', 'preprocess:\n  resize: 28 by 28\ndata:'),
      /^pipeline\.yaml:3: preprocess\.resize: must be HxW \(e\.g\. 224x224\), N for the shortest edge, or none \(got "28 by 28"\)$/,
    ],
    [
      'op-types neither an op type nor a list of them',
      GOOD.replace('block-size: 64', 'block-size: 64\n    op-types: [Conv]'),
      /^pipeline\.yaml:25: variants\[3\]\.op-types: must be one of MatMul, Gemm or a list of them \(got a list\)$/,
    ],
    [
      'a duplicate key',
      GOOD.replace('  limit: 100', '  limit: 100\n  limit: 200'),
      /^pipeline\.yaml:7: not valid YAML: Map keys must be unique$/,
    ],
    [
      'bad YAML',
      GOOD.replace('  - name: int8\n', '  - name: int8\n   oops: [\n'),
      /^pipeline\.yaml:\d+: not valid YAML: /,
    ],
    ['an empty file', '', /^pipeline\.yaml:1: the file is empty$/],
    [
      'no variants',
      GOOD.slice(0, GOOD.indexOf('variants:')) + 'variants: []\n',
      /^pipeline\.yaml:10: variants: must hold at least 1 item$/,
    ],
  ];

  it.each(bad)('%s: one line naming the file, line and key', async (_, text, message) => {
    const path = pipelineFile(text);
    const error = await loadPipelineConfig(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PipelineConfigError);
    const line = (error as PipelineConfigError).toOneLine();
    expect(line).not.toContain('\n');
    expect(line.slice(path.length - 'pipeline.yaml'.length)).toMatch(message);
  });

  it('a model without preprocessor_config.json needs the preprocessing in the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vit-opt-pipeline-bare-'));
    mkdirSync(join(dir, 'bare'));
    writeFileSync(join(dir, 'bare', 'model.onnx'), 'not read here');
    const path = join(dir, 'pipeline.yaml');
    writeFileSync(
      path,
      `model: bare\ndata: { validation: ${VAL} }\nvariants: [{ name: b, kind: baseline }]\n`,
    );
    await expect(loadPipelineConfig(path)).rejects.toThrow(
      /^model: no preprocessor_config\.json beside the model: give preprocess, at least resize: HxW/,
    );
    const withPreprocess = 'preprocess: { resize: 256 }\n';
    writeFileSync(
      path,
      `model: bare\n${withPreprocess}data: { validation: ${VAL} }\nvariants: [{ name: b, kind: baseline }]\n`,
    );
    await expect(loadPipelineConfig(path)).rejects.toMatchObject({
      key: 'preprocess',
      line: 2,
    });
    writeFileSync(
      path,
      `model: bare\npreprocess: { resize: 28x28 }\ndata: { validation: ${VAL} }\nvariants: [{ name: b, kind: baseline }]\n`,
    );
    await expect(loadPipelineConfig(path)).resolves.toMatchObject({
      preprocess: { size: { height: 28, width: 28 } },
    });
  });

  it('a missing pipeline file', async () => {
    await expect(loadPipelineConfig('/nowhere/pipeline.yaml')).rejects.toThrow(
      expect.objectContaining({ subject: '/nowhere/pipeline.yaml', message: 'no such file' }),
    );
  });
});
