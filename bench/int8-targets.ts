/**
 * Which int8 layout suits which CPU: on both tiny fixtures, every candidate layout (dynamic and
 * static: s8 weights full range or 7-bit, per-tensor or per-channel, u8 weights, s8 activations,
 * attention products float or 8-bit)
 * against fp32 on the 1,000 validation images (static: calibrated on the 200 calibration images,
 * MinMax unless the row says otherwise): top-1, agreement of the predicted class, mean
 * KL(fp32 ‖ int8) of the softmax outputs. The `--target` presets are among the rows.
 *
 *   npm run bench int8-targets          (VARIANTS=d-full,s-7bit,… for some rows: the ids below)
 *
 * FIXTURES=vit-tiny-tv measures one fixture. VAL=<folder> measures on another image folder of the same classes instead of the 1,000 committed
 * images, e.g. the whole Fashion-MNIST test set (10,000 images, written from Debian's
 * dataset-fashion-mnist by scripts/fixtures/fashion_mnist.py --test-set <folder>).
 *
 * Run it under qemu-user to measure a CPU without VNNI on a machine that has it: onnxruntime then
 * sees the emulated CPU's CPUID and picks its AVX2 kernels (VIT_OPT_CPU_FLAGS tells vit-opt, since
 * qemu passes the host's /proc/cpuinfo through):
 *
 *   VIT_OPT_CPU_FLAGS="avx avx2 fma f16c" qemu-x86_64 -cpu Haswell $(which node) \
 *     --conditions=source --import tsx bench/run.ts int8-targets
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeModel, loadModel, readCpuInt8Capabilities, type Model } from '@vit-opt/graph';
import { createTensorProbe } from '@vit-opt/eval';
import { imageBatches, imageFolderFeeds, loadPreprocessConfig, openDataset, type ImageBatch } from '@vit-opt/eval/data';
import {
  calibrate,
  quantizeDynamic,
  quantizeStatic,
  type ActivationRanges,
  type CalibrationMethod,
  type DynamicQuantizationOptions,
  type StaticQuantizationOptions,
} from '@vit-opt/quantize';
import * as ort from 'onnxruntime-node';
import { machine } from './common.js';

const FIXTURES = process.env.FIXTURES?.split(',') ?? ['vit-tiny-hf', 'vit-tiny-tv'];
const DATA = 'fixtures/data/fashion-mnist';

type Variant =
  | { readonly id: string; readonly label: string; readonly mode: 'dynamic'; readonly options: DynamicQuantizationOptions }
  | {
      readonly id: string;
      readonly label: string;
      readonly mode: 'static';
      readonly options: StaticQuantizationOptions;
      readonly method?: CalibrationMethod;
    };

/** The presets' layouts first, then the candidates they were chosen over. */
const VARIANTS: readonly Variant[] = [
  { id: 'd-full', label: 'dynamic, preset of amx, avx512-vnni, avx-vnni, arm64: s8 full range, per-channel', mode: 'dynamic', options: { target: 'amx' } },
  { id: 'd-7bit', label: 'dynamic, preset of avx2, avx512, portable: s8 7-bit, per-channel', mode: 'dynamic', options: { target: 'portable' } },
  { id: 'd-full-pt', label: 'dynamic s8 full range, per-tensor', mode: 'dynamic', options: { target: 'amx', perChannel: false } },
  { id: 'd-7bit-pt', label: 'dynamic s8 7-bit, per-tensor', mode: 'dynamic', options: { target: 'portable', perChannel: false } },
  { id: 'd-u8', label: 'dynamic u8 weights, per-channel', mode: 'dynamic', options: { target: 'amx', weightType: 'uint8' } },
  { id: 's-full', label: 'static, preset of amx, avx512-vnni, avx-vnni, arm64: u8×s8 full range, per-channel', mode: 'static', options: { target: 'amx' } },
  { id: 's-7bit', label: 'static, preset of avx2, avx512, portable: u8×s8 7-bit, per-channel', mode: 'static', options: { target: 'portable' } },
  { id: 's-full-int', label: 'static u8×s8 full range, attention products on 8 bits', mode: 'static', options: { target: 'amx', quantizeActivationMatMuls: true } },
  { id: 's-7bit-int', label: 'static u8×s8 7-bit, attention products on 8 bits', mode: 'static', options: { target: 'portable', quantizeActivationMatMuls: true } },
  { id: 's-full-pt', label: 'static u8×s8 full range, per-tensor', mode: 'static', options: { target: 'amx', perChannel: false } },
  { id: 's-u8u8', label: 'static u8×u8', mode: 'static', options: { target: 'amx', weightType: 'uint8' } },
  { id: 's-s8s8', label: 'static s8×s8', mode: 'static', options: { target: 'amx', activationType: 'int8' } },
  { id: 's-full-pct', label: 'static u8×s8 full range, percentile calibration', mode: 'static', options: { target: 'amx' }, method: 'percentile' },
];

