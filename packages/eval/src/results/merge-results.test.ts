import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isVitOptError } from '@vit-opt/graph';
import { ClassificationAccumulator } from '../metrics/classification-accumulator.js';
import { seededRandom } from '../data/seeded-random.js';
import { buildEvalResults } from './build-eval-results.js';
import { mergeResults, type ShardResults } from './merge-results.js';
import type {
  DatasetDescription,
  EvalResults,
  ModelDescription,
  ShardPosition,
} from './results-document.js';
import { readResults, writeResults } from './results-file.js';

const scratch = mkdtempSync(join(tmpdir(), 'vit-opt-merge-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// A synthetic evaluation: 600 images of 10 classes (indices with gaps, as after --sample), a
// candidate right about 70% of the time and a baseline whose logits are the candidate's plus noise.
const CLASSES = 10;
const random = seededRandom(1234);
const images = Array.from({ length: 600 }, (_, i) => {
  const label = Math.floor(random() * CLASSES);
  const candidate = Array.from({ length: CLASSES }, () => random() * 4);
  if (random() < 0.7) candidate[label] = (candidate[label] as number) + 3;
  const baseline = candidate.map((x) => x + (random() - 0.5) * 2);
  return { index: 3 * i + 1, label, candidate, baseline };
});

const model = (sha: string): ModelDescription => ({
  path: 'model.onnx',
  sha256: sha.repeat(64),
  size_bytes: 1000,
  external_data: [],
  parameter_count: 100,
  recipe: null,
});

function dataset(shard: ShardPosition | null): DatasetDescription {
  return {
    path: 'data/val',
    content_hash: 'c'.repeat(64),
    content_hash_method: 'file-bytes',
    item_count: 2000,
    class_names: null,
    selection: { sample: { count: 600, seed: 5 }, limit: null, shard },
  };
}

/** Runs the synthetic evaluation over the images of one shard (or all), in batches of 8. */
function run(
  shard: ShardPosition | null,
  options: { modelSha?: string; baselineSize?: number } = {},
): EvalResults {
  // Strided like selectItems: the k-th selected image goes to shard k mod count.
  const mine = images.filter((_, k) => shard === null || k % shard.count === shard.index);
  const accumulator = new ClassificationAccumulator({ classCount: CLASSES, withBaseline: true });
  for (let start = 0; start < mine.length; start += 8) {
    const batch = mine.slice(start, start + 8);
    accumulator.addBatch({
      indices: batch.map((image) => image.index),
      labels: batch.map((image) => image.label),
      logits: new Float32Array(batch.flatMap((image) => image.candidate)),
      baselineLogits: new Float32Array(batch.flatMap((image) => image.baseline)),
    });
  }
  return buildEvalResults({
    model: model(options.modelSha ?? 'a'),
    baselineModel: model('b'),
    dataset: dataset(shard),
    preprocessing: {
      size: null,
      resample: 'bilinear',
      crop_size: null,
      rescale_factor: null,
      normalize: null,
    },
    // The baseline takes another input size (a resized variant's original).
    baselinePreprocessing: {
      size: null,
      resample: 'bilinear',
      crop_size: { height: options.baselineSize ?? 28, width: options.baselineSize ?? 28 },
      rescale_factor: null,
      normalize: null,
    },
    runtime: {
      execution_provider: 'cpu',
      graph_optimization_level: 'all',
      intra_op_threads: 1,
      inter_op_threads: 1,
      batch_size: 8,
    },
    environment: {
      cpu_model: 'test CPU',
      cpu_features: [],
      logical_cores: 2,
      total_memory_bytes: 1024,
      os: { platform: 'linux', release: '6', arch: 'x64' },
      node_version: '20',
      onnxruntime_version: '1.30.0',
      vit_opt_version: '0.1.0',
    },
    classCount: CLASSES,
    items: accumulator.records(),
    failures: [],
    timings: { wallMs: 100 + (shard?.index ?? 0), inferenceMs: 60, inputWaitMs: 5 },
  });
}

/** The one-line error ("<file>: <problem>") the CLI would print for a merge. */
function mergeError(shards: readonly ShardResults[]): string {
  try {
    mergeResults(shards);
  } catch (error) {
    if (isVitOptError(error)) return error.toOneLine();
    throw error;
  }
  throw new Error('the merge succeeded');
}

/** The shards written to disk and read back, as `vit-opt merge` sees them. */
async function shardFiles(count: number): Promise<ShardResults[]> {
  const files: ShardResults[] = [];
  for (let index = 0; index < count; index++) {
    const source = join(scratch, `shard-${index + 1}-of-${count}.json`);
    writeResults(source, run({ index, count }));
    files.push({ source, results: await readResults(source) });
  }
  return files;
}

describe('mergeResults', () => {
  it('gives exactly the metrics of a single run, bit for bit', async () => {
    const single = run(null);
    const merged = mergeResults(await shardFiles(3));
    expect(merged.metrics).toStrictEqual(single.metrics);
    expect(JSON.stringify(merged.metrics)).toBe(JSON.stringify(single.metrics));
    expect(merged.items).toStrictEqual(single.items);
    expect('mean_kl' in merged.metrics && merged.metrics.mean_kl).toBeGreaterThan(0);
  });

  it('takes the shards in any order', async () => {
    const shards = await shardFiles(3);
    expect(mergeResults([shards[2]!, shards[0]!, shards[1]!]).metrics).toStrictEqual(
      run(null).metrics,
    );
  });

  it('describes the merged run as unsharded, and keeps where each shard ran', async () => {
    const merged = mergeResults(await shardFiles(3));
    expect(merged.dataset.selection).toEqual({
      sample: { count: 600, seed: 5 },
      limit: null,
      shard: null,
    });
    expect(merged.merged_from?.map((shard) => [shard.shard.index, shard.item_count])).toEqual([
      [0, 200],
      [1, 200],
      [2, 200],
    ]);
  });

  it('adds timings as for shards run side by side: the longest wall time, summed work', async () => {
    const { timings } = mergeResults(await shardFiles(3));
    expect(timings).toEqual({
      wall_ms: 102,
      inference_ms: 180,
      input_wait_ms: 15,
      images_per_second: 600 / 0.102,
    });
  });

  it('names the missing shard', async () => {
    const shards = await shardFiles(3);
    expect(mergeError([shards[0]!, shards[2]!])).toBe('shard 2/3 missing: a merge needs all 3');
  });

  it('names both files of a shard given twice', async () => {
    const shards = await shardFiles(2);
    const again = { ...shards[1]!, source: 'copy.json' };
    expect(mergeError([...shards, again])).toMatch(
      /^copy\.json: is shard 2\/2, and so is .*shard-2-of-2\.json$/,
    );
  });

  it('refuses shards of another model, naming the file', async () => {
    const shards = await shardFiles(2);
    const other: ShardResults = {
      source: 'other-model.json',
      results: run({ index: 1, count: 2 }, { modelSha: 'd' }),
    };
    expect(mergeError([shards[0]!, other])).toMatch(
      /^other-model\.json: the model \(sha256 dddddddddddd…\) differs from .*shard-1-of-2\.json's: not shards of one run$/,
    );
  });

  it("keeps the baseline's preprocessing, and refuses shards that preprocessed it otherwise", async () => {
    const shards = await shardFiles(2);
    expect(mergeResults(shards).baseline_preprocessing).toEqual(run(null).baseline_preprocessing);
    const other: ShardResults = {
      source: 'other-size.json',
      results: run({ index: 1, count: 2 }, { baselineSize: 35 }),
    };
    expect(mergeError([shards[0]!, other])).toMatch(
      /^other-size\.json: the baseline's preprocessing differs from .*shard-1-of-2\.json's: not shards of one run$/,
    );
  });

  it('refuses shards of different shard counts', async () => {
    const [ofTwo] = await shardFiles(2);
    const [, , ofThree] = await shardFiles(3);
    expect(mergeError([ofTwo!, ofThree!])).toMatch(
      /shard-3-of-3\.json: is shard 3\/3, but .*shard-1-of-2\.json is one of 2 shards$/,
    );
  });

  it('refuses an image in two shards, naming both files', async () => {
    const [first] = await shardFiles(2);
    const overlapping: ShardResults = {
      source: 'overlap.json',
      results: { ...run({ index: 1, count: 2 }), items: run(null).items },
    };
    expect(mergeError([first!, overlapping])).toMatch(
      /^overlap\.json: image 1 is also in .*shard-1-of-2\.json: shards must not overlap$/,
    );
  });

  it('refuses documents that are not eval shards', () => {
    expect(mergeError([{ source: 'full.json', results: run(null) }])).toBe(
      'full.json: is not a shard: it was run without --shard',
    );
  });
});
