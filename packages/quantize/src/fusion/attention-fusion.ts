import {
  constantTensorOf,
  DataType,
  Tensor,
  attr,
  findAttentionBlocks,
  producerOf,
  sourceOf,
  type AttentionMatch,
  type Graph,
  type LinearMatch,
  type Node,
  type Value,
} from '@vit-opt/graph';
import { Float32Reader } from '../weights/float32-data.js';
import {
  MICROSOFT_DOMAIN,
  commonScope,
  constantVector,
  takeOver,
  type SkippedFusion,
} from './fusion-graph.js';

/**
 * - 'packed': com.microsoft Attention, the q/k/v projections packed into one [D, 3·W] weight;
 *   dynamic quantization turns it into QAttention (input quantized once, one integer GEMM).
 * - 'multi-head': com.microsoft MultiHeadAttention over the three projections' outputs, which
 *   stay MatMuls (and are quantized as such). Only for separate q/k/v projections.
 */
export type AttentionFusionStyle = 'packed' | 'multi-head';

export interface AttentionFusionResult {
  readonly fused: string[];
  readonly skipped: SkippedFusion[];
}

/**
 * Where a fused attention op reads and writes, and the projections around it:
 * - separate q/k/v (Hugging Face): the op reads the projections' common input and its output
 *   replaces the merged heads that feed the output projection, which stays as it is;
 * - one packed in-projection (torchvision's nn.MultiheadAttention): the block runs sequence-first
 *   between Transpose(1, 0, 2)s, so the op reads the batch-first input before the first one, and
 *   the output projection, made a MatMul over the op's batch-first output, replaces the value
 *   after the last one.
 */
interface AttentionSite {
  readonly input: Value;
  /** The value the fused op (with the output projection, when `outputProjection`) computes. */
  readonly replaced: Value;
  /** Set when the output projection must be rebuilt after the op. */
  readonly outputProjection: LinearMatch | undefined;
}

/**
 * Self-attention as exported (q/k/v Linears, head split, Q·Kᵀ scaled, Softmax, ·V, head merge)
 * becomes one onnxruntime attention op. Only what the op computes exactly is fused: q, k and v
 * projected from one input, no mask or bias added to the scores, a constant scale.
 */
export function fuseAttention(graph: Graph, style: AttentionFusionStyle): AttentionFusionResult {
  const result: AttentionFusionResult = { fused: [], skipped: [] };
  const reader = new Float32Reader();
  for (const match of findAttentionBlocks(graph)) {
    const site = attentionProblem(match, style) ?? siteOf(match);
    if (typeof site === 'string') {
      result.skipped.push({ node: match.softmax.name, reason: site });
      continue;
    }
    const heads = match.layout!.heads;
    const scope = commonScope([match.query.node.name, match.key.node.name, match.value.node.name]);
    const attributes = [attr.int('num_heads', heads)];
    // The op scales by 1/√head_dim unless told otherwise.
    const headDim = match.width / heads;
    if (Math.abs(match.scale! * Math.sqrt(headDim) - 1) > 1e-6)
      attributes.push(attr.float('scale', match.scale!));
    const before = match.output!.node;
    const fused =
      style === 'packed'
        ? graph.addNode(
            {
              opType: 'Attention',
              domain: MICROSOFT_DOMAIN,
              name: `${scope}/Attention`,
              inputs: [
                site.input,
                packedWeight(graph, match, reader, scope),
                packedBias(graph, match, scope),
              ],
              outputs: [`${scope}/Attention_output`],
              attributes,
            },
            { before },
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
            { before },
          );
    const computed =
      site.outputProjection === undefined
        ? fused.output(0)
        : linearAfter(graph, fused.output(0), site.outputProjection, reader, before);
    takeOver(site.replaced, computed, chainBetween(site.replaced, site.input));
    result.fused.push(fused.name);
  }
  return result;
}