const only = process.env.VARIANTS?.split(',');
const cpu = readCpuInt8Capabilities();
console.log(`machine: ${machine()}`);
console.log(`int8 ISA: ${cpu.isa} (flags from ${cpu.source}: ${cpu.flags.join(' ') || 'none'})`);

for (const fixture of FIXTURES) {
  const modelPath = join('fixtures/models', fixture, 'model.onnx');
  const preprocess = await loadPreprocessConfig(join('fixtures/models', fixture, 'preprocessor_config.json'));
  const { id2label } = JSON.parse(readFileSync(join('fixtures/models', fixture, 'config.json'), 'utf8')) as {
    id2label: Record<string, string>;
  };
  const validation = await openDataset(process.env.VAL ?? join(DATA, 'val'), { id2label });
  const batches: ImageBatch[] = [];
  for await (const batch of imageBatches(validation.items, preprocess, { batchSize: 250, workers: 1 })) batches.push(batch);
  const labels = batches.flatMap((batch) => batch.labels);

  const float = loadModel(modelPath);
  const floatLogits = await logitsOf(float, batches);
  const classes = floatLogits.length / labels.length;
  const floatTop1 = top1(floatLogits, labels, classes);
  console.log(`\n${fixture}: fp32 top-1 ${floatTop1.toFixed(1)}% on ${labels.length} images`);
  console.log('| layout | top-1 | Δ top-1 (pt) | agreement | mean KL |');
  console.log('|---|---|---|---|---|');

  const ranges = new Map<CalibrationMethod, ActivationRanges>();
  for (const variant of VARIANTS) {
    if (only !== undefined && !only.includes(variant.id)) continue;
    const model = loadModel(modelPath);
    if (variant.mode === 'dynamic') quantizeDynamic(model, variant.options);
    else {
      const method = variant.method ?? 'minmax';
      if (!ranges.has(method)) {
        const calibration = await imageFolderFeeds(model, join(DATA, 'calib'), { preprocess, batchSize: 50, workers: 1 });
        // Every tensor any row quantizes (the attention products' inputs too).
        ranges.set(method, await calibrate(model, calibration.feeds, { method, quantizeActivationMatMuls: true, probe: createTensorProbe() }));
      }
      quantizeStatic(model, ranges.get(method)!, variant.options);
    }
    const logits = await logitsOf(model, batches);
    const accuracy = top1(logits, labels, classes);
    const { agreement, meanKl } = compare(floatLogits, logits, classes);
    console.log(
      `| ${variant.label} | ${accuracy.toFixed(1)}% | ${(accuracy - floatTop1).toFixed(1)} | ${(100 * agreement).toFixed(1)}% | ${meanKl.toExponential(1)} |`,
    );
  }
}

async function logitsOf(model: Model, batches: readonly ImageBatch[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(encodeModel(model), {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: 2,
    logSeverityLevel: 3,
  });
  const parts: Float32Array[] = [];
  for (const batch of batches) {
    const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', batch.pixels, [...batch.dims]) });
    parts.push(out[session.outputNames[0]!]!.data as Float32Array);
  }
  await session.release();
  const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return all;
}

function argmax(logits: Float32Array, row: number, classes: number): number {
  let best = 0;
  for (let c = 1; c < classes; c++) if (logits[row * classes + c]! > logits[row * classes + best]!) best = c;
  return best;
}

function top1(logits: Float32Array, labels: readonly number[], classes: number): number {
  let right = 0;
  for (let i = 0; i < labels.length; i++) if (argmax(logits, i, classes) === labels[i]) right++;
  return (100 * right) / labels.length;
}

function softmax(logits: Float32Array, row: number, classes: number): Float64Array {
  const out = new Float64Array(classes);
  let max = -Infinity;
  for (let c = 0; c < classes; c++) max = Math.max(max, logits[row * classes + c]!);
  let sum = 0;
  for (let c = 0; c < classes; c++) sum += out[c] = Math.exp(logits[row * classes + c]! - max);
  for (let c = 0; c < classes; c++) out[c]! /= sum;
  return out;
}

function compare(reference: Float32Array, candidate: Float32Array, classes: number): { agreement: number; meanKl: number } {
  const rows = reference.length / classes;
  let agree = 0;
  let kl = 0;
  for (let i = 0; i < rows; i++) {
    if (argmax(reference, i, classes) === argmax(candidate, i, classes)) agree++;
    const p = softmax(reference, i, classes);
    const q = softmax(candidate, i, classes);
    for (let c = 0; c < classes; c++) if (p[c]! > 0) kl += p[c]! * Math.log(p[c]! / Math.max(q[c]!, 1e-30));
  }
  return { agreement: agree / rows, meanKl: kl / rows };
}
