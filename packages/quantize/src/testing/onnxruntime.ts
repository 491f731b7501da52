/**
 * Test support: runs models with onnxruntime-node. The quantize library itself never runs a
 * model; its tests do, to prove that what it emits loads, fuses and computes the same logits.
 */
import { encodeModel, loadModel, type Model } from '@vit-opt/graph';
import * as ort from 'onnxruntime-node';

export interface SessionOptions {
  /** Where onnxruntime writes the graph it optimized (level 'all'), to check its fusions. */
  readonly optimizedModelPath?: string;
}

/** A CPU session over the model's bytes, fully optimized, warnings silenced. */
export async function createSession(
  model: Model,
  options: SessionOptions = {},
): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(encodeModel(model), {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    intraOpNumThreads: 1,
    ...(options.optimizedModelPath === undefined
      ? {}
      : { optimizedModelFilePath: options.optimizedModelPath }),
  });
}

/** Runs a single-input, single-output float32 model on NCHW pixels. */
export async function runLogits(
  session: ort.InferenceSession,
  pixels: Float32Array,
  dims: readonly number[],
): Promise<Float32Array> {
  const inputName = session.inputNames[0]!;
  const outputName = session.outputNames[0]!;
  const outputs = await session.run({ [inputName]: new ort.Tensor('float32', pixels, [...dims]) });
  return outputs[outputName]!.data as Float32Array;
}

/** How many nodes of each op type a model file has (after onnxruntime's optimizer wrote it). */
export function opCounts(path: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const node of loadModel(path).graph.allNodes())
    counts.set(node.opType, (counts.get(node.opType) ?? 0) + 1);
  return counts;
}

/** Cosine similarity of two equally long vectors. */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(aa * bb);
}

/** The index of the largest logit of each row. */
export function argmaxRows(logits: Float32Array, classes: number): number[] {
  const rows: number[] = [];
  for (let start = 0; start < logits.length; start += classes) {
    let best = start;
    for (let i = start + 1; i < start + classes; i++) if (logits[i]! > logits[best]!) best = i;
    rows.push(best - start);
  }
  return rows;
}
