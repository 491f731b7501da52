/**
 * Speed of each int8 layout the `--target` presets choose between, on ViT-B/16 at batch 1 with 2
 * intra-op threads: fp32 and every variant in one process, spinning off, interleaved round by
 * round; the ratio is the median of the per-round fp32 ÷ variant. Static layouts calibrate on 16
 * of the calibration images (the ranges do not change the kernels that run).
 *
 *   npm run bench int8-targets-speed [-- MODEL]      (ROUNDS=30, VARIANTS=d-full,s-full,… to pick rows)
 */
import { dirname } from 'node:path';
import { loadModel, readCpuInt8Capabilities } from '@vit-opt/graph';
import { createTensorProbe } from '@vit-opt/eval';
import { findPreprocessorConfig, imageFolderFeeds, loadPreprocessConfig } from '@vit-opt/eval/data';
import {
  calibrate,
  quantizeDynamic,
  quantizeStatic,
  type DynamicQuantizationOptions,
  type StaticQuantizationOptions,
} from '@vit-opt/quantize';
import * as ort from 'onnxruntime-node';
import { machine, median, requireVitBase, timedSession } from './common.js';

const modelPath = requireVitBase(process.argv[2]);
const rounds = Number(process.env.ROUNDS ?? 30);
const only = process.env.VARIANTS?.split(',');

type Variant =
  | { readonly mode: 'dynamic'; readonly options: DynamicQuantizationOptions }
  | { readonly mode: 'static'; readonly options: StaticQuantizationOptions };

/** The presets' layouts first, then the candidates they were chosen over (ids as in int8-targets). */
const VARIANTS: Record<string, Variant & { readonly id: string }> = {
  'dynamic, preset amx/vnni/arm64: s8 full, per-channel': { id: 'd-full', mode: 'dynamic', options: { target: 'amx' } },
  'dynamic, preset avx2/avx512/portable: s8 7-bit, per-channel': { id: 'd-7bit', mode: 'dynamic', options: { target: 'portable' } },
  'dynamic s8 full, per-tensor': { id: 'd-full-pt', mode: 'dynamic', options: { target: 'amx', perChannel: false } },
  'dynamic u8 weights, per-channel': { id: 'd-u8', mode: 'dynamic', options: { target: 'amx', weightType: 'uint8' } },
  'static, preset amx/vnni/arm64: u8×s8 full, per-channel': { id: 's-full', mode: 'static', options: { target: 'amx' } },
  'static, preset avx2/avx512/portable: u8×s8 7-bit': { id: 's-7bit', mode: 'static', options: { target: 'portable' } },
  'static u8×s8 full, attention products on 8 bits': { id: 's-full-int', mode: 'static', options: { target: 'amx', quantizeActivationMatMuls: true } },
  'static u8×u8': { id: 's-u8u8', mode: 'static', options: { target: 'amx', weightType: 'uint8' } },
  'static s8×s8': { id: 's-s8s8', mode: 'static', options: { target: 'amx', activationType: 'int8' } },
};

const cpu = readCpuInt8Capabilities();
console.log(`machine: ${machine()}`);
console.log(`int8 ISA: ${cpu.isa} (flags from ${cpu.source}: ${cpu.flags.join(' ') || 'none'})`);
console.log(`model: ${modelPath}; batch 1, 2 intra-op threads, ${rounds} interleaved rounds\n`);

const float = loadModel(modelPath);
const configPath = await findPreprocessorConfig(dirname(modelPath));
const preprocess = await loadPreprocessConfig(configPath!);
const calibration = await imageFolderFeeds(float, 'fixtures/data/fashion-mnist/calib', { preprocess, batchSize: 4, limit: 16 });
// Every tensor any row quantizes (the attention products' inputs too).
const ranges = await calibrate(float, calibration.feeds, { method: 'minmax', quantizeActivationMatMuls: true, probe: createTensorProbe() });

const sessions: Record<string, ort.InferenceSession> = { fp32: await timedSession(float) };
for (const [label, variant] of Object.entries(VARIANTS)) {
  if (only !== undefined && !only.includes(variant.id)) continue;
  const model = loadModel(modelPath);
  if (variant.mode === 'dynamic') quantizeDynamic(model, variant.options);
  else quantizeStatic(model, ranges, variant.options);
  sessions[label] = await timedSession(model);
}

const input = new ort.Tensor('float32', new Float32Array(3 * 224 * 224).map((_, i) => Math.sin(i) * 0.5), [1, 3, 224, 224]);
const inputName = sessions.fp32!.inputNames[0]!;
const labels = Object.keys(sessions);
for (const label of labels) for (let w = 0; w < 3; w++) await sessions[label]!.run({ [inputName]: input });
const times: Record<string, number[]> = Object.fromEntries(labels.map((l) => [l, []]));
for (let round = 0; round < rounds; round++) {
  for (const label of labels) {
    const started = performance.now();
    await sessions[label]!.run({ [inputName]: input });
    times[label]!.push(performance.now() - started);
  }
}
console.log('| layout | median ms | × fp32 (median of per-round ratios) |');
console.log('|---|---|---|');
for (const label of labels) {
  const ratio = median(times[label]!.map((t, round) => times.fp32![round]! / t));
  console.log(`| ${label} | ${median(times[label]!).toFixed(1)} | ${label === 'fp32' ? '1' : `${ratio.toFixed(2)}×`} |`);
}

