import {
  constantTensorOf,
  DataType,
  dataTypeName,
  matchConv,
  matchLinear,
  Tensor,
  type LinearMatch,
  type Model,
  type Node,
  type Value,
} from '@vit-opt/graph';
import type { NodeSelection } from '../options/mode-options.js';
import { Float32Reader } from '../weights/float32-data.js';

/** A node a mode leaves as it was, and why. */
export interface SkippedNode {
  readonly name: string;
  readonly opType: string;
  readonly reason: string;
}

/**
 * What every node whose weight a mode quantizes has: the node, the activation it reads, its weight
 * input and that weight's data.
 */
export interface WeightedNodeBase {
  readonly node: Node;
  readonly activation: Value;
  /**
   * The node's weight input: an initializer, a Constant output, or an Identity copy of one (as
   * PyTorch's exporter ties identical initializers); `weight` is the data, read through the copy.
   * A rewrite re-points only this input, so other readers of a tied initializer keep it.
   */
  readonly weightValue: Value;
  readonly weight: Tensor;
}

/**
 * A MatMul or Gemm with a constant float32 2-D weight (graph's Linear layer, whose `linear` says
 * how the node reads it: transB, alpha, beta, C or the bias Add), read as `A[…, K] × W[K, N]`.
 */
export interface WeightedMatMul extends WeightedNodeBase {
  readonly kind: 'matmul';
  readonly linear: LinearMatch;
  /** The layer's in and out features (linear.inFeatures, linear.outFeatures). */
  readonly k: number;
  readonly n: number;
}

/** A Conv with a constant float32 weight [M, C/group, k…] and a constant float32 bias, if any. */
export interface WeightedConv extends WeightedNodeBase {
  readonly kind: 'conv';
  readonly biasValue: Value | undefined;
  /** The bias as [M, 1, …], to add to the NCHW output. */
  readonly bias: Tensor | undefined;
}

export type WeightedNode = WeightedMatMul | WeightedConv;

export interface WeightedNodeSearch {
  readonly found: WeightedNode[];
  readonly skipped: SkippedNode[];
}

/**
 * The nodes of the main graph, of the selected op types, whose weight a mode can rewrite; every
 * other node of those op types is listed with the reason it is left alone.
 */
export function findWeightedNodes(model: Model, selection: NodeSelection): WeightedNodeSearch {
  const found: WeightedNode[] = [];
  const skipped: SkippedNode[] = [];
  for (const node of model.graph.nodes) {
    if (node.domain !== '' || !selection.opTypes.includes(node.opType)) continue;
    const skip = (reason: string): void => {
      skipped.push({ name: node.name, opType: node.opType, reason });
    };
    const deselected = deselectionReason(node, selection);
    if (deselected !== undefined) {
      skip(deselected);
      continue;
    }
    const match = node.opType === 'Conv' ? matchConvolution(node) : matchMatMul(node);
    if (typeof match === 'string') {
      skip(match);
      continue;
    }
    if (match.weight.elementCount < selection.minimumWeightElements) {
      skip(
        `its weight has ${match.weight.elementCount} elements, fewer than minimumWeightElements ${selection.minimumWeightElements}`,
      );
      continue;
    }
    found.push(match);
  }
  return { found, skipped };
}

/** Why the include/exclude patterns leave `node` out, or undefined when they select it. */
export function deselectionReason(node: Node, selection: NodeSelection): string | undefined {
  const excludedBy = selection.excludeNodes.find((pattern) => pattern.test(node.name));
  if (excludedBy !== undefined) return `excluded by excludeNodes ${String(excludedBy)}`;
  if (
    selection.includeNodes.length > 0 &&
    !selection.includeNodes.some((pattern) => pattern.test(node.name))
  )
    return 'matches no includeNodes pattern';
  return undefined;
}

/**
 * A com.microsoft Attention (made by fuseTransformer) with a constant packed q/k/v weight
 * [D, 3·W] and bias [3·W], and no mask or past state: what QAttention computes.
 */
export interface WeightedAttention extends WeightedNodeBase {
  readonly bias: Value;
}

/** The fused Attention nodes a dynamic quantization can turn into QAttention, and those it cannot. */
export function findAttentionNodes(
  model: Model,
  selection: NodeSelection,
): { found: WeightedAttention[]; skipped: SkippedNode[] } {
  const found: WeightedAttention[] = [];
  const skipped: SkippedNode[] = [];
  if (!selection.opTypes.includes('Attention')) return { found, skipped };
  for (const node of model.graph.nodes) {
    if (node.domain !== 'com.microsoft' || node.opType !== 'Attention') continue;
    const reason = deselectionReason(node, selection) ?? matchAttention(node);
    if (typeof reason === 'string') {
      skipped.push({ name: node.name, opType: node.opType, reason });
      continue;
    }
    found.push(reason);
  }
  return { found, skipped };
}

