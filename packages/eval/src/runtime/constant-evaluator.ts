import { InferenceSession } from 'onnxruntime-node';
import {
  VitOptError,
  encodeModel,
  type ConstantEvaluator,
  type Model,
  type Tensor,
  type Value,
} from '@vit-opt/graph';
import { dataTypeOfOrtType, fromOrtTensor } from './tensor-convert.js';

export interface OnnxRuntimeEvaluatorOptions {
  /**
   * Values whose data is larger than this are left out of the result, so that the caller keeps
   * computing them at run time instead of storing them in the model. Default: no limit.
   */
  maxOutputBytes?: number;
}

const SUBJECT = 'constant evaluator';

const SESSION_OPTIONS: InferenceSession.SessionOptions = {
  // The constant subgraph must be computed exactly as written, not as onnxruntime would rewrite it.
  graphOptimizationLevel: 'disabled',
  // Constant subgraphs are small: one thread starts fastest and leaves the cores to the caller.
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  // Failures reach the caller as exceptions; onnxruntime's own log lines would only repeat them.
  logSeverityLevel: 4,
};

/**
 * A ConstantEvaluator backed by onnxruntime-node: the model is encoded and handed to a session in
 * memory (no temporary file), run with no feeds, and the session is released afterwards. Values
 * whose type onnxruntime-node cannot return (bfloat16, float8, int4, sequences…) are left out of
 * the result, like those above `maxOutputBytes`.
 */
export function createOnnxRuntimeEvaluator(
  options: OnnxRuntimeEvaluatorOptions = {},
): ConstantEvaluator {
  const maxOutputBytes = options.maxOutputBytes ?? Infinity;
  if (!(maxOutputBytes >= 0)) {
    throw new VitOptError('INVALID_ARGUMENT', `must be a byte count ≥ 0, got ${maxOutputBytes}`, {
      subject: 'maxOutputBytes',
    });
  }
  return async (model, outputNames) => {
    const names = [...new Set(outputNames)];
    if (names.length === 0) return new Map();
    const together = await evaluate(model, names, maxOutputBytes);
    if (together !== undefined) return together;
    // The binding refuses a whole session when one output has an element type it cannot carry,
    // without naming it: evaluate the values one at a time and leave such ones out.
    const results = new Map<string, Tensor>();
    for (const name of names) {
      const alone = await evaluate(model, [name], maxOutputBytes);
      for (const [key, tensor] of alone ?? []) results.set(key, tensor);
    }
    return results;
  };
}

/** The values, or undefined when the binding refused the session over an output's type. */
async function evaluate(
  model: Model,
  names: readonly string[],
  maxOutputBytes: number,
): Promise<Map<string, Tensor> | undefined> {
  const session = await createSession(encodeForEvaluation(model, names));
  if (session === undefined) return undefined;
  try {
    const fetched = names.filter((name) => isFetchable(session, name));
    const results = new Map<string, Tensor>();
    if (fetched.length === 0) return results;
    const outputs = await runSession(session, fetched);
    for (const name of fetched) {
      const tensor = fromOrtTensor(outputs[name]!, name);
      if (tensor.byteLength <= maxOutputBytes) results.set(name, tensor);
    }
    return results;
  } finally {
    await session.release();
  }
}

/**
 * The model's bytes with exactly the requested values as graph outputs, so that any value can be
 * fetched. The outputs are swapped only for the (synchronous) encoding and then restored.
 */
function encodeForEvaluation(model: Model, outputNames: readonly string[]): Uint8Array {
  const graph = model.graph;
  const fed = graph.inputs.find((input) => input.initializer === undefined);
  if (fed !== undefined) {
    throw new VitOptError(
      'INVALID_ARGUMENT',
      `the model has a graph input '${fed.name}'; only models of constants can be evaluated`,
      { subject: SUBJECT },
    );
  }
  const requested: Value[] = outputNames.map((name) => {
    const value = graph.value(name);
    if (value === undefined) {
      throw new VitOptError('INVALID_ARGUMENT', `the model has no value named '${name}'`, {
        subject: SUBJECT,
      });
    }
    return value;
  });
  const declaredOutputs = graph.outputs;
  graph.outputs = requested;
  try {
    return encodeModel(model);
  } finally {
    graph.outputs = declaredOutputs;
  }
}

function isFetchable(session: InferenceSession, name: string): boolean {
  const metadata = session.outputMetadata.find((output) => output.name === name);
  return (
    metadata !== undefined && metadata.isTensor && dataTypeOfOrtType(metadata.type) !== undefined
  );
}

/** How onnxruntime-node's binding says that a session has an output type it cannot carry. */
const UNSUPPORTED_OUTPUT_TYPE = /^Unsupported data type/;

/** A session, or undefined when the binding cannot carry the type of one of the outputs. */
async function createSession(bytes: Uint8Array): Promise<InferenceSession | undefined> {
  try {
    return await InferenceSession.create(bytes, SESSION_OPTIONS);
  } catch (error) {
    if (error instanceof Error && UNSUPPORTED_OUTPUT_TYPE.test(error.message)) return undefined;
    throw runtimeError('cannot load the constant subgraph', error);
  }
}

async function runSession(
  session: InferenceSession,
  outputNames: string[],
): Promise<InferenceSession.ReturnType> {
  try {
    return await session.run({}, outputNames);
  } catch (error) {
    throw runtimeError('failed computing the constant subgraph', error);
  }
}

function runtimeError(what: string, error: unknown): VitOptError {
  const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
  return new VitOptError('UNSUPPORTED', `onnxruntime ${what}: ${reason}`, {
    subject: SUBJECT,
    cause: error,
  });
}
