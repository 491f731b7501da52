import type { Node } from '../ir/node.js';
import type { Value } from '../ir/value.js';
import {
  isOp,
  producerOf,
  scalarConstant,
  smallConstantNumbers,
  sourceOf,
  splitConstantOperand,
} from './graph-walk.js';
import { LAYOUT_OPS } from './op-traits.js';

/** A LayerNorm: one LayerNormalization node, or the ops an older opset export spells it with. */
export interface LayerNormMatch {
  readonly style: 'fused' | 'decomposed';
  /** Every node of the LayerNorm; the last one produces its result. */
  readonly nodes: readonly Node[];
  /** The normalized tensor. */
  readonly input: Value;
  /** γ and β, when applied (constants in a decomposed LayerNorm). */
  readonly scale: Value | undefined;
  readonly bias: Value | undefined;
  /** ε; undefined when a decomposed LayerNorm adds a computed one. */
  readonly epsilon: number | undefined;
  /** The normalized axes: [-1] for the usual last-axis LayerNorm, undefined when computed. */
  readonly axes: readonly number[] | undefined;
}

/**
 * The LayerNorm whose result reaches `value` through layout ops only, or through `poolingOps` too
 * (the token pooling before a classifier).
 */
export function layerNormBefore(
  value: Value | undefined,
  poolingOps: readonly string[] = [],
): LayerNormMatch | undefined {
  let current = value;
  for (let step = 0; current !== undefined && step < 4; step++) {
    const match = matchLayerNorm(current);
    if (match !== undefined) return match;
    const producer = producerOf(current);
    current = isOp(producer, ...LAYOUT_OPS, ...poolingOps) ? producer.inputs[0] : undefined;
  }
  return undefined;
}

/**
 * The LayerNorm producing `value`. Decomposed (opset < 17), it is
 *   mean = ReduceMean(x); centered = x − mean;
 *   std = Sqrt(ReduceMean(centered²) + ε); y = centered / std [· γ] [+ β]
 * with the square as Pow(·, 2) or Mul(c, c), and the division possibly as · Reciprocal(std).
 */
export function matchLayerNorm(value: Value): LayerNormMatch | undefined {
  const last = producerOf(value);
  if (isOp(last, 'LayerNormalization')) return fusedLayerNorm(last);
  const nodes: Node[] = [];
  const affine = new Map<string, Value>();
  let current: Value | undefined = value;
  for (const affineOp of ['Add', 'Mul']) {
    const node: Node | undefined = producerOf(current);
    if (!isOp(node, affineOp)) continue;
    const split = splitConstantOperand(node);
    if (split === undefined) continue;
    nodes.push(node);
    affine.set(affineOp, split.constant);
    current = split.variable;
  }
  const normalize = producerOf(current);
  const parts = normalize === undefined ? undefined : normalizeOperands(normalize);
  if (parts === undefined) return undefined;
  const centering = centeringNodes(parts.centered);
  const deviation = deviationNodes(parts.deviation, parts.centered);
  if (centering === undefined || deviation === undefined) return undefined;
  const [mean] = centering as [Node, Node];
  const epsilonAdd = deviation.find((n) => n.opType === 'Add');
  return {
    style: 'decomposed',
    nodes: [...centering, ...deviation, ...parts.nodes, ...nodes.reverse()],
    input: mean.input(0),
    scale: affine.get('Mul'),
    bias: affine.get('Add'),
    epsilon:
      epsilonAdd === undefined ? 0 : scalarConstant(splitConstantOperand(epsilonAdd)?.constant),
    axes: reducedAxes(mean),
  };
}

function fusedLayerNorm(node: Node): LayerNormMatch {
  return {
    style: 'fused',
    nodes: [node],
    input: node.input(0),
    scale: node.inputs[1],
    bias: node.inputs[2],
    epsilon: node.float('epsilon', 1e-5),
    // LayerNormalization normalizes from `axis` to the last axis; only axis -1 is one axis.
    axes: node.int('axis', -1) === -1 ? [-1] : undefined,
  };
}

/** A ReduceMean's axes: an attribute before opset 18, a constant input from it. */
function reducedAxes(mean: Node): number[] | undefined {
  const axes = mean.ints('axes') ?? smallConstantNumbers(mean.inputs[1]);
  return axes === undefined ? undefined : [...axes];
}

/** centered / std, or centered · Reciprocal(std). */
function normalizeOperands(
  node: Node,
): { centered: Value; deviation: Value; nodes: Node[] } | undefined {
  const [a, b] = node.inputs;
  if (a === undefined || b === undefined) return undefined;
  if (isOp(node, 'Div')) return { centered: a, deviation: b, nodes: [node] };
  if (!isOp(node, 'Mul')) return undefined;
  for (const [centered, other] of [
    [a, b],
    [b, a],
  ] as const) {
    const reciprocal = producerOf(other);
    if (isOp(reciprocal, 'Reciprocal') && reciprocal.inputs[0] !== undefined) {
      return { centered, deviation: reciprocal.inputs[0], nodes: [reciprocal, node] };
    }
  }
  return undefined;
}

/** [ReduceMean, Sub] when `centered` is x − ReduceMean(x). */
function centeringNodes(centered: Value): Node[] | undefined {
  const sub = producerOf(centered);
  if (!isOp(sub, 'Sub')) return undefined;
  const mean = producerOf(sub.inputs[1]);
  if (!isOp(mean, 'ReduceMean') || !isSameData(mean.inputs[0], sub.inputs[0])) return undefined;
  return [mean, sub];
}

/** The nodes computing Sqrt(ReduceMean(centered²) + ε) into `deviation`. */
function deviationNodes(deviation: Value, centered: Value): Node[] | undefined {
  const sqrt = producerOf(deviation);
  if (!isOp(sqrt, 'Sqrt') || sqrt.inputs[0] === undefined) return undefined;
  let variance = sqrt.inputs[0];
  const nodes: Node[] = [sqrt];
  const epsilonAdd = producerOf(variance);
  const split = isOp(epsilonAdd, 'Add') ? splitConstantOperand(epsilonAdd) : undefined;
  if (epsilonAdd !== undefined && split !== undefined) {
    nodes.push(epsilonAdd);
    variance = split.variable;
  }
  const meanOfSquares = producerOf(variance);
  const square = producerOf(meanOfSquares?.inputs[0]);
  if (!isOp(meanOfSquares, 'ReduceMean') || square === undefined || !isSquareOf(square, centered))
    return undefined;
  return [square, meanOfSquares, ...nodes.reverse()];
}

function isSquareOf(node: Node, x: Value): boolean {
  if (isOp(node, 'Pow'))
    return isSameData(node.inputs[0], x) && scalarConstant(node.inputs[1]) === 2;
  return isOp(node, 'Mul') && isSameData(node.inputs[0], x) && isSameData(node.inputs[1], x);
}

function isSameData(a: Value | undefined, b: Value | undefined): boolean {
  return a !== undefined && sourceOf(a) === sourceOf(b);
}
