import { DataType } from '../ir/dtype.js';
import type { Node } from '../ir/node.js';
import type { Tensor } from '../ir/tensor.js';
import type { Use, Value } from '../ir/value.js';
import { constantNodeTensor } from '../passes/constant-to-initializer.js';
import { constantOf } from '../passes/constants.js';

// Matching goes by op type alone: exporters put the same ops in ai.onnx or com.microsoft
// (LayerNormalization, Gelu), and no exporter reuses these names for something else.

declare const opChecked: unique symbol;
/**
 * A node that passed isOp. The brand matters: with a plain `node is Node`, TypeScript would
 * conclude after a failed check that the node is no Node at all, and break `else if` chains.
 */
export type CheckedNode = Node & { readonly [opChecked]: true };

export function isOp(node: Node | undefined, ...opTypes: string[]): node is CheckedNode {
  return node !== undefined && opTypes.includes(node.opType);
}

/** Constant data behind a value: an initializer or a Constant node (exporters emit both). */
export function constantTensorOf(value: Value | undefined): Tensor | undefined {
  const initializer = constantOf(value);
  if (initializer !== undefined) return initializer;
  const producer = value?.producer();
  return isOp(producer, 'Constant') ? constantNodeTensor(producer) : undefined;
}

export function isConstantValue(value: Value | undefined): boolean {
  return constantTensorOf(value) !== undefined;
}

/** Element types whose typed-array elements are the numbers themselves (not bit patterns). */
const PLAIN_NUMBER_TYPES: ReadonlySet<DataType> = new Set([
  DataType.FLOAT,
  DataType.DOUBLE,
  DataType.INT8,
  DataType.UINT8,
  DataType.INT16,
  DataType.UINT16,
  DataType.INT32,
  DataType.UINT32,
  DataType.INT64,
  DataType.UINT64,
]);

/** Shape pieces and scales are a handful of elements; larger constants are weights, never read. */
const MAX_SMALL_CONSTANT_ELEMENTS = 16;

/** A small numeric constant (a shape, axes, a scale) as numbers; undefined for anything else. */
export function smallConstantNumbers(value: Value | undefined): number[] | undefined {
  const tensor = constantTensorOf(value);
  if (tensor === undefined || !PLAIN_NUMBER_TYPES.has(tensor.dtype)) return undefined;
  if (tensor.isExternal || tensor.elementCount > MAX_SMALL_CONSTANT_ELEMENTS) return undefined;
  return tensor.toNumbers();
}

/** The only element of a scalar-like constant (shape [] or [1]). */
export function scalarConstant(value: Value | undefined): number | undefined {
  const numbers = smallConstantNumbers(value);
  return numbers?.length === 1 ? numbers[0] : undefined;
}

/** Inputs that are computed at run time (not constants). */
export function variableInputs(node: Node): Value[] {
  return node.inputs.filter((v): v is Value => v !== undefined && !isConstantValue(v));
}

/** For a binary op with one constant operand: the other operand and the constant. */
export function splitConstantOperand(node: Node): { variable: Value; constant: Value } | undefined {
  const [a, b] = node.inputs;
  if (a === undefined || b === undefined || node.inputs.length !== 2) return undefined;
  if (isConstantValue(b) && !isConstantValue(a)) return { variable: a, constant: b };
  if (isConstantValue(a) && !isConstantValue(b)) return { variable: b, constant: a };
  return undefined;
}

/** Consumers that read a value's data; Shape and Size only read its dimensions. */
export function dataUses(value: Value): Use[] {
  return value.uses().filter((use) => !isOp(use.node, 'Shape', 'Size'));
}

/** A node's position in its graph's (topologically ordered) node list. */
export function graphOrder(nodes: readonly Node[]): Map<Node, number> {
  return new Map(nodes.map((node, index) => [node, index]));
}
