import { InferenceSession, listSupportedBackends } from 'onnxruntime-node';

/** The execution providers this onnxruntime-node knows by name (some need libraries installed). */
export function executionProviderNames(): string[] {
  return listSupportedBackends().map((backend) => backend.name);
}

/**
 * Why onnxruntime refuses to load a model (its bytes, or a file), in one line; undefined when it
 * loads. Nothing is run: the session is made on the CPU without graph optimizations, which still
 * checks every node against its operator's schema and infers types and shapes, then released.
 */
export async function onnxRuntimeLoadProblem(
  model: Uint8Array | string,
): Promise<string | undefined> {
  const options: InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'disabled',
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    logSeverityLevel: 4,
  };
  try {
    const session =
      typeof model === 'string'
        ? await InferenceSession.create(model, options)
        : await InferenceSession.create(model, options);
    await session.release();
    return undefined;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return message.replace(/\s*\n\s*/g, ' ').trim();
  }
}
