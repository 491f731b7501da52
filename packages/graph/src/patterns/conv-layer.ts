import type { Node } from '../ir/node.js';
import type { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { constantTensorOf, isConstantValue, isOp } from './graph-walk.js';

/** A Conv by a constant weight [M, C/group, k…], with a constant bias [M] if it has one. */
export interface ConvMatch {
  readonly node: Node;
  /** The image or feature map it convolves (X). */
  readonly input: Value;
  /** The node's weight input as the node sees it, possibly a copy of a constant (see LinearMatch). */
  readonly weight: Value;
  /** The weight's data, read through any copies. */
  readonly weightTensor: Tensor;
  readonly bias: Value | undefined;
}

/** The Conv `node` is, when its weight and bias are constants. */
export function convMatchOf(node: Node | undefined): ConvMatch | undefined {
  if (node === undefined) return undefined;
  const match = matchConv(node);
  return typeof match === 'string' ? undefined : match;
}

/** The Conv `node` is, or why it is not one by constant weights (see matchLinear). */
export function matchConv(node: Node): ConvMatch | string {
  if (!isOp(node, 'Conv')) return `it is a ${node.opType}, not a Conv`;
  const [input, weight, bias] = node.inputs;
  if (input === undefined || weight === undefined) return 'an input is missing';
  const weightTensor = constantTensorOf(weight);
  if (weightTensor === undefined) return 'its weight is computed at run time, not a constant';
  if (weightTensor.dims.length < 3)
    return `its weight has shape [${weightTensor.dims.join(',')}], not [M, C/group, k…]`;
  if (isConstantValue(input)) return 'its input (X) is a constant too: constant folding computes it';
  if (bias !== undefined && !isConstantValue(bias))
    return 'its bias is computed at run time, not a constant';
  return { node, input, weight, weightTensor, bias };
}
