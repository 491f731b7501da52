import type { Node } from '../ir/node.js';
import type { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';

/** The constant data of `value`, if it is a true constant (an initializer not overridable as an input). */
export function constantOf(value: Value | undefined): Tensor | undefined {
  if (value === undefined || value.initializer === undefined || value.isGraphInput) return undefined;
  return value.initializer;
}

/**
 * Turns `node`'s output values into constants holding `tensors` and removes the node; the values
 * keep their names, so nothing downstream changes.
 */
export function replaceNodeWithConstants(node: Node, tensors: readonly Tensor[]): void {
  const graph = node.graph;
  const outputs = [...node.outputs];
  graph.removeNode(node, { keepOutputs: true });
  outputs.forEach((out, i) => {
    const tensor = tensors[i];
    if (out === undefined || tensor === undefined) return;
    graph.setInitializer(out, tensor.withName(out.name));
  });
  for (const out of outputs) if (out !== undefined && out.initializer === undefined) graph.pruneDeadValues();
}
