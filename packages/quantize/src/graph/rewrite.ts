import { constantTensorOf, DataType, Tensor, type Graph, type Model, type Node, type Value } from '@vit-opt/graph';
import { gemmAddend, type WeightedMatMul } from './weighted-nodes.js';

/**
 * Replaces a single-output node by nodes that compute the same value: `emit` inserts them before
 * `node` and returns the value they compute, which then takes over the old output's uses,
 * graph-output slot, type and name, so nothing downstream changes.
 */
export function replaceSingleOutputNode(node: Node, emit: () => Value): Value {
  const old = node.output(0);
  const name = old.name;
  const replacement = emit();
  old.replaceAllUsesWith(replacement);
  replacement.type = old.type;
  replacement.declared = old.declared;
  replacement.docString = old.docString;
  replacement.metadataProps = old.metadataProps;
  node.graph.removeNode(node);
  replacement.rename(name);
  return replacement;
}

/**
 * Adds a Gemm's C (times beta) after the MatMul that replaces it: Add(product, C), the constant
 * second, which is the order onnxruntime's bias fusions look for. Returns the sum, or the product
 * when the node adds no C of its own (a MatMul's bias Add stays where it is).
 */
export function addGemmBias(
  graph: Graph,
  match: WeightedMatMul,
  product: Value,
  before: Node,
): Value {
  const c = gemmAddend(match.linear);
  if (c === undefined) return product;
  const { beta } = match.linear;
  let bias = c;
  if (beta !== 1) {
    // The finder admits beta ≠ 1 only for a constant C.
    const data = constantTensorOf(c)!;
    bias = graph.addInitializer(
      Tensor.fromArray({ dtype: DataType.FLOAT, dims: data.dims }, data.float32().map((v) => v * beta)),
      `${c.name}_beta`,
    );
  }
  const add = graph.addNode(
    {
      opType: 'Add',
      name: `${match.node.name}_bias`,
      inputs: [product, bias],
      outputs: [`${match.node.name}_bias_output`],
    },
    { before },
  );
  return add.output(0);
}

/** Bytes of every initializer of the model, subgraphs included. */
export function initializerBytes(model: Model): number {
  let bytes = 0;
  for (const graph of model.graph.allGraphs())
    for (const value of graph.initializers) bytes += value.initializer!.byteLength;
  return bytes;
}

/** A constant added to `graph` under a name derived from `baseName`. */
export function addTensor(
  graph: Graph,
  baseName: string,
  dtype: DataType,
  dims: readonly number[],
  data: Float32Array | Int8Array | Uint8Array,
): Value {
  return graph.addInitializer(Tensor.fromArray({ dtype, dims }, data), baseName);
}
