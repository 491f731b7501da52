import type { Graph } from '../ir/graph.js';
import type { Model } from '../ir/model.js';
import { changed, definePass, type PassResult } from './pass.js';

/**
 * Removes nodes whose outputs nothing uses, then initializers nothing uses, sweeping back from
 * the graph outputs, in every graph. Uses inside subgraphs count as uses.
 */
export const eliminateDeadCode = definePass('eliminate-dead-code', (model: Model): PassResult => {
  let nodes = 0;
  let initializers = 0;
  for (const graph of [...model.graph.allGraphs()]) nodes += removeDeadNodes(graph);
  for (const graph of [...model.graph.allGraphs()]) {
    for (const value of graph.initializers) {
      if (value.uses().length === 0 && !value.isGraphOutput && !value.isGraphInput) {
        graph.removeInitializer(value);
        initializers += 1;
      }
    }
    graph.pruneDeadValues();
  }
  const notes = [
    ...(changed(nodes, (n) => `removed ${n} dead nodes`).notes ?? []),
    ...(changed(initializers, (n) => `removed ${n} unused initializers`).notes ?? []),
  ];
  return { modified: notes.length > 0, notes };
});

function removeDeadNodes(graph: Graph): number {
  let removed = 0;
  // Reverse order removes a chain of dead nodes in one sweep.
  for (const node of [...graph.nodes].reverse()) {
    const live = node.outputs.some((out) => out !== undefined && (out.uses().length > 0 || out.isGraphOutput));
    if (live) continue;
    graph.removeNode(node);
    removed += 1;
  }
  return removed;
}
