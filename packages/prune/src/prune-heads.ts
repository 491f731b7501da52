import { VitOptError, cleanup, type Model, type TensorProbe } from '@vit-opt/graph';
import { augmentedGrams, featureMeans } from './activations.js';
import { findAttentionLayers, headFeatures, type AttentionLayer } from './attention-layers.js';
import { collectBatches, type FeedBatch, type FeedBatches } from './feeds.js';
import { resolveHeadPlan, type HeadPlan } from './head-plan.js';
import { rewriteHeadShapes } from './head-shapes.js';
import { solveRidge } from './least-squares.js';
import {
  float32,
  gemmScales,
  readBias,
  readWeight,
  setBias,
  sliceLinear,
  writeLinear,
} from './linear-weights.js';
import { writePruneRecipe } from './recipe.js';

export type HeadRecovery = 'none' | 'bias' | 'lstsq';

export const HEAD_RECOVERIES: readonly HeadRecovery[] = ['none', 'bias', 'lstsq'];

export interface PruneHeadsOptions {
  /**
   * 'bias': fold the mean contribution of the removed heads (their merged outputs averaged over
   * `feeds`, times their rows of the output projection) into the output projection's bias, so
   * each layer's mean output is kept. 'lstsq': refit the kept rows of the output projection and
   * its bias by least squares to the unpruned layer's output on `feeds` (as Kwon et al. 2022 do
   * after pruning BERT). Default 'none'.
   */
  readonly recover?: HeadRecovery;
  /** Calibration batches for recovery. */
  readonly feeds?: FeedBatches;
  /** What runs the model for recovery (e.g. @vit-opt/eval's createTensorProbe()). */
  readonly probe?: TensorProbe;
  /** Recorded in the recipe: how the plan was chosen (e.g. { scoring: 'ablation', heads: 0.25 }). */
  readonly provenance?: Readonly<Record<string, unknown>>;
  readonly signal?: AbortSignal;
}

/** One attention layer before and after. */
export interface LayerPruning {
  readonly layer: number;
  readonly headsBefore: number;
  readonly headsAfter: number;
  readonly removed: readonly number[];
  /** Weights and biases of q, k, v and the output projection. */
  readonly parametersBefore: number;
  readonly parametersAfter: number;
}

export interface PruneHeadsResult {
  readonly layers: readonly LayerPruning[];
  readonly headsBefore: number;
  readonly headsAfter: number;
  readonly recover: HeadRecovery;
}

/**
 * Removes the planned heads from `model`, in place and structurally: the q/k/v columns and bias
 * entries of those heads and the output projection's rows go, and the constants holding the head
 * count and the all-head width are rewritten, so the result is a smaller dense model (not a mask)
 * computing what the original computes with those heads masked. A plan that names a missing
 * layer or head, or removes every head of a layer, is refused before anything changes. The
 * recipe goes into the model's metadata_props.
 */
export async function pruneHeads(
  model: Model,
  plan: HeadPlan,
  options: PruneHeadsOptions = {},
): Promise<PruneHeadsResult> {
  const recover = options.recover ?? 'none';
  if (!HEAD_RECOVERIES.includes(recover)) {
    throw new VitOptError(
      'INVALID_ARGUMENT',
      `recover must be one of ${HEAD_RECOVERIES.join(', ')}, got '${String(recover)}'`,
      { subject: 'recover' },
    );
  }
  const layers = findAttentionLayers(model);
  const resolved = resolveHeadPlan(layers, plan);
  const pruned = [...resolved.keys()].map((index) => layers[index]!);
  const batches =
    recover !== 'none' && pruned.length > 0
      ? await calibrationBatches(pruned, recover, options)
      : [];
  const inputName = (layer: AttentionLayer): string => layer.output.node.inputs[0]!.name;
  const means =
    recover === 'bias' && pruned.length > 0
      ? await featureMeans(model, pruned.map(inputName), batches, options.probe!, options.signal)
      : undefined;
  const refits = new Map<number, { weight: Float32Array; bias: Float32Array }>();
  if (recover === 'lstsq' && pruned.length > 0) {
    const grams = await augmentedGrams(
      model,
      pruned.map(inputName),
      batches,
      options.probe!,
      options.signal,
    );
    for (const layer of pruned) {
      refits.set(
        layer.index,
        refitOutput(layer, resolved.get(layer.index)!.kept, grams.get(inputName(layer))!),
      );
    }
  }
  options.signal?.throwIfAborted();
  const report: LayerPruning[] = [];
  for (const layer of layers) {
    const entry = resolved.get(layer.index);
    const kept = entry?.kept.length ?? layer.heads;
    report.push({
      layer: layer.index,
      headsBefore: layer.heads,
      headsAfter: kept,
      removed: entry?.removed ?? [],
      parametersBefore: attentionParameters(layer, layer.heads),
      parametersAfter: attentionParameters(layer, kept),
    });
    if (entry === undefined) continue;
    const mean = means?.get(layer.output.node.inputs[0]!.name);
    if (mean !== undefined) foldRemovedMeanIntoBias(layer, entry.removed, mean);
    removeHeads(layer, entry.kept);
  }
  if (refits.size > 0) {
    const after = findAttentionLayers(model);
    for (const [index, { weight, bias }] of refits) writeLinear(after[index]!.output, weight, bias);
  }
  if (pruned.length > 0) {
    cleanup(model.graph);
    dropInferredTypes(model);
  }
  const result: PruneHeadsResult = {
    layers: report,
    headsBefore: report.reduce((n, l) => n + l.headsBefore, 0),
    headsAfter: report.reduce((n, l) => n + l.headsAfter, 0),
    recover,
  };
  if (pruned.length > 0) {
    writePruneRecipe(model, {
      pass: 'pruneHeads',
      removedHeads: Object.fromEntries(
        [...resolved].map(([index, { removed }]) => [index, removed]),
      ),
      recover,
      ...(options.provenance ?? {}),
    });
  }
  return result;
}

