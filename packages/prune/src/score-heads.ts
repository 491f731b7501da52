import {
  VitOptError,
  type FeedBatch,
  type FeedBatches,
  type Model,
  type TensorProbe,
} from '@vit-opt/graph';
import { forEachActivation } from './activations.js';
import { findAttentionLayers, type AttentionLayer } from './attention-layers.js';
import { collectBatches } from './feeds.js';
import { readWeight } from './linear-weights.js';
import { maskHeads } from './mask-heads.js';

/**
 * - 'magnitude': the norm of each head's weights (its q, k and v columns and output rows); no data.
 * - 'activation': the mean norm of each head's contribution to the output projection on `feeds`.
 * - 'ablation': "Sixteen Heads" without gradients: the mean KL divergence of the logits when the
 *   head alone is masked (its output rows zeroed), on `feeds`.
 */
export type HeadScoring = 'magnitude' | 'activation' | 'ablation';

export const HEAD_SCORINGS: readonly HeadScoring[] = ['magnitude', 'activation', 'ablation'];

/** How much one head matters: higher is more important. */
export interface HeadImportance {
  readonly layer: number;
  readonly head: number;
  readonly score: number;
}

export interface ScoreHeadsOptions {
  readonly method?: HeadScoring;
  /** Calibration batches ('activation' and 'ablation'). */
  readonly feeds?: FeedBatches;
  /** What runs the model ('activation' and 'ablation'), e.g. @vit-opt/eval's createTensorProbe(). */
  readonly probe?: TensorProbe;
  /** Use at most this many samples of `feeds` (default all). */
  readonly sampleLimit?: number;
  /** Called after each head is ablated. */
  readonly onProgress?: (progress: { readonly done: number; readonly total: number }) => void;
  readonly signal?: AbortSignal;
}

/** Every head of every attention layer with its importance, in layer then head order. */
export async function scoreHeads(
  model: Model,
  options: ScoreHeadsOptions = {},
): Promise<HeadImportance[]> {
  const method = options.method ?? 'magnitude';
  if (!HEAD_SCORINGS.includes(method)) {
    throw new VitOptError(
      'INVALID_ARGUMENT',
      `method must be one of ${HEAD_SCORINGS.join(', ')}, got '${String(method)}'`,
      {
        subject: 'method',
      },
    );
  }
  const layers = findAttentionLayers(model);
  if (method === 'magnitude') return layers.flatMap(magnitudeScores);
  if (options.feeds === undefined || options.probe === undefined) {
    throw new VitOptError(
      'INVALID_ARGUMENT',
      `'${method}' scoring needs calibration feeds and a probe to run the model`,
      {
        subject: options.feeds === undefined ? 'feeds' : 'probe',
      },
    );
  }
  const batches = await collectBatches(options.feeds, options.sampleLimit);
  if (batches.length === 0)
    throw new VitOptError('INVALID_ARGUMENT', `'${method}' scoring got no calibration batches`, {
      subject: 'feeds',
    });
  return method === 'activation'
    ? activationScores(model, layers, batches, options.probe, options.signal)
    : ablationScores(model, layers, batches, options.probe, options);
}

function magnitudeScores(layer: AttentionLayer): HeadImportance[] {
  const { block, headDim, width } = layer;
  const squares = new Float64Array(layer.heads);
  const addColumns = (data: Float32Array, outFeatures: number, offset: number): void => {
    for (let row = 0; row < data.length / outFeatures; row++) {
      for (let f = 0; f < width; f++) {
        const x = data[row * outFeatures + offset + f]!;
        squares[Math.floor(f / headDim)]! += x * x;
      }
    }
  };
  if (block.style === 'fused_qkv') {
    const packed = readWeight(block.query);
    for (const part of [0, 1, 2]) addColumns(packed.data, packed.outFeatures, part * width);
  } else {
    for (const projection of [block.query, block.key, block.value]) {
      const weight = readWeight(projection);
      addColumns(weight.data, weight.outFeatures, 0);
    }
  }
  const output = readWeight(layer.output);
  for (let f = 0; f < width; f++) {
    for (let o = 0; o < output.outFeatures; o++) {
      const x = output.data[f * output.outFeatures + o]!;
      squares[Math.floor(f / headDim)]! += x * x;
    }
  }
  return Array.from(squares, (s, head) => ({ layer: layer.index, head, score: Math.sqrt(s) }));
}

