import { Tensor, type InferenceSession } from 'onnxruntime-node';
import { VitOptError } from '@vit-opt/graph';
import { seededRandom } from '../data/seeded-random.js';
import type { BenchInput } from '../results/results-document.js';

/** A model input as the benchmark sees it: its declared shape, batch dimension first. */
export interface ModelInput {
  readonly name: string;
  readonly shape: readonly (number | string)[];
  /** The batch size the model fixes, or null when the batch dimension is symbolic. */
  readonly fixedBatchSize: number | null;
}

/**
 * The inputs of a session, checked to be something the benchmark can feed: float32 tensors
 * whose dimensions are all fixed except, perhaps, the first (the batch).
 */
export function readModelInputs(session: InferenceSession, modelPath: string): ModelInput[] {
  return session.inputMetadata.map((metadata) => {
    if (!metadata.isTensor || metadata.type !== 'float32') {
      const type = metadata.isTensor ? metadata.type : 'a non-tensor value';
      throw new VitOptError(
        'UNSUPPORTED',
        `input "${metadata.name}" is ${type}; bench feeds float32 images only`,
        {
          subject: modelPath,
        },
      );
    }
    const shape = metadata.shape.map((dim) => (typeof dim === 'number' && dim < 0 ? '?' : dim));
    const symbolic = shape.slice(1).find((dim) => typeof dim !== 'number');
    if (shape.length === 0 || symbolic !== undefined) {
      throw new VitOptError(
        'UNSUPPORTED',
        `input "${metadata.name}" has shape [${shape.join(', ')}]; bench needs every dimension but the batch fixed`,
        { subject: modelPath },
      );
    }
    const batch = shape[0];
    return {
      name: metadata.name,
      shape,
      fixedBatchSize: typeof batch === 'number' && batch > 0 ? batch : null,
    };
  });
}

/** A batch size the model can take: any, unless it fixes one. */
export function checkBatchSize(
  inputs: readonly ModelInput[],
  batchSize: number,
  modelPath: string,
): void {
  for (const input of inputs) {
    if (input.fixedBatchSize !== null && input.fixedBatchSize !== batchSize) {
      throw new VitOptError(
        'INVALID_ARGUMENT',
        `input "${input.name}" has a fixed batch size of ${input.fixedBatchSize}; batch size ${batchSize} cannot run`,
        { subject: modelPath },
      );
    }
  }
}

/**
 * Feeds of uniform values in [-1, 1), the range of normalized pixels. Speed does not depend on
 * the values, but seeding keeps two runs of a benchmark on identical inputs.
 */
export function randomFeeds(
  inputs: readonly ModelInput[],
  batchSize: number,
  seed = 0,
): Record<string, Tensor> {
  const random = seededRandom(seed);
  const feeds: Record<string, Tensor> = {};
  for (const input of inputs) {
    const dims = [batchSize, ...(input.shape.slice(1) as number[])];
    const data = new Float32Array(dims.reduce((count, dim) => count * dim, 1));
    for (let i = 0; i < data.length; i++) data[i] = random() * 2 - 1;
    feeds[input.name] = new Tensor('float32', data, dims);
  }
  return feeds;
}

export function describeInputs(inputs: readonly ModelInput[]): BenchInput[] {
  return inputs.map(({ name, shape }) => ({ name, shape: [...shape] }));
}
