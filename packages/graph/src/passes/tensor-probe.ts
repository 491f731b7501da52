import type { Model } from '../ir/model.js';

/** One float32 input: `type` may be left out. */
export interface Float32Feed {
  readonly type?: 'float32';
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

/** One float16 input, as float16 bit patterns. */
export interface Float16Feed {
  readonly type: 'float16';
  readonly data: Uint16Array;
  readonly dims: readonly number[];
}

/** One input of a probe run. */
export type ProbeFeed = Float32Feed | Float16Feed;

/** One batch of model inputs by name: what a probe runs, what @vit-opt/eval's data readers make. */
export type FeedBatch = Readonly<Record<string, ProbeFeed>>;

/**
 * Batches of inputs (calibration images, say): an array a pass may read many times, or a stream
 * read once.
 */
export type FeedBatches = Iterable<FeedBatch> | AsyncIterable<FeedBatch>;

/** One named tensor a run returned, as the runtime typed it ('float32', 'float16', 'uint8'…). */
export interface ProbedTensor {
  readonly type: string;
  readonly data: unknown;
  readonly dims: readonly number[];
}

/** A model opened to read some of its tensors, inner ones included, on batches of feeds. */
export interface TensorProbeSession {
  readonly tensorNames: readonly string[];
  /** The named tensors for one batch of inputs. */
  run(feeds: FeedBatch): Promise<Map<string, ProbedTensor>>;
  dispose(): Promise<void>;
}

/**
 * Runs a model and returns named intermediate tensors. Passes that need to see activations
 * (calibration, error reports, head scoring, bias recovery) take one as an argument; graph knows
 * no runtime, @vit-opt/eval implements it with onnxruntime (createTensorProbe).
 */
export type TensorProbe = (
  model: Model,
  tensorNames: readonly string[],
) => Promise<TensorProbeSession>;
