import { VitOptError, cleanup, type Graph, type Model, type Node, type Value } from '@vit-opt/graph';
import { replaceSingleOutputNode } from '../graph/rewrite.js';
import { isValuePreserving } from './value-preserving-ops.js';

/** Minimum ai.onnx opset of QLinearMatMul and QLinearConv. */
const QOPERATOR_MIN_OPSET = 10;

/**
 * Rewrites QDQ node groups into explicit integer operators, for runtimes that do not fuse QDQ:
 *
 *   DQ(a), DQ(b) → MatMul → Q            ⇒ QLinearMatMul
 *   DQ(x), DQ(w)[, DQ(bias int32)] → Conv → Q ⇒ QLinearConv
 *   DQ → Reshape/Transpose/… → Q (same parameters) ⇒ the op on the 8-bit tensor
 *
 * Every other QuantizeLinear/DequantizeLinear stays, so the model keeps computing the same
 * values. Nodes are visited in graph order, so a rewritten group's output is already final when
 * its consumers are looked at.
 */
export function convertQdqToQOperator(model: Model): void {
  const opset = model.opset('') ?? 0;
  if (opset < QOPERATOR_MIN_OPSET) {
    throw new VitOptError('UNSUPPORTED', `the QOperator format needs opset ≥ ${QOPERATOR_MIN_OPSET}, the model imports ${opset}`, {
      subject: 'model',
    });
  }
  const graph = model.graph;
  // A rewrite removes the group's QuantizeLinear, which comes later in the list.
  const removed = new Set<Node>();
  for (const node of [...graph.nodes]) {
    if (removed.has(node)) continue;
    let quantizer: Node | undefined;
    if (node.opType === 'MatMul' && node.domain === '') quantizer = rewriteGroup(graph, node, 'QLinearMatMul');
    else if (node.opType === 'Conv' && node.domain === '') quantizer = rewriteGroup(graph, node, 'QLinearConv');
    else if (isValuePreserving(node)) quantizer = dropPair(graph, node);
    if (quantizer !== undefined) removed.add(quantizer);
  }
  // The rewritten groups leave their DequantizeLinear nodes unread, and the constants only those
  // read (the QLinear node takes the integer data and parameters directly).
  cleanup(graph);
}

/** The DequantizeLinear whose output `value` is, or undefined. */
function dequantizerOf(value: Value | undefined): Node | undefined {
  const producer = value?.producer();
  return producer?.opType === 'DequantizeLinear' && producer.domain === '' ? producer : undefined;
}

/** The QuantizeLinear that is the only reader of the node's output, or undefined. */
function soleQuantizer(node: Node): Node | undefined {
  const output = node.outputs[0];
  if (output === undefined || output.isGraphOutput || output.uses().length !== 1) return undefined;
  const consumer = output.uses()[0]!.node;
  return consumer.opType === 'QuantizeLinear' && consumer.domain === '' ? consumer : undefined;
}

/** Replaces the group of `node` by one QLinear node; returns the QuantizeLinear it removed. */
function rewriteGroup(graph: Graph, node: Node, qlinearOp: 'QLinearMatMul' | 'QLinearConv'): Node | undefined {
  const quantizer = soleQuantizer(node);
  const a = dequantizerOf(node.inputs[0]);
  const b = dequantizerOf(node.inputs[1]);
  if (quantizer === undefined || a === undefined || b === undefined) return undefined;
  const bias = node.inputs[2];
  const biasDequantizer = bias === undefined ? undefined : dequantizerOf(bias);
  if (bias !== undefined && biasDequantizer === undefined) return undefined;
  const triple = (dq: Node): (Value | undefined)[] => [dq.inputs[0], dq.inputs[1], dq.inputs[2]];
  const inputs = [...triple(a), ...triple(b), quantizer.inputs[1], quantizer.inputs[2]];
  if (biasDequantizer !== undefined) inputs.push(biasDequantizer.inputs[0]);
  replaceSingleOutputNode(quantizer, () =>
    graph.addNode(
      {
        opType: qlinearOp,
        name: `${node.name}_quant`,
        inputs,
        outputs: [`${node.output(0).name}_quantized`],
        attributes: [...node.attributes.values()],
      },
      { before: quantizer },
    ).output(0),
  );
  graph.removeNode(node);
  return quantizer;
}

/** DQ → op → Q with the same scale and zero point: the op runs on the 8-bit tensor instead. */
function dropPair(graph: Graph, node: Node): Node | undefined {
  const dequantizer = dequantizerOf(node.inputs[0]);
  const quantizer = soleQuantizer(node);
  if (dequantizer === undefined || quantizer === undefined) return undefined;
  if (dequantizer.inputs[1] !== quantizer.inputs[1] || dequantizer.inputs[2] !== quantizer.inputs[2]) return undefined;
  node.setInput(0, dequantizer.input(0));
  const output = node.output(0);
  const quantized = quantizer.output(0);
  const name = quantized.name;
  quantized.replaceAllUsesWith(output);
  graph.removeNode(quantizer);
  output.type = undefined;
  output.rename(name);
  return quantizer;
}
