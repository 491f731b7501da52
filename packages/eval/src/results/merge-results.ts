import { isDeepStrictEqual } from 'node:util';
import { VitOptError } from '@vit-opt/graph';
import type { ItemRecord } from '../metrics/item-record.js';
import { buildEvalResults } from './build-eval-results.js';
import type { EvalResults, ModelDescription, ResultsDocument } from './results-document.js';

/** A shard's results and the file they came from (what errors name). */
export interface ShardResults {
  readonly source: string;
  readonly results: ResultsDocument;
}

/**
 * Combines the results of `--shard i/n` runs into the document one unsharded run would have
 * written: the per-image records are concatenated and every metric is recomputed from them by
 * the single-run code (buildEvalResults), so `metrics` is equal bit for bit.
 *
 * The shards must belong together: same model and baseline (by SHA-256), dataset content hash,
 * sample and limit, preprocessing (the baseline's too), class count and bootstrap settings; every shard 1/n … n/n
 * exactly once; no image in two shards. Errors name the file.
 *
 * Timings assume the shards ran side by side (a CI matrix, an indexed job): wall time is the
 * longest shard's, inference and input-wait times are the shards' sums, and images per second is
 * the whole set over that wall time. Environment and runtime are the first shard's; each shard's
 * own are kept in `merged_from`.
 */
export function mergeResults(shards: readonly ShardResults[]): EvalResults {
  if (shards.length === 0) {
    throw new VitOptError('INVALID_ARGUMENT', 'no shard results to merge', { subject: 'shards' });
  }
  const evalShards = shards.map(checkIsShard);
  const ordered = checkShardSet(evalShards);
  const first = ordered[0] as EvalShard;
  for (const shard of ordered.slice(1)) checkSameRun(first, shard);
  const items = collectItems(ordered);

  const firstResults = first.results;
  const bootstrap =
    'bootstrap' in firstResults.metrics ? firstResults.metrics.bootstrap : undefined;
  return buildEvalResults({
    model: firstResults.model,
    baselineModel: firstResults.baseline_model,
    dataset: {
      ...firstResults.dataset,
      selection: { ...firstResults.dataset.selection, shard: null },
    },
    preprocessing: firstResults.preprocessing,
    ...(firstResults.baseline_preprocessing === undefined
      ? {}
      : { baselinePreprocessing: firstResults.baseline_preprocessing }),
    runtime: firstResults.runtime,
    environment: firstResults.environment,
    classCount: firstResults.metrics.class_count,
    ...(bootstrap === undefined ? {} : { bootstrap }),
    items,
    failures: ordered.flatMap((shard) => shard.results.failures),
    timings: {
      wallMs: Math.max(...ordered.map((shard) => shard.results.timings.wall_ms)),
      inferenceMs: sum(ordered.map((shard) => shard.results.timings.inference_ms)),
      inputWaitMs: sum(ordered.map((shard) => shard.results.timings.input_wait_ms)),
    },
    mergedFrom: ordered.map(({ source, results, shardIndex, shardCount }) => ({
      source,
      shard: { index: shardIndex, count: shardCount },
      item_count: results.items.length,
      failure_count: results.failures.length,
      runtime: results.runtime,
      environment: results.environment,
      timings: results.timings,
    })),
  });
}

interface EvalShard {
  readonly source: string;
  readonly results: EvalResults;
  readonly shardIndex: number;
  readonly shardCount: number;
}

function checkIsShard({ source, results }: ShardResults): EvalShard {
  if (results.kind !== 'eval') {
    throw new VitOptError(
      'INVALID_ARGUMENT',
      `holds ${results.kind} results; only eval shards merge`,
      {
        subject: source,
      },
    );
  }
  if (results.merged_from !== null) {
    throw new VitOptError(
      'INVALID_ARGUMENT',
      'is already a merge of shards; merge the shard files themselves',
      {
        subject: source,
      },
    );
  }
  const shard = results.dataset.selection.shard;
  if (shard === null) {
    throw new VitOptError('INVALID_ARGUMENT', 'is not a shard: it was run without --shard', {
      subject: source,
    });
  }
  return { source, results, shardIndex: shard.index, shardCount: shard.count };
}

