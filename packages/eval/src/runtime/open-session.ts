import { InferenceSession, listSupportedBackends } from 'onnxruntime-node';
import { VitOptError, loadModel } from '@vit-opt/graph';

/** Session options apart from the provider, which openSession takes on its own. */
export type OpenSessionOptions = Omit<InferenceSession.SessionOptions, 'executionProviders'>;

/**
 * An onnxruntime session of the model file on one execution provider, or one VitOptError that
 * says whether the file or the provider is at fault (subject 'executionProvider' for the latter,
 * so a caller can name its own flag).
 */
export async function openSession(
  modelPath: string,
  provider: string,
  options: OpenSessionOptions,
): Promise<InferenceSession> {
  if (!listSupportedBackends().some((backend) => backend.name === provider)) {
    throw unavailableProvider(provider, 'not in this onnxruntime-node');
  }
  // Our own loader first: it says what is wrong with a missing, truncated, non-ONNX or broken
  // model far more clearly than onnxruntime, and refuses a FIFO or a device (which onnxruntime
  // would wait on, or read without end) before anything opens it.
  loadModel(modelPath);
  try {
    return await InferenceSession.create(modelPath, { ...options, executionProviders: [provider] });
  } catch (error) {
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
