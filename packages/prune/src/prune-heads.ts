import {
  VitOptError,
  cleanup,
  findVitStructure,
  type FeedBatch,
  type FeedBatches,
  type Model,
  type TensorProbe,
} from '@vit-opt/graph';
import { augmentedGrams, featureMeans } from './activations.js';
import { findAttentionLayers, headFeatures, type AttentionLayer } from './attention-layers.js';
import { collectBatches } from './feeds.js';
import { resolveHeadPlan, type HeadPlan } from './head-plan.js';
import { rewriteHeadShapes } from './head-shapes.js';
import { refitLinear } from './least-squares.js';
import { foldInputMeansIntoBias, sliceLinear, writeLinear } from './linear-weights.js';
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
  /**
   * Multiply-adds of the block (q/k/v, Q·Kᵀ, P·V, output projection) for one image, at the token
   * count of the model's position embedding; null when the graph does not tell it.
   */
  readonly multiplyAddsBefore: number | null;
  readonly multiplyAddsAfter: number | null;
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
  const tokens = tokenCount(model);
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
        refitLinear(
          layer.output,
          headFeatures(resolved.get(layer.index)!.kept, layer.headDim),
          grams.get(inputName(layer))!,
        ),
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
      multiplyAddsBefore:
        tokens === null ? null : attentionMultiplyAdds(layer, layer.heads, tokens),
      multiplyAddsAfter: tokens === null ? null : attentionMultiplyAdds(layer, kept, tokens),
    });
    if (entry === undefined) continue;
    const mean = means?.get(layer.output.node.inputs[0]!.name);
    if (mean !== undefined)
      foldInputMeansIntoBias(layer.output, headFeatures(entry.removed, layer.headDim), mean);
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

/** Tokens per image: the rows of the position embedding, when the graph has one. */
export function tokenCount(model: Model): number | null {
  return findVitStructure(model.graph)?.positionEmbedding?.tokenCount ?? null;
}

function attentionMultiplyAdds(layer: AttentionLayer, heads: number, tokens: number): number {
  const width = heads * layer.headDim;
  const hidden = layer.block.query.inFeatures;
  return (
    tokens * hidden * 3 * width +
    2 * tokens * tokens * width +
    tokens * width * layer.output.outFeatures
  );
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
