import { constantTensorOf, DataType, type Model, type Node, type Value } from '@vit-opt/graph';
import { type SkippedNode, type WeightedConv } from '../graph/weighted-nodes.js';
import { canBeMatMul, type LinearUnit } from './linear-units.js';
import type { StaticLayoutSettings } from './static-options.js';

/** A scaling of an activation MatMul's output folded into its first input's scale. */
export interface FoldedScale {
  /** The Div or Mul that disappears. */
  readonly node: Node;
  /** What the first input's scale is multiplied by. */
  readonly factor: number;
}

/**
 * MatMuls whose two inputs are both computed at run time (attention Q·Kᵀ and P·V), selected by
 * the same node patterns as the weighted nodes; none when 'MatMul' is not among the op types.
 * findWeightedNodes listed them as skipped for lacking a constant weight: they leave that list.
 */
export function findActivationMatMuls(
  model: Model,
  settings: StaticLayoutSettings,
  weighted: ReadonlySet<Node>,
  skipped: SkippedNode[],
): Node[] {
  if (!settings.opTypes.includes('MatMul')) return [];
  const found: Node[] = [];
  for (const node of model.graph.nodes) {
    if (node.opType !== 'MatMul' || node.domain !== '' || weighted.has(node)) continue;
    const [a, b] = node.inputs;
    if (a === undefined || b === undefined || constantTensorOf(a) !== undefined || constantTensorOf(b) !== undefined) continue;
    if (!isFloat(a) || !isFloat(b)) continue;
    const excluded = settings.excludeNodes.some((pattern) => pattern.test(node.name));
    const included = settings.includeNodes.length === 0 || settings.includeNodes.some((pattern) => pattern.test(node.name));
    if (excluded || !included) continue;
    const at = skipped.findIndex((entry) => entry.name === node.name);
    if (at >= 0) skipped.splice(at, 1);
    found.push(node);
  }
  return found;
}

/** The Div or Mul by a constant float scalar that is the only reader of `product`. */
export function constantScaling(product: Value): FoldedScale | undefined {
  const uses = product.uses();
  if (uses.length !== 1 || product.isGraphOutput || uses[0]!.index !== 0) return undefined;
  const node = uses[0]!.node;
  if ((node.opType !== 'Div' && node.opType !== 'Mul') || node.domain !== '' || node.outputs[0]?.isGraphOutput) return undefined;
  const constant = node.inputs[1] === undefined ? undefined : constantTensorOf(node.inputs[1]);
  if (constant === undefined || constant.dtype !== DataType.FLOAT || constant.elementCount !== 1) return undefined;
  const c = constant.float32()[0]!;
  if (!Number.isFinite(c) || c === 0) return undefined;
  return { node, factor: node.opType === 'Div' ? 1 / c : c };
}

/**
 * The second operands of activation MatMuls (K and V) that can be int8, so those MatMuls run as
 * u8×s8, the pair the VNNI dot-product instruction multiplies (u8×u8 measured about 1.7× slower
 * on the attention shapes). Not when the tensor also feeds a weighted node or is a first operand
 * (those kernels want uint8 there), nor when an integer kernel would write it directly (a Conv,
 * an activation MatMul, a linear that cannot be a MatMul with a float bias Add): a kernel writes
 * its input's type.
 */
export function signedOperands(
  nodes: { linears: readonly LinearUnit[]; convolutions: readonly WeightedConv[]; activationMatMuls: readonly Node[] },
  sharing: ReadonlyMap<Value, Value>,
): Set<Value> {
  const originOf = (value: Value): Value => sharing.get(value) ?? value;
  const unsigned = new Set<Value>([
    ...nodes.linears.map((unit) => originOf(unit.match.activation)),
    ...nodes.linears.filter((unit) => !canBeMatMul(unit)).map((unit) => unit.output),
    ...nodes.convolutions.flatMap((conv) => [originOf(conv.activation), conv.node.output(0)]),
    ...nodes.activationMatMuls.flatMap((node) => [originOf(node.input(0)), node.output(0)]),
  ]);
  return new Set(nodes.activationMatMuls.map((node) => originOf(node.input(1))).filter((value) => !unsigned.has(value)));
}

function isFloat(value: Value): boolean {
  const type = value.tensorType?.elemType;
  return type === undefined || type === DataType.FLOAT;
}
