import { Tensor as OrtTensor, type InferenceSession } from 'onnxruntime-node';
import { VitOptError } from '@vit-opt/graph';
import { openSession } from '../runtime/open-session.js';
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
    const session = await openSession(modelPath, settings.executionProvider, {
      intraOpNumThreads: settings.intraOpThreads,
      interOpNumThreads: settings.interOpThreads,
      graphOptimizationLevel: settings.graphOptimizationLevel,
      extra: { session: { intra_op: { allow_spinning: settings.spinning ? '1' : '0' } } },
    });
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