async function activationScores(
  model: Model,
  layers: readonly AttentionLayer[],
  batches: readonly FeedBatch[],
  probe: TensorProbe,
  signal: AbortSignal | undefined,
): Promise<HeadImportance[]> {
  const byName = new Map(layers.map((layer) => [layer.output.node.inputs[0]!.name, layer]));
  const sums = new Map(
    layers.map((layer) => [layer, { norms: new Float64Array(layer.heads), rows: 0 }]),
  );
  const weights = new Map(layers.map((layer) => [layer, readWeight(layer.output)]));
  await forEachActivation(
    model,
    [...byName.keys()],
    batches,
    probe,
    (name, { data }) => {
      const layer = byName.get(name)!;
      const { headDim, width } = layer;
      const weight = weights.get(layer)!;
      const entry = sums.get(layer)!;
      const contribution = new Float64Array(weight.outFeatures);
      const rows = data.length / width;
      for (let r = 0; r < rows; r++) {
        for (let head = 0; head < layer.heads; head++) {
          contribution.fill(0);
          for (let j = 0; j < headDim; j++) {
            const f = head * headDim + j;
            const x = data[r * width + f]!;
            if (x === 0) continue;
            for (let o = 0; o < weight.outFeatures; o++)
              contribution[o]! += x * weight.data[f * weight.outFeatures + o]!;
          }
          let square = 0;
          for (const c of contribution) square += c * c;
          entry.norms[head]! += Math.sqrt(square);
        }
      }
      entry.rows += rows;
    },
    signal,
  );
  return layers.flatMap((layer) => {
    const { norms, rows } = sums.get(layer)!;
    return Array.from(norms, (n, head) => ({
      layer: layer.index,
      head,
      score: n / Math.max(rows, 1),
    }));
  });
}

async function ablationScores(
  model: Model,
  layers: readonly AttentionLayer[],
  batches: readonly FeedBatch[],
  probe: TensorProbe,
  options: ScoreHeadsOptions,
): Promise<HeadImportance[]> {
  const logitsName = model.graph.outputs[0]!.name;
  const reference = await logitsOf(model, logitsName, batches, probe, options.signal);
  const total = layers.reduce((n, layer) => n + layer.heads, 0);
  const scores: HeadImportance[] = [];
  for (const layer of layers) {
    for (let head = 0; head < layer.heads; head++) {
      const masked = model.clone();
      maskHeads(masked, { [layer.index]: [head] });
      const logits = await logitsOf(masked, logitsName, batches, probe, options.signal);
      scores.push({ layer: layer.index, head, score: meanKl(reference, logits) });
      options.onProgress?.({ done: scores.length, total });
    }
  }
  return scores;
}

export async function logitsOf(
  model: Model,
  name: string,
  batches: readonly FeedBatch[],
  probe: TensorProbe,
  signal: AbortSignal | undefined,
): Promise<{ data: Float32Array; classes: number }[]> {
  const out: { data: Float32Array; classes: number }[] = [];
  await forEachActivation(
    model,
    [name],
    batches,
    probe,
    (_name, { data, dims }) => {
      out.push({ data: Float32Array.from(data), classes: dims.at(-1)! });
    },
    signal,
  );
  return out;
}

/** Mean over samples of KL(softmax(p) ‖ softmax(q)). */
export function meanKl(
  reference: readonly { data: Float32Array; classes: number }[],
  other: readonly { data: Float32Array; classes: number }[],
): number {
  let sum = 0;
  let samples = 0;
  reference.forEach(({ data, classes }, batch) => {
    const q = other[batch]!.data;
    for (let s = 0; s < data.length / classes; s++) {
      const p = logSoftmax(data.subarray(s * classes, (s + 1) * classes));
      const r = logSoftmax(q.subarray(s * classes, (s + 1) * classes));
      let kl = 0;
      for (let c = 0; c < classes; c++) kl += Math.exp(p[c]!) * (p[c]! - r[c]!);
      sum += Math.max(kl, 0);
      samples += 1;
    }
  });
  return sum / Math.max(samples, 1);
}

function logSoftmax(x: Float32Array): Float64Array {
  let max = -Infinity;
  for (const v of x) max = Math.max(max, v);
  let total = 0;
  for (const v of x) total += Math.exp(v - max);
  const log = Math.log(total) + max;
  return Float64Array.from(x, (v) => v - log);
}