function attentionProblem(match: AttentionMatch, style: AttentionFusionStyle): string | undefined {
  if (match.addsToScores) return 'a mask or bias is added to the attention scores';
  if (match.layout === undefined) return 'its head count could not be determined';
  if (match.scale === undefined) return 'its scores are scaled by a computed factor';
  if (match.output === undefined) return 'no output projection follows it';
  const projections = [match.query, match.key, match.value];
  if (projections.some((p) => p.node.opType !== 'MatMul'))
    return 'a q/k/v projection is a Gemm, not a MatMul';
  if (projections.some((p) => p.bias !== undefined && constantVector(p.bias) === undefined))
    return 'a q/k/v bias is not a constant vector';
  if (match.style === 'fused_qkv') {
    if (style === 'multi-head')
      return 'MultiHeadAttention fusion takes separate q/k/v projections; this block packs them (use packed)';
    return match.query.outFeatures === 3 * match.width
      ? undefined
      : 'its packed in-projection is not three equal parts';
  }
  const input = sourceOf(match.query.input);
  if (projections.some((p) => sourceOf(p.input) !== input))
    return 'its q, k and v are projections of different inputs (cross-attention)';
  if (projections.some((p) => p.outFeatures !== match.width))
    return 'its q, k and v projections differ in width';
  return undefined;
}

function siteOf(match: AttentionMatch): AttentionSite | string {
  const output = match.output!;
  if (match.style === 'separate_qkv') {
    return {
      input: match.query.node.input(0),
      replaced: output.node.input(0),
      outputProjection: undefined,
    };
  }
  // Sequence-first: Transpose(1,0,2) → in-projection … out-projection → Reshape → Transpose(1,0,2).
  const transposeIn = producerOf(match.query.node.inputs[0]);
  if (!isBatchSwap(transposeIn))
    return 'its packed in-projection does not read a Transpose(1, 0, 2) of the block input';
  const reshape = soleDataUser(output.output, 'Reshape');
  const transposeOut =
    reshape === undefined ? undefined : soleDataUser(reshape.output(0), 'Transpose');
  if (!isBatchSwap(transposeOut))
    return 'its output projection is not followed by Reshape and Transpose(1, 0, 2)';
  // Rebuilt after the op, it adds its bias as a [E] vector to a batch-first product.
  if (output.bias !== undefined && biasVector(output) === undefined)
    return 'its output projection’s bias (a Gemm’s C) is not a constant vector';
  return {
    input: transposeIn.input(0),
    replaced: transposeOut.output(0),
    outputProjection: output,
  };
}

function isBatchSwap(node: Node | undefined): node is Node {
  const perm = node?.opType === 'Transpose' ? node.ints('perm') : undefined;
  return perm !== undefined && perm.join(',') === '1,0,2';
}

/** The one node of `opType` reading `value`, shape queries aside. */
function soleDataUser(value: Value, opType: string): Node | undefined {
  if (value.isGraphOutput) return undefined;
  const users = value
    .uses()
    .map((use) => use.node)
    .filter((n) => n.opType !== 'Shape');
  return users.length === 1 && users[0]!.opType === opType ? users[0] : undefined;
}

/**
 * The output projection over the op's batch-first output: MatMul by the weight as [W, E] (a
 * torch Linear's Gemm stores it [E, W], transB=1) times alpha, then the bias times beta, as any
 * exported Linear.
 */
