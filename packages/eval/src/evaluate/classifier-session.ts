import { InferenceSession, Tensor as OrtTensor, listSupportedBackends } from 'onnxruntime-node';
import { VitOptError, loadModel } from '@vit-opt/graph';
import type { InputDim } from '../data/input-shape.js';
import type { GraphOptimizationLevel } from '../results/results-document.js';

export interface SessionSettings {
  readonly executionProvider: string;
  /** 0: onnxruntime's default. */
  readonly intraOpThreads: number;
  /** 0: onnxruntime's default. */
  readonly interOpThreads: number;
  readonly graphOptimizationLevel: GraphOptimizationLevel;
  /**
   * Let idle intra-op threads spin. Off when several sessions share the process: their spinning
   * threads would otherwise steal the cores from the one that is running.
   */
  readonly spinning: boolean;
}

/** An image classifier: one image input (NCHW), logits as its first output. */
export class ClassifierSession {
  readonly modelPath: string;
  readonly inputName: string;
  readonly inputShape: readonly InputDim[];
  readonly outputName: string;
  readonly #session: InferenceSession;

  private constructor(modelPath: string, session: InferenceSession) {
    this.modelPath = modelPath;
    this.#session = session;
    const input = session.inputMetadata[0];
    const output = session.outputMetadata[0];
    if (input === undefined || output === undefined || !input.isTensor) {
      throw new VitOptError('UNSUPPORTED', 'the model needs one tensor input and an output', {
        subject: modelPath,
      });
    }
    this.inputName = input.name;
    this.inputShape = input.shape.map((d) => (typeof d === 'number' && d > 0 ? d : (d as string | null)));
    this.outputName = output.name;
  }

  static async create(modelPath: string, settings: SessionSettings): Promise<ClassifierSession> {
    const provider = settings.executionProvider;
    if (!listSupportedBackends().some((backend) => backend.name === provider)) {
      throw unavailableProvider(provider, 'not in this onnxruntime-node');
    }
    let session: InferenceSession;
    try {
      session = await InferenceSession.create(modelPath, {
        executionProviders: [provider],
        intraOpNumThreads: settings.intraOpThreads,
        interOpNumThreads: settings.interOpThreads,
        graphOptimizationLevel: settings.graphOptimizationLevel,
        extra: { session: { intra_op: { allow_spinning: settings.spinning ? '1' : '0' } } },
      });
    } catch (error) {
      // Our own loader says what is wrong with a missing, truncated or non-ONNX file far more
      // clearly than onnxruntime; only when it finds nothing wrong is the runtime's reason shown.
      loadModel(modelPath);
      const reason = firstLine(error);
      // onnxruntime's message does not say whether the provider or the model failed: a model
      // that loads on the CPU puts the blame on the provider.
      if (provider !== 'cpu' && (await loadsOnCpu(modelPath))) {
        throw unavailableProvider(provider, reason, error);
      }
      throw new VitOptError('UNSUPPORTED', `onnxruntime cannot load the model: ${reason}`, {
        subject: modelPath,
        cause: error,
      });
    }
    return new ClassifierSession(modelPath, session);
  }

  /** Logits [batch, classes] for pixels [batch, 3, H, W]. */
  async run(pixels: Float32Array, dims: readonly number[]): Promise<{ logits: Float32Array; classCount: number }> {
    const outputs = await this.#session.run({ [this.inputName]: new OrtTensor('float32', pixels, dims) });
    const logits = outputs[this.outputName];
    if (logits === undefined || logits.type !== 'float32' || logits.dims.length !== 2) {
      throw new VitOptError(
        'UNSUPPORTED',
        `output "${this.outputName}" is not float32 logits [batch, classes] (got ${logits?.type} [${logits?.dims.join(', ')}])`,
        { subject: this.modelPath },
      );
    }
    return { logits: logits.data as Float32Array, classCount: Number(logits.dims[1]) };
  }

  async release(): Promise<void> {
    await this.#session.release();
  }
}

/**
 * The providers this onnxruntime-node knows are not all usable: those it does not bundle (CUDA,
 * TensorRT) need libraries installed beside it, which this repository's .npmrc skips, and a
 * bundled one can still find no device (WebGPU without an adapter).
 */
function unavailableProvider(provider: string, reason: string, cause?: unknown): VitOptError {
  const backends = listSupportedBackends();
  const bundled = backends.filter((b) => b.bundled).map((b) => b.name);
  const separate = backends.filter((b) => !b.bundled).map((b) => b.name);
  const offer =
    `this onnxruntime-node has ${bundled.join(', ')} built in` +
    (separate.length === 0 ? '' : `; ${separate.join(', ')} need their libraries installed`);
  return new VitOptError(
    'UNSUPPORTED',
    `execution provider "${provider}" is not available (${reason}); ${offer}`,
    { subject: 'executionProvider', ...(cause === undefined ? {} : { cause }) },
  );
}

async function loadsOnCpu(modelPath: string): Promise<boolean> {
  try {
    const session = await InferenceSession.create(modelPath, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'disabled',
    });
    await session.release();
    return true;
  } catch {
    return false;
  }
}

/**
 * The first line of onnxruntime's message, without the source location and condition an
 * ORT_ENFORCE puts before it ("webgpu_context.cc:136 <function> <condition> was false. Failed to
 * get a WebGPU adapter").
 */
function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .split('\n')[0]!
    .replace(/^\S+:\d+ .*? was false\. /, '')
    .trim();
}
