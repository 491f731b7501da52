import type { Node } from '../ir/node.js';
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

/** A Linear (fully connected) layer as exported: MatMul with a constant weight + bias Add, or Gemm. */
export interface LinearMatch {
  readonly node: Node;
  /** The Add that applies the bias after a MatMul; a Gemm applies its own bias. */
  readonly biasAdd: Node | undefined;
  readonly weight: Value;
  readonly bias: Value | undefined;
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** The layer's result, after the bias. */
  readonly output: Value;
}

/** The Linear layer `node` is the core of, when it multiplies by a constant 2-D weight. */
export function linearMatchOf(node: Node | undefined): LinearMatch | undefined {
  if (isOp(node, 'MatMul')) return matmulLinear(node);
  if (isOp(node, 'Gemm')) return gemmLinear(node);
  return undefined;
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

function matmulLinear(node: Node): LinearMatch | undefined {
  const [input, weight] = node.inputs;
  const dims = constantTensorOf(weight)?.dims;
  if (input === undefined || weight === undefined || dims?.length !== 2 || isConstantValue(input))
    return undefined;
  const [inFeatures, outFeatures] = dims as [number, number];
  const product = node.output(0);
  const bias = product.isGraphOutput ? undefined : biasAddAfter(product, outFeatures);
  return {
    node,
    biasAdd: bias?.add,
    weight,
    bias: bias?.value,
    inFeatures,
    outFeatures,
    output: bias?.add.output(0) ?? product,
  };
}

/** The Add of an `outFeatures`-element constant that is the only consumer of `product`. */
function biasAddAfter(
  product: Value,
  outFeatures: number,
): { add: Node; value: Value } | undefined {
  const uses = dataUses(product);
  const add = uses.length === 1 ? uses[0]!.node : undefined;
  const split = isOp(add, 'Add') ? splitConstantOperand(add) : undefined;
  const elementCount = constantTensorOf(split?.constant)?.elementCount;
  return add !== undefined && split !== undefined && elementCount === outFeatures
    ? { add, value: split.constant }
    : undefined;
}

function gemmLinear(node: Node): LinearMatch | undefined {
  const weight = node.inputs[1];
  const dims = constantTensorOf(weight)?.dims;
  if (weight === undefined || dims?.length !== 2 || isConstantValue(node.inputs[0]))
    return undefined;
  // Gemm computes A·B (or A·Bᵀ with transB): torch stores nn.Linear weights [out, in] and sets transB.
  const transposed = node.int('transB', 0) === 1;
  const [rows, columns] = dims as [number, number];
  const bias = node.inputs[2];
  return {
    node,
    biasAdd: undefined,
    weight,
    bias: bias !== undefined && constantTensorOf(bias) !== undefined ? bias : undefined,
    inFeatures: transposed ? columns : rows,
    outFeatures: transposed ? rows : columns,
    output: node.output(0),
  };
}
