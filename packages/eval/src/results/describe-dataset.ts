import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { dirname, relative, sep } from 'node:path';
import type { Dataset, ItemSelection } from '../data/index.js';
import type { DatasetDescription, DatasetHashMethod } from './results-document.js';
import { sha256File } from './sha256-file.js';

/**
 * Datasets up to this size have every file's bytes hashed (a second or so of reading); larger
 * ones are identified by path, label and byte size only, so that each shard of a big run does
 * not read the whole dataset just to name it.
 */
export const FILE_BYTES_HASH_LIMIT_BYTES: number = 512 * 1024 ** 2;

export interface DatasetContentHash {
  readonly contentHash: string;
  readonly method: DatasetHashMethod;
}

/**
 * A SHA-256 that pins which file each dataset index is, over one line per image in index order:
 * index, path relative to the dataset's folder ('/'-separated), label, byte size and, with the
 * `file-bytes` method, the file's own SHA-256. The method follows from the dataset's total size
 * (see FILE_BYTES_HASH_LIMIT_BYTES), so every machine holding the same files picks the same one.
 * Modification times are left out: a fresh checkout or copy changes them, not the data. A file
 * that cannot be read hashes as '-' (the run lists it as a failure).
 */
export async function hashDatasetContent(
  dataset: Dataset,
  options: { fileBytesHashLimitBytes?: number } = {},
): Promise<DatasetContentHash> {
  const base = (await isDirectory(dataset.source)) ? dataset.source : dirname(dataset.source);
  const sizes = await mapConcurrently(dataset.items, async (item) => {
    try {
      // Only regular files are read: a FIFO would block the hash, /dev/zero never end it.
      const info = await stat(item.path);
      return info.isFile() ? info.size : undefined;
    } catch {
      return undefined;
    }
  });
  const totalBytes = sizes.reduce<number>((sum, size) => sum + (size ?? 0), 0);
  const method: DatasetHashMethod =
    totalBytes <= (options.fileBytesHashLimitBytes ?? FILE_BYTES_HASH_LIMIT_BYTES)
      ? 'file-bytes'
      : 'file-sizes';
  const fileHashes =
    method === 'file-bytes'
      ? await mapConcurrently(dataset.items, (item, i) =>
          sizes[i] === undefined
            ? Promise.resolve(undefined)
            : sha256File(item.path).catch(() => undefined),
        )
      : [];

  const hash = createHash('sha256').update(`vit-opt.dataset/1 ${method}\n`);
  dataset.items.forEach((item, i) => {
    const path = relative(base, item.path).split(sep).join('/');
    const fields = [item.index, path, item.label, sizes[i] ?? '-'];
    if (method === 'file-bytes') fields.push(fileHashes[i] ?? '-');
    hash.update(`${fields.join('\t')}\n`);
  });
  return { contentHash: hash.digest('hex'), method };
}

export interface DescribeDatasetOptions {
  /** The path as the user gave it (recorded as is). */
  readonly path: string;
  readonly selection: ItemSelection;
  /** Class names by class index; omit when unknown. */
  readonly classNames?: readonly string[];
}

/** The `dataset` section of an eval results document. */
export async function describeDataset(
  dataset: Dataset,
  options: DescribeDatasetOptions,
): Promise<DatasetDescription> {
  const { contentHash, method } = await hashDatasetContent(dataset);
  const { sample, limit, shard } = options.selection;
  return {
    path: options.path,
    content_hash: contentHash,
    content_hash_method: method,
    item_count: dataset.items.length,
    class_names: options.classNames === undefined ? null : [...options.classNames],
    selection: {
      sample: sample === undefined ? null : { count: sample.count, seed: sample.seed },
      limit: limit ?? null,
      shard: shard === undefined ? null : { index: shard.index, count: shard.count },
    },
  };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Enough file operations in flight to hide disk latency, few enough not to run out of handles. */
const FILE_CONCURRENCY = 32;

async function mapConcurrently<T, R>(
  items: readonly T[],
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) results[i] = await task(items[i] as T, i);
  };
  await Promise.all(Array.from({ length: Math.min(FILE_CONCURRENCY, items.length) }, worker));
  return results;
}