function removeHeads(layer: AttentionLayer, kept: readonly number[]): void {
  const { block, headDim, width } = layer;
  const features = headFeatures(kept, headDim);
  if (block.style === 'fused_qkv') {
    sliceLinear(block.query, {
      outputs: [0, 1, 2].flatMap((part) => features.map((f) => part * width + f)),
    });
  } else {
    for (const projection of [block.query, block.key, block.value])
      sliceLinear(projection, { outputs: features });
  }
  sliceLinear(layer.output, { inputs: features });
  rewriteHeadShapes(layer, kept.length);
}

/** bias += α · Σ over removed features f of mean[f] · W[f, ·], divided by Gemm's β. */
function foldRemovedMeanIntoBias(
  layer: AttentionLayer,
  removed: readonly number[],
  mean: Float64Array,
): void {
  const output = layer.output;
  const weight = readWeight(output);
  const bias = Float32Array.from(readBias(output)!);
  const { alpha, beta } = gemmScales(output);
  for (const f of headFeatures(removed, layer.headDim)) {
    const m = mean[f]!;
    for (let o = 0; o < weight.outFeatures; o++)
      bias[o]! += (alpha * m * weight.data[f * weight.outFeatures + o]!) / beta;
  }
  setBias(output, float32(bias, [bias.length], `${output.node.name}.recovered_bias`));
}

async function calibrationBatches(
  layers: readonly AttentionLayer[],
  recover: HeadRecovery,
  options: PruneHeadsOptions,
): Promise<FeedBatch[]> {
  if (options.feeds === undefined || options.probe === undefined) {
    throw new VitOptError(
      'INVALID_ARGUMENT',
      `recover '${recover}' needs calibration feeds and a probe to run the model`,
      { subject: options.feeds === undefined ? 'feeds' : 'probe' },
    );
  }
  for (const layer of layers) {
    if (layer.output.bias === undefined) {
      throw new VitOptError(
        'UNSUPPORTED',
        `recover '${recover}' needs a bias on '${layer.output.node.name}'`,
        { subject: layer.output.node.name },
      );
    }
  }
  const batches = await collectBatches(options.feeds);
  if (batches.length === 0) {
    throw new VitOptError('INVALID_ARGUMENT', `recover '${recover}' got no calibration batches`, {
      subject: 'feeds',
    });
  }
  return batches;
}

/**
 * The output projection's new rows for the kept features and its bias, fitted by least squares so
 * that [x_kept, 1]·[W'; b'] ≈ x·W + b over the calibration rows, from the augmented Gram matrix of
 * x: A = G[S, S] and B = G[S, ·]·[W; b] with S the kept features and the ones column.
 */
function refitOutput(
  layer: AttentionLayer,
  kept: readonly number[],
  { gram, size }: { gram: Float64Array; size: number },
): { weight: Float32Array; bias: Float32Array } {
  const weight = readWeight(layer.output);
  const bias = readBias(layer.output)!;
  const { alpha, beta } = gemmScales(layer.output);
  const out = weight.outFeatures;
  // [W; b] as the layer applies them: (features + 1) × out.
  const full = new Float64Array(size * out);
  for (let f = 0; f < size - 1; f++)
    for (let o = 0; o < out; o++) full[f * out + o] = alpha * weight.data[f * out + o]!;
  for (let o = 0; o < out; o++) full[(size - 1) * out + o] = beta * bias[o]!;
  const rows = [...headFeatures(kept, layer.headDim), size - 1];
  const n = rows.length;
  const a = new Float64Array(n * n);
  const b = new Float64Array(n * out);
  rows.forEach((r, i) => {
    rows.forEach((c, j) => (a[i * n + j] = gram[r * size + c]!));
    for (let k = 0; k < size; k++) {
      const g = gram[r * size + k]!;
      if (g === 0) continue;
      for (let o = 0; o < out; o++) b[i * out + o]! += g * full[k * out + o]!;
    }
  });
  const x = solveRidge(a, b, n, out);
  return {
    weight: Float32Array.from(x.subarray(0, (n - 1) * out)),
    bias: Float32Array.from(x.subarray((n - 1) * out)),
  };
}

function attentionParameters(layer: AttentionLayer, heads: number): number {
  const hidden = layer.block.query.inFeatures;
  const width = heads * layer.headDim;
  const hasBias = (b: unknown): number => (b === undefined ? 0 : 1);
  const { block, output } = layer;
  const qkvBias =
    block.style === 'fused_qkv'
      ? 3 * width * hasBias(block.query.bias)
      : width * (hasBias(block.query.bias) + hasBias(block.key.bias) + hasBias(block.value.bias));
  return (
    3 * hidden * width +
    qkvBias +
    width * output.outFeatures +
    output.outFeatures * hasBias(output.bias)
  );
}

/**
 * Shapes recorded for inner values (value_info) may hold the old widths once weights shrink:
 * they are dropped, and onnxruntime infers them again. Graph inputs and outputs keep theirs.
 */
function dropInferredTypes(model: Model): void {
  for (const node of model.graph.nodes) {
    for (const value of node.outputs) {
      if (value === undefined || value.isGraphOutput) continue;
      value.type = undefined;
      value.declared = false;
    }
  }
}
