import { constantTensorOf, type Graph, type Node, type Value } from '@vit-opt/graph';
import {
  MICROSOFT_DOMAIN,
  constantVector,
  isSelfContained,
  takeOver,
  type SkippedFusion,
} from './fusion-graph.js';

/** Gelu(x), or BiasGelu(product, bias) when x is a Linear's output. */
export type GeluFusionStyle = 'gelu' | 'bias-gelu';

export interface GeluFusionResult {
  /** Gelu nodes made (com.microsoft), named by the Erf they replace. */
  readonly gelu: string[];
  /** BiasGelu nodes made: the GELU of a Linear, its bias Add taken in. */
  readonly biasGelu: string[];
  readonly skipped: SkippedFusion[];
}

const SQRT2 = Math.SQRT2;
const TOLERANCE = 1e-3;

/**
 * The exact (erf) GELU as PyTorch exports it,
 *   0.5 · x · (1 + erf(x / √2))   (the / √2 may be · 1/√2, the · 0.5 may come first),
 * becomes com.microsoft Gelu(x); with 'bias-gelu', when x is a Linear's output plus a constant
 * bias vector, BiasGelu(product, bias).
 */
export function fuseGelu(graph: Graph, style: GeluFusionStyle): GeluFusionResult {
  const result: GeluFusionResult = { gelu: [], biasGelu: [], skipped: [] };
  for (const erf of graph.nodes.filter((n) => n.opType === 'Erf' && n.domain === '')) {
    const match = matchGelu(erf);
    if (match === undefined) continue;
    if (!isSelfContained(match.nodes, match.output)) {
      result.skipped.push({
        node: erf.name,
        reason: 'an intermediate value of the GELU is used elsewhere',
      });
      continue;
    }
    const bias = style === 'bias-gelu' ? biasOf(match.x, match.nodes) : undefined;
    const before = match.nodes.at(-1)!;
    const fused = graph.addNode(
      bias === undefined
        ? { opType: 'Gelu', domain: MICROSOFT_DOMAIN, name: `${erf.name}_Gelu`, inputs: [match.x] }
        : {
            opType: 'BiasGelu',
            domain: MICROSOFT_DOMAIN,
            name: `${erf.name}_BiasGelu`,
            inputs: [bias.input, bias.bias],
          },
      { before },
    );
    takeOver(
      match.output,
      fused.output(0),
      bias === undefined ? match.nodes : [bias.add, ...match.nodes],
    );
    (bias === undefined ? result.gelu : result.biasGelu).push(fused.name);
  }
  return result;
}

interface GeluMatch {
  readonly x: Value;
  readonly nodes: Node[];
  readonly output: Value;
}

function matchGelu(erf: Node): GeluMatch | undefined {
  const scaling = erf.inputs[0]?.producer();
  const x = scaling === undefined ? undefined : scaledOperand(scaling);
  const onePlus = soleUser(erf.output(0), 'Add');
  if (x === undefined || onePlus === undefined || !addsOne(onePlus, erf.output(0)))
    return undefined;
  // Either (x · (1 + erf)) · 0.5 or (x · 0.5) · (1 + erf).
  const product = soleUser(onePlus.output(0), 'Mul');
  if (product === undefined) return undefined;
  const other = otherInput(product, onePlus.output(0));
  if (other === x) {
    const half = soleUser(product.output(0), 'Mul');
    if (half === undefined || !multipliesBy(half, product.output(0), 0.5)) return undefined;
    return { x, nodes: [scaling!, erf, onePlus, product, half], output: half.output(0) };
  }
  const halfFirst = other?.producer();
  if (halfFirst === undefined || !multipliesBy(halfFirst, x, 0.5)) return undefined;
  return { x, nodes: [scaling!, erf, onePlus, halfFirst, product], output: product.output(0) };
}

/** x when `node` is x / √2 or x · (1/√2). */
function scaledOperand(node: Node): Value | undefined {
  const [a, b] = node.inputs;
  if (a === undefined || b === undefined) return undefined;
  const c = scalar(b);
  if (node.opType === 'Div' && c !== undefined && Math.abs(c - SQRT2) < TOLERANCE) return a;
  if (node.opType === 'Mul') {
    if (c !== undefined && Math.abs(c - 1 / SQRT2) < TOLERANCE) return a;
    const c0 = scalar(a);
    if (c0 !== undefined && Math.abs(c0 - 1 / SQRT2) < TOLERANCE) return b;
  }
  return undefined;
}

function addsOne(add: Node, value: Value): boolean {
  return scalar(otherInput(add, value)) === 1;
}

function multipliesBy(mul: Node, value: Value, factor: number): boolean {
  return mul.opType === 'Mul' && mul.domain === '' && scalar(otherInput(mul, value)) === factor;
}

function otherInput(node: Node, value: Value): Value | undefined {
  const [a, b] = node.inputs;
  if (a === value) return b;
  if (b === value) return a;
  return undefined;
}

function soleUser(value: Value, opType: string): Node | undefined {
  const uses = value.uses();
  if (uses.length !== 1 || value.isGraphOutput) return undefined;
  const node = uses[0]!.node;
  return node.opType === opType && node.domain === '' ? node : undefined;
}

function scalar(value: Value | undefined): number | undefined {
  const tensor = value === undefined ? undefined : constantTensorOf(value);
  if (tensor === undefined || tensor.elementCount !== 1) return undefined;
  return tensor.toNumbers()[0];
}

/** x = product + bias (a constant vector) where nothing but the GELU reads x. */
function biasOf(
  x: Value,
  gelu: readonly Node[],
): { add: Node; input: Value; bias: Value } | undefined {
  const add = x.producer();
  if (add?.opType !== 'Add' || add.domain !== '' || x.isGraphOutput) return undefined;
  if (!x.uses().every((use) => gelu.includes(use.node))) return undefined;
  const [a, b] = add.inputs;
  if (a === undefined || b === undefined) return undefined;
  for (const [input, bias] of [
    [a, b],
    [b, a],
  ] as const) {
    if (constantVector(bias) !== undefined && constantVector(input) === undefined)
      return { add, input, bias };
  }
  return undefined;
}
