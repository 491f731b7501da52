/**
 * Static int8 quantization of ViT-B/16: (a) calibration on the 200 calibration images (Fashion-
 * MNIST, resized to 224 × 224 by the model's preprocessing): wall time and peak RSS of a child
 * process per method; (b) the int8 file against fp32; (c) latency of fp32, dynamic int8 and the
 * static layouts at batch 1 with 2 intra-op threads, in one process, interleaved, spinning off;
 * (d) the cosine of their logits to fp32 on validation images.
 *
 *   npm run bench quantize-static [-- MODEL]
 *   (METHODS=minmax,percentile,entropy CALIB_BATCH=2 LATENCY_ROUNDS=40 to change them)
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeModel, encodeModel, loadModel, saveModel, type Model } from '@vit-opt/graph';
import { createTensorProbe } from '@vit-opt/eval';
import {
  findPreprocessorConfig,
  imageFolderFeeds,
  loadPreprocessConfig,
  type InputFeeds,
  type PreprocessConfig,
} from '@vit-opt/eval/data';
import { fuseTransformer, quantizeDynamic } from '@vit-opt/quantize';
import * as ort from 'onnxruntime-node';
// Imported from source until @vit-opt/quantize's index exports static quantization.
import { calibrate } from '@vit-opt/quantize';
import type { ActivationRanges, CalibrationMethod } from '@vit-opt/quantize';
import { loadRanges, saveRanges } from '@vit-opt/quantize';
import { quantizeStatic } from '@vit-opt/quantize';
import type { StaticQuantizationOptions } from '@vit-opt/quantize';
import {
  cosineSimilarity,
  interleavedWithCpuTime,
  machine,
  median,
  mib,
  requireVitBase,
  runMeasuredChild,
  timedSession,
  tsxNode,
} from './common.js';

const CHILD_FLAG = '--calibrate-child';
const CALIBRATION_IMAGES = 'fixtures/data/fashion-mnist/calib';
const VALIDATION_IMAGES = 'fixtures/data/fashion-mnist/val';
const thisFile = fileURLToPath(import.meta.url);
/** What runs the model while calibrating. */
const probe = createTensorProbe();

if (process.argv[2] === CHILD_FLAG) {
  // The measured child: load, calibrate, save the ranges. Its peak RSS is calibration's.
  const [, , , modelPath, method, output, batchSize] = process.argv as string[];
  const started = performance.now();
  const model = loadModel(modelPath!);
  const images = await imageFolderFeeds(model, CALIBRATION_IMAGES, {
    preprocess: await preprocessOf(modelPath!),
    batchSize: Number(batchSize),
  });
  const calibrating = performance.now();
  const ranges = await calibrate(model, images.feeds, { method: method as CalibrationMethod, probe });
  const calibrateMs = performance.now() - calibrating;
  saveRanges(output!, ranges);
  console.log(
    JSON.stringify({
      calibrateMs,
      totalMs: performance.now() - started,
      samples: ranges.sampleCount,
      tensors: Object.keys(ranges.tensors).length,
    }),
  );
  process.exit(0);
}

const path = requireVitBase(process.argv[2]);
const methods = (process.env.METHODS ?? 'minmax,percentile,entropy').split(
  ',',
) as CalibrationMethod[];
const calibrationBatch = Number(process.env.CALIB_BATCH ?? 2);
const latencyRounds = Number(process.env.LATENCY_ROUNDS ?? 40);
const fileBytes = statSync(path).size;
console.log(
  `command: npm run bench quantize-static${process.argv[2] === undefined ? '' : ` -- ${process.argv[2]}`}`,
);
console.log(`model: ${path} (${mib(fileBytes)})`);
console.log(`machine: ${machine()}`);

