import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import {
  findAttentionBlocks,
  type AttentionMatch,
  type AttentionStyle,
} from '../patterns/attention-blocks.js';
import { findClassifier } from '../patterns/classifier.js';
import { graphOrder } from '../patterns/graph-walk.js';
import { layerNormBefore } from '../patterns/layer-norm.js';
import { findMlpBlocks, type MlpMatch } from '../patterns/mlp-blocks.js';
import { POOLING_OPS } from '../patterns/op-traits.js';
import {
  findPatchEmbedding,
  findTokenEmbeddings,
  type PatchEmbedding,
  type TokenEmbeddings,
} from '../patterns/patch-embedding.js';
import { describeLayerNorm, describeLinear, type LayerNorm, type LinearLayer } from './describe.js';

/** A self-attention block by node names. */
export interface AttentionBlock {
  style: AttentionStyle;
  softmax: string;
  /** Separate projections (style 'separate_qkv'); null for a fused block. */
  query: LinearLayer | null;
  key: LinearLayer | null;
  value: LinearLayer | null;
  /** The packed in-projection, [hidden → 3·width] (style 'fused_qkv'); null for separate ones. */
  qkv: LinearLayer | null;
  /** The projection of the merged heads back to the hidden size. */
  output: LinearLayer | null;
}

export interface EncoderLayer {
  index: number;
  /** Width of the residual stream (the input features of the q/k/v projections). */
  hiddenSize: number;
  /** Null when the graph holds no constant that tells them apart. */
  heads: number | null;
  headDim: number | null;
  /** fc1's output features; null when no MLP was recognised after this attention block. */
  intermediateSize: number | null;
  attention: AttentionBlock;
  mlp: { fc1: LinearLayer; fc2: LinearLayer } | null;
  layerNormBeforeAttention: LayerNorm | null;
  layerNormBeforeMlp: LayerNorm | null;
}

/**
 * A vision transformer as recognised from the graph (not from any config file). Model-wide sizes
 * are null when layers differ (after head pruning, say): see `layers`.
 */
export interface VitStructure {
  layerCount: number;
  hiddenSize: number | null;
  heads: number | null;
  headDim: number | null;
  intermediateSize: number | null;
  attentionStyle: AttentionStyle | 'mixed';
  patchEmbedding: PatchEmbedding | null;
  clsToken: string | null;
  positionEmbedding: TokenEmbeddings['positionEmbedding'];
  classifier: LinearLayer | null;
  /** Output features of the classifier. */
  classCount: number | null;
  finalLayerNorm: LayerNorm | null;
  layers: EncoderLayer[];
}

/** The ViT in `graph`, or null when it has no self-attention block. */
export function findVitStructure(graph: Graph): VitStructure | null {
  const attention = findAttentionBlocks(graph);
  if (attention.length === 0) return null;
  const claimed = new Set<Node>();
  for (const block of attention) {
    for (const linear of [block.query, block.key, block.value, block.output])
      if (linear) claimed.add(linear.node);
  }
  const mlps = assignMlps(graph, attention, findMlpBlocks(graph, claimed));
  for (const mlp of mlps) if (mlp !== undefined) claimed.add(mlp.fc1.node).add(mlp.fc2.node);
  const layers = attention.map((block, index) => describeLayer(block, mlps[index], index));

  const patch = findPatchEmbedding(graph);
  const hiddenSize =
    uniform(layers.map((l) => l.hiddenSize)) ?? patch?.embedding.hiddenSize ?? null;
  const tokens =
    patch === undefined || hiddenSize === null
      ? { clsToken: null, positionEmbedding: null }
      : findTokenEmbeddings(patch.node, hiddenSize);
  const classifier = findClassifier(graph, claimed);
  const finalLayerNorm = layerNormBefore(classifier?.node.inputs[0], POOLING_OPS);
  return {
    layerCount: layers.length,
    hiddenSize,
    heads: uniform(layers.map((l) => l.heads)),
    headDim: uniform(layers.map((l) => l.headDim)),
    intermediateSize: uniform(layers.map((l) => l.intermediateSize)),
    attentionStyle: uniform(layers.map((l) => l.attention.style)) ?? 'mixed',
    patchEmbedding: patch === undefined ? null : withPatchCountFromTokens(patch.embedding, tokens),
    clsToken: tokens.clsToken,
    positionEmbedding: tokens.positionEmbedding,
    classifier: classifier === undefined ? null : describeLinear(classifier),
    classCount: classifier?.outFeatures ?? null,
    finalLayerNorm: finalLayerNorm === undefined ? null : describeLayerNorm(finalLayerNorm),
    layers,
  };
}

/** Each attention block's MLP: the first one whose fc1 runs after the block and before the next. */
function assignMlps(
  graph: Graph,
  attention: readonly AttentionMatch[],
  mlps: readonly MlpMatch[],
): (MlpMatch | undefined)[] {
  const order = graphOrder(graph.nodes);
  const position = (node: Node): number => order.get(node) ?? -1;
  return attention.map((block, index) => {
    const start = position(block.output?.node ?? block.context);
    const next = attention[index + 1];
    const end = next === undefined ? Infinity : position(next.softmax);
    return mlps.find((mlp) => position(mlp.fc1.node) > start && position(mlp.fc1.node) < end);
  });
}

function describeLayer(
  block: AttentionMatch,
  mlp: MlpMatch | undefined,
  index: number,
): EncoderLayer {
  const separate = block.style === 'separate_qkv';
  const beforeAttention = layerNormBefore(block.query.node.inputs[0]);
  const beforeMlp = mlp === undefined ? undefined : layerNormBefore(mlp.fc1.node.inputs[0]);
  return {
    index,
    hiddenSize: block.query.inFeatures,
    heads: block.layout?.heads ?? null,
    headDim: block.layout?.headDim ?? null,
    intermediateSize: mlp?.fc1.outFeatures ?? null,
    attention: {
      style: block.style,
      softmax: block.softmax.name,
      query: separate ? describeLinear(block.query) : null,
      key: separate ? describeLinear(block.key) : null,
      value: separate ? describeLinear(block.value) : null,
      qkv: separate ? null : describeLinear(block.query),
      output: block.output === undefined ? null : describeLinear(block.output),
    },
    mlp: mlp === undefined ? null : { fc1: describeLinear(mlp.fc1), fc2: describeLinear(mlp.fc2) },
    layerNormBeforeAttention:
      beforeAttention === undefined ? null : describeLayerNorm(beforeAttention),
    layerNormBeforeMlp: beforeMlp === undefined ? null : describeLayerNorm(beforeMlp),
  };
}

/** Without a static image size, the position table says how many patches there are. */
function withPatchCountFromTokens(
  embedding: PatchEmbedding,
  tokens: TokenEmbeddings,
): PatchEmbedding {
  if (embedding.patchCount !== null || tokens.positionEmbedding === null) return embedding;
  const prefixTokens = tokens.clsToken === null ? 0 : 1;
  return { ...embedding, patchCount: tokens.positionEmbedding.tokenCount - prefixTokens };
}

/** The value every entry shares, or null when they differ or one is null. */
function uniform<T>(values: readonly (T | null)[]): T | null {
  const first = values[0];
  if (first === undefined || first === null) return null;
  return values.every((v) => v === first) ? first : null;
}
