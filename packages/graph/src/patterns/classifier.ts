import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import type { Value } from '../ir/value.js';
import { isOp, producerOf } from './graph-walk.js';
import { linearProducing, type LinearMatch } from './linear-layer.js';
import { LOGIT_OUTPUT_OPS } from './op-traits.js';

/**
 * The classification head: the Linear that produces the first graph output able to be traced back
 * to one (through a final softmax or reshape). Layers in `claimed` belong to the encoder.
 */
export function findClassifier(graph: Graph, claimed: ReadonlySet<Node>): LinearMatch | undefined {
  for (const output of graph.outputs) {
    const linear = linearBefore(output);
    if (linear !== undefined && !claimed.has(linear.node)) return linear;
  }
  return undefined;
}

function linearBefore(value: Value): LinearMatch | undefined {
  let current: Value | undefined = value;
  for (let step = 0; current !== undefined && step < 4; step++) {
    const linear = linearProducing(current);
    if (linear !== undefined) return linear;
    const producer = producerOf(current);
    current = isOp(producer, ...LOGIT_OUTPUT_OPS) ? producer.inputs[0] : undefined;
  }
  return undefined;
}