const scratch = mkdtempSync(join(tmpdir(), 'vit-opt-bench-static-'));
try {
  console.log(
    `\n(a) calibration on the ${CALIBRATION_IMAGES} images, batches of ${calibrationBatch}, one child process per method`,
  );
  const rangesFiles = new Map<CalibrationMethod, string>();
  for (const method of methods) {
    const output = join(scratch, `${method}.ranges.json`);
    const run = runMeasuredChild(
      `${method} calibration child`,
      tsxNode(thisFile, CHILD_FLAG, path, method, output, String(calibrationBatch)),
    );
    const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
      calibrateMs: number;
      totalMs: number;
      samples: number;
      tensors: number;
    };
    const peakRss = run.peakRssBytes;
    rangesFiles.set(method, output);
    console.log(
      `${method.padEnd(10)} calibrate ${(result.calibrateMs / 1000).toFixed(1)} s for ${result.samples} images ` +
        `(${(result.calibrateMs / result.samples).toFixed(0)} ms/image, ${result.tensors} tensors; load→save ${(result.totalMs / 1000).toFixed(1)} s), ` +
        `peak RSS ${mib(peakRss)} (target < 3 GiB)`,
    );
  }
  const ranges = await loadRanges(rangesFiles.get(methods[0]!)!);

  console.log(`\n(b) file size (static int8 from the ${methods[0]} ranges)`);
  const float = loadModel(path);
  const quantizeStarted = performance.now();
  const staticModel = quantized(float, ranges, {});
  const quantizeMs = performance.now() - quantizeStarted;
  saveModel(staticModel, join(scratch, 'static.onnx'));
  const staticSession = await timedSession(staticModel, { optimizedModelPath: optimizedPath('static (default)') });
  const int8Bytes = statSync(join(scratch, 'static.onnx')).size;
  console.log(`quantizeStatic ${quantizeMs.toFixed(0)} ms`);
  console.log(
    `file: fp32 ${mib(fileBytes)} → static int8 ${mib(int8Bytes)} (${((100 * int8Bytes) / fileBytes).toFixed(1)}%; target ≤ 26%)`,
  );

  console.log('\n(c) latency, batch 1, 2 intra-op threads, sessions side by side, spinning off');
  const preprocess = await preprocessOf(path);
  // The QOperator layout quantizes other tensors (every MatMul's own output): its ranges come from
  // 32 of the calibration images, enough for its speed and its cosine.
  const qoperatorImages = await imageFolderFeeds(float, CALIBRATION_IMAGES, {
    preprocess,
    batchSize: calibrationBatch,
    limit: 32,
  });
  const qoperatorRanges = await calibrate(float, qoperatorImages.feeds, { format: 'qoperator', probe });
  // Attention fused into QAttention first (as for the fastest dynamic layout): the fused graph
  // has other tensors, calibrated here on 32 images like the QOperator layout.
  const fusedFloat = decodeModel(encodeModel(float));
  fuseTransformer(fusedFloat);
  const fusedImages = await imageFolderFeeds(fusedFloat, CALIBRATION_IMAGES, {
    preprocess,
    batchSize: calibrationBatch,
    limit: 32,
  });
  const fusedRanges = await calibrate(fusedFloat, fusedImages.feeds, { probe });
  const layouts: Record<
    string,
    { ranges: ActivationRanges; options: StaticQuantizationOptions; float?: Model }
  > = {
    'static (default)': { ranges, options: {} },
    'static per-tensor': { ranges, options: { perChannel: false } },
    'static weighted only': { ranges, options: { quantizeActivationMatMuls: false } },
    'static s8 activations': { ranges, options: { activationType: 'int8' } },
    'static QOperator': { ranges: qoperatorRanges, options: { format: 'qoperator' } },
    'static fused QAttention': { ranges: fusedRanges, options: {}, float: fusedFloat },
  };
  const sessions: Record<string, ort.InferenceSession> = { fp32: await timedSession(float) };
  const dynamicModel = decodeModel(encodeModel(float));
  quantizeDynamic(dynamicModel);
  sessions['dynamic int8'] = await timedSession(
    dynamicModel,
    { optimizedModelPath: join(scratch, 'dynamic.optimized.onnx') },
  );
  // The fastest dynamic layout: attention fused into QAttention first.
  const fusedDynamicModel = decodeModel(encodeModel(float));
  fuseTransformer(fusedDynamicModel);
  quantizeDynamic(fusedDynamicModel);
  sessions['dynamic int8 fused'] = await timedSession(
    fusedDynamicModel,
    { optimizedModelPath: join(scratch, 'dynamic-fused.optimized.onnx') },
  );
  for (const [label, layout] of Object.entries(layouts)) {
    sessions[label] =
      label === 'static (default)'
        ? staticSession
        : await timedSession(
            quantized(layout.float ?? float, layout.ranges, layout.options),
            { optimizedModelPath: optimizedPath(label) },
          );
  }

  const images = await validationImages(float, preprocess, 20);
  const inputName = sessions.fp32!.inputNames[0]!;
  const outputName = sessions.fp32!.outputNames[0]!;
  const run = async (label: string, feeds: InputFeeds): Promise<Float32Array> => {
    const input = feeds[inputName]!;
    return (
      await sessions[label]!.run({
        [inputName]: new ort.Tensor('float32', input.data, [...input.dims]),
      })
    )[outputName]!.data as Float32Array;
  };
  for (const label of Object.keys(sessions))
    for (let w = 0; w < 5; w++) await run(label, images[0]!);
  const { wallMs: latency, cpuMs } = await interleavedWithCpuTime(
    latencyRounds,
    Object.keys(sessions),
    (label) => run(label, images[0]!),
  );
  const fp32Ms = median(latency.fp32!);
  const dynamicMs = median(latency['dynamic int8']!);
  for (const label of Object.keys(sessions)) {
    const ms = median(latency[label]!);
    // The ratio within each round (runs seconds apart) shrugs off load that comes and goes.
    const perRound = (reference: string): number =>
      median(latency[label]!.map((t, round) => latency[reference]![round]! / t));
    const ratios =
      label === 'fp32'
        ? ''
        : `  ${(fp32Ms / ms).toFixed(2)}× fp32 (per-round ${perRound('fp32').toFixed(2)}×)` +
          (label.startsWith('static')
            ? `, ${(dynamicMs / ms).toFixed(2)}× dynamic (per-round ${perRound('dynamic int8').toFixed(2)}×, ` +
              `${perRound('dynamic int8 fused').toFixed(2)}× fused dynamic)`
            : '');
    console.log(
      `${label.padEnd(22)} median ${ms.toFixed(1)} ms over ${latencyRounds} interleaved runs${ratios}`,
    );
    console.log(`${''.padEnd(22)} CPU time median ${median(cpuMs[label]!).toFixed(1)} ms`);
  }
  for (const label of Object.keys(layouts))
    console.log(`${label.padEnd(22)} onnxruntime ran ${kernelCounts(optimizedPath(label))}`);

  console.log(
    `\n(d) logits cosine to fp32 on ${images.length} Fashion-MNIST validation images resized to 224 (target ≥ 0.99)`,
  );
  const reference = await Promise.all(images.map((feeds) => run('fp32', feeds)));
  for (const label of Object.keys(sessions).filter((l) => l !== 'fp32')) {
    const cosines: number[] = [];
    for (const [i, feeds] of images.entries())
      cosines.push(cosineSimilarity(reference[i]!, await run(label, feeds)));
    console.log(
      `${label.padEnd(22)} min ${Math.min(...cosines).toFixed(5)}, median ${median(cosines).toFixed(5)}`,
    );
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

function optimizedPath(label: string): string {
  return join(scratch, `${label.replace(/\W+/g, '_')}.optimized.onnx`);
}

async function preprocessOf(modelPath: string): Promise<PreprocessConfig> {
  const config = await findPreprocessorConfig(dirname(modelPath));
  if (config === null) throw new Error(`${modelPath}: no preprocessor_config.json beside it`);
  return loadPreprocessConfig(config);
}

function quantized(
  float: Model,
  ranges: ActivationRanges,
  options: StaticQuantizationOptions,
): Model {
  const model = decodeModel(encodeModel(float));
  quantizeStatic(model, ranges, options);
  return model;
}


/** The integer kernels and the quantize/dequantize ops of the graph onnxruntime optimized. */
function kernelCounts(optimized: string): string {
  const counts = new Map<string, number>();
  for (const node of loadModel(optimized).graph.allNodes()) {
    if (/^(Q|Dequantize|Quantize)|Integer|QGemm/.test(node.opType))
      counts.set(node.opType, (counts.get(node.opType) ?? 0) + 1);
  }
  return [...counts].map(([op, n]) => `${n} ${op}`).join(', ');
}

/** Validation images one at a time (batch 1), preprocessed as the model expects. */
async function validationImages(
  model: Model,
  preprocess: PreprocessConfig,
  count: number,
): Promise<InputFeeds[]> {
  const images = await imageFolderFeeds(model, VALIDATION_IMAGES, {
    preprocess,
    batchSize: 1,
    limit: count,
  });
  const feeds: InputFeeds[] = [];
  for await (const batch of images.feeds) feeds.push(batch);
  return feeds;
}
