/**
 * The cost of a baseline preprocessed otherwise than the model (a model resized to another input
 * size against its original): each image is read and decoded once and preprocessed twice, in the
 * same worker threads (imageBatches' pairedConfig).
 *
 * 1. Preprocessing alone, interleaved round by round, wall and whole-process CPU time: one
 *    preprocessing; both from one decode (paired); and both by reading the images twice (two
 *    passes), on the Fashion-MNIST validation images (28 → 28 and 35) and on JPEG photos (→ 224
 *    and 192, ViT-B/16's preprocessor_config.json).
 * 2. `evaluate` of ViT-B/16 against itself on the photos, its baseline preprocessed the same way
 *    (one preprocessing) or otherwise (another mean, so the same inference on twice the
 *    preprocessing): the end-to-end cost where inference dominates.
 *
 *   npm run bench paired-preprocess [-- MODEL]      (ROUNDS=5, IMAGES=256, EVAL_IMAGES=64, EVAL_ROUNDS=3)
 */
import { mkdtempSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  evaluate,
  imageBatches,
  loadPreprocessConfig,
  openDataset,
  readId2Label,
  type DatasetItem,
  type PreprocessConfig,
} from '@vit-opt/eval';
import { benchPhotoFolder } from './photos.js';
import { interleavedWithCpuTime, machine, median, requireVitBase } from './common.js';

const modelPath = requireVitBase(process.argv[2]);
const rounds = Number(process.env.ROUNDS ?? 5);
const imageCount = Number(process.env.IMAGES ?? 256);
const evalImages = Number(process.env.EVAL_IMAGES ?? 64);
const evalRounds = Number(process.env.EVAL_ROUNDS ?? 3);
const batchSize = 8;
console.log(`machine: ${machine()}`);

async function drain(
  items: readonly DatasetItem[],
  config: PreprocessConfig,
  pairedConfig?: PreprocessConfig,
): Promise<void> {
  let images = 0;
  for await (const batch of imageBatches(items, config, {
    batchSize,
    ...(pairedConfig === undefined ? {} : { pairedConfig }),
  })) {
    images += batch.count;
  }
  if (images !== items.length) throw new Error(`${items.length - images} images failed`);
}

async function preprocessing(
  what: string,
  items: readonly DatasetItem[],
  config: PreprocessConfig,
  other: PreprocessConfig,
): Promise<void> {
  const size = (c: PreprocessConfig): string => {
    const s = c.cropSize ?? (c.size as { height: number; width: number });
    return `${s.height}×${s.width}`;
  };
  console.log(
    `\n${what}: ${items.length} images → ${size(config)} and ${size(other)}, batch ${batchSize}, ${rounds} interleaved rounds`,
  );
  await drain(items, config); // warm-up: file cache, worker start
  const runs: Record<string, () => Promise<void>> = {
    one: () => drain(items, config),
    paired: () => drain(items, config, other),
    'read twice': async () => {
      await drain(items, config);
      await drain(items, other);
    },
  };
  const { wallMs, cpuMs } = await interleavedWithCpuTime(rounds, Object.keys(runs), (label) =>
    runs[label]!(),
  );
  for (const label of Object.keys(runs)) {
    const wall = median(wallMs[label]!);
    const cpu = median(cpuMs[label]!);
    console.log(
      `  ${label.padEnd(10)} wall ${wall.toFixed(0).padStart(6)} ms (${(wall / items.length).toFixed(2)} ms/image, ${(wall / median(wallMs.one!)).toFixed(2)}×), ` +
        `CPU ${cpu.toFixed(0).padStart(6)} ms (${(cpu / items.length).toFixed(2)} ms/image, ${(cpu / median(cpuMs.one!)).toFixed(2)}×)`,
    );
  }
}

const fashionConfig = await loadPreprocessConfig(
  'fixtures/models/vit-tiny-hf/preprocessor_config.json',
);
const fashion = await openDataset('fixtures/data/fashion-mnist/val', {
  id2label: (await readId2Label('fixtures/models/vit-tiny-hf/model.onnx'))!,
});
await preprocessing('Fashion-MNIST validation PNGs (28×28)', fashion.items, fashionConfig, {
  ...fashionConfig,
  size: { height: 35, width: 35 },
});

const vitConfigPath = join(modelPath, '../preprocessor_config.json');
const vitConfig = await loadPreprocessConfig(vitConfigPath);
const photos = await benchPhotoFolder(imageCount);
const photoItems = (await openDataset(photos, { id2label: (await readId2Label(modelPath))! }))
  .items;
await preprocessing(`JPEG photos (300–500 px, ${photos})`, photoItems, vitConfig, {
  ...vitConfig,
  size: { height: 192, width: 192 },
});

// The same model as its own baseline, beside a preprocessor_config.json of another mean: the
// same inference as against itself, with every image preprocessed twice.
const otherDir = mkdtempSync(join(tmpdir(), 'vit-opt-bench-paired-'));
symlinkSync(resolve(modelPath), join(otherDir, 'model.onnx'));
symlinkSync(resolve(join(modelPath, '../config.json')), join(otherDir, 'config.json'));
const json = JSON.parse(readFileSync(vitConfigPath, 'utf8')) as Record<string, unknown>;
writeFileSync(
  join(otherDir, 'preprocessor_config.json'),
  JSON.stringify({ ...json, image_mean: [0.49, 0.5, 0.5] }),
);
const evalPhotos = await benchPhotoFolder(evalImages);
console.log(
  `\nevaluate ${modelPath} against itself on ${evalImages} photos (${evalPhotos}), batch ${batchSize}, 2 intra-op threads, ${evalRounds} interleaved rounds`,
);
const baselines: Record<string, string> = {
  'one preprocessing': modelPath,
  'two (paired)': join(otherDir, 'model.onnx'),
};
const waits: Record<string, number[]> = {};
const { wallMs, cpuMs } = await interleavedWithCpuTime(
  evalRounds,
  Object.keys(baselines),
  async (label) => {
    const results = await evaluate({
      modelPath,
      baselinePath: baselines[label]!,
      dataPath: evalPhotos,
      batchSize,
      intraOpThreads: 2,
    });
    (waits[label] ??= []).push(results.timings.input_wait_ms);
  },
);
for (const label of Object.keys(baselines)) {
  const rounds = wallMs[label]!.map((ms) => ms.toFixed(0)).join(', ');
  console.log(
    `  ${label.padEnd(18)} wall ${median(wallMs[label]!).toFixed(0)} ms (rounds ${rounds}), CPU ${median(cpuMs[label]!).toFixed(0)} ms, ` +
      `inference waited for input ${median(waits[label]!).toFixed(0)} ms`,
  );
}
const first = Object.keys(baselines)[0]!;
const second = Object.keys(baselines)[1]!;
console.log(
  `  paired ÷ one: wall ${(median(wallMs[second]!) / median(wallMs[first]!)).toFixed(3)}×, CPU ${(median(cpuMs[second]!) / median(cpuMs[first]!)).toFixed(3)}×`,
);
