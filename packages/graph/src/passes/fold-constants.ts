import { Graph } from '../ir/graph.js';
import { Model } from '../ir/model.js';
import type { Node } from '../ir/node.js';
import type { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { constantOf, replaceNodeWithConstants } from './constants.js';
import { changed, definePass, type ConstantEvaluator, type PassResult } from './pass.js';

/** Ops whose result is not a function of their inputs, or whose outputs are not tensors. */
const NEVER_FOLDED = new Set([
  'RandomNormal',
  'RandomUniform',
  'RandomNormalLike',
  'RandomUniformLike',
  'Multinomial',
  'Bernoulli',
  'Constant',
  'SequenceAt',
  'SequenceConstruct',
  'SequenceEmpty',
  'SequenceErase',
  'SequenceInsert',
  'SequenceLength',
  'SequenceMap',
  'SplitToSequence',
  'ConcatFromSequence',
  'Optional',
  'OptionalGetElement',
  'OptionalHasElement',
]);

/** A folded constant larger than this stays computed at run time (ConstantOfShape, Expand, Tile…). */
const MAX_FOLDED_BYTES = 16 * 1024 * 1024;

/**
 * Evaluates every node whose inputs are all constant, once, through the evaluator the caller
 * passes in (so the graph package depends on no runtime), and replaces those values by
 * initializers.
 */
export const foldConstants = definePass('fold-constants', async (model, context): Promise<PassResult> => {
  if (context.evaluator === undefined) return { modified: false, notes: ['skipped: no evaluator'] };
  let count = 0;
  for (const graph of [...model.graph.allGraphs()]) {
    count += await foldGraph(model, graph, context.evaluator);
  }
  return changed(count, (n) => `folded ${n} constant values`);
});

async function foldGraph(model: Model, graph: Graph, evaluator: ConstantEvaluator): Promise<number> {
  const foldable = new Set<Node>();
  const constantInputs = new Set<Value>();
  for (const node of graph.nodes) {
    if (!isFoldableOp(node)) continue;
    const inputs = node.inputs.filter((v): v is Value => v !== undefined);
    if (inputs.length === 0) continue;
    const allConstant = inputs.every((v) => {
      const producer = v.producer();
      return producer === undefined ? constantOf(v) !== undefined : foldable.has(producer);
    });
    if (!allConstant) continue;
    foldable.add(node);
    for (const v of inputs) if (v.producer() === undefined) constantInputs.add(v);
  }
  // Fold only what the rest of the graph consumes; intermediate values die with their nodes.
  const frontier: Value[] = [];
  for (const node of foldable) {
    for (const out of node.outputs) {
      if (out === undefined || out.isGraphOutput) continue;
      if (out.uses().some((u) => !foldable.has(u.node))) frontier.push(out);
    }
  }
  if (frontier.length === 0) return 0;

  const results = await evaluator(
    evaluationModel(model, graph, foldable, constantInputs, frontier),
    frontier.map((v) => v.name),
  );
  let count = 0;
  for (const value of frontier) {
    const tensor = results.get(value.name);
    if (tensor === undefined || tensor.byteLength > MAX_FOLDED_BYTES) continue;
    const producer = value.producer();
    if (producer === undefined) continue;
    const everyOutputFolded = producer.outputs.every(
      (o) => o === undefined || o === value || o.uses().length === 0,
    );
    if (everyOutputFolded && !producer.outputs.some((o) => o?.isGraphOutput)) {
      replaceNodeWithConstants(
        producer,
        producer.outputs.map((o) => (o === value ? tensor : undefined)) as Tensor[],
      );
    } else {
      value.replaceAllUsesWith(graph.addInitializer(tensor, value.name));
    }
    count += 1;
  }
  return count;
}

function isFoldableOp(node: Node): boolean {
  return node.domain === '' && !NEVER_FOLDED.has(node.opType) && node.subgraphs().length === 0;
}

/** A standalone model holding just the constant subgraph, its constant inputs as initializers. */
function evaluationModel(
  model: Model,
  graph: Graph,
  nodes: ReadonlySet<Node>,
  constants: ReadonlySet<Value>,
  outputs: readonly Value[],
): Model {
  const sub = new Graph({ name: 'constant_folding' });
  const copies = new Map<Value, Value>();
  for (const v of constants) {
    const copy = sub._defineValue(v.name);
    sub.setInitializer(copy, v.initializer!.withName(v.name));
    copies.set(v, copy);
  }
  for (const node of graph.nodes) {
    if (!nodes.has(node)) continue;
    const clone = sub.addNode({
      opType: node.opType,
      domain: node.domain,
      inputs: node.inputs.map((v) => (v === undefined ? undefined : copies.get(v))),
      outputs: 0,
      attributes: [...node.attributes.values()],
    });
    node.outputs.forEach((out, i) => {
      if (out === undefined) return;
      const copy = sub._defineValue(out.name);
      clone._setOutput(i, copy);
      copies.set(out, copy);
    });
  }
  sub.outputs = outputs.map((v) => copies.get(v)!);
  // ONNX before IR 4 required initializers to be graph inputs; the evaluation model needs none.
  return new Model({
    irVersion: Math.max(model.irVersion, 4),
    opsetImports: new Map(model.opsetImports),
    graph: sub,
  });
}