/** Either the match, or why the node does not qualify. */
function matchAttention(node: Node): WeightedAttention | string {
  const [activation, weightValue, bias] = node.inputs;
  if (activation === undefined || weightValue === undefined || bias === undefined)
    return 'an input is missing';
  if (node.inputs.length > 3) return 'it has a mask, past state or attention bias';
  if (node.attribute('qkv_hidden_sizes') !== undefined)
    return 'its q, k and v differ in width (qkv_hidden_sizes), which QAttention does not take';
  const weight = constantTensorOf(weightValue);
  if (weight === undefined) return 'its weight is computed at run time, not a constant';
  return (
    weightProblem(weight, 2) ??
    activationProblem(activation) ?? { node, activation, weightValue, weight, bias }
  );
}

/** What a search looked for, for the "nothing to quantize" message. */
export function describeSelection(selection: NodeSelection): string {
  const parts = [`op types ${selection.opTypes.join(', ')} with a constant float32 weight`];
  if (selection.includeNodes.length > 0)
    parts.push(`includeNodes ${selection.includeNodes.map(String).join(' ')}`);
  if (selection.excludeNodes.length > 0)
    parts.push(`excludeNodes ${selection.excludeNodes.map(String).join(' ')}`);
  if (selection.minimumWeightElements > 0)
    parts.push(`minimumWeightElements ${selection.minimumWeightElements}`);
  return parts.join('; ');
}

/** Either the match, or why the node does not qualify. */
function matchMatMul(node: Node): WeightedMatMul | string {
  const linear = matchLinear(node);
  if (typeof linear === 'string') return linear;
  const problem = weightProblem(linear.weightTensor, undefined) ?? activationProblem(linear.input);
  if (problem !== undefined) return problem;
  const c = gemmAddend(linear);
  // addGemmBias scales a constant C by beta; a C computed at run time it can only add.
  if (c !== undefined && linear.beta !== 1 && constantTensorOf(c) === undefined)
    return 'its C input is computed at run time and beta ≠ 1';
  return {
    kind: 'matmul',
    linear,
    node,
    activation: linear.input,
    weightValue: linear.weight,
    weight: linear.weightTensor,
    k: linear.inFeatures,
    n: linear.outFeatures,
  };
}

/**
 * A Gemm's C (to add times beta), which a rewrite replacing the Gemm must add itself; a MatMul's
 * bias Add stays in the graph, so a MatMul has none.
 */
export function gemmAddend(linear: LinearMatch): Value | undefined {
  return linear.biasAdd === undefined ? linear.bias : undefined;
}

function matchConvolution(node: Node): WeightedConv | string {
  const conv = matchConv(node);
  if (typeof conv === 'string') return conv;
  const { input: activation, weight: weightValue, weightTensor: weight, bias: biasValue } = conv;
  const problem = weightProblem(weight, undefined) ?? activationProblem(activation);
  if (problem !== undefined) return problem;
  if (biasValue === undefined)
    return { kind: 'conv', node, activation, weightValue, weight, biasValue, bias: undefined };
  const biasData = constantTensorOf(biasValue);
  if (biasData?.dtype !== DataType.FLOAT) return 'its bias is not a constant float32 vector';
  const channelDims = [weight.dims[0]!, ...Array<number>(weight.dims.length - 2).fill(1)];
  const bias = Tensor.fromBytes({ dtype: DataType.FLOAT, dims: channelDims }, biasData.bytes());
  return { kind: 'conv', node, activation, weightValue, weight, biasValue, bias };
}

function weightProblem(weight: Tensor, rank: number | undefined): string | undefined {
  if (weight.dtype !== DataType.FLOAT)
    return `its weight is ${dataTypeName(weight.dtype)}, not float32`;
  if (rank !== undefined && weight.dims.length !== rank) {
    return `its weight has shape [${weight.dims.join(',')}], not ${rank}-D`;
  }
  if (weight.elementCount === 0) return 'its weight is empty';
  return undefined;
}

function activationProblem(activation: Value): string | undefined {
  const type = activation.tensorType?.elemType;
  if (type !== undefined && type !== DataType.FLOAT)
    return `its input is ${dataTypeName(type)}, not float32`;
  return undefined;
}

/**
 * The weight as MatMul's B: row-major [K, N] with Gemm's alpha folded in. Read through `reader`
 * when nothing needs changing (valid until the reader's next read: pass one reader for a run over
 * many weights so they share its scratch memory); a new array otherwise.
 */
export function matMulWeightData(
  match: WeightedMatMul,
  reader: Float32Reader = new Float32Reader(),
): Float32Array {
  const data = reader.read(match.weight);
  const { transposed, alpha } = match.linear;
  if (!transposed && alpha === 1) return data;
  const { k, n } = match;
  const out = new Float32Array(k * n);
  if (!transposed) {
    for (let i = 0; i < out.length; i++) out[i] = data[i]! * alpha;
    return out;
  }
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < k; col++) out[col * n + row] = data[row * k + col]! * alpha;
  }
  return out;
}
