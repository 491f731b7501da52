import {
  DataType,
  VitOptError,
  type FeedBatch,
  type Model,
  type ProbeFeed,
  type TensorProbe,
  type TensorProbeSession,
} from '@vit-opt/graph';
import { convertToFloat16, float16ToFloat32 } from '../weights/float16.js';

/** The element types calibration and the error report read; float16 tensors come as float32. */
export type TensorValues = Float32Array | Uint8Array | Int8Array;

/** Feeds are float32; an input the model declares float16 gets them rounded, as a Cast would. */
const ROUND_ONLY = { maxFiniteValue: Number.POSITIVE_INFINITY, minPositiveValue: 0 };

/**
 * The inner tensors of a model on batches of feeds, as calibration and the error report read
 * them: a TensorProbe runs the model; this side rounds the float32 feeds of a float16 input, as a
 * Cast would, and widens float16 tensors to float32.
 */
export class TensorSession {
  readonly #session: TensorProbeSession;
  readonly #float16Inputs: ReadonlySet<string>;
  readonly tensorNames: readonly string[];

  private constructor(session: TensorProbeSession, float16Inputs: ReadonlySet<string>) {
    this.#session = session;
    this.tensorNames = session.tensorNames;
    this.#float16Inputs = float16Inputs;
  }

  static async create(model: Model, tensorNames: readonly string[], probe: TensorProbe): Promise<TensorSession> {
    const session = await probe(model, tensorNames);
    const float16Inputs = model.graph.inputs.filter((v) => v.tensorType?.elemType === DataType.FLOAT16).map((v) => v.name);
    return new TensorSession(session, new Set(float16Inputs));
  }

  /** The named tensors' values for one batch of inputs. */
  async run(feeds: FeedBatch): Promise<Map<string, TensorValues>> {
    const inputs: Record<string, ProbeFeed> = {};
    for (const [name, feed] of Object.entries(feeds)) {
      inputs[name] =
        feed.type !== 'float16' && this.#float16Inputs.has(name)
          ? { type: 'float16', data: convertToFloat16(feed.data, ROUND_ONLY).bits, dims: feed.dims }
          : feed;
    }
    const outputs = await this.#session.run(inputs);
    const values = new Map<string, TensorValues>();
    for (const [name, output] of outputs) {
      const data = output.type === 'float16' && output.data instanceof Uint16Array ? float16ToFloat32(output.data) : output.data;
      if (!(data instanceof Float32Array || data instanceof Uint8Array || data instanceof Int8Array)) {
        throw new VitOptError('UNSUPPORTED', `tensor '${name}' is ${output.type}, not float32, float16, uint8 or int8`, { subject: name });
      }
      values.set(name, data);
    }
    return values;
  }

  async dispose(): Promise<void> {
    await this.#session.dispose();
  }
}

/** A feed's values as float32: float16 bit patterns widened. */
export function feedValues(feed: ProbeFeed): Float32Array {
  return feed.type === 'float16' ? float16ToFloat32(feed.data) : feed.data;
}

/** The probe a pass runs the model through; without one, a one-line error naming the option. */
export function requireProbe(probe: TensorProbe | undefined, what: string): TensorProbe {
  if (probe !== undefined) return probe;
  throw new VitOptError(
    'INVALID_ARGUMENT',
    `${what} runs the model: give a probe (a TensorProbe, e.g. @vit-opt/eval's createTensorProbe())`,
    { subject: 'probe' },
  );
}
