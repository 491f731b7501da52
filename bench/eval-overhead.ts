/**
 * Issue 3's target: `vit-opt eval` wall time ≤ 1.15× the pure inference time of the same images
 * on ViT-B/16, i.e. decoding and preprocessing (in worker threads) never starve onnxruntime.
 * Pure inference: the same batches, preprocessed beforehand, run back to back in one session.
 */
import { InferenceSession, Tensor } from 'onnxruntime-node';
import {
  evaluate,
  imageBatches,
  loadPreprocessConfig,
  openDataset,
  readId2Label,
} from '@vit-opt/eval';
import { benchPhotoFolder } from './photos.js';
import { machine, median, requireVitBase } from './common.js';

const modelPath = requireVitBase(process.argv[2]);
const imageCount = Number(process.env.IMAGES ?? 256);
const batchSize = Number(process.env.BATCH ?? 8);
const threads = Number(process.env.THREADS ?? 2);
const rounds = Number(process.env.ROUNDS ?? 3);
const data = await benchPhotoFolder(imageCount);
console.log(
  `model: ${modelPath}; ${imageCount} JPEG photos (300–500 px) in ${data}; batch ${batchSize}, ${threads} intra-op threads`,
);
console.log(`machine: ${machine()}`);

const config = await loadPreprocessConfig(
  'bench/models/vit-base-patch16-224/preprocessor_config.json',
);
const dataset = await openDataset(data, { id2label: (await readId2Label(modelPath))! });
const batches: { pixels: Float32Array; dims: readonly number[] }[] = [];
for await (const batch of imageBatches(dataset.items, config, { batchSize })) batches.push(batch);

const session = await InferenceSession.create(modelPath, {
  intraOpNumThreads: threads,
  graphOptimizationLevel: 'all',
  extra: { session: { intra_op: { allow_spinning: '0' } } },
});
const pureInference = async () => {
  for (const b of batches)
    await session.run({ pixel_values: new Tensor('float32', b.pixels, b.dims) });
};
await pureInference(); // warm-up
const evalMs: number[] = [];
const pureMs: number[] = [];
for (let r = 0; r < rounds; r++) {
  let started = performance.now();
  await pureInference();
  pureMs.push(performance.now() - started);
  started = performance.now();
  const results = await evaluate({ modelPath, dataPath: data, batchSize, intraOpThreads: threads });
  evalMs.push(performance.now() - started);
  console.log(
    `round ${r + 1}: pure inference ${pureMs.at(-1)!.toFixed(0)} ms, eval wall ${evalMs.at(-1)!.toFixed(0)} ms (eval's own inference ${results.timings.inference_ms.toFixed(0)} ms, waited for input ${results.timings.input_wait_ms.toFixed(0)} ms)`,
  );
}
await session.release();
const ratio = median(evalMs) / median(pureMs);
console.log(
  `median: eval wall ${median(evalMs).toFixed(0)} ms ÷ pure inference ${median(pureMs).toFixed(0)} ms = ${ratio.toFixed(3)} (target ≤ 1.15)`,
);
