import { VitOptError, type FeedBatch, type Model, type TensorProbe } from '@vit-opt/graph';

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

/**
 * The Gram matrix of each named tensor's rows with a column of ones appended ([x, 1]ᵀ[x, 1],
 * (features + 1)² in float64): what a least-squares refit of a layer reading the tensor needs.
 */
export async function augmentedGrams(
  model: Model,
  names: readonly string[],
  batches: readonly FeedBatch[],
  probe: TensorProbe,
  signal?: AbortSignal,
): Promise<Map<string, { gram: Float64Array; size: number; rows: number }>> {
  const grams = new Map<string, { gram: Float64Array; size: number; rows: number }>();
  await forEachActivation(
    model,
    names,
    batches,
    probe,
    (name, { data, dims }) => {
      const features = dims.at(-1)!;
      const size = features + 1;
      let entry = grams.get(name);
      if (entry === undefined)
        grams.set(name, (entry = { gram: new Float64Array(size * size), size, rows: 0 }));
      const row = new Float64Array(size);
      row[features] = 1;
      const { gram } = entry;
      for (let r = 0; r < data.length / features; r++) {
        for (let f = 0; f < features; f++) row[f] = data[r * features + f]!;
        // Upper triangle only; mirrored by the caller's solver.
        for (let i = 0; i < size; i++) {
          const xi = row[i]!;
          if (xi === 0) continue;
          const offset = i * size;
          for (let j = i; j < size; j++) gram[offset + j]! += xi * row[j]!;
        }
        entry.rows += 1;
      }
    },
    signal,
  );
  for (const { gram, size } of grams.values()) {
    for (let i = 0; i < size; i++)
      for (let j = 0; j < i; j++) gram[i * size + j] = gram[j * size + i]!;
  }
  return grams;
}
