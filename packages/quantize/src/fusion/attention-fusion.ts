import {
  DataType,
  Tensor,
  attr,
  findAttentionBlocks,
  type AttentionMatch,
  type Graph,
  type LinearMatch,
  type Value,
} from '@vit-opt/graph';
import { constantWeight } from '../graph/weighted-nodes.js';
import { Float32Reader } from '../weights/float32-data.js';
import {
  MICROSOFT_DOMAIN,
  commonScope,
  constantVector,
  removeUnusedNodes,
  type SkippedFusion,
} from './fusion-graph.js';

/**
 * - 'packed': com.microsoft Attention, the q/k/v projections packed into one [D, 3·W] weight;
 *   dynamic quantization turns it into QAttention (input quantized once, one integer GEMM).
 * - 'multi-head': com.microsoft MultiHeadAttention over the three projections' outputs, which
 *   stay MatMuls (and are quantized as such).
 */
export type AttentionFusionStyle = 'packed' | 'multi-head';

export interface AttentionFusionResult {
  readonly fused: string[];
  readonly skipped: SkippedFusion[];
}

/**
 * Self-attention as exported (q/k/v Linears, head split, Q·Kᵀ scaled, Softmax, ·V, head merge)
 * becomes one onnxruntime attention op whose output feeds the output projection. Only what the
 * op computes exactly is fused: separate q/k/v projections of one input, no mask or bias added to
 * the scores, a constant scale.
 */
export function fuseAttention(graph: Graph, style: AttentionFusionStyle): AttentionFusionResult {
  const result: AttentionFusionResult = { fused: [], skipped: [] };
  const reader = new Float32Reader();
  for (const match of findAttentionBlocks(graph)) {
    const problem = attentionProblem(match);
    if (problem !== undefined) {
      result.skipped.push({ node: match.softmax.name, reason: problem });
      continue;
    }
    const output = match.output!;
    const heads = match.layout!.heads;
    const scope = commonScope([match.query.node.name, match.key.node.name, match.value.node.name]);
    const attributes = [attr.int('num_heads', heads)];
    // The op scales by 1/√head_dim unless told otherwise.
    const headDim = match.width / heads;
    if (Math.abs(match.scale! * Math.sqrt(headDim) - 1) > 1e-6)
      attributes.push(attr.float('scale', match.scale!));
    const replaced = output.node.input(0);
    const fused =
      style === 'packed'
        ? graph.addNode(
            {
              opType: 'Attention',
              domain: MICROSOFT_DOMAIN,
              name: `${scope}/Attention`,
              inputs: [
                match.query.node.input(0),
                packedWeight(graph, match, reader, scope),
                packedBias(graph, match, scope),
              ],
              outputs: [`${scope}/Attention_output`],
              attributes,
            },
            { before: output.node },
          )
        : graph.addNode(
            {
              opType: 'MultiHeadAttention',
              domain: MICROSOFT_DOMAIN,
              name: `${scope}/MultiHeadAttention`,
              inputs: [match.query.output, match.key.output, match.value.output],
              outputs: [`${scope}/MultiHeadAttention_output`],
              attributes,
            },
            { before: output.node },
          );
    output.node.setInput(0, fused.output(0));
    removeUnusedNodes(chainBetween(replaced, match));
    result.fused.push(fused.name);
  }
  return result;
}

function attentionProblem(match: AttentionMatch): string | undefined {
  if (match.style !== 'separate_qkv')
    return 'its q/k/v come from one packed in-projection (torchvision style), which is not fused';
  if (match.addsToScores) return 'a mask or bias is added to the attention scores';
  if (match.layout === undefined) return 'its head count could not be determined';
  if (match.scale === undefined) return 'its scores are scaled by a computed factor';
  if (match.output === undefined) return 'no output projection follows it';
  const projections = [match.query, match.key, match.value];
  if (projections.some((p) => p.node.opType !== 'MatMul'))
    return 'a q/k/v projection is a Gemm, not a MatMul';
  const input = match.query.node.inputs[0];
  if (projections.some((p) => p.node.inputs[0] !== input))
    return 'its q, k and v are projections of different inputs (cross-attention)';
  if (projections.some((p) => p.outFeatures !== match.width))
    return 'its q, k and v projections differ in width';
  if (projections.some((p) => p.bias !== undefined && constantVector(p.bias) === undefined))
    return 'a q/k/v bias is not a constant vector';
  return undefined;
}

/** [Wq | Wk | Wv], each [D, W], as one [D, 3W] weight: the column order Attention reads. */
function packedWeight(
  graph: Graph,
  match: AttentionMatch,
  reader: Float32Reader,
  scope: string,
): Value {
  const { inFeatures, outFeatures: width } = match.query;
  const packed = new Float32Array(inFeatures * 3 * width);
  [match.query, match.key, match.value].forEach((projection, part) => {
    const data = reader.read(constantWeight(projection.weight)!);
    for (let row = 0; row < inFeatures; row++) {
      packed.set(data.subarray(row * width, (row + 1) * width), row * 3 * width + part * width);
    }
  });
  return graph.addInitializer(
    Tensor.fromArray({ dtype: DataType.FLOAT, dims: [inFeatures, 3 * width] }, packed),
    `${scope}/qkv_weight`,
  );
}

/** [bq | bk | bv]; a projection without a bias contributes zeros. */
function packedBias(graph: Graph, match: AttentionMatch, scope: string): Value {
  const width = match.width;
  const packed = new Float32Array(3 * width);
  [match.query, match.key, match.value].forEach((projection: LinearMatch, part) => {
    const bias = constantVector(projection.bias);
    if (bias !== undefined) packed.set(bias, part * width);
  });
  return graph.addInitializer(
    Tensor.fromArray({ dtype: DataType.FLOAT, dims: [3 * width] }, packed),
    `${scope}/qkv_bias`,
  );
}

/**
 * The nodes the fused op replaces, from the q/k/v projections to the head merge, in graph order:
 * every producer reachable backwards from the merged value that is not upstream of the block's
 * input.
 */
function chainBetween(merged: Value, match: AttentionMatch) {
  const input = match.query.node.inputs[0];
  const seen = new Set<NonNullable<ReturnType<Value['producer']>>>();
  const stack: (Value | undefined)[] = [merged];
  while (stack.length > 0) {
    const value = stack.pop();
    const node = value?.producer();
    if (value === undefined || value === input || node === undefined || seen.has(node)) continue;
    seen.add(node);
    stack.push(...node.inputs);
  }
  const order = new Map(match.softmax.graph.nodes.map((n, i) => [n, i]));
  return [...seen].sort((a, b) => order.get(a)! - order.get(b)!);
}
