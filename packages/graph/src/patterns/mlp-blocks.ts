import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import type { Value } from '../ir/value.js';
import { isOp, producerOf, variableInputs } from './graph-walk.js';
import { linearMatchOf, linearProducing, type LinearMatch } from './linear-layer.js';
import { findAttentionBlocks } from './attention-blocks.js';
import { ACTIVATION_ARITHMETIC_OPS, NONLINEAR_OPS } from './op-traits.js';

/** fc1 → activation → fc2. */
export interface MlpMatch {
  readonly fc1: LinearMatch;
  readonly fc2: LinearMatch;
}

/** GELU written with Erf is 5 ops deep, its tanh form 8. */
const MAX_ACTIVATION_DEPTH = 10;

/**
 * Pairs of Linear layers joined by an activation and nothing else, in graph order of fc2. Layers in
 * `claimed` (attention projections) are never part of an MLP.
 */
export function findMlpBlocks(
  graph: Graph,
  claimed: ReadonlySet<Node> = attentionProjections(graph),
): MlpMatch[] {
  const blocks: MlpMatch[] = [];
  for (const node of graph.nodes) {
    const fc2 = claimed.has(node) ? undefined : linearMatchOf(node);
    const fc1 = fc2 === undefined ? undefined : linearBehindActivation(fc2.input);
    if (fc2 === undefined || fc1 === undefined || claimed.has(fc1.node)) continue;
    if (fc1.outFeatures === fc2.inFeatures) blocks.push({ fc1, fc2 });
  }
  return blocks;
}

/**
 * The Linear whose output an activation turns into `value`. The activation is a small region of
 * arithmetic around at least one nonlinear op, and every path back through it must end at that
 * same Linear.
 */
function linearBehindActivation(value: Value | undefined): LinearMatch | undefined {
  const sources = new Set<Node>();
  let sawNonlinearity = false;
  let escaped = false;
  const visited = new Set<Value>();
  const visit = (current: Value, depth: number): void => {
    if (escaped || visited.has(current)) return;
    visited.add(current);
    const linear = linearProducing(current);
    if (linear !== undefined) {
      sources.add(linear.node);
      return;
    }
    const node = producerOf(current);
    const nonlinear = isOp(node, ...NONLINEAR_OPS);
    if (depth >= MAX_ACTIVATION_DEPTH || !(nonlinear || isOp(node, ...ACTIVATION_ARITHMETIC_OPS))) {
      escaped = true;
      return;
    }
    sawNonlinearity ||= nonlinear;
    for (const input of variableInputs(node!)) visit(input, depth + 1);
  };
  if (value === undefined) return undefined;
  visit(value, 0);
  if (escaped || !sawNonlinearity || sources.size !== 1) return undefined;
  return linearMatchOf([...sources][0]);
}

function attentionProjections(graph: Graph): Set<Node> {
  const nodes = new Set<Node>();
  for (const block of findAttentionBlocks(graph)) {
    for (const linear of [block.query, block.key, block.value, block.output])
      if (linear !== undefined) nodes.add(linear.node);
  }
  return nodes;
}
