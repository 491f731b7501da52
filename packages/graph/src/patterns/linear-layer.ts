import type { Node } from '../ir/node.js';
import type { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import {
  constantTensorOf,
  dataUses,
  isConstantValue,
  isOp,
  producerOf,
  splitConstantOperand,
  variableInputs,
} from './graph-walk.js';

/**
 * A Linear (fully connected) layer as exported: a MatMul by a constant 2-D weight (+ a bias Add),
 * or a Gemm. What the layer computes is `alpha · input × W + beta · bias`, W being the weight as
 * [inFeatures, outFeatures] (stored transposed when `transposed`).
 */
export interface LinearMatch {
  readonly node: Node;
  /** The activation the layer multiplies (A). */
  readonly input: Value;
  /**
   * The node's weight input as the node sees it: an initializer, a Constant's output, or a copy
   * of one (PyTorch's exporter ties identical initializers through Identity). A rewrite that
   * re-points this input leaves the other readers of a tied constant as they were.
   */
  readonly weight: Value;
  /** The weight's data, read through any copies; [in, out], or [out, in] when transposed. */
  readonly weightTensor: Tensor;
  /** A Gemm with transB=1: the weight is stored [out, in], as torch stores nn.Linear's. */
  readonly transposed: boolean;
  /** A Gemm's scale of the product; 1 for a MatMul. */
  readonly alpha: number;
  /** A Gemm's scale of its C; 1 for a MatMul's bias Add. */
  readonly beta: number;
  /** The Add that applies the bias after a MatMul; a Gemm applies its own bias. */
  readonly biasAdd: Node | undefined;
  /**
   * The constant of the bias Add after a MatMul, or a Gemm's C (none when beta is 0). A Gemm's C
   * may be computed at run time (a sum, not a bias): constantTensorOf tells.
   */
  readonly bias: Value | undefined;
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** The layer's result, after the bias. */
  readonly output: Value;
}

/** The Linear layer `node` is the core of, when it multiplies by a constant 2-D weight. */
export function linearMatchOf(node: Node | undefined): LinearMatch | undefined {
  if (node === undefined) return undefined;
  const match = matchLinear(node);
  return typeof match === 'string' ? undefined : match;
}

/**
 * The Linear layer `node` is the core of, or why it is not one (for a report of the nodes a pass
 * left alone). The one definition of "a MatMul or Gemm by a constant 2-D weight".
 */
export function matchLinear(node: Node): LinearMatch | string {
  if (!isOp(node, 'MatMul', 'Gemm')) return `it is a ${node.opType}, not a MatMul or Gemm`;
  const [input, weight] = node.inputs;
  if (input === undefined || weight === undefined) return 'an input is missing';
  const weightTensor = constantTensorOf(weight);
  if (weightTensor === undefined)
    return 'its weight (input B) is computed at run time, not a constant';
  if (weightTensor.dims.length !== 2)
    return `its weight has shape [${weightTensor.dims.join(',')}], not 2-D`;
  if (isConstantValue(input)) return 'its input (A) is a constant too: constant folding computes it';
  const shared = { node, input, weight, weightTensor };
  return node.opType === 'MatMul' ? matmulLinear(shared) : gemmLinear(shared);
}

/** The Linear layer whose result `value` is (its MatMul/Gemm output or its bias Add output). */
export function linearProducing(value: Value | undefined): LinearMatch | undefined {
  const producer = producerOf(value);
  const direct = linearMatchOf(producer);
  if (direct !== undefined) return direct;
  if (!isOp(producer, 'Add')) return undefined;
  for (const input of variableInputs(producer)) {
    const linear = linearMatchOf(producerOf(input));
    if (linear?.biasAdd === producer) return linear;
  }
  return undefined;
}

interface LinearCore {
  readonly node: Node;
  readonly input: Value;
  readonly weight: Value;
  readonly weightTensor: Tensor;
}

function matmulLinear(core: LinearCore): LinearMatch {
  const [inFeatures, outFeatures] = core.weightTensor.dims as [number, number];
  const product = core.node.output(0);
  const bias = product.isGraphOutput ? undefined : biasAddAfter(product, outFeatures);
  return {
    ...core,
    transposed: false,
    alpha: 1,
    beta: 1,
    biasAdd: bias?.add,
    bias: bias?.value,
    inFeatures,
    outFeatures,
    output: bias?.add.output(0) ?? product,
  };
}

/**
 * The Add of a constant [outFeatures] vector (or [1, …, 1, outFeatures]) that is the only
 * consumer of `product`: a bias, which leaves the product's shape as it is.
 */
function biasAddAfter(
  product: Value,
  outFeatures: number,
): { add: Node; value: Value } | undefined {
  const uses = dataUses(product);
  const add = uses.length === 1 ? uses[0]!.node : undefined;
  const split = isOp(add, 'Add') ? splitConstantOperand(add) : undefined;
  const dims = constantTensorOf(split?.constant)?.dims;
  const isVector =
    dims !== undefined &&
    dims.length >= 1 &&
    dims[dims.length - 1] === outFeatures &&
    dims.slice(0, -1).every((d) => d === 1);
  return add !== undefined && split !== undefined && isVector
    ? { add, value: split.constant }
    : undefined;
}

function gemmLinear(core: LinearCore): LinearMatch | string {
  const { node } = core;
  if (node.int('transA', 0) !== 0) return 'it is a Gemm with transA=1, which transposes its input';
  // Gemm computes A·B (or A·Bᵀ with transB): torch stores nn.Linear weights [out, in] and sets transB.
  const transposed = node.int('transB', 0) !== 0;
  const [rows, columns] = core.weightTensor.dims as [number, number];
  const beta = node.float('beta', 1);
  const c = node.inputs[2];
  return {
    ...core,
    transposed,
    alpha: node.float('alpha', 1),
    beta,
    biasAdd: undefined,
    bias: beta === 0 ? undefined : c,
    inFeatures: transposed ? columns : rows,
    outFeatures: transposed ? rows : columns,
    output: node.output(0),
  };
}
