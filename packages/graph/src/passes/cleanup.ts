import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import type { Value } from '../ir/value.js';

/** What cleanup removed. */
export interface CleanupCounts {
  /** Nodes other than Constant; an If or Loop counts once, its bodies go with it. */
  readonly nodes: number;
  /** Constant nodes. */
  readonly constants: number;
  readonly initializers: number;
}

/**
 * Sweeps what cannot reach the outputs of `graph`: nodes (Constant nodes included) and
 * initializers, in the graph and every subgraph that stays. Liveness is traced back from the
 * outputs, so a dead chain goes in one call however its nodes are ordered. ONNX nodes have no
 * side effects, so a node is needed only for the values it computes; a value counts as needed
 * when a needed node reads it, also from inside one of its bodies, or when a graph or a needed
 * node's body returns it. Graph inputs and outputs always stay, and so do initializers that
 * double as graph inputs (a caller may feed them).
 *
 * Rewriting passes end with it instead of tracking what they replaced: whatever a pass forgets
 * would otherwise be saved, and onnxruntime warns about each unused initializer on every load.
 */
export function cleanup(graph: Graph): CleanupCounts {
  const { nodes: liveNodes, values: liveValues } = traceLive(graph);
  const graphs = graphsOfLiveNodes(graph, liveNodes);
  const dead = graphs.flatMap((g) => g.nodes.filter((node) => !liveNodes.has(node)));
  // Dead nodes may read one another (or be read from a dead node's body) in any order: cut them
  // all loose first, so that each can then be removed on its own.
  for (const node of dead) {
    node.setInputs([]);
    for (const body of node.subgraphs()) for (const inner of body.allNodes()) inner.setInputs([]);
  }
  let constants = 0;
  for (const node of dead) {
    if (node.opType === 'Constant' && node.domain === '') constants += 1;
    node.graph.removeNode(node);
  }
  let initializers = 0;
  for (const g of graphs) {
    for (const value of g.initializers) {
      if (liveValues.has(value) || value.isGraphInput || value.uses().length > 0) continue;
      g.removeInitializer(value);
      initializers += 1;
    }
    g.pruneDeadValues();
  }
  return { nodes: dead.length - constants, constants, initializers };
}

/** The nodes and values the outputs of `graph` depend on, across subgraph boundaries. */
function traceLive(graph: Graph): { nodes: Set<Node>; values: Set<Value> } {
  const scope = new Set(graph.allGraphs());
  const nodes = new Set<Node>();
  const values = new Set<Value>();
  const pending: Value[] = [...graph.outputs];
  while (pending.length > 0) {
    const value = pending.pop()!;
    if (values.has(value)) continue;
    values.add(value);
    const producer = value.producer();
    if (producer === undefined || nodes.has(producer) || !scope.has(producer.graph)) continue;
    nodes.add(producer);
    for (const input of producer.inputs) if (input !== undefined) pending.push(input);
    // A body's outputs are what the node computes from; its nodes' inputs follow from them,
    // including values captured from an enclosing scope.
    for (const body of producer.subgraphs()) pending.push(...body.outputs);
  }
  return { nodes, values };
}

/** `graph` and the bodies of its live nodes, nested ones included; a dead node's bodies go with it. */
function graphsOfLiveNodes(graph: Graph, live: ReadonlySet<Node>): Graph[] {
  const graphs = [graph];
  for (let i = 0; i < graphs.length; i++) {
    for (const node of graphs[i]!.nodes) if (live.has(node)) graphs.push(...node.subgraphs());
  }
  return graphs;
}
