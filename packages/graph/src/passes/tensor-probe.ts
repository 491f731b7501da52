import type { Model } from '../ir/model.js';

/** One input of a probe run: float32 values, or float16 bit patterns for a float16 input. */
export interface ProbeFeed {
  readonly type: 'float32' | 'float16';
  readonly data: Float32Array | Uint16Array;
  readonly dims: readonly number[];
}

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
  run(feeds: Readonly<Record<string, ProbeFeed>>): Promise<Map<string, ProbedTensor>>;
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
