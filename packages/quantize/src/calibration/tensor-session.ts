import { DataType, VitOptError, encodeModel, type Model, type Value } from '@vit-opt/graph';
import type { InputFeeds } from '@vit-opt/eval/data';
import * as ort from 'onnxruntime-node';
import { convertToFloat16, float16ToFloat32 } from '../weights/float16.js';

/** The element types calibration and the error report read; float16 tensors come as float32. */
export type TensorValues = Float32Array | Uint8Array | Int8Array;

/** Feeds are float32; an input the model declares float16 gets them rounded, as a Cast would. */
const ROUND_ONLY = { maxFiniteValue: Number.POSITIVE_INFINITY, minPositiveValue: 0 };

export interface TensorSessionOptions {
  /** onnxruntime intra-op threads; default onnxruntime's (one per core). */
  readonly threads?: number;
}

/**
 * An onnxruntime session over a model whose graph also outputs the named inner tensors, so one
 * run returns them with the model's outputs. The model is encoded with the extra outputs in
 * memory (never written to disk) and left as it was.
 */
export class TensorSession {
  readonly #session: ort.InferenceSession;
  readonly #float16Inputs: ReadonlySet<string>;
  readonly tensorNames: readonly string[];

  private constructor(session: ort.InferenceSession, tensorNames: readonly string[], float16Inputs: ReadonlySet<string>) {
    this.#session = session;
    this.tensorNames = tensorNames;
    this.#float16Inputs = float16Inputs;
  }

  static async create(model: Model, tensorNames: readonly string[], options: TensorSessionOptions = {}): Promise<TensorSession> {
    const bytes = encodeWithOutputs(model, tensorNames);
    const session = await ort.InferenceSession.create(bytes, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      ...(options.threads === undefined ? {} : { intraOpNumThreads: options.threads }),
    });
    const float16Inputs = model.graph.inputs.filter((v) => v.tensorType?.elemType === DataType.FLOAT16).map((v) => v.name);
    return new TensorSession(session, tensorNames, new Set(float16Inputs));
  }

  /** The named tensors' values for one batch of inputs. */
  async run(feeds: InputFeeds): Promise<Map<string, TensorValues>> {
    const inputs: Record<string, ort.Tensor> = {};
    for (const [name, feed] of Object.entries(feeds)) {
      inputs[name] = this.#float16Inputs.has(name)
        ? new ort.Tensor('float16', convertToFloat16(feed.data, ROUND_ONLY).bits, [...feed.dims])
        : new ort.Tensor('float32', feed.data, [...feed.dims]);
    }
    let outputs: ort.InferenceSession.OnnxValueMapType;
    try {
      outputs = await this.#session.run(inputs, [...this.tensorNames]);
    } catch (error) {
      const reason = (error as Error).message.replace(/\s+/g, ' ').trim();
      throw new VitOptError('INVALID_ARGUMENT', `onnxruntime cannot run the model on these inputs (${reason})`, { subject: 'data', cause: error });
    }
    const values = new Map<string, TensorValues>();
    for (const name of this.tensorNames) {
      const output = outputs[name]!;
      const data = output.type === 'float16' && output.data instanceof Uint16Array ? float16ToFloat32(output.data) : output.data;
      if (!(data instanceof Float32Array || data instanceof Uint8Array || data instanceof Int8Array)) {
        throw new VitOptError('UNSUPPORTED', `tensor '${name}' is ${output.type}, not float32, float16, uint8 or int8`, { subject: name });
      }
      values.set(name, data);
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
    if (value === undefined) throw new VitOptError('INVALID_ARGUMENT', `the model has no tensor named '${name}'`, { subject: name });
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
