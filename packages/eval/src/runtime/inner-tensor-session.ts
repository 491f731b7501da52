import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import {
  VitOptError,
  encodeModel,
  type Model,
  type ProbeFeed,
  type TensorProbe,
  type TensorProbeSession,
  type Value,
} from '@vit-opt/graph';

/** One input of a run: float32 values, or float16 bit patterns for a float16 input. */
export type InnerTensorFeed = ProbeFeed;

/** One named tensor a run returned, as onnxruntime typed it ('float32', 'float16', 'uint8'…). */
export interface InnerTensorValue {
  readonly type: string;
  readonly data: unknown;
  readonly dims: readonly number[];
}

export interface InnerTensorSessionOptions {
  /** onnxruntime intra-op threads; default onnxruntime's (one per core). */
  readonly threads?: number;
}

/**
 * An onnxruntime session over a model whose graph also outputs the named inner tensors, so one
 * run returns them: what calibration and the quantization error report read. The model is
 * encoded with the extra outputs in memory (never written to disk) and left as it was.
 */
export class InnerTensorSession implements TensorProbeSession {
  readonly #session: InferenceSession;
  readonly tensorNames: readonly string[];

  private constructor(session: InferenceSession, tensorNames: readonly string[]) {
    this.#session = session;
    this.tensorNames = tensorNames;
  }

  static async open(
    model: Model,
    tensorNames: readonly string[],
    options: InnerTensorSessionOptions = {},
  ): Promise<InnerTensorSession> {
    const session = await InferenceSession.create(encodeWithOutputs(model, tensorNames), {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      ...(options.threads === undefined ? {} : { intraOpNumThreads: options.threads }),
    });
    return new InnerTensorSession(session, tensorNames);
  }

  /** The named tensors for one batch of inputs; a run onnxruntime refuses is a one-line error. */
  async run(
    feeds: Readonly<Record<string, InnerTensorFeed>>,
  ): Promise<Map<string, InnerTensorValue>> {
    const inputs: Record<string, OrtTensor> = {};
    for (const [name, feed] of Object.entries(feeds))
      inputs[name] = new OrtTensor(feed.type ?? 'float32', feed.data, [...feed.dims]);
    let outputs: InferenceSession.OnnxValueMapType;
    try {
      outputs = await this.#session.run(inputs, [...this.tensorNames]);
    } catch (error) {
      const reason = (error as Error).message.replace(/\s+/g, ' ').trim();
      throw new VitOptError(
        'INVALID_ARGUMENT',
        `onnxruntime cannot run the model on these inputs (${reason})`,
        { subject: 'data', cause: error },
      );
    }
    const values = new Map<string, InnerTensorValue>();
    for (const name of this.tensorNames) {
      const output = outputs[name]!;
      values.set(name, { type: output.type, data: output.data, dims: output.dims });
    }
    return values;
  }

  async dispose(): Promise<void> {
    await this.#session.release();
  }
}

/**
 * The model's bytes with `tensorNames` appended to its graph outputs, untyped (onnxruntime infers
 * their types); the model's outputs are restored after.
 */
function encodeWithOutputs(model: Model, tensorNames: readonly string[]): Uint8Array {
  const graph = model.graph;
  const added: Value[] = [];
  for (const name of tensorNames) {
    const value = graph.value(name);
    if (value === undefined)
      throw new VitOptError('INVALID_ARGUMENT', `the model has no tensor named '${name}'`, {
        subject: name,
      });
    if (!value.isGraphOutput) added.push(value);
  }
  const outputCount = graph.outputs.length;
  graph.outputs.push(...added);
  try {
    return encodeModel(model);
  } finally {
    graph.outputs.length = outputCount;
  }
}

/** graph's TensorProbe on onnxruntime (CPU): an InnerTensorSession per opened model. */
export function createTensorProbe(options: InnerTensorSessionOptions = {}): TensorProbe {
  return (model, tensorNames) => InnerTensorSession.open(model, tensorNames, options);
}
