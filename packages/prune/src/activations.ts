import { VitOptError, type Model, type TensorProbe } from '@vit-opt/graph';
import type { FeedBatch } from './feeds.js';

/** A float32 tensor a probe run returned, with its dims. */
export interface Activation {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

/**
 * Runs `model` on every batch through `probe` and hands each named tensor of each batch to
 * `visit`; the session is always disposed.
 */
export async function forEachActivation(
  model: Model,
  names: readonly string[],
  batches: readonly FeedBatch[],
  probe: TensorProbe,
  visit: (name: string, activation: Activation) => void,
  signal?: AbortSignal,
): Promise<void> {
  const session = await probe(model, names);
  try {
    for (const batch of batches) {
      signal?.throwIfAborted();
      const values = await session.run(batch);
      for (const name of names) {
        const value = values.get(name);
        if (value === undefined || !(value.data instanceof Float32Array)) {
          throw new VitOptError(
            'UNSUPPORTED',
            `tensor '${name}' is ${value?.type ?? 'missing'}, not float32`,
            {
              subject: name,
            },
          );
        }
        visit(name, { data: value.data, dims: value.dims });
      }
    }
  } finally {
    await session.dispose();
  }
}

/** The mean of each last-axis feature over every other axis, for the named tensors. */
export async function featureMeans(
  model: Model,
  names: readonly string[],
  batches: readonly FeedBatch[],
  probe: TensorProbe,
  signal?: AbortSignal,
): Promise<Map<string, Float64Array>> {
  const sums = new Map<string, { sum: Float64Array; rows: number }>();
  await forEachActivation(
    model,
    names,
    batches,
    probe,
    (name, { data, dims }) => {
      const features = dims.at(-1)!;
      let entry = sums.get(name);
      if (entry === undefined)
        sums.set(name, (entry = { sum: new Float64Array(features), rows: 0 }));
      const rows = data.length / features;
      for (let r = 0; r < rows; r++)
        for (let f = 0; f < features; f++) entry.sum[f]! += data[r * features + f]!;
      entry.rows += rows;
    },
    signal,
  );
  const means = new Map<string, Float64Array>();
  for (const [name, { sum, rows }] of sums)
    means.set(
      name,
      sum.map((s) => s / Math.max(rows, 1)),
    );
  return means;
}
