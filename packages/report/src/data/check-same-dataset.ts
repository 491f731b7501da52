import { VitOptError } from '@vit-opt/graph';
import type { DatasetDescription, EvalResults } from '@vit-opt/eval/results';
import type { Sourced } from './report-data.js';

/**
 * Accuracy is comparable only on the same images: refuses eval results of another dataset (by
 * content hash, so a copy elsewhere is the same dataset) or of another selection of it (sample,
 * limit, shard). Returns the dataset, or null without eval results.
 */
export function checkSameDataset(
  evals: readonly Sourced<EvalResults>[],
): DatasetDescription | null {
  const first = evals[0];
  if (first === undefined) return null;
  const dataset = first.results.dataset;
  for (const other of evals.slice(1)) {
    const theirs = other.results.dataset;
    if (theirs.content_hash !== dataset.content_hash) {
      throw new VitOptError(
        'INVALID_ARGUMENT',
        `evaluated on a different dataset than ${first.source} (${theirs.path}, content hash ` +
          `${theirs.content_hash.slice(0, 12)}, not ${dataset.path}, ${dataset.content_hash.slice(0, 12)}); ` +
          'a report compares variants on one dataset',
        { subject: other.source },
      );
    }
    const mine = describeSelection(dataset);
    const yours = describeSelection(theirs);
    if (mine !== yours) {
      throw new VitOptError(
        'INVALID_ARGUMENT',
        `evaluated other images of the dataset than ${first.source} (${yours}, not ${mine}); ` +
          'accuracy is comparable only on the same images',
        { subject: other.source },
      );
    }
  }
  return dataset;
}

/** "all 1000 images", or "sample 200 (seed 3), limit 50, shard 2 of 4". */
export function describeSelection(dataset: DatasetDescription): string {
  const { sample, limit, shard } = dataset.selection;
  const parts: string[] = [];
  if (sample !== null) parts.push(`sample ${sample.count} (seed ${sample.seed})`);
  if (limit !== null) parts.push(`limit ${limit}`);
  if (shard !== null) parts.push(`shard ${shard.index + 1} of ${shard.count}`);
  return parts.length === 0 ? `all ${dataset.item_count} images` : parts.join(', ');
}