function linearAfter(
  graph: Graph,
  input: Value,
  linear: LinearMatch,
  reader: Float32Reader,
  before: Node,
): Value {
  const { inFeatures, outFeatures, transposed, alpha, beta } = linear;
  const stored = reader.read(linear.weightTensor);
  const weight = new Float32Array(inFeatures * outFeatures);
  for (let row = 0; row < inFeatures; row++)
    for (let col = 0; col < outFeatures; col++)
      weight[row * outFeatures + col] =
        alpha * stored[transposed ? col * inFeatures + row : row * outFeatures + col]!;
  const name = linear.node.name;
  const weightValue = graph.addInitializer(
    Tensor.fromArray({ dtype: DataType.FLOAT, dims: [inFeatures, outFeatures] }, weight),
    `${linear.weight.name}_batch_first`,
  );
  const product = graph
    .addNode(
      { opType: 'MatMul', name: `${name}_batch_first`, inputs: [input, weightValue] },
      { before },
    )
    .output(0);
  if (linear.bias === undefined) return product;
  // siteOf admits only a constant vector.
  const bias = biasVector(linear)!;
  const biasValue =
    beta === 1
      ? linear.bias
      : graph.addInitializer(
          Tensor.fromArray(
            { dtype: DataType.FLOAT, dims: bias.dims },
            bias.float32().map((v) => v * beta),
          ),
          `${linear.bias.name}_beta`,
        );
  return graph
    .addNode(
      { opType: 'Add', name: `${name}_batch_first_bias`, inputs: [product, biasValue] },
      { before },
    )
    .output(0);
}

/** The layer's bias when it is a constant float32 [E] (or [1, …, 1, E]): what adds to any product. */
function biasVector(linear: LinearMatch): Tensor | undefined {
  const bias = constantTensorOf(linear.bias);
  const dims = bias?.dims ?? [];
  const isVector = dims.at(-1) === linear.outFeatures && dims.slice(0, -1).every((d) => d === 1);
  return bias?.dtype === DataType.FLOAT && isVector ? bias : undefined;
}

/** [Wq | Wk | Wv], each [D, W], as one [D, 3W] weight: the column order Attention reads. */
function packedWeight(
  graph: Graph,
  match: AttentionMatch,
  reader: Float32Reader,
  scope: string,
): Value {
  const { inFeatures } = match.query;
  const width = match.width;
  const dims = [inFeatures, 3 * width];
  // torchvision's in-projection is already [Wq | Wk | Wv] (PyTorch packs q, k, v in that order).
  if (match.style === 'fused_qkv') return match.query.weight;
  const packed = new Float32Array(inFeatures * 3 * width);
  [match.query, match.key, match.value].forEach((projection, part) => {
    const data = reader.read(projection.weightTensor);
    for (let row = 0; row < inFeatures; row++) {
      packed.set(data.subarray(row * width, (row + 1) * width), row * 3 * width + part * width);
    }
  });
  return graph.addInitializer(
    Tensor.fromArray({ dtype: DataType.FLOAT, dims }, packed),
    `${scope}/qkv_weight`,
  );
}

/** [bq | bk | bv]; a projection without a bias contributes zeros. */
function packedBias(graph: Graph, match: AttentionMatch, scope: string): Value {
  const width = match.width;
  if (match.style === 'fused_qkv' && constantVector(match.query.bias) !== undefined)
    return match.query.bias!;
  const packed = new Float32Array(3 * width);
  if (match.style === 'separate_qkv') {
    [match.query, match.key, match.value].forEach((projection: LinearMatch, part) => {
      const bias = constantVector(projection.bias);
      if (bias !== undefined) packed.set(bias, part * width);
    });
  }
  return graph.addInitializer(
    Tensor.fromArray({ dtype: DataType.FLOAT, dims: [3 * width] }, packed),
    `${scope}/qkv_bias`,
  );
}

/**
 * The nodes the fused op replaces, in graph order: every producer reachable backwards from the
 * replaced value that is not upstream of the block's input.
 */
function chainBetween(replaced: Value, input: Value): Node[] {
  const seen = new Set<Node>();
  const stack: (Value | undefined)[] = [replaced];
  while (stack.length > 0) {
    const value = stack.pop();
    const node = value?.producer();
    if (value === undefined || value === input || node === undefined || seen.has(node)) continue;
    seen.add(node);
    stack.push(...node.inputs);
  }
  const order = new Map(input.graph.nodes.map((n, i) => [n, i]));
  return [...seen].sort((a, b) => order.get(a)! - order.get(b)!);
}
