import {
  constantTensorOf,
  DataType,
  dataTypeName,
  Tensor,
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
 * A MatMul, or a Gemm that is one, whose B is a constant float32 2-D weight: `A[…, K] × W[K, N]`.
 * For a Gemm, `transposed` says W is stored [N, K] (transB=1), `alpha` scales it and `bias` is C
 * (times beta), added after.
 */
export interface WeightedMatMul {
  readonly kind: 'matmul';
  readonly node: Node;
  readonly activation: Value;
  /**
   * The node's weight input: an initializer, a Constant output, or an Identity copy of one (as
   * PyTorch's exporter ties identical initializers); `weight` is the data, read through the copy.
   * A rewrite re-points only this input, so other readers of a tied initializer keep it.
   */
  readonly weightValue: Value;
  readonly weight: Tensor;
  readonly k: number;
  readonly n: number;
  readonly transposed: boolean;
  readonly alpha: number;
  readonly bias: { readonly value: Value; readonly beta: number } | undefined;
}

/** A Conv with a constant float32 weight [M, C/group, k…] and a constant bias, if any. */
export interface WeightedConv {
  readonly kind: 'conv';
  readonly node: Node;
  readonly activation: Value;
  /** The node's weight input, possibly a copy of a constant (as in WeightedMatMul). */
  readonly weightValue: Value;
  readonly weight: Tensor;
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
    const match = node.opType === 'Conv' ? matchConv(node) : matchMatMul(node);
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
export interface WeightedAttention {
  readonly node: Node;
  readonly activation: Value;
  /** The node's weight input, possibly a copy of a constant (as in WeightedMatMul). */
  readonly weightValue: Value;
  readonly weight: Tensor;
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
  const activation = node.inputs[0];
  const weightValue = node.inputs[1];
  if (activation === undefined || weightValue === undefined) return 'an input is missing';
  const weight = constantTensorOf(weightValue);
  if (weight === undefined) return 'its weight (input B) is computed at run time, not a constant';
  const problem = weightProblem(weight, 2) ?? activationProblem(activation);
  if (problem !== undefined) return problem;
  if (node.opType === 'MatMul') {
    const [k, n] = weight.dims as [number, number];
    return {
      kind: 'matmul',
      node,
      activation,
      weightValue,
      weight,
      k,
      n,
      transposed: false,
      alpha: 1,
      bias: undefined,
    };
  }
  if (node.int('transA', 0) !== 0) return 'Gemm with transA=1 is not rewritten';
  const transposed = node.int('transB', 0) !== 0;
  const [rows, columns] = weight.dims as [number, number];
  const c = node.inputs[2];
  const beta = node.float('beta', 1);
  if (c !== undefined && beta !== 1 && constantTensorOf(c) === undefined) {
    return 'its C input is computed at run time and beta ≠ 1';
  }
  return {
    kind: 'matmul',
    node,
    activation,
    weightValue,
    weight,
    k: transposed ? columns : rows,
    n: transposed ? rows : columns,
    transposed,
    alpha: node.float('alpha', 1),
    bias: c === undefined || beta === 0 ? undefined : { value: c, beta },
  };
}

function matchConv(node: Node): WeightedConv | string {
  const activation = node.inputs[0];
  const weightValue = node.inputs[1];
  if (activation === undefined || weightValue === undefined) return 'an input is missing';
  const weight = constantTensorOf(weightValue);
  if (weight === undefined) return 'its weight is computed at run time, not a constant';
  const problem = weightProblem(weight, undefined) ?? activationProblem(activation);
  if (problem !== undefined) return problem;
  const biasValue = node.inputs[2];
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
  if (!match.transposed && match.alpha === 1) return data;
  const { k, n, alpha } = match;
  const out = new Float32Array(k * n);
  if (!match.transposed) {
    for (let i = 0; i < out.length; i++) out[i] = data[i]! * alpha;
    return out;
  }
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < k; col++) out[col * n + row] = data[row * k + col]! * alpha;
  }
  return out;
}
