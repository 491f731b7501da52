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

/**
 * Whether `node` passes its first input on unchanged as its first output, at inference: an
 * Identity, or a Dropout outside training mode. PyTorch's exporter ties identical initializers
 * (the zero biases and unit LayerNorm gains of a fresh model) by feeding all but one user through
 * an Identity. Cast, Reshape and the like are not copies: they change the data or its shape.
 */
export function isCopy(node: Node): boolean {
  if (node.domain !== '' && node.domain !== 'ai.onnx') return false;
  if (node.opType === 'Identity') return true;
  if (node.opType !== 'Dropout') return false;
  const trainingMode = node.inputs[2];
  if (trainingMode === undefined) return true;
  const flag = constantTensorOf(trainingMode);
  return flag?.elementCount === 1 && flag.toNumbers()[0] === 0;
}

/**
 * The value whose data `value` is: `value` itself, or the first value up a chain of copies
 * (see isCopy). Matchers read constants and producers through it, so a tied initializer is
 * seen as the constant it is.
 */
export function sourceOf(value: Value): Value;
export function sourceOf(value: Value | undefined): Value | undefined;
export function sourceOf(value: Value | undefined): Value | undefined {
  let current = value;
  for (;;) {
    const producer = current?.producer();
    if (producer === undefined || !isCopy(producer) || producer.outputs[0] !== current) break;
    const input = producer.inputs[0];
    if (input === undefined) break;
    current = input;
  }
  return current;
}

/** The node that computes `value`'s data, past any copies (see sourceOf). */
export function producerOf(value: Value | undefined): Node | undefined {
  return sourceOf(value)?.producer();
}

/**
 * Constant data behind a value: an initializer or a Constant node (exporters emit both), also
 * through copies of one.
 */
export function constantTensorOf(value: Value | undefined): Tensor | undefined {
  const source = sourceOf(value);
  const initializer = constantOf(source);
  if (initializer !== undefined) return initializer;
  const producer = source?.producer();
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