/**
 * Sorted by shard index; each index of 0..n-1 exactly once, one n for all. Messages name a shard
 * as the user typed it: `--shard 1/4` is index 0.
 */
function checkShardSet(shards: readonly EvalShard[]): EvalShard[] {
  const count = (shards[0] as EvalShard).shardCount;
  const byIndex = new Map<number, EvalShard>();
  for (const shard of shards) {
    if (shard.shardCount !== count) {
      throw new VitOptError(
        'INVALID_ARGUMENT',
        `is shard ${shard.shardIndex + 1}/${shard.shardCount}, but ${(shards[0] as EvalShard).source} is one of ${count} shards`,
        { subject: shard.source },
      );
    }
    const seen = byIndex.get(shard.shardIndex);
    if (seen !== undefined) {
      throw new VitOptError(
        'INVALID_ARGUMENT',
        `is shard ${shard.shardIndex + 1}/${count}, and so is ${seen.source}`,
        { subject: shard.source },
      );
    }
    byIndex.set(shard.shardIndex, shard);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    throw new VitOptError(
      'INVALID_ARGUMENT',
      `shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i + 1}/${count}`).join(', ')} missing: a merge needs all ${count}`,
    );
  }
  return [...byIndex.values()].sort((a, b) => a.shardIndex - b.shardIndex);
}

function checkSameRun(first: EvalShard, shard: EvalShard): void {
  const a = first.results;
  const b = shard.results;
  const differ = (what: string): never => {
    throw new VitOptError(
      'INVALID_ARGUMENT',
      `${what} differs from ${first.source}'s: not shards of one run`,
      {
        subject: shard.source,
      },
    );
  };
  if (!sameModel(a.model, b.model)) differ(`the model (sha256 ${b.model.sha256.slice(0, 12)}…)`);
  if (
    (a.baseline_model === null) !== (b.baseline_model === null) ||
    (a.baseline_model !== null &&
      b.baseline_model !== null &&
      !sameModel(a.baseline_model, b.baseline_model))
  ) {
    differ('the baseline model');
  }
  if (a.dataset.content_hash !== b.dataset.content_hash) differ('the dataset content hash');
  if (!isDeepStrictEqual(a.dataset.selection.sample, b.dataset.selection.sample))
    differ('the sample (--sample/--seed)');
  if (a.dataset.selection.limit !== b.dataset.selection.limit) differ('the limit (--limit)');
  // Shards are dealt out in whole batches, so the batch size decides which images each holds.
  if (a.runtime.batch_size !== b.runtime.batch_size) differ('the batch size (--batch)');
  if (!isDeepStrictEqual(a.preprocessing, b.preprocessing)) differ('the preprocessing');
  if (!isDeepStrictEqual(a.baseline_preprocessing, b.baseline_preprocessing))
    differ("the baseline's preprocessing");
  if (a.metrics.class_count !== b.metrics.class_count) differ('the class count');
  const bootstrapOf = (results: EvalResults) =>
    'bootstrap' in results.metrics ? results.metrics.bootstrap : null;
  if (!isDeepStrictEqual(bootstrapOf(a), bootstrapOf(b))) differ('the bootstrap setting');
}

function sameModel(a: ModelDescription, b: ModelDescription): boolean {
  return (
    a.sha256 === b.sha256 &&
    isDeepStrictEqual(
      a.external_data.map((file) => file.sha256),
      b.external_data.map((file) => file.sha256),
    )
  );
}

/** All shards' records; an image (evaluated or failed) in two shards is an error naming both. */
function collectItems(shards: readonly EvalShard[]): ItemRecord[] {
  const owner = new Map<number, string>();
  const items: ItemRecord[] = [];
  for (const { source, results } of shards) {
    for (const index of [
      ...results.items.map((item) => item.index),
      ...results.failures.map((f) => f.index),
    ]) {
      const other = owner.get(index);
      if (other !== undefined) {
        throw new VitOptError(
          'INVALID_ARGUMENT',
          `image ${index} is also in ${other}: shards must not overlap`,
          { subject: source },
        );
      }
      owner.set(index, source);
    }
    items.push(...results.items);
  }
  return items;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
