/**
 * One image of a dataset. `index` is its position in the whole dataset (before any limit,
 * sample or shard), so results computed on slices can be merged back into a single run's.
 */
export interface DatasetItem {
  readonly index: number;
  readonly path: string;
  readonly label: number;
}

/** The images of a dataset in their deterministic order; `source` is the folder or manifest. */
export interface Dataset {
  readonly source: string;
  readonly items: readonly DatasetItem[];
}

/** Byte-wise order of UTF-8 names (what Python's sorted() and `LC_ALL=C ls` give). */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
