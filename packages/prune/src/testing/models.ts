/**
 * Test support: the committed tiny ViTs, their test images as feeds, and logits through
 * @vit-opt/eval's probe. The prune library itself never runs a model; its tests do.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createTensorProbe } from '@vit-opt/eval';
import {
  decodeTensor,
  loadModel,
  type FeedBatch,
  type Model,
  type TensorProbe,
} from '@vit-opt/graph';

export const FIXTURE_NAMES = ['vit-tiny-hf', 'vit-tiny-tv'] as const;
export type FixtureName = (typeof FIXTURE_NAMES)[number];

export const probe: TensorProbe = createTensorProbe({ threads: 1 });

const fixturePath = (name: FixtureName, file: string): string =>
  fileURLToPath(new URL(`../../../../fixtures/models/${name}/${file}`, import.meta.url));

export function loadFixture(name: FixtureName): Model {
  return loadModel(fixturePath(name, 'model.onnx'));
}

/** The fixture's four test images as one batch. */
export function fixtureFeeds(name: FixtureName): FeedBatch {
  const input = decodeTensor(readFileSync(fixturePath(name, 'test_data_set_0/input_0.pb')));
  return { [input.name]: { type: 'float32', data: input.float32(), dims: input.dims } };
}

/** Seeded uniform(−1, 1) pixels for a model with input pixel_values[batch, 3, side, side]. */
export function randomFeeds(batch: number, side: number, seed: number): FeedBatch {
  let state = seed >>> 0;
  const next = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const data = Float32Array.from({ length: batch * 3 * side * side }, () => next() * 2 - 1);
  return { pixel_values: { type: 'float32', data, dims: [batch, 3, side, side] } };
}

/** The model's first output on `feeds`. */
export async function logits(model: Model, feeds: FeedBatch): Promise<Float32Array> {
  const name = model.graph.outputs[0]!.name;
  const session = await probe(model, [name]);
  try {
    return (await session.run(feeds)).get(name)!.data as Float32Array;
  } finally {
    await session.dispose();
  }
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} and ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}
